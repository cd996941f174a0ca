//! `/owner <vendor>`: who owns the relationship with a vendor, and who backs them up.

use std::collections::HashSet;

use super::{Reply, Text, format::criticality_color};
use crate::domain::{Person, Vendor};

pub(crate) fn owner_card(vendor: &Vendor, departed: &HashSet<u64>) -> Reply {
    let reply = Reply {
        title: Some(format!("Who owns {} ({})", vendor.name, vendor.slug)),
        color: Some(criticality_color(vendor.criticality)),
        ..Reply::default()
    };
    reply.field("Owner", person_block(&vendor.owner, departed)).field(
        "Backup",
        vendor.backup.as_ref().map_or_else(
            || Text::from("None: single point of contact. Name a backup in the plans file."),
            |b| person_block(b, departed),
        ),
    )
}

fn person_block(person: &Person, departed: &HashSet<u64>) -> Text {
    let mut lines = vec![Text::new().bold(person.name.as_str())];
    if person.discord_id.is_some_and(|id| departed.contains(&id.get())) {
        lines.push(Text::from(
            "❗ No longer a member of this server: name a replacement.",
        ));
    }
    if let Some(team) = &person.team {
        lines.push(Text::from(format!("Team: {team}")));
    }
    if let Some(email) = &person.email {
        lines.push(Text::from(format!("Email: {email}")));
    }
    if let Some(id) = person.discord_id {
        // A clickable mention, in a chat only: elsewhere it would repeat the name.
        let mention = Text::new()
            .line_break()
            .plain("Discord: ")
            .user(id.get(), Some(&person.name));
        let last = lines.pop().unwrap_or_default();
        lines.push(last.chat_only(mention));
    }
    lines.push(Text::from(format!(
        "Last verified: {}",
        person.verified.map_or("never".to_owned(), |d| d.to_string())
    )));
    Text::lines(lines)
}
