//! Shared presentation: the lines every surface shows the same way (filing, contacts,
//! people, findings, durations, colours), so a card, the terminal and the wiki never disagree.

use chrono::{DateTime, Utc};

use super::text::{Text, TimeStyle};
use crate::domain::{
    Contact, Criticality, DiscordUserId, Finding, FindingLevel, Person, ResponseTime, Vendor,
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

/// A moment, and how long from now: Discord shows it in the reader's time zone.
pub(crate) fn when(at: DateTime<Utc>) -> Text {
    Text::new().time(at, TimeStyle::Full)
}

/// The numbered filing steps.
pub(crate) fn filing_steps(vendor: &Vendor) -> Vec<Text> {
    vendor
        .filing
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| Text::from(format!("{}. ", i + 1)).plain(step.as_str()))
        .collect()
}

/// Where to file: portal, phone, email.
pub(crate) fn filing_channels(vendor: &Vendor) -> Vec<Text> {
    let filing = &vendor.filing;
    let mut lines = Vec::new();
    lines.extend(
        filing
            .portal
            .as_ref()
            .map(|p| Text::from("Portal: ").url(p.as_str())),
    );
    lines.extend(
        filing
            .phone
            .as_ref()
            .map(|p| Text::from("Phone: ").plain(p.as_str())),
    );
    lines.extend(
        filing
            .email
            .as_ref()
            .map(|e| Text::from("Email: ").plain(e.as_str())),
    );
    lines
}

/// The account ID to quote when filing.
pub(crate) fn account_line(vendor: &Vendor) -> Option<Text> {
    let account = vendor.plan.as_ref()?.account_id.as_ref()?;
    Some(Text::from("Account ID: ").code(account.as_str()))
}

/// Steps, channels and the account ID: everything needed to file a case.
pub(crate) fn filing_lines(vendor: &Vendor) -> Vec<Text> {
    let mut lines = filing_steps(vendor);
    lines.extend(filing_channels(vendor));
    lines.extend(account_line(vendor));
    lines
}

/// A vendor-side contact: name, role, phone, email, and in a chat their mention when they
/// have a Discord ID (showing it pings nobody).
pub(crate) fn contact_line(contact: &Contact) -> Text {
    let mut parts = vec![contact.name.as_str()];
    parts.extend(contact.role.as_deref());
    parts.extend(contact.phone.as_deref());
    parts.extend(contact.email.as_deref());
    Text::from(parts.join(", ")).then(mention_beside(contact.discord_id, &contact.name))
}

/// Someone on our side, on one line: name (team) · mention · email.
pub(crate) fn person_line(person: &Person) -> Text {
    let mut line = match &person.team {
        Some(team) => Text::from(format!("{} ({team})", person.name)),
        None => Text::from(person.name.as_str()),
    };
    line = line.then(mention_beside(person.discord_id, &person.name));
    if let Some(email) = &person.email {
        line = line.plain(" · ").plain(email.as_str());
    }
    line
}

/// " · @them" after a name, in a chat only: elsewhere it would repeat the name.
fn mention_beside(id: Option<DiscordUserId>, name: &str) -> Text {
    match id {
        Some(id) => Text::new().chat_only(Text::from(" · ").user(id.get(), Some(name))),
        None => Text::new(),
    }
}

/// A user mention with the name the vendor's registry entry knows them by, if any.
pub(crate) fn person_mention(vendor: Option<&Vendor>, id: u64) -> Text {
    Text::new().user(id, vendor.and_then(|v| name_of(v, id)))
}

/// The owner, backup or contact of `vendor` with Discord ID `id`.
pub(crate) fn name_of(vendor: &Vendor, id: u64) -> Option<&str> {
    let people = [Some(&vendor.owner), vendor.backup.as_ref()]
        .into_iter()
        .flatten()
        .map(|p| (p.discord_id, p.name.as_str()));
    let contacts = vendor
        .escalation
        .iter()
        .flat_map(|l| &l.contacts)
        .map(|c| (c.discord_id, c.name.as_str()));
    people
        .chain(contacts)
        .find(|(d, _)| d.is_some_and(|d| d.get() == id))
        .map(|(_, name)| name)
}

/// A finding as a card line, marked by its level.
pub(crate) fn finding_line(finding: &Finding) -> Text {
    let mark = match finding.level {
        FindingLevel::Error => "❗ ",
        FindingLevel::Warning => "⚠️ ",
    };
    Text::from(mark).plain(finding.message.as_str())
}
