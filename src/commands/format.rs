//! Shared presentation: the lines every surface shows the same way (filing, contacts,
//! people, durations, colours), so a card, the terminal and the wiki never disagree.

use chrono::{DateTime, Utc};

use crate::domain::{Contact, Criticality, Person, ResponseTime, Vendor};

/// Embed colour by criticality: red, orange, yellow, grey.
pub(crate) fn criticality_color(c: Criticality) -> u32 {
    match c {
        Criticality::Critical => 0xE0_3E_3E,
        Criticality::High => 0xE6_7E_22,
        Criticality::Medium => 0xF1_C4_0F,
        Criticality::Low => 0x95_A5_A6,
    }
}

/// `45m`, `2h 5m`, `3d 4h`: how long from `from` to `to`, for people. One formatter with
/// the plans file's durations; past a day, minutes are noise and are dropped.
pub(crate) fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let minutes = u64::try_from((to - from).num_minutes()).unwrap_or(0);
    let minutes = if minutes >= 24 * 60 {
        minutes - minutes % 60
    } else {
        minutes
    };
    if minutes == 0 {
        return "0m".to_owned();
    }
    ResponseTime::from_minutes(minutes).to_string()
}

/// Discord renders `<t:…>` in the reader's own time zone.
pub(crate) fn when(at: DateTime<Utc>) -> String {
    format!("<t:{}:f> (<t:{}:R>)", at.timestamp(), at.timestamp())
}

/// The numbered filing steps.
pub(crate) fn filing_steps(vendor: &Vendor) -> Vec<String> {
    vendor
        .filing
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| format!("{}. {step}", i + 1))
        .collect()
}

/// Where to file: portal, phone, email and the account ID to quote.
pub(crate) fn filing_channels(vendor: &Vendor) -> Vec<String> {
    let filing = &vendor.filing;
    let mut lines = Vec::new();
    lines.extend(filing.portal.as_ref().map(|p| format!("Portal: {p}")));
    lines.extend(filing.phone.as_ref().map(|p| format!("Phone: {p}")));
    lines.extend(filing.email.as_ref().map(|e| format!("Email: {e}")));
    lines.extend(
        vendor
            .plan
            .as_ref()
            .and_then(|p| p.account_id.as_ref())
            .map(|a| format!("Account ID: `{a}`")),
    );
    lines
}

/// Steps then channels: everything needed to file a case.
pub(crate) fn filing_lines(vendor: &Vendor) -> Vec<String> {
    let mut lines = filing_steps(vendor);
    lines.extend(filing_channels(vendor));
    lines
}

/// A vendor-side contact: name, role, phone, email.
pub(crate) fn contact_line(contact: &Contact) -> String {
    let mut parts = vec![contact.name.clone()];
    parts.extend(contact.role.clone());
    parts.extend(contact.phone.clone());
    parts.extend(contact.email.clone());
    parts.join(", ")
}

/// Someone on our side, on one line: name (team) · mention · email.
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

/// A finding as a card line, marked by its level.
pub(crate) fn finding_line(finding: &crate::domain::Finding) -> String {
    match finding.level {
        crate::domain::FindingLevel::Error => format!("❗ {}", finding.message),
        crate::domain::FindingLevel::Warning => format!("⚠️ {}", finding.message),
    }
}
