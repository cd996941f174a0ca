//! Case storage: cases, their timelines and notifications, on both backends (same SQL).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{
    GuildId, Severity, Timeline, VendorSlug,
    case::{Case, CaseStatus, Delivery, EventKind, NotifyTarget, Recipient},
};

/// A case about to be opened (its number is given by the store).
#[derive(Clone, Debug)]
pub struct NewCase {
    pub vendor: VendorSlug,
    pub vendor_name: String,
    pub severity: Severity,
    pub vendor_severity: Option<String>,
    pub summary: String,
    pub vendor_case_id: Option<String>,
    pub link: Option<String>,
    pub channel_id: Option<u64>,
    pub opened_by: u64,
    pub opened_at: DateTime<Utc>,
    pub response_due: Option<DateTime<Utc>>,
}

/// One timeline entry to record, with the interaction that caused it (for idempotency).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: EventKind,
    pub actor: Option<u64>,
    pub detail: String,
    pub at: DateTime<Utc>,
    pub interaction_id: Option<u64>,
}

/// What recording an event did.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The case after the event.
    pub case: Case,
    pub event_id: i64,
    /// The same interaction was recorded before: nothing new was written.
    pub replayed: bool,
}

/// The method recorded for notifications: a message in the case's channel mentioning them.
pub const CHANNEL_MENTION: &str = "channel-mention";

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Numbers the case (per guild, sequential), records it with its `opened` event and one
    /// pending notification per target, in one transaction. A repeated interaction ID
    /// returns the case it opened the first time.
    async fn open_case(
        &self,
        guild: GuildId,
        case: &NewCase,
        event: &NewEvent,
        notify: &[NotifyTarget],
    ) -> Result<Recorded, StoreError>;

    /// Saves `after` (a changed copy of `before`) with its event and notifications, in one
    /// transaction, only if the case's status and escalation level are still those of
    /// `before` (else `Conflict`: someone changed it meanwhile). Idempotent like `open_case`.
    async fn record_case_event(
        &self,
        guild: GuildId,
        before: &Case,
        after: &Case,
        event: &NewEvent,
        notify: &[NotifyTarget],
    ) -> Result<Recorded, StoreError>;

    /// Marks the notifications of an event as sent or failed, once the message went out (or not).
    async fn mark_delivery(
        &self,
        guild: GuildId,
        event_id: i64,
        delivery: Delivery,
    ) -> Result<(), StoreError> {
        self.mark_recipients(guild, event_id, None, delivery, None).await
    }

    /// Marks the notifications of an event for exactly `recipients` (all of the event's when
    /// none) as sent or failed, with the reason a message failed: each message of a split
    /// reply is recorded on its own.
    async fn mark_recipients(
        &self,
        guild: GuildId,
        event_id: i64,
        recipients: Option<&[Recipient]>,
        delivery: Delivery,
        reason: Option<&str>,
    ) -> Result<(), StoreError>;

    async fn case(&self, guild: GuildId, number: i64) -> Result<Option<Case>, StoreError>;

    /// Cases of the guild, open ones first, newest first, at most `limit`.
    async fn cases(
        &self,
        guild: GuildId,
        vendor: Option<&VendorSlug>,
        status: Option<CaseStatus>,
        limit: i64,
    ) -> Result<Vec<Case>, StoreError>;

    /// Cases whose number starts with `typed`, or whose vendor or summary contains it (case
    /// aside; all when empty), in `cases`' order, at most `limit`: one indexed query, for
    /// autocomplete. `typed` is matched literally (`%` and `_` are not wildcards).
    async fn search_cases(&self, guild: GuildId, typed: &str, limit: i64) -> Result<Vec<Case>, StoreError>;

    async fn timeline(&self, guild: GuildId, number: i64) -> Result<Timeline, StoreError>;

    /// Cases opened at or after `since` (all when none), oldest first, with their timelines.
    async fn cases_with_timelines(
        &self,
        guild: GuildId,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Case, Timeline)>, StoreError>;

    /// Claims the open cases whose response is overdue at `now` and not yet reminded, at most
    /// `limit`; each case is returned by exactly one call, whichever replica makes it. This
    /// is the one query that spans guilds: each claimed case carries its guild, and its
    /// reminder goes only to its own channel.
    async fn claim_overdue_reminders(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(GuildId, Case)>, StoreError>;
}
