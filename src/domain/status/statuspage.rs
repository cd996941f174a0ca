//! Atlassian Statuspage `/api/v2/summary.json`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::merge_same_names;

use super::{
    ComponentState, ComponentStatus, Incident, Indicator, Maintenance, Snapshot, StatusDocumentError,
};

#[derive(Deserialize)]
struct Summary {
    status: Status,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    incidents: Vec<PageIncident>,
    #[serde(default)]
    scheduled_maintenances: Vec<PageIncident>,
}

#[derive(Deserialize)]
struct Status {
    indicator: String,
}

#[derive(Deserialize)]
struct Component {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    group: Option<bool>,
    #[serde(default)]
    group_id: Option<String>,
    /// A group's children, by id.
    #[serde(default)]
    components: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PageIncident {
    id: String,
    name: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    shortlink: Option<String>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    incident_updates: Vec<Update>,
    #[serde(default)]
    components: Vec<Named>,
}

#[derive(Deserialize)]
struct Update {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    display_at: Option<DateTime<Utc>>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

pub(super) fn parse(body: &[u8]) -> Result<Snapshot, StatusDocumentError> {
    let summary: Summary = serde_json::from_slice(body)
        .map_err(|e| StatusDocumentError(format!("not a Statuspage summary.json: {e}")))?;
    let indicator = match summary.status.indicator.as_str() {
        "none" => Indicator::Operational,
        "minor" => Indicator::Minor,
        "major" => Indicator::Major,
        "critical" => Indicator::Critical,
        "maintenance" => Indicator::Maintenance,
        other => {
            return Err(StatusDocumentError(format!(
                "Statuspage summary.json: unknown status.indicator `{other}` (none, minor, major or critical)"
            )));
        }
    };
    // A group is a row marked `group`, a row listing children, or a row some row names as
    // its group: the page shows its children, so only they are components.
    let group_ids: Vec<&str> = summary
        .components
        .iter()
        .filter_map(|c| c.group_id.as_deref())
        .collect();
    let components = summary
        .components
        .iter()
        .filter(|c| {
            let is_group = c.group == Some(true)
                || c.components.as_ref().is_some_and(|children| !children.is_empty())
                || c.id.as_deref().is_some_and(|id| group_ids.contains(&id));
            !is_group
        })
        .map(|c| ComponentStatus {
            name: c.name.clone(),
            state: component_state(c.status.as_deref()),
        })
        .collect();
    let incidents = summary
        .incidents
        .into_iter()
        .filter(|i| !matches!(i.status.as_deref(), Some("resolved" | "postmortem" | "completed")))
        .map(incident)
        .collect();
    let maintenances = summary
        .scheduled_maintenances
        .into_iter()
        .filter(|m| matches!(m.status.as_deref(), Some("in_progress" | "verifying")))
        .map(|m| Maintenance {
            id: m.id,
            title: m.name,
            link: m.shortlink,
            components: m.components.into_iter().map(|c| c.name).collect(),
        })
        .collect();
    Ok(Snapshot {
        indicator: Some(indicator),
        components: merge_same_names(components),
        incidents,
        maintenances,
    })
}

/// Statuspage's component words; an unknown word is not taken for "operational".
pub(super) fn component_state(status: Option<&str>) -> ComponentState {
    match status {
        Some("operational") => ComponentState::Operational,
        Some("under_maintenance") => ComponentState::UnderMaintenance,
        Some("partial_outage") => ComponentState::PartialOutage,
        Some("major_outage") => ComponentState::MajorOutage,
        _ => ComponentState::DegradedPerformance,
    }
}

fn incident(i: PageIncident) -> Incident {
    let latest = i
        .incident_updates
        .iter()
        .max_by_key(|u| u.display_at.or(u.created_at));
    let impact = match i.impact.as_deref() {
        Some("none") => Some(Indicator::Operational),
        Some("minor") => Some(Indicator::Minor),
        Some("major") => Some(Indicator::Major),
        Some("critical") => Some(Indicator::Critical),
        Some("maintenance") => Some(Indicator::Maintenance),
        _ => None,
    };
    Incident {
        id: i.id,
        title: i.name,
        impact,
        stage: i.status,
        link: i.shortlink,
        latest_update: latest.and_then(|u| u.body.clone()),
        updated_at: latest
            .and_then(|u| u.display_at.or(u.created_at))
            .or(i.updated_at),
        components: i.components.into_iter().map(|c| c.name).collect(),
    }
}
