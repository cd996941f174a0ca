//! `/support <vendor>`: the card a responder needs to get help from a vendor right now.

use chrono::{DateTime, Utc};

use super::Reply;
use crate::domain::{
    Criticality, Date, Person, Severity, Vendor,
    case::CaseSummary,
    findings::{self, Finding, FindingLevel},
};

/// Embed colour by criticality: red, orange, yellow, grey.
pub(crate) fn criticality_color(c: Criticality) -> u32 {
    match c {
        Criticality::Critical => 0xE0_3E_3E,
        Criticality::High => 0xE6_7E_22,
        Criticality::Medium => 0xF1_C4_0F,
        Criticality::Low => 0x95_A5_A6,
    }
}

pub(crate) fn support_card(vendor: &Vendor, found: &[Finding], now: DateTime<Utc>) -> Reply {
    let today = Date::new(now.date_naive());
    let mut description = Vec::new();
    match &vendor.plan {
        Some(plan) => {
            let coverage = plan.hours.coverage(now);
            let status = match (coverage.covered, coverage.next_change) {
                (true, None) => "🟢 covered now (24x7)".to_owned(),
                (true, Some(closes)) => format!("🟢 covered now, until {}", closes.format("%a %H:%M %Z")),
                (false, Some(opens)) => format!(
                    "🔴 outside support hours now; opens {} (in {})",
                    opens.format("%a %H:%M %Z"),
                    super::case_views::duration(now, opens.with_timezone(&Utc))
                ),
                (false, None) => "🔴 outside support hours now".to_owned(),
            };
            description.push(format!("**{}** plan · {} · {status}", plan.tier, plan.hours));
        }
        None => description
            .push("⚠️ **No support plan on record.** Best effort only: use the contacts below.".into()),
    }
    description.push(format!("Criticality: **{}**", vendor.criticality));
    if !vendor.workloads.is_empty() {
        description.push(format!("Workloads: {}", vendor.workloads.join(", ")));
    }
    if let Some(status_page) = &vendor.status_page {
        description.push(format!("Status page: {status_page}"));
    }
    if let Some(notes) = &vendor.notes {
        description.push(notes.clone());
    }

    let mut reply = Reply {
        title: Some(format!("{} ({})", vendor.name, vendor.slug)),
        url: vendor.filing.portal.as_ref().map(|p| p.to_string()),
        description: Some(description.join("\n")),
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
                .map_or_else(|| "none — single point of contact".to_owned(), person_line),
        )
        .field("Contacts last verified", verified_line(vendor, today));
    let warnings: Vec<String> = found
        .iter()
        .map(|f| match f.level {
            FindingLevel::Error => format!("❗ {}", f.message),
            FindingLevel::Warning => format!("⚠️ {}", f.message),
        })
        .collect();
    reply = reply.field("Warnings", warnings.join("\n"));
    reply.buttons.push(super::Button {
        custom_id: format!("case-open:{}", vendor.slug),
        label: "Open a case".into(),
    });
    reply.footer = Some(format!(
        "Opened a case with the vendor? Record it and notify the owners: /case open vendor:{} (or the button).",
        vendor.slug
    ));
    reply
}

/// `/case open` while the database is unreachable: nothing was recorded and nobody was
/// notified, so the reply says so and gives what it takes to go on without backline.
pub(crate) fn unrecorded_card(vendor: &Vendor, private: bool) -> Reply {
    let mut call = vec![format!("Owner: {}", person_line(&vendor.owner))];
    if let Some(backup) = &vendor.backup {
        call.push(format!("Backup: {}", person_line(backup)));
    }
    let reply = Reply {
        content: Some(format!(
            "❗ This case was NOT recorded and nobody was notified: backline's database is unreachable. \
             File it with {} yourself (steps below), call the people below, and run `/case open` again once backline is back.",
            vendor.name
        )),
        title: Some(format!("Not recorded: {} ({})", vendor.name, vendor.slug)),
        url: vendor.filing.portal.as_ref().map(|p| p.to_string()),
        color: Some(criticality_color(vendor.criticality)),
        ephemeral: private,
        ..Reply::default()
    };
    reply
        .field("How to file a case", how_to_file(vendor))
        .field("Have ready", bullets(&vendor.filing.required_info))
        .field("Whom to call", call.join("\n"))
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
    let title: String = format!("Open a case: {}", vendor.name).chars().take(45).collect();
    Reply {
        modal: Some(Modal {
            custom_id: format!("case-open:{}", vendor.slug),
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
                    super::cases::VENDOR_CASE_ID_MAX,
                    false,
                ),
                input(
                    "link",
                    "Link to the vendor case",
                    "https://",
                    false,
                    super::cases::LINK_MAX,
                    false,
                ),
            ],
        }),
        ..Reply::default()
    }
}

fn response_times(vendor: &Vendor) -> String {
    let plan = vendor.plan.as_ref();
    Severity::ALL
        .into_iter()
        .filter_map(|severity| {
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
            Some(format!(
                "**{severity}**{vendor_name}: first response {promised}{verdict}"
            ))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn how_to_file(vendor: &Vendor) -> String {
    let filing = &vendor.filing;
    let mut lines: Vec<String> = filing
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| format!("{}. {step}", i + 1))
        .collect();
    if let Some(portal) = &filing.portal {
        lines.push(format!("Portal: {portal}"));
    }
    if let Some(phone) = &filing.phone {
        lines.push(format!("Phone: {phone}"));
    }
    if let Some(email) = &filing.email {
        lines.push(format!("Email: {email}"));
    }
    if let Some(account) = vendor.plan.as_ref().and_then(|p| p.account_id.as_ref()) {
        lines.push(format!("Account ID: `{account}`"));
    }
    if lines.is_empty() {
        lines.push("❗ No filing steps on record.".into());
    }
    lines.join("\n")
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("• {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn escalation(vendor: &Vendor) -> String {
    vendor
        .escalation
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let after = level
                .escalate_after
                .map(|a| format!(" (next level after {a})"))
                .unwrap_or_default();
            let mut line = format!("{}. **{}**{after}", i + 1, level.name);
            for contact in &level.contacts {
                let mut parts = vec![contact.name.clone()];
                parts.extend(contact.role.clone());
                parts.extend(contact.phone.clone());
                parts.extend(contact.email.clone());
                line.push_str(&format!("\n   – {}", parts.join(", ")));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn person_line(person: &Person) -> String {
    let mut parts = vec![person.name.clone()];
    if let Some(team) = &person.team {
        parts[0] = format!("{} ({team})", person.name);
    }
    if let Some(id) = person.discord_id {
        parts.push(format!("<@{id}>"));
    }
    parts.extend(person.email.clone());
    parts.join(" · ")
}

fn verified_line(vendor: &Vendor, today: Date) -> String {
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
    line
}
