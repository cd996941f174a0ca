//! Status rows as the tables hold them, checked into domain types (a value that does not read
//! back is `StoreError::Corrupt`), and the stored forms of snapshots and changes (JSON).

use chrono::{DateTime, Utc};

use super::{
    StoreError,
    status::{ClaimedSource, StatusAlert, StatusEvent, StoredValidators},
};
use crate::domain::status::{Snapshot, SourceReading, StatusChange, StatusKind};

fn corrupt(table: &'static str, key: &str, column: &'static str, problem: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        key: key.to_owned(),
        column,
        problem: problem.to_string(),
    }
}

pub(super) fn kind_of(url: &str, kind: &str) -> Result<StatusKind, StoreError> {
    StatusKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| {
            corrupt(
                "status_sources",
                url,
                "kind",
                format!("`{kind}` is not a status kind"),
            )
        })
}

fn snapshot_of(url: &str, json: Option<&str>) -> Result<Option<Snapshot>, StoreError> {
    json.map(|j| serde_json::from_str(j).map_err(|e| corrupt("status_sources", url, "snapshot", e)))
        .transpose()
}

pub(super) fn snapshot_json(snapshot: &Snapshot) -> Result<String, StoreError> {
    serde_json::to_string(snapshot).map_err(|e| StoreError::Unwritable {
        vendor: "(status snapshot)".to_owned(),
        problem: e.to_string(),
    })
}

/// The kind column of an event, and its JSON.
pub(super) fn change_columns(change: &StatusChange) -> Result<(&'static str, String), StoreError> {
    let kind = match change {
        StatusChange::Component { .. } => "component",
        StatusChange::IncidentOpened(_) => "incident-opened",
        StatusChange::IncidentUpdated(_) => "incident-updated",
        StatusChange::IncidentResolved { .. } => "incident-resolved",
        StatusChange::MaintenanceStarted(_) => "maintenance-started",
        StatusChange::MaintenanceEnded { .. } => "maintenance-ended",
    };
    let json = serde_json::to_string(change).map_err(|e| StoreError::Unwritable {
        vendor: "(status event)".to_owned(),
        problem: e.to_string(),
    })?;
    Ok((kind, json))
}

#[derive(sqlx::FromRow)]
pub(super) struct ClaimedSourceRow {
    url: String,
    kind: String,
    etag: Option<String>,
    last_modified: Option<String>,
    snapshot: Option<String>,
    failures: i64,
}

impl ClaimedSourceRow {
    pub fn into_claimed(self) -> Result<ClaimedSource, StoreError> {
        Ok(ClaimedSource {
            kind: kind_of(&self.url, &self.kind)?,
            snapshot: snapshot_of(&self.url, self.snapshot.as_deref())?,
            validators: StoredValidators {
                etag: self.etag,
                last_modified: self.last_modified,
            },
            failures: u32::try_from(self.failures).unwrap_or(u32::MAX),
            url: self.url,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ReadingRow {
    url: String,
    snapshot: Option<String>,
    checked_at: Option<DateTime<Utc>>,
    failing_since: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl ReadingRow {
    pub fn into_reading(self) -> Result<(String, SourceReading), StoreError> {
        let reading = SourceReading {
            snapshot: snapshot_of(&self.url, self.snapshot.as_deref())?,
            checked_at: self.checked_at,
            failing_since: self.failing_since,
            last_error: self.last_error,
        };
        Ok((self.url, reading))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    url: String,
    seen_at: DateTime<Utc>,
    change: String,
}

impl EventRow {
    pub fn into_event(self) -> Result<StatusEvent, StoreError> {
        let change = serde_json::from_str(&self.change)
            .map_err(|e| corrupt("status_events", &self.id.to_string(), "change", e))?;
        Ok(StatusEvent {
            id: self.id,
            url: self.url,
            seen_at: self.seen_at,
            change,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AlertRow {
    id: i64,
    subject: String,
    channel_id: i64,
    message_id: Option<i64>,
    posted_state: String,
}

impl AlertRow {
    pub fn into_alert(self) -> Result<StatusAlert, StoreError> {
        let key = self.id.to_string();
        let id = |column: &'static str, v: i64| {
            u64::try_from(v).map_err(|e| corrupt("status_alerts", &key, column, e))
        };
        Ok(StatusAlert {
            id: self.id,
            channel: id("channel_id", self.channel_id)?,
            message: self.message_id.map(|m| id("message_id", m)).transpose()?,
            subject: self.subject,
            posted_state: self.posted_state,
        })
    }
}
