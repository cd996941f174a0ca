//! The vendor directory for `backline list`: a human listing, JSON or CSV, every vendor at
//! once (no paging in a terminal).

use serde_json::{Value, json};

use super::directory::DirectoryEntry;
use crate::domain::text::spreadsheet_cell;

const HEADER: [&str; 12] = [
    "slug",
    "name",
    "criticality",
    "tier",
    "hours",
    "covered_now",
    "owner",
    "owner_team",
    "owner_discord_id",
    "worst_level",
    "worst_finding",
    "findings",
];

/// The cells of one vendor, in [`HEADER`]'s order, exactly as stored.
fn cells(e: &DirectoryEntry) -> [String; 12] {
    let v = &e.vendor;
    let plan = v.plan.as_ref();
    [
        v.slug.to_string(),
        v.name.clone(),
        v.criticality.to_string(),
        plan.map(|p| p.tier.clone()).unwrap_or_default(),
        plan.map(|p| p.hours.to_string()).unwrap_or_default(),
        e.covered_now.map(|c| c.to_string()).unwrap_or_default(),
        v.owner.name.clone(),
        v.owner.team.clone().unwrap_or_default(),
        v.owner
            .discord_id
            .map(|d| d.get().to_string())
            .unwrap_or_default(),
        e.worst.as_ref().map(|f| f.level.to_string()).unwrap_or_default(),
        e.worst.as_ref().map(|f| f.message.clone()).unwrap_or_default(),
        e.findings.to_string(),
    ]
}

/// One row per vendor. A cell a spreadsheet would run as a formula gets a leading `'`
/// (see [`spreadsheet_cell`]), as in the cases export.
pub fn csv(entries: &[DirectoryEntry]) -> anyhow::Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    for e in entries {
        out.write_record(cells(e).iter().map(|c| spreadsheet_cell(c).into_owned()))?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// Every vendor as an object; values exactly as stored, `null` where there is none.
pub fn json(entries: &[DirectoryEntry]) -> Value {
    entries
        .iter()
        .map(|e| {
            let v = &e.vendor;
            let plan = v.plan.as_ref();
            json!({
                "slug": v.slug.as_str(), "name": v.name, "criticality": v.criticality.as_str(),
                "tier": plan.map(|p| p.tier.as_str()), "hours": plan.map(|p| p.hours.to_string()),
                "covered_now": e.covered_now,
                "owner": {"name": v.owner.name, "team": v.owner.team,
                          "discord_id": v.owner.discord_id.map(|d| d.get().to_string())},
                "worst_finding": e.worst.as_ref().map(|f| json!({"level": f.level.to_string(), "message": f.message})),
                "findings": e.findings,
            })
        })
        .collect()
}

/// A listing for people: one block per vendor.
pub fn human(entries: &[DirectoryEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&e.heading());
        out.push('\n');
        for line in super::terminal::text(&e.lines()).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&format!("{} vendors\n", entries.len()));
    out
}
