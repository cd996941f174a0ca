//! `/owner <vendor>`: who owns the relationship with a vendor, and who backs them up.

use std::collections::HashSet;

use super::{Reply, format::criticality_color};
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
            || "None: single point of contact. Name a backup in the plans file.".to_owned(),
            |b| person_block(b, departed),
        ),
    )
}

fn person_block(person: &Person, departed: &HashSet<u64>) -> String {
    let mut lines = vec![format!("**{}**", person.name)];
    if person.discord_id.is_some_and(|id| departed.contains(&id.get())) {
        lines.push("❗ No longer a member of this server: name a replacement.".to_owned());
    }
    if let Some(team) = &person.team {
        lines.push(format!("Team: {team}"));
    }
    if let Some(email) = &person.email {
        lines.push(format!("Email: {email}"));
    }
    if let Some(id) = person.discord_id {
        lines.push(format!("Discord: <@{id}>"));
    }
    lines.push(format!(
        "Last verified: {}",
        person.verified.map_or("never".to_owned(), |d| d.to_string())
    ));
    lines.join("\n")
}
