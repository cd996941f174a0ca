//! A Better Stack status page's `/index.json` (JSON:API): the page's `aggregate_state`, its
//! resources (`status_page_resource`), reports (`status_report`) and their updates
//! (`status_update`) in `included`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::merge_same_names;
use serde_json::Value;

use super::{
    ComponentState, ComponentStatus, Incident, Indicator, Maintenance, Snapshot, StatusDocumentError,
};

#[derive(Deserialize)]
struct Index {
    data: Resource,
    #[serde(default)]
    included: Vec<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    id: Value,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    attributes: serde_json::Map<String, Value>,
}

impl Resource {
    fn id(&self) -> String {
        id_text(&self.id)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(Value::as_str)
    }

    fn time(&self, key: &str) -> Option<DateTime<Utc>> {
        self.text(key)?.parse().ok()
    }
}

fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(super) fn parse(body: &[u8]) -> Result<Snapshot, StatusDocumentError> {
    let index: Index = serde_json::from_slice(body)
        .map_err(|e| StatusDocumentError(format!("not a Better Stack index.json: {e}")))?;
    if index.data.kind != "status_page" {
        return Err(StatusDocumentError(format!(
            "Better Stack index.json: `data` is a `{}`, not a status_page",
            index.data.kind
        )));
    }
    let indicator = match index.data.text("aggregate_state") {
        Some("operational") => Indicator::Operational,
        Some("degraded") => Indicator::Minor,
        Some("downtime") => Indicator::Major,
        Some("maintenance") => Indicator::Maintenance,
        other => {
            return Err(StatusDocumentError(format!(
                "Better Stack index.json: unknown aggregate_state {other:?} (operational, degraded, downtime or maintenance)"
            )));
        }
    };
    let of_kind = |kind: &'static str| index.included.iter().filter(move |r| r.kind == kind);
    let resources: Vec<(String, ComponentStatus)> = of_kind("status_page_resource")
        .filter_map(|r| {
            let state = match r.text("status") {
                Some("not_monitored") => return None,
                status => resource_state(status),
            };
            let name = r.text("public_name")?.to_owned();
            Some((r.id(), ComponentStatus { name, state }))
        })
        .collect();
    let name_of = |id: &str| {
        resources
            .iter()
            .find(|(rid, _)| rid == id)
            .map(|(_, c)| c.name.clone())
    };
    let mut incidents = Vec::new();
    let mut maintenances = Vec::new();
    for report in of_kind("status_report") {
        let state = report.text("aggregate_state");
        if report.text("ends_at").is_some() || matches!(state, Some("resolved" | "operational")) {
            continue;
        }
        let id = report.id();
        let components: Vec<String> = report
            .attributes
            .get("affected_resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| name_of(&id_text(a.get("status_page_resource_id")?)))
            .collect();
        let title = report.text("title").unwrap_or("(untitled report)").to_owned();
        if report.text("report_type") == Some("maintenance") {
            maintenances.push(Maintenance {
                id,
                title,
                link: None,
                components,
            });
            continue;
        }
        let latest = of_kind("status_update")
            .filter(|u| u.attributes.get("status_report_id").map(id_text).as_deref() == Some(id.as_str()))
            .max_by_key(|u| u.time("published_at"));
        incidents.push(Incident {
            impact: Some(match state {
                Some("downtime") => Indicator::Major,
                Some("maintenance") => Indicator::Maintenance,
                _ => Indicator::Minor,
            }),
            stage: state.map(str::to_owned),
            link: None,
            latest_update: latest.and_then(|u| u.text("message")).map(str::to_owned),
            updated_at: latest
                .and_then(|u| u.time("published_at"))
                .or_else(|| report.time("starts_at")),
            components,
            id,
            title,
        });
    }
    Ok(Snapshot {
        indicator: Some(indicator),
        components: merge_same_names(resources.into_iter().map(|(_, c)| c).collect()),
        incidents,
        maintenances,
    })
}

fn resource_state(status: Option<&str>) -> ComponentState {
    match status {
        Some("operational") => ComponentState::Operational,
        Some("maintenance") => ComponentState::UnderMaintenance,
        Some("downtime") => ComponentState::MajorOutage,
        _ => ComponentState::DegradedPerformance,
    }
}
