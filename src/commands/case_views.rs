//! How cases look: the cards for each case event, the list, the timeline, the reminder.

use chrono::{DateTime, Utc};

use super::{
    Button, ComponentId, Mentions, Reply, case_notifications,
    format::{self, criticality_color, elapsed, when},
    text::{Text, TimeStyle},
};
use crate::domain::{
    Timeline, Vendor,
    case::{self, Case, CaseStatus, Notification, NotifyTarget, Recipient},
};

/// A recipient's mention, named as the vendor's entry knows them (for the terminal).
fn mention(recipient: Recipient, vendor: Option<&Vendor>) -> Text {
    match recipient {
        Recipient::User(id) => format::person_mention(vendor, id),
        Recipient::Role(id) => Text::new().role(id),
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

fn notify_line(targets: &[NotifyTarget], vendor: &Vendor) -> Text {
    if targets.is_empty() {
        return Text::from("Nobody to ping: nobody here has a Discord ID in the plans file.");
    }
    let mut line = Text::from("Notifying");
    for target in targets {
        line = line.plain(" ").then(mention(target.recipient, Some(vendor)));
    }
    line
}

fn case_buttons(case: &Case) -> Vec<Button> {
    if case.status == CaseStatus::Closed {
        return Vec::new();
    }
    let mut buttons = vec![Button {
        id: ComponentId::Escalate(case.number),
        label: "Escalate".into(),
    }];
    if case.status == CaseStatus::Open {
        buttons.push(Button {
            id: ComponentId::VendorResponded(case.number),
            label: "Vendor responded".into(),
        });
    }
    buttons
}

fn title(case: &Case) -> String {
    format!("Case #{} · {} · {}", case.number, case.vendor_name, case.severity)
}

/// "🚨 **Case #12** opened with **AWS** at **sev1** by @someone. "
fn headline(mark: &str, case: &Case, what: &str) -> Text {
    Text::from(format!("{mark} "))
        .bold(format!("Case #{}", case.number))
        .plain(what)
}

/// The vendor case ID and the link to it, one a line.
fn vendor_case_lines(case: &Case) -> Vec<Text> {
    let mut lines = Vec::new();
    lines.extend(
        case.vendor_case_id
            .as_ref()
            .map(|id| Text::from("Vendor case ID: ").code(id.as_str())),
    );
    lines.extend(case.link.as_ref().map(|l| Text::new().url(l.as_str())));
    lines
}

pub(super) fn opened_card(vendor: &Vendor, case: &Case, notified: &[NotifyTarget], opener: u64) -> Reply {
    let mut description = vec![Text::from(case.summary.as_str())];
    if let Some(name) = &case.vendor_severity {
        description.push(
            Text::from("File it as ")
                .bold(name.as_str())
                .plain(format!(" ({}).", case.severity)),
        );
    }
    let due = match case.response_due {
        Some(due) => {
            let tier = vendor.plan.as_ref().map_or("The plan", |p| p.tier.as_str());
            when(due).plain(format!(" — {tier} promises a first response by then"))
        }
        None => Text::from(format!(
            "No contracted first-response time for {}.",
            case.severity
        )),
    };
    let filing = &vendor.filing;
    let template = filing.template.as_ref().map(|t| {
        let filled = case::fill_template(t, vendor, case);
        Text::new().code_block(filled.trim())
    });
    let notified_list = notified
        .iter()
        .map(|t| mention(t.recipient, Some(vendor)).plain(format!(" {}", t.label)));
    let content = headline("🚨", case, " opened with ")
        .bold(case.vendor_name.as_str())
        .plain(" at ")
        .bold(case.severity.as_str())
        .plain(" by ")
        .then(format::person_mention(Some(vendor), opener))
        .plain(". ")
        .then(notify_line(notified, vendor));
    Reply {
        content: Some(content),
        title: Some(title(case)),
        url: filing.portal.as_ref().map(|p| p.to_string()),
        description: Some(Text::lines(description)),
        color: Some(criticality_color(vendor.criticality)),
        mentions: mentions_of(notified),
        buttons: case_buttons(case),
        ..Reply::default()
    }
    .field("First response due", due)
    .field("Vendor case", Text::lines(vendor_case_lines(case)))
    .field("File the case now", Text::lines(format::filing_lines(vendor)))
    .field("Case template", template.unwrap_or_default())
    .field("Notified", Text::lines(notified_list))
}

pub(super) fn escalated_card(vendor: &Vendor, case: &Case, notified: &[NotifyTarget], actor: u64) -> Reply {
    let level = &vendor.escalation[case.escalation_level];
    let next = vendor.escalation.get(case.escalation_level + 1).map(|n| {
        let after = level
            .escalate_after
            .map(|a| format!(" after {a}"))
            .unwrap_or_default();
        format!("Next: {}{after}", n.name)
    });
    let content = headline("⬆️", case, " escalated by ")
        .then(format::person_mention(Some(vendor), actor))
        .plain(format!(
            " to level {} of {}: ",
            case.escalation_level + 1,
            vendor.escalation.len()
        ))
        .bold(level.name.as_str())
        .plain(". ")
        .then(notify_line(notified, vendor));
    Reply {
        content: Some(content),
        title: Some(title(case)),
        description: Some(Text::from(case.summary.as_str())),
        color: Some(criticality_color(vendor.criticality)),
        mentions: mentions_of(notified),
        buttons: case_buttons(case),
        ..Reply::default()
    }
    .field(
        format!("Level {}: {}", case.escalation_level + 1, level.name),
        Text::lines(level.contacts.iter().map(format::contact_line)),
    )
    .field(
        "Then",
        Text::from(next.unwrap_or_else(|| "This is the top of the ladder.".to_owned())),
    )
}

pub(super) fn updated_card(case: &Case, changes: &[String], actor: u64) -> Reply {
    let clock = if case.status == CaseStatus::VendorResponded {
        " The response clock is stopped."
    } else {
        ""
    };
    Reply {
        content: Some(
            headline("📝", case, " updated by ")
                .user(actor, None)
                .plain(format!(": {}.{clock}", changes.join("; "))),
        ),
        buttons: case_buttons(case),
        ..Reply::default()
    }
}

pub(super) fn closed_card(case: &Case, actor: u64) -> Reply {
    let mut line = format!(" with {} closed by ", case.vendor_name);
    let mut after = String::new();
    if let Some(closed) = case.closed_at {
        after.push_str(&format!(" after {}", elapsed(case.opened_at, closed)));
    }
    match case.vendor_responded_at {
        Some(responded) => after.push_str(&format!(
            "; the vendor first responded after {}",
            elapsed(case.opened_at, responded)
        )),
        None => after.push_str("; no vendor response was recorded"),
    }
    after.push('.');
    let mut content = headline("✅", case, &std::mem::take(&mut line))
        .user(actor, None)
        .plain(after);
    if let Some(resolution) = &case.resolution {
        content = content
            .line_break()
            .plain("Resolution: ")
            .then(Text::multiline(resolution));
    }
    Reply {
        content: Some(content),
        ..Reply::default()
    }
}

fn list_line(case: &Case) -> Text {
    let summary: String = case.summary.chars().take(80).collect();
    Text::new()
        .bold(format!("#{}", case.number))
        .plain(format!(
            " · {} · {} · {} · {summary} · opened ",
            case.status, case.vendor_name, case.severity
        ))
        .time(case.opened_at, TimeStyle::Relative)
}

pub(super) fn list_card(cases: &[Case], filter: &str) -> Reply {
    if cases.is_empty() {
        return Reply::notice(format!("No cases{filter} in this server."));
    }
    Reply {
        title: Some(format!("Cases{filter}")),
        description: Some(Text::lines(cases.iter().map(list_line))),
        footer: Some(
            Text::from("Open cases first, newest first. ")
                .code("/case show")
                .plain(" for a case's timeline."),
        ),
        ephemeral: true,
        ..Reply::default()
    }
}

pub(super) fn show_card(case: &Case, timeline: &Timeline, now: DateTime<Utc>) -> Reply {
    let mut lines = Vec::new();
    for event in &timeline.events {
        let actor = match event.actor {
            Some(a) => Text::from(" by ").user(a, None),
            None => Text::from(" by backline"),
        };
        lines.push(
            Text::new()
                .time(event.at, TimeStyle::DateTime)
                .plain(" ")
                .bold(event.kind.as_str())
                .then(actor)
                .plain(format!(": {}", event.detail)),
        );
        let notified: Vec<&Notification> = timeline
            .notifications
            .iter()
            .filter(|n| n.event_id == event.id)
            .collect();
        lines.extend(case_notifications::summary(&notified));
    }
    let mut state = vec![
        Text::from(case.summary.as_str()),
        Text::from("Status: ").bold(case.status.as_str()),
    ];
    if let Some(due) = case.response_due {
        let overdue = if case.is_overdue(now) { " ❗ overdue" } else { "" };
        state.push(Text::from("First response due ").then(when(due)).plain(overdue));
    }
    state.extend(vendor_case_lines(case));
    state.push(Text::from(format!(
        "Escalation level: {}",
        case.escalation_level + 1
    )));
    Reply {
        title: Some(title(case)),
        description: Some(Text::lines(state)),
        ephemeral: true,
        // Everyone notified, however many: in messages after the card, pinging nobody.
        appendix: case_notifications::listing(case, timeline),
        ..Reply::default()
    }
    .field("Timeline", Text::lines(lines))
}

/// Posted in the case's channel when the contracted first response is overdue; pings the
/// person who opened the case, nobody else.
pub fn reminder_message(case: &Case, vendor: Option<&Vendor>) -> Reply {
    let mut text = Text::from("⏰ ")
        .then(format::person_mention(vendor, case.opened_by))
        .plain(" ")
        .bold(format!("Case #{}", case.number))
        .plain(" with ")
        .bold(case.vendor_name.as_str())
        .plain(format!(
            " ({}): the contracted first response was due ",
            case.severity
        ));
    if let Some(due) = case.response_due {
        text = text.then(when(due));
    }
    text = text.plain(" and no vendor response is recorded.");
    match vendor.and_then(|v| v.escalation.get(case.escalation_level + 1)) {
        Some(next) => {
            text = text
                .plain(" Consider escalating to ")
                .bold(next.name.as_str())
                .plain(": ")
                .code(format!("/case escalate case:{}", case.number))
                .chat_hint(" (or the button)")
                .plain(".");
        }
        None => {
            text = text.plain(
                " Chase the vendor on their support line; the escalation ladder has no further level.",
            );
        }
    }
    text = text
        .plain(" If they did respond, record it: ")
        .code(format!(
            "/case update case:{} status:vendor-responded",
            case.number
        ))
        .plain(".");
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
