//! Cases opened with a vendor: their state, their timeline, and who was notified.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{Severity, Vendor, VendorSlug, text};

/// Where a case stands. The response clock runs only while it is `Open`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseStatus {
    Open,
    VendorResponded,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 3] = [Self::Open, Self::VendorResponded, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::VendorResponded => "vendor-responded",
            Self::Closed => "closed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(input.trim()))
            .ok_or_else(|| format!("`{input}` is not a case status: use open, vendor-responded or closed"))
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest vendor case ID a case records.
pub const VENDOR_CASE_ID_MAX: usize = 100;
/// Longest link to the vendor's case.
pub const LINK_MAX: usize = 500;
/// Longest note or resolution (a note fits one Discord embed field).
pub const NOTE_MAX: usize = 1000;

/// What someone wrote to describe the problem: one line, not blank, at most 200 characters
/// (so it fits a Discord title and a CSV cell alike).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary(String);

impl CaseSummary {
    pub const MAX_CHARS: usize = 200;

    /// Checked by the common text rules (docs/plans-format.md, "Text"); line breaks are
    /// allowed in (the form's box has several lines) and folded into spaces.
    pub fn parse(input: &str) -> Result<Self, String> {
        let rule = text::TextRule {
            lines: text::Lines::Multi,
            max_chars: Self::MAX_CHARS,
        };
        match text::required("summary", input, rule) {
            Ok(s) => Ok(Self(s.split_whitespace().collect::<Vec<_>>().join(" "))),
            Err(_) if input.trim().is_empty() => {
                Err("The summary is empty: say in a sentence what is broken.".into())
            }
            Err(e) if input.chars().count() > Self::MAX_CHARS => Err(format!(
                "{e} Put the details in the vendor case and keep the summary to one sentence."
            )),
            Err(e) => Err(e),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One line of free text a member typed (vendor case ID, link, note, resolution, a name),
/// checked by the common text rules and bounded so it always fits what shows it; `None`
/// when blank.
pub fn bounded_text(field: &str, input: &str, max: usize) -> Result<Option<String>, String> {
    let rule = text::TextRule {
        lines: text::Lines::Single,
        max_chars: max,
    };
    text::optional(field, input, rule)
}

/// A case as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub number: i64,
    pub vendor: VendorSlug,
    pub vendor_name: String,
    pub severity: Severity,
    /// The vendor's name for our severity, when the plan gives one.
    pub vendor_severity: Option<String>,
    pub summary: String,
    pub vendor_case_id: Option<String>,
    pub link: Option<String>,
    pub channel_id: Option<u64>,
    pub opened_by: u64,
    pub opened_at: DateTime<Utc>,
    /// When the contracted first response is due; none when the plan promises none.
    pub response_due: Option<DateTime<Utc>>,
    pub status: CaseStatus,
    /// Index of the escalation level reached (0: the first level, notified on opening).
    pub escalation_level: usize,
    pub vendor_responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

impl Case {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == CaseStatus::Open && self.response_due.is_some_and(|due| due <= now)
    }
}

/// When the plan's first response is due for a case opened at `opened_at`: the contracted
/// time from then, or from the next opening when the plan is closed at that moment.
pub fn response_due(vendor: &Vendor, severity: Severity, opened_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    vendor.plan.as_ref()?.response_due(severity, opened_at)
}

/// What happened to a case, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Opened,
    Escalated,
    Updated,
    VendorResponded,
    Closed,
    /// The response clock ran out and backline said so in the channel.
    Reminder,
    /// What the vendor's status page said: at opening, then each change while open.
    VendorStatus,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Escalated => "escalated",
            Self::Updated => "updated",
            Self::VendorResponded => "vendor-responded",
            Self::Closed => "closed",
            Self::Reminder => "reminder",
            Self::VendorStatus => "vendor-status",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Opened,
            Self::Escalated,
            Self::Updated,
            Self::VendorResponded,
            Self::Closed,
            Self::Reminder,
            Self::VendorStatus,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// Who did it (none for backline's own reminders).
    pub actor: Option<u64>,
    pub detail: String,
}

/// Who is pinged: a Discord user or a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    User(u64),
    Role(u64),
}

/// Someone to notify, and why (shown in the timeline: "Dana Whitfield (owner)").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyTarget {
    pub recipient: Recipient,
    pub label: String,
}

