//! What changed between two readings of one source, and the part of a reading a source
//! watches.

use super::{ComponentState, Incident, Snapshot, StatusChange, StatusSource, source::same_name};

/// The changes from `before` (the previous reading, `None` for the first) to `after`.
///
/// A feed (a reading without an overall indicator) has no resolution: an entry that leaves
/// the feed is not "resolved", and only entries new since the previous reading are
/// `IncidentOpened`; the first reading of a feed opens nothing (its entries are history).
/// A component that leaves the page while not operational is back to operational (Slack
/// lists only the services an incident affects).
pub fn changes(before: Option<&Snapshot>, after: &Snapshot) -> Vec<StatusChange> {
    let mut out = Vec::new();
    for component in &after.components {
        let from = before.and_then(|b| {
            b.components
                .iter()
                .find(|c| c.name == component.name)
                .map(|c| c.state)
        });
        if before.is_none() || from != Some(component.state) {
            out.push(StatusChange::Component {
                name: component.name.clone(),
                from,
                to: component.state,
            });
        }
    }
    if let Some(before) = before {
        for gone in &before.components {
            if gone.state != ComponentState::Operational
                && !after.components.iter().any(|c| c.name == gone.name)
            {
                out.push(StatusChange::Component {
                    name: gone.name.clone(),
                    from: Some(gone.state),
                    to: ComponentState::Operational,
                });
            }
        }
    }
    let is_feed = after.indicator.is_none();
    if is_feed {
        if let Some(before) = before {
            out.extend(
                after
                    .incidents
                    .iter()
                    .filter(|i| !before.incidents.iter().any(|b| b.id == i.id))
                    .cloned()
                    .map(StatusChange::IncidentOpened),
            );
        }
        return out;
    }
    let previous = |id: &str| before.and_then(|b| b.incidents.iter().find(|i| i.id == id));
    for incident in &after.incidents {
        match previous(&incident.id) {
            None => out.push(StatusChange::IncidentOpened(incident.clone())),
            Some(old) if updated(old, incident) => out.push(StatusChange::IncidentUpdated(incident.clone())),
            Some(_) => {}
        }
    }
    if let Some(before) = before {
        for old in &before.incidents {
            if !after.incidents.iter().any(|i| i.id == old.id) {
                out.push(StatusChange::IncidentResolved {
                    id: old.id.clone(),
                    title: old.title.clone(),
                });
            }
        }
    }
    for maintenance in &after.maintenances {
        if !before.is_some_and(|b| b.maintenances.iter().any(|m| m.id == maintenance.id)) {
            out.push(StatusChange::MaintenanceStarted(maintenance.clone()));
        }
    }
    if let Some(before) = before {
        for old in &before.maintenances {
            if !after.maintenances.iter().any(|m| m.id == old.id) {
                out.push(StatusChange::MaintenanceEnded {
                    id: old.id.clone(),
                    title: old.title.clone(),
                });
            }
        }
    }
    out
}

/// Whether the page says something new about an incident (its stage, impact, latest
/// update or title).
fn updated(old: &Incident, new: &Incident) -> bool {
    old.stage != new.stage
        || old.impact != new.impact
        || old.latest_update != new.latest_update
        || old.updated_at != new.updated_at
        || old.title != new.title
}

impl Snapshot {
    /// The part of this reading `source` watches: its components (all when it names none),
    /// the incidents and maintenances that affect one of them or do not say what they
    /// affect. The indicator is kept as the page says it.
    pub fn watched_by(&self, source: &StatusSource) -> Snapshot {
        let affects = |names: &[String]| names.is_empty() || names.iter().any(|n| source.watches(n));
        Snapshot {
            indicator: self.indicator,
            components: self
                .components
                .iter()
                .filter(|c| source.watches(&c.name))
                .cloned()
                .collect(),
            incidents: self
                .incidents
                .iter()
                .filter(|i| affects(&i.components))
                .cloned()
                .collect(),
            maintenances: self
                .maintenances
                .iter()
                .filter(|m| affects(&m.components))
                .cloned()
                .collect(),
        }
    }

    /// The worst state among the components (operational when there are none).
    pub fn worst_component(&self) -> ComponentState {
        self.components
            .iter()
            .map(|c| c.state)
            .max()
            .unwrap_or(ComponentState::Operational)
    }
}

impl StatusSource {
    /// The watched component names this reading's page does not have (none can be checked
    /// on a page that lists only affected services, so call it for Statuspage and Better
    /// Stack readings).
    pub fn missing_components<'a>(&'a self, snapshot: &Snapshot) -> Vec<&'a str> {
        self.components
            .iter()
            .filter(|name| !snapshot.components.iter().any(|c| same_name(&c.name, name)))
            .map(String::as_str)
            .collect()
    }
}
