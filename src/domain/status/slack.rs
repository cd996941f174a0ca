//! Slack's status API, `/api/v2.0.0/current`.
//!
//! The document lists only the services an active incident affects, so the components of a
//! reading are those services; one that leaves the list is back to operational.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

use super::{ComponentState, ComponentStatus, Incident, Indicator, Snapshot, StatusDocumentError};

#[derive(Deserialize)]
struct Current {
    status: String,
    #[serde(default)]
    active_incidents: Vec<SlackIncident>,
}

#[derive(Deserialize)]
struct SlackIncident {
    id: serde_json::Value,
    title: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    date_updated: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    notes: Vec<Note>,
}

#[derive(Deserialize)]
struct Note {
    #[serde(default)]
    date_created: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    body: Option<String>,
}

pub(super) fn parse(body: &[u8]) -> Result<Snapshot, StatusDocumentError> {
    let current: Current = serde_json::from_slice(body)
        .map_err(|e| StatusDocumentError(format!("not a Slack status document: {e}")))?;
    if !matches!(current.status.as_str(), "ok" | "active" | "broken") {
        return Err(StatusDocumentError(format!(
            "Slack status: unknown status `{}` (ok, active or broken)",
            current.status
        )));
    }
    let mut components: Vec<ComponentStatus> = Vec::new();
    let mut incidents = Vec::new();
    for i in current.active_incidents {
        if matches!(i.status.as_deref(), Some("resolved" | "completed" | "cancelled")) {
            continue;
        }
        let (impact, state) = match i.kind.as_deref() {
            Some("outage") => (Indicator::Major, ComponentState::MajorOutage),
            Some("notice") => (Indicator::Maintenance, ComponentState::UnderMaintenance),
            _ => (Indicator::Minor, ComponentState::PartialOutage),
        };
        for service in &i.services {
            match components.iter_mut().find(|c| &c.name == service) {
                Some(c) => c.state = c.state.max(state),
                None => components.push(ComponentStatus {
                    name: service.clone(),
                    state,
                }),
            }
        }
        let latest = i.notes.iter().max_by_key(|n| n.date_created);
        let id = match &i.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        incidents.push(Incident {
            id,
            title: i.title,
            impact: Some(impact),
            stage: i.status,
            link: i.url,
            latest_update: latest.and_then(|n| n.body.clone()),
            updated_at: latest
                .and_then(|n| n.date_created)
                .or(i.date_updated)
                .map(|t| t.with_timezone(&Utc)),
            components: i.services,
        });
    }
    let worst = incidents.iter().filter_map(|i| i.impact).max();
    let indicator = match (current.status.as_str(), worst) {
        ("ok", None) => Indicator::Operational,
        (_, Some(worst)) => worst,
        // "active" or "broken" without an incident listed: something is wrong.
        (_, None) => Indicator::Minor,
    };
    Ok(Snapshot {
        indicator: Some(indicator),
        components,
        incidents,
        maintenances: Vec::new(),
    })
}
