//! Storage of vendor status: each status document's last reading, validators and lease (one
//! row per URL, shared by every guild that watches it), the changes seen on it, the alerts
//! posted about it and the notes it left on case timelines.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{
    GuildId, VendorSlug,
    status::{Snapshot, SourceReading, StatusChange, StatusKind},
};

/// What a conditional request sends back: the validators of the last document read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredValidators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A source claimed for one poll: what the poller needs to fetch it and compare.
#[derive(Clone, Debug)]
pub struct ClaimedSource {
    pub url: String,
    pub kind: StatusKind,
    pub validators: StoredValidators,
    /// The last document read, to compare the next one with.
    pub snapshot: Option<Snapshot>,
    /// Failed attempts in a row before this one (for the backoff).
    pub failures: u32,
}

/// How a poll ended, to be recorded by the replica that holds the source's lease.
#[derive(Clone, Debug)]
pub enum PollOutcome {
    /// A new document: stored with its validators; `changes` become events.
    Read {
        snapshot: Snapshot,
        changes: Vec<StatusChange>,
        validators: StoredValidators,
    },
    /// 304: the last document still holds.
    NotModified,
    /// Nothing usable came back: the last document is kept, the source shows as unknown.
    Failed { error: String },
}

/// A change seen on a status document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusEvent {
    pub id: i64,
    pub url: String,
    pub seen_at: DateTime<Utc>,
    pub change: StatusChange,
}

/// An alert posted (or being posted) about one incident of one vendor in one guild.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusAlert {
    pub id: i64,
    /// The incident's ID on the page, or [`COMPONENTS_SUBJECT`].
    pub subject: String,
    pub channel: u64,
    /// The message posted; `None` until Discord accepted it.
    pub message: Option<u64>,
    /// A digest of what the message says, compared-and-set by whoever edits it.
    pub posted_state: String,
}

/// Status events kept per source: older ones are deleted as new ones are recorded (case
/// timelines keep their own copy of what they noted).
pub const EVENTS_KEPT: i64 = 500;

/// The subject of an alert about watched components that no open incident explains.
pub const COMPONENTS_SUBJECT: &str = "components";

#[async_trait]
pub trait StatusStore: Send + Sync {
    /// Makes sure every URL has a row; a new one is due at `now`. Existing rows are left alone.
    async fn register_status_sources(
        &self,
        sources: &[(String, StatusKind)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Claims at most `limit` of `urls` that are due at `now` and leased by nobody, for `owner`
    /// until `lease_until`: with several replicas on one database, each source is polled by
    /// one at a time.
    async fn claim_due_sources(
        &self,
        urls: &[String],
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedSource>, StoreError>;

    /// Records how the poll of `url` ended and when to poll it next, releasing the lease, in
    /// one transaction. `None` when `owner` no longer held the lease (nothing recorded); else
    /// the events recorded, in order.
    async fn record_poll(
        &self,
        url: &str,
        owner: &str,
        outcome: &PollOutcome,
        now: DateTime<Utc>,
        next_poll_at: DateTime<Utc>,
    ) -> Result<Option<Vec<StatusEvent>>, StoreError>;

    /// What is known of one source: one read by primary key.
    async fn status_reading(&self, url: &str) -> Result<Option<SourceReading>, StoreError>;

    /// The newest events of one source, newest first.
    async fn status_events(&self, url: &str, limit: i64) -> Result<Vec<StatusEvent>, StoreError>;

    /// The guild's unresolved alerts about one vendor.
    async fn open_status_alerts(
        &self,
        guild: GuildId,
        vendor: &VendorSlug,
    ) -> Result<Vec<StatusAlert>, StoreError>;

    /// Records a new alert unless one about the same subject is still open. `Some(id)` for
    /// exactly one caller, which then posts it.
    async fn claim_status_alert(
        &self,
        guild: GuildId,
        vendor: &VendorSlug,
        subject: &str,
        channel: u64,
        state: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;

    /// Moves an alert from `before` to `after` (and resolves it when `resolved_at` is set),
    /// only if it still says `before`: true for exactly one caller, which then edits it.
    async fn advance_status_alert(
        &self,
        alert: i64,
        before: &str,
        after: &str,
        resolved_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;

    /// The message that carries the alert, once Discord accepted it.
    async fn set_status_alert_message(&self, alert: i64, message: u64) -> Result<(), StoreError>;

    /// Adds a `vendor-status` event to a case's timeline, once per `key` (e.g. "opened",
    /// "event:12"). The new event's ID, or `None` when that note was made before.
    async fn add_case_status_note(
        &self,
        guild: GuildId,
        case_number: i64,
        key: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError>;
}
