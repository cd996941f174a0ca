//! How cases look: the cards for each case event, the list, the timeline, the reminder.

use chrono::{DateTime, Utc};

use super::{Button, Mentions, Reply, support::criticality_color};
use crate::domain::{
    Timeline, Vendor,
    case::{self, Case, CaseStatus, Notification, NotifyTarget, Recipient},
};

/// Discord renders `<t:…>` in the reader's own time zone.
pub fn when(at: DateTime<Utc>) -> String {
    format!("<t:{}:f> (<t:{}:R>)", at.timestamp(), at.timestamp())
}

fn mention(recipient: Recipient) -> String {
    match recipient {
        Recipient::User(id) => format!("<@{id}>"),
        Recipient::Role(id) => format!("<@&{id}>"),
    }
}

/// Exactly the users and roles in `targets`: what the message may ping.
fn mentions_of(targets: &[NotifyTarget]) -> Mentions {
    let mut mentions = Mentions::default();
    for target in targets {
        match target.recipient {
            Recipient::User(id) => mentions.users.push(id),
            Recipient::Role(id) => mentions.roles.push(id),
        }
    }
    mentions
}

fn notify_line(targets: &[NotifyTarget]) -> String {
    if targets.is_empty() {
        return "Nobody to ping: nobody here has a Discord ID in the plans file.".to_owned();
    }
    let pings: Vec<String> = targets.iter().map(|t| mention(t.recipient)).collect();
    format!("Notifying {}", pings.join(" "))
}

fn case_buttons(case: &Case) -> Vec<Button> {
    if case.status == CaseStatus::Closed {
        return Vec::new();
    }
    let mut buttons = vec![Button {
        custom_id: format!("case-escalate:{}", case.number),
        label: "Escalate".into(),
    }];
    if case.status == CaseStatus::Open {
        buttons.push(Button {
            custom_id: format!("case-responded:{}", case.number),
            label: "Vendor responded".into(),
        });
    }
    buttons
}

fn title(case: &Case) -> String {
    format!("Case #{} · {} · {}", case.number, case.vendor_name, case.severity)
}

pub(super) fn opened_card(vendor: &Vendor, case: &Case, notified: &[NotifyTarget], opener: u64) -> Reply {
    let mut description = vec![case.summary.clone()];
    if let Some(name) = &case.vendor_severity {
        description.push(format!("File it as **{name}** ({}).", case.severity));
    }
    let due = match case.response_due {
        Some(due) => {
            let tier = vendor.plan.as_ref().map_or("The plan", |p| p.tier.as_str());
            format!("{} — {tier} promises a first response by then", when(due))
        }
        None => format!("No contracted first-response time for {}.", case.severity),
    };
    let mut vendor_case = Vec::new();
    vendor_case.extend(
        case.vendor_case_id
            .as_ref()
            .map(|id| format!("Vendor case ID: `{id}`")),
    );
    vendor_case.extend(case.link.clone());
    let filing = &vendor.filing;
    let mut how = filing
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect::<Vec<_>>();
    how.extend(filing.portal.as_ref().map(|p| format!("Portal: {p}")));
    how.extend(filing.phone.as_ref().map(|p| format!("Phone: {p}")));
    how.extend(filing.email.as_ref().map(|e| format!("Email: {e}")));
    how.extend(
        vendor
            .plan
            .as_ref()
            .and_then(|p| p.account_id.as_ref())
            .map(|a| format!("Account ID: `{a}`")),
    );
    let template = filing.template.as_ref().map(|t| {
        let filled = case::fill_template(t, vendor, case).replace("```", "'''");
        format!("```\n{}\n```", filled.trim())
    });
    let notified_list = notified
        .iter()
        .map(|t| format!("{} {}", mention(t.recipient), t.label))
        .collect::<Vec<_>>();
    Reply {
        content: Some(format!(
            "🚨 **Case #{}** opened with **{}** at **{}** by <@{opener}>. {}",
            case.number,
            case.vendor_name,
            case.severity,
            notify_line(notified)
        )),
        title: Some(title(case)),
        url: filing.portal.as_ref().map(|p| p.to_string()),
        description: Some(description.join("\n")),
        color: Some(criticality_color(vendor.criticality)),
        mentions: mentions_of(notified),
        buttons: case_buttons(case),
        ..Reply::default()
    }
    .field("First response due", due)
    .field("Vendor case", vendor_case.join("\n"))
    .field("File the case now", how.join("\n"))
    .field("Case template", template.unwrap_or_default())
    .field("Notified", notified_list.join("\n"))
}

pub(super) fn escalated_card(vendor: &Vendor, case: &Case, notified: &[NotifyTarget], actor: u64) -> Reply {
    let level = &vendor.escalation[case.escalation_level];
    let contacts: Vec<String> = level
        .contacts
        .iter()
        .map(|c| {
            let mut parts = vec![c.name.clone()];
            parts.extend(c.role.clone());
            parts.extend(c.phone.clone());
            parts.extend(c.email.clone());
            parts.join(", ")
        })
        .collect();
    let next = vendor.escalation.get(case.escalation_level + 1).map(|n| {
        let after = level
            .escalate_after
            .map(|a| format!(" after {a}"))
            .unwrap_or_default();
        format!("Next: {}{after}", n.name)
    });
    Reply {
        content: Some(format!(
            "⬆️ **Case #{}** escalated by <@{actor}> to level {} of {}: **{}**. {}",
            case.number,
            case.escalation_level + 1,
            vendor.escalation.len(),
            level.name,
            notify_line(notified)
        )),
        title: Some(title(case)),
        description: Some(case.summary.clone()),
        color: Some(criticality_color(vendor.criticality)),
        mentions: mentions_of(notified),
        buttons: case_buttons(case),
        ..Reply::default()
    }
    .field(
        format!("Level {}: {}", case.escalation_level + 1, level.name),
        contacts.join("\n"),
    )
    .field(
        "Then",
        next.unwrap_or_else(|| "This is the top of the ladder.".to_owned()),
    )
}