/// Whether a notification message reached Discord.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Recorded with the event; the message is being sent.
    Pending,
    Sent,
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One person or role notified for one case event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub event_id: i64,
    pub recipient: Recipient,
    pub label: String,
    /// How: `channel-mention` (a message in the case's channel that mentions them).
    pub method: String,
    pub at: DateTime<Utc>,
    pub delivery: Delivery,
    /// Why the message that should have notified them failed (Discord's answer).
    pub reason: Option<String>,
}

/// The people and roles to notify when a case opens, each once: owner, backup, the first
/// escalation level's contacts that have Discord IDs, and the roles configured for the severity.
pub fn opening_targets(vendor: &Vendor, severity: Severity) -> Vec<NotifyTarget> {
    let mut targets = Vec::new();
    let mut push = |recipient: Recipient, label: String| {
        if !targets.iter().any(|t: &NotifyTarget| t.recipient == recipient) {
            targets.push(NotifyTarget { recipient, label });
        }
    };
    if let Some(id) = vendor.owner.discord_id {
        push(
            Recipient::User(id.get()),
            format!("{} (owner)", vendor.owner.name),
        );
    }
    if let Some(backup) = &vendor.backup
        && let Some(id) = backup.discord_id
    {
        push(Recipient::User(id.get()), format!("{} (backup)", backup.name));
    }
    if let Some(level) = vendor.escalation.first() {
        for contact in &level.contacts {
            if let Some(id) = contact.discord_id {
                push(
                    Recipient::User(id.get()),
                    format!("{} ({})", contact.name, level.name),
                );
            }
        }
    }
    for role in vendor.notify_roles.get(severity).into_iter().flatten() {
        push(Recipient::Role(role.get()), format!("role for {severity}"));
    }
    targets
}

/// The contacts with Discord IDs on escalation level `level`.
pub fn level_targets(vendor: &Vendor, level: usize) -> Vec<NotifyTarget> {
    let Some(rung) = vendor.escalation.get(level) else {
        return Vec::new();
    };
    let mut targets: Vec<NotifyTarget> = Vec::new();
    for contact in &rung.contacts {
        if let Some(id) = contact.discord_id {
            let recipient = Recipient::User(id.get());
            if !targets.iter().any(|t| t.recipient == recipient) {
                targets.push(NotifyTarget {
                    recipient,
                    label: format!("{} ({})", contact.name, rung.name),
                });
            }
        }
    }
    targets
}

/// The vendor's case template with what is known filled in: `{summary}`, `{severity}`,
/// `{vendor_severity}`, `{case_number}`, `{vendor_case_id}`, `{link}`, `{opened_at}`, `{account_id}`.
pub fn fill_template(template: &str, vendor: &Vendor, case: &Case) -> String {
    let account = vendor
        .plan
        .as_ref()
        .and_then(|p| p.account_id.clone())
        .unwrap_or_default();
    let pairs = [
        ("{summary}", case.summary.clone()),
        ("{severity}", case.severity.to_string()),
        (
            "{vendor_severity}",
            case.vendor_severity
                .clone()
                .unwrap_or_else(|| case.severity.to_string()),
        ),
        ("{case_number}", format!("#{}", case.number)),
        (
            "{vendor_case_id}",
            case.vendor_case_id.clone().unwrap_or_else(|| "(not yet)".into()),
        ),
        ("{link}", case.link.clone().unwrap_or_default()),
        (
            "{opened_at}",
            case.opened_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        ("{account_id}", account),
    ];
    let mut out = template.to_owned();
    for (placeholder, value) in pairs {
        out = out.replace(placeholder, &value);
    }
    out
}
