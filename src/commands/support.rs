//! `/support <vendor>`: the card a responder needs to get help from a vendor right now.

use chrono::{DateTime, Utc};

use super::{
    ComponentId, Reply,
    format::{self, criticality_color, person_line},
    text::Text,
};
use crate::domain::{
    Date, Severity, Vendor,
    case::{CaseSummary, LINK_MAX, VENDOR_CASE_ID_MAX},
    findings::{self, Finding},
};

fn plan_line(vendor: &Vendor, now: DateTime<Utc>) -> Text {
    let Some(plan) = &vendor.plan else {
        return Text::from("⚠️ ")
            .bold("No support plan on record.")
            .plain(" Best effort only: use the contacts below.");
    };
    let coverage = plan.hours.coverage(now);
    let status = match (coverage.covered, coverage.next_change) {
        (true, None) => "🟢 covered now (24x7)".to_owned(),
        (true, Some(closes)) => format!("🟢 covered now, until {}", closes.format("%a %H:%M %Z")),
        (false, Some(opens)) => format!(
            "🔴 outside support hours now; opens {} (in {})",
            opens.format("%a %H:%M %Z"),
            format::elapsed(now, opens.with_timezone(&Utc))
        ),
        (false, None) => "🔴 outside support hours now".to_owned(),
    };
    Text::new()
        .bold(plan.tier.as_str())
        .plain(format!(" plan · {} · {status}", plan.hours))
}

pub(crate) fn support_card(vendor: &Vendor, found: &[Finding], now: DateTime<Utc>) -> Reply {
    let today = Date::new(now.date_naive());
    let mut description = vec![
        plan_line(vendor, now),
        Text::from("Criticality: ").bold(vendor.criticality.as_str()),
    ];
    if !vendor.workloads.is_empty() {
        description.push(Text::from(format!("Workloads: {}", vendor.workloads.join(", "))));
    }
    if let Some(status_page) = &vendor.status_page {
        description.push(Text::from("Status page: ").url(status_page.as_str()));
    }
    if let Some(notes) = &vendor.notes {
        description.push(Text::multiline(notes));
    }

    let mut reply = Reply {
        title: Some(format!("{} ({})", vendor.name, vendor.slug)),
        url: vendor.filing.portal.as_ref().map(|p| p.to_string()),
        description: Some(Text::lines(description)),
        color: Some(criticality_color(vendor.criticality)),
        ..Reply::default()
    };
    reply = reply
        .field("Response times", response_times(vendor))
        .field("How to file a case", how_to_file(vendor))
        .field("Have ready", bullets(&vendor.filing.required_info))
        .field("Escalation ladder", escalation(vendor))
        .field("Owner", person_line(&vendor.owner))
        .field(
            "Backup",
            vendor
                .backup
                .as_ref()
                .map_or_else(|| Text::from("none — single point of contact"), person_line),
        )
        .field("Contacts last verified", verified_line(vendor, today))
        .field("Warnings", Text::lines(found.iter().map(format::finding_line)));
    reply.buttons.push(super::Button {
        id: ComponentId::OpenCase(vendor.slug.clone()),
        label: "Open a case".into(),
    });
    reply.footer = Some(
        Text::from(format!(
            "Opened a case with the vendor? Record it and notify the owners: /case open vendor:{}",
            vendor.slug
        ))
        .chat_hint(" (or the button)")
        .plain("."),
    );
    reply
}

/// `/case open` while the database is unreachable: nothing was recorded and nobody was
/// notified, so the reply says so and gives what it takes to go on without backline.
pub(crate) fn unrecorded_card(vendor: &Vendor, private: bool) -> Reply {
    let mut call = vec![Text::from("Owner: ").then(person_line(&vendor.owner))];
    if let Some(backup) = &vendor.backup {
        call.push(Text::from("Backup: ").then(person_line(backup)));
    }
    let reply = Reply {
        content: Some(
            Text::from("❗ This case was ")
                .bold("NOT recorded")
                .plain(" and nobody was notified: backline's database is unreachable. File it with ")
                .plain(vendor.name.as_str())
                .plain(" yourself (steps below), call the people below, and run ")
                .code("/case open")
                .plain(" again once backline is back."),
        ),
        title: Some(format!("Not recorded: {} ({})", vendor.name, vendor.slug)),
        url: vendor.filing.portal.as_ref().map(|p| p.to_string()),
        color: Some(criticality_color(vendor.criticality)),
        ephemeral: private,
        ..Reply::default()
    };
    reply
        .field("How to file a case", how_to_file(vendor))
        .field("Have ready", bullets(&vendor.filing.required_info))
        .field("Whom to call", Text::lines(call))
        .field("Escalation ladder", escalation(vendor))
}