pub(super) fn updated_card(case: &Case, changes: &[String], actor: u64) -> Reply {
    let clock = if case.status == CaseStatus::VendorResponded {
        " The response clock is stopped."
    } else {
        ""
    };
    Reply {
        content: Some(format!(
            "📝 **Case #{}** updated by <@{actor}>: {}.{clock}",
            case.number,
            changes.join("; ")
        )),
        buttons: case_buttons(case),
        ..Reply::default()
    }
}

/// `45m`, `2h 5m`, `3d 4h`: how long from `from` to `to`, for people.
pub(super) fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let minutes = (to - from).num_minutes().max(0);
    match (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

pub(super) fn closed_card(case: &Case, actor: u64) -> Reply {
    let mut line = format!(
        "✅ **Case #{}** with {} closed by <@{actor}>",
        case.number, case.vendor_name
    );
    if let Some(closed) = case.closed_at {
        line.push_str(&format!(" after {}", duration(case.opened_at, closed)));
    }
    match case.vendor_responded_at {
        Some(responded) => line.push_str(&format!(
            "; the vendor first responded after {}",
            duration(case.opened_at, responded)
        )),
        None => line.push_str("; no vendor response was recorded"),
    }
    line.push('.');
    if let Some(resolution) = &case.resolution {
        line.push_str(&format!("\nResolution: {resolution}"));
    }
    Reply {
        content: Some(line),
        ..Reply::default()
    }
}

fn list_line(case: &Case) -> String {
    let summary: String = case.summary.chars().take(80).collect();
    format!(
        "**#{}** · {} · {} · {} · {summary} · opened <t:{}:R>",
        case.number,
        case.status,
        case.vendor_name,
        case.severity,
        case.opened_at.timestamp()
    )
}

pub(super) fn list_card(cases: &[Case], filter: &str) -> Reply {
    if cases.is_empty() {
        return Reply::notice(format!("No cases{filter} in this server."));
    }
    Reply {
        title: Some(format!("Cases{filter}")),
        description: Some(cases.iter().map(list_line).collect::<Vec<_>>().join("\n")),
        footer: Some("Open cases first, newest first. `/case show` for a case's timeline.".into()),
        ephemeral: true,
        ..Reply::default()
    }
}

fn notification_line(n: &Notification) -> String {
    format!(
        "   → {} {} · {} · {} <t:{}:T>",
        mention(n.recipient),
        n.label,
        n.method,
        n.delivery.as_str(),
        n.at.timestamp()
    )
}

pub(super) fn show_card(case: &Case, timeline: &Timeline, now: DateTime<Utc>) -> Reply {
    let mut lines = Vec::new();
    for event in &timeline.events {
        let actor = event
            .actor
            .map(|a| format!(" by <@{a}>"))
            .unwrap_or_else(|| " by backline".to_owned());
        lines.push(format!(
            "<t:{}:f> **{}**{actor}: {}",
            event.at.timestamp(),
            event.kind.as_str(),
            event.detail
        ));
        lines.extend(
            timeline
                .notifications
                .iter()
                .filter(|n| n.event_id == event.id)
                .map(notification_line),
        );
    }
    let mut state = vec![format!("Status: **{}**", case.status)];
    if let Some(due) = case.response_due {
        let overdue = if case.is_overdue(now) { " ❗ overdue" } else { "" };
        state.push(format!("First response due {}{overdue}", when(due)));
    }
    state.extend(
        case.vendor_case_id
            .as_ref()
            .map(|id| format!("Vendor case ID: `{id}`")),
    );
    state.extend(case.link.clone());
    state.push(format!("Escalation level: {}", case.escalation_level + 1));
    Reply {
        title: Some(title(case)),
        description: Some(format!("{}\n{}", case.summary, state.join("\n"))),
        ephemeral: true,
        ..Reply::default()
    }
    .field("Timeline", lines.join("\n"))
}

/// Posted in the case's channel when the contracted first response is overdue; pings the
/// person who opened the case, nobody else.
pub fn reminder_message(case: &Case, vendor: Option<&Vendor>) -> Reply {
    let due = case.response_due.map(when).unwrap_or_default();
    let mut text = format!(
        "⏰ <@{}> **Case #{}** with **{}** ({}): the contracted first response was due {due} and no vendor response is recorded.",
        case.opened_by, case.number, case.vendor_name, case.severity
    );
    match vendor.and_then(|v| v.escalation.get(case.escalation_level + 1)) {
        Some(next) => text.push_str(&format!(
            " Consider escalating to **{}**: `/case escalate case:{}` (or the button).",
            next.name, case.number
        )),
        None => text
            .push_str(" Chase the vendor on their support line; the escalation ladder has no further level."),
    }
    text.push_str(&format!(
        " If they did respond, record it: `/case update case:{} status:vendor-responded`.",
        case.number
    ));
    Reply {
        content: Some(text),
        mentions: Mentions {
            users: vec![case.opened_by],
            roles: Vec::new(),
        },
        buttons: case_buttons(case),
        ..Reply::default()
    }
}
