//! What a vendor's status page says, as text: the lines on top of the `/support` card, the
//! one-line summary of `/vendor status` and case notes, and each change in words.

use super::text::Text;
use crate::domain::status::{ComponentState, Indicator, Snapshot, SourceReading, StatusChange, StatusSource};

pub(crate) fn indicator_word(indicator: Indicator) -> &'static str {
    match indicator {
        Indicator::Operational => "operational",
        Indicator::Maintenance => "maintenance",
        Indicator::Minor => "minor",
        Indicator::Major => "major",
        Indicator::Critical => "critical",
    }
}

/// What the guild's plan watches of the reading, when the reading can be trusted: `None`
/// while the source fails or was never read (shown as unknown, never as operational).
pub(crate) fn watched(source: &StatusSource, reading: &SourceReading) -> Option<Snapshot> {
    if reading.failing_since.is_some() {
        return None;
    }
    reading.snapshot.as_ref().map(|s| s.watched_by(source))
}

/// How bad it is, for sorting worst first: 0 is all well.
pub(crate) fn severity(watched: &Snapshot) -> u8 {
    let components = match watched.worst_component() {
        ComponentState::Operational | ComponentState::UnderMaintenance => 0,
        ComponentState::DegradedPerformance => 2,
        ComponentState::PartialOutage => 3,
        ComponentState::MajorOutage => 4,
    };
    let incidents = watched
        .incidents
        .iter()
        .map(|i| match i.impact {
            Some(Indicator::Critical) => 4,
            Some(Indicator::Major) => 3,
            Some(Indicator::Minor) => 2,
            _ => 1,
        })
        .max()
        .unwrap_or(0);
    components.max(incidents)
}

fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// One line: what the vendor reports now, in plain words (case notes, `/vendor status`).
pub(crate) fn summary(source: &StatusSource, reading: Option<&SourceReading>) -> String {
    let empty = SourceReading::default();
    let reading = reading.unwrap_or(&empty);
    let Some(watched) = watched(source, reading) else {
        return match reading.failing_since {
            Some(since) => format!("status unknown since {}", since.format("%Y-%m-%d %H:%M UTC")),
            None => "status unknown: not read yet".to_owned(),
        };
    };
    let mut parts: Vec<String> = watched
        .components
        .iter()
        .filter(|c| c.state != ComponentState::Operational)
        .map(|c| format!("{}: {}", c.name, c.state.as_str()))
        .collect();
    for incident in &watched.incidents {
        let impact = incident
            .impact
            .map_or(String::new(), |i| format!(" ({})", indicator_word(i)));
        parts.push(format!("incident: {}{impact}", clip(&incident.title, 150)));
    }
    for maintenance in &watched.maintenances {
        parts.push(format!("maintenance: {}", clip(&maintenance.title, 150)));
    }
    if parts.is_empty() {
        "operational".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Whether a change concerns what `source` watches.
pub(crate) fn concerns(source: &StatusSource, change: &StatusChange) -> bool {
    let affects = |names: &[String]| names.is_empty() || names.iter().any(|n| source.watches(n));
    match change {
        StatusChange::Component { name, .. } => source.watches(name),
        StatusChange::IncidentOpened(i) | StatusChange::IncidentUpdated(i) => affects(&i.components),
        StatusChange::MaintenanceStarted(m) => affects(&m.components),
        StatusChange::IncidentResolved { .. } | StatusChange::MaintenanceEnded { .. } => true,
    }
}

/// A change in words.
pub(crate) fn describe(change: &StatusChange) -> String {
    match change {
        StatusChange::Component { name, from, to } => match from {
            Some(from) => format!("{name}: {} → {}", from.as_str(), to.as_str()),
            None => format!("{name}: {}", to.as_str()),
        },
        StatusChange::IncidentOpened(i) => {
            let impact = i
                .impact
                .map_or(String::new(), |x| format!(" ({})", indicator_word(x)));
            format!("incident opened: {}{impact}", clip(&i.title, 150))
        }
        StatusChange::IncidentUpdated(i) => {
            let stage = i.stage.as_deref().map_or(String::new(), |s| format!(" — {s}"));
            let update = i
                .latest_update
                .as_deref()
                .map_or(String::new(), |u| format!(": {}", clip(u, 200)));
            format!("incident updated: {}{stage}{update}", clip(&i.title, 150))
        }
        StatusChange::IncidentResolved { title, .. } => format!("incident resolved: {}", clip(title, 150)),
        StatusChange::MaintenanceStarted(m) => format!("maintenance started: {}", clip(&m.title, 150)),
        StatusChange::MaintenanceEnded { title, .. } => format!("maintenance ended: {}", clip(title, 150)),
    }
}

/// Puts the vendor's status on top of the `/support` card. `reading` is `None` when it
/// could not be read (the database is down): said so, never shown as operational.
pub(crate) fn put_on_card(
    card: &mut super::Reply,
    source: &StatusSource,
    reading: Option<Option<SourceReading>>,
    now: chrono::DateTime<chrono::Utc>,
) {
    let lines = match reading {
        Some(reading) => super::status_card::status_lines(source, &reading.unwrap_or_default(), now),
        None => vec![
            Text::from("⚪ Vendor status: ")
                .bold("unknown")
                .plain(" (backline's database did not answer)"),
        ],
    };
    let mut description = Text::lines(lines);
    if let Some(rest) = card.description.take() {
        description = description.line_break().then(rest);
    }
    card.description = Some(description);
}