/// The form behind "Open a case": what `/case open` asks, in at most five inputs.
pub(crate) fn case_form(vendor: &Vendor) -> Reply {
    use super::{Modal, TextInput};
    let input =
        |id: &str, label: &str, placeholder: &str, required: bool, max: usize, paragraph: bool| TextInput {
            custom_id: id.into(),
            label: label.into(),
            placeholder: Some(placeholder.into()),
            required,
            max_length: u16::try_from(max).unwrap_or(u16::MAX),
            paragraph,
        };
    let title: String = format!("Open a case: {}", vendor.name)
        .replace(['\n', '\r'], " ")
        .chars()
        .take(45)
        .collect();
    Reply {
        modal: Some(Modal {
            id: ComponentId::OpenCase(vendor.slug.clone()),
            title,
            inputs: vec![
                input(
                    "summary",
                    "What is broken?",
                    "Checkout errors in eu-west-1",
                    true,
                    CaseSummary::MAX_CHARS,
                    true,
                ),
                input("severity", "Severity (sev1 to sev4)", "sev1", true, 4, false),
                input(
                    "vendor_case_id",
                    "Vendor case ID (if filed)",
                    "12345678",
                    false,
                    VENDOR_CASE_ID_MAX,
                    false,
                ),
                input(
                    "link",
                    "Link to the vendor case",
                    "https://",
                    false,
                    LINK_MAX,
                    false,
                ),
            ],
        }),
        ..Reply::default()
    }
}

fn response_times(vendor: &Vendor) -> Text {
    let plan = vendor.plan.as_ref();
    Text::lines(Severity::ALL.into_iter().filter_map(|severity| {
        let promised = plan.and_then(|p| p.response.get(severity));
        let needed = vendor.needs.get(severity);
        if promised.is_none() && needed.is_none() {
            return None;
        }
        let vendor_name = plan
            .and_then(|p| p.severity_names.get(severity))
            .map(|n| format!(" — \"{n}\""))
            .unwrap_or_default();
        let verdict = match (promised, needed) {
            (Some(p), Some(n)) if p > n => format!(" ❗ need {n}"),
            (Some(_), Some(_)) => " ✅".to_owned(),
            (None, Some(n)) => format!(" ❗ none promised, need {n}"),
            _ => String::new(),
        };
        let promised = promised.map_or("—".to_owned(), |p| p.to_string());
        Some(
            Text::new()
                .bold(severity.as_str())
                .plain(format!("{vendor_name}: first response {promised}{verdict}")),
        )
    }))
}

fn how_to_file(vendor: &Vendor) -> Text {
    let lines = format::filing_lines(vendor);
    if lines.is_empty() {
        return Text::from("❗ No filing steps on record.");
    }
    Text::lines(lines)
}

fn bullets(items: &[String]) -> Text {
    Text::lines(items.iter().map(|i| Text::from(format!("• {i}"))))
}

fn escalation(vendor: &Vendor) -> Text {
    Text::lines(vendor.escalation.iter().enumerate().map(|(i, level)| {
        let after = level
            .escalate_after
            .map(|a| format!(" (next level after {a})"))
            .unwrap_or_default();
        let mut line = Text::from(format!("{}. ", i + 1))
            .bold(level.name.as_str())
            .plain(after);
        for contact in &level.contacts {
            line = line
                .line_break()
                .plain("   – ")
                .then(format::contact_line(contact));
        }
        line
    }))
}

fn verified_line(vendor: &Vendor, today: Date) -> Text {
    let stale = findings::stale_contacts(vendor, today);
    let range = findings::verification_range(vendor);
    let mut line = match range {
        Some((oldest, newest)) if oldest == newest => format!("{newest}"),
        Some((oldest, newest)) => format!("{newest} (oldest {oldest})"),
        None => "never".to_owned(),
    };
    line.push_str(&format!("; review every {}", vendor.review_every));
    if !stale.is_empty() {
        line.push_str(&format!(" — {} stale", stale.len()));
    }
    Text::from(line)
}
