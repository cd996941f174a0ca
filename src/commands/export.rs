//! Cases and their notifications as CSV or JSON, for post-incident reviews.
//!
//! Both are written as they are produced (to stdout by `backline cases export`), not built
//! in memory first: a guild's whole history is tens of megabytes of text.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use crate::domain::{
    Timeline,
    case::{Case, Recipient},
    text::spreadsheet_cell,
};

const HEADER: [&str; 25] = [
    "case",
    "vendor",
    "severity",
    "vendor_severity",
    "status",
    "summary",
    "vendor_case_id",
    "link",
    "opened_by",
    "opened_at",
    "response_due",
    "vendor_responded_at",
    "closed_at",
    "resolution",
    "event_id",
    "event",
    "event_at",
    "event_actor",
    "event_detail",
    "recipient_kind",
    "recipient_id",
    "recipient",
    "method",
    "delivery",
    "delivery_reason",
];

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn recipient(r: Recipient) -> (&'static str, u64) {
    match r {
        Recipient::User(id) => ("user", id),
        Recipient::Role(id) => ("role", id),
    }
}

/// One row per notification (and one per event that notified nobody), each with its case.
/// A cell that a spreadsheet would run as a formula is prefixed with `'` (see
/// [`spreadsheet_cell`]); the JSON export keeps every value exact.
pub fn write_cases_csv(out: impl Write, cases: &[(Case, Timeline)]) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(out);
    out.write_record(HEADER)?;
    let no_recipient: [String; 6] = Default::default();
    for (case, timeline) in cases {
        let case_cells = [
            case.number.to_string(),
            case.vendor.to_string(),
            case.severity.to_string(),
            case.vendor_severity.clone().unwrap_or_default(),
            case.status.to_string(),
            case.summary.clone(),
            case.vendor_case_id.clone().unwrap_or_default(),
            case.link.clone().unwrap_or_default(),
            case.opened_by.to_string(),
            case.opened_at.to_rfc3339(),
            time(case.response_due),
            time(case.vendor_responded_at),
            time(case.closed_at),
            case.resolution.clone().unwrap_or_default(),
        ];
        for event in &timeline.events {
            let event_cells = [
                event.id.to_string(),
                event.kind.as_str().to_owned(),
                event.at.to_rfc3339(),
                event.actor.map(|a| a.to_string()).unwrap_or_default(),
                event.detail.clone(),
            ];
            let mut notified = timeline
                .notifications
                .iter()
                .filter(|n| n.event_id == event.id)
                .peekable();
            if notified.peek().is_none() {
                write_row(&mut out, [&case_cells[..], &event_cells, &no_recipient])?;
            }
            for n in notified {
                let (kind, id) = recipient(n.recipient);
                let cells = [
                    kind.to_owned(),
                    id.to_string(),
                    n.label.clone(),
                    n.method.clone(),
                    n.delivery.as_str().to_owned(),
                    n.reason.clone().unwrap_or_default(),
                ];
                write_row(&mut out, [&case_cells[..], &event_cells, &cells])?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn write_row<W: Write>(out: &mut csv::Writer<W>, parts: [&[String]; 3]) -> csv::Result<()> {
    for cell in parts.into_iter().flatten() {
        out.write_field(spreadsheet_cell(cell).as_bytes())?;
    }
    out.write_record(None::<&[u8]>)
}

/// [`write_cases_csv`] into a string.
pub fn cases_csv(cases: &[(Case, Timeline)]) -> anyhow::Result<String> {
    let mut out = Vec::new();
    write_cases_csv(&mut out, cases)?;
    Ok(String::from_utf8(out)?)
}

/// The cases with their events, each event with the people it notified, pretty-printed.
pub fn write_cases_json(out: impl Write, cases: &[(Case, Timeline)]) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &CasesJson(cases))
}

/// [`write_cases_json`]'s document as a value.
pub fn cases_json(cases: &[(Case, Timeline)]) -> Value {
    // Cannot fail: every map of these structs has string keys.
    serde_json::to_value(CasesJson(cases)).unwrap_or(Value::Null)
}

struct CasesJson<'a>(&'a [(Case, Timeline)]);

impl Serialize for CasesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .map(|(case, timeline)| CaseJson::new(case, timeline)),
        )
    }
}

fn rfc3339(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

// The fields of these three are in alphabetical order, the order the export has always
// had (it was built as a `serde_json::Value`, whose maps are sorted).
#[derive(Serialize)]
struct CaseJson<'a> {
    case: i64,
    channel_id: Option<String>,
    closed_at: Option<String>,
    escalation_level: usize,
    events: Vec<EventJson<'a>>,
    link: &'a Option<String>,
    opened_at: String,
    opened_by: String,
    resolution: &'a Option<String>,
    response_due: Option<String>,
    severity: &'static str,
    status: &'static str,
    summary: &'a str,
    vendor: &'a str,
    vendor_case_id: &'a Option<String>,
    vendor_name: &'a str,
    vendor_responded_at: Option<String>,
    vendor_severity: &'a Option<String>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    actor: Option<String>,
    at: String,
    detail: &'a str,
    id: i64,
    kind: &'static str,
    notified: Vec<NotifiedJson<'a>>,
}

#[derive(Serialize)]
struct NotifiedJson<'a> {
    at: String,
    delivery: &'static str,
    id: String,
    kind: &'static str,
    method: &'a str,
    reason: &'a Option<String>,
    who: &'a str,
}

impl<'a> CaseJson<'a> {
    fn new(case: &'a Case, timeline: &'a Timeline) -> Self {
        let events = timeline
            .events
            .iter()
            .map(|event| EventJson {
                actor: event.actor.map(|a| a.to_string()),
                at: event.at.to_rfc3339(),
                detail: &event.detail,
                id: event.id,
                kind: event.kind.as_str(),
                notified: timeline
                    .notifications
                    .iter()
                    .filter(|n| n.event_id == event.id)
                    .map(|n| {
                        let (kind, id) = recipient(n.recipient);
                        NotifiedJson {
                            at: n.at.to_rfc3339(),
                            delivery: n.delivery.as_str(),
                            id: id.to_string(),
                            kind,
                            method: &n.method,
                            reason: &n.reason,
                            who: &n.label,
                        }
                    })
                    .collect(),
            })
            .collect();
        CaseJson {
            case: case.number,
            channel_id: case.channel_id.map(|c| c.to_string()),
            closed_at: rfc3339(case.closed_at),
            escalation_level: case.escalation_level + 1,
            events,
            link: &case.link,
            opened_at: case.opened_at.to_rfc3339(),
            opened_by: case.opened_by.to_string(),
            resolution: &case.resolution,
            response_due: rfc3339(case.response_due),
            severity: case.severity.as_str(),
            status: case.status.as_str(),
            summary: &case.summary,
            vendor: case.vendor.as_str(),
            vendor_case_id: &case.vendor_case_id,
            vendor_name: &case.vendor_name,
            vendor_responded_at: rfc3339(case.vendor_responded_at),
            vendor_severity: &case.vendor_severity,
        }
    }
}
