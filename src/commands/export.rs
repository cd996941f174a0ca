//! Cases and their notifications as CSV or JSON, for post-incident reviews.

use serde_json::{Value, json};

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
pub fn cases_csv(cases: &[(Case, Timeline)]) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
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
            let notified: Vec<_> = timeline
                .notifications
                .iter()
                .filter(|n| n.event_id == event.id)
                .collect();
            if notified.is_empty() {
                out.write_record(
                    case_cells
                        .iter()
                        .chain(&event_cells)
                        .chain(&[
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                            String::new(),
                        ])
                        .map(|c| spreadsheet_cell(c).into_owned()),
                )?;
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
                out.write_record(
                    case_cells
                        .iter()
                        .chain(&event_cells)
                        .chain(&cells)
                        .map(|c| spreadsheet_cell(c).into_owned()),
                )?;
            }
        }
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// The cases with their events, each event with the people it notified.
pub fn cases_json(cases: &[(Case, Timeline)]) -> Value {
    let cases: Vec<Value> = cases
        .iter()
        .map(|(case, timeline)| {
            let events: Vec<Value> = timeline
                .events
                .iter()
                .map(|event| {
                    let notified: Vec<Value> = timeline
                        .notifications
                        .iter()
                        .filter(|n| n.event_id == event.id)
                        .map(|n| {
                            let (kind, id) = recipient(n.recipient);
                            json!({"kind": kind, "id": id.to_string(), "who": n.label, "method": n.method,
                                   "at": n.at.to_rfc3339(), "delivery": n.delivery.as_str(),
                                   "reason": n.reason})
                        })
                        .collect();
                    json!({"id": event.id, "kind": event.kind.as_str(), "at": event.at.to_rfc3339(),
                           "actor": event.actor.map(|a| a.to_string()), "detail": event.detail, "notified": notified})
                })
                .collect();
            json!({
                "case": case.number, "vendor": case.vendor.as_str(), "vendor_name": case.vendor_name,
                "severity": case.severity.as_str(), "vendor_severity": case.vendor_severity,
                "status": case.status.as_str(), "summary": case.summary, "vendor_case_id": case.vendor_case_id,
                "link": case.link, "channel_id": case.channel_id.map(|c| c.to_string()),
                "opened_by": case.opened_by.to_string(), "opened_at": case.opened_at.to_rfc3339(),
                "response_due": case.response_due.map(|t| t.to_rfc3339()),
                "vendor_responded_at": case.vendor_responded_at.map(|t| t.to_rfc3339()),
                "closed_at": case.closed_at.map(|t| t.to_rfc3339()), "resolution": case.resolution,
                "escalation_level": case.escalation_level + 1, "events": events,
            })
        })
        .collect();
    Value::Array(cases)
}
