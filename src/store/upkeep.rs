//! Storage for keeping the registry true: verifications, members who left, the change
//! history and digest claims.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{ChangeSource, GuildId, HistoryEntry, Vendor, VendorSlug};

#[async_trait]
pub trait UpkeepStore: Send + Sync {
    /// Records that `by` confirmed the vendor's contacts at `at` (it outlives imports), with
    /// a history entry, in one transaction.
    async fn record_verification(
        &self,
        guild: GuildId,
        slug: &VendorSlug,
        by: u64,
        at: DateTime<Utc>,
        note: &str,
    ) -> Result<(), StoreError>;

    /// The latest Discord-side verification of each vendor of the guild.
    async fn verifications(
        &self,
        guild: GuildId,
    ) -> Result<HashMap<VendorSlug, (u64, DateTime<Utc>)>, StoreError>;

    /// Saves an edited vendor if nobody changed it since `before` was read (else `Conflict`),
    /// with its history entry, in one transaction.
    async fn save_vendor_edit(
        &self,
        guild: GuildId,
        before: &Vendor,
        after: &Vendor,
        source: &ChangeSource,
        action: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Appends history entries (for things that change no vendor document).
    async fn record_history(&self, guild: GuildId, entries: &[HistoryEntry]) -> Result<(), StoreError>;

    /// The guild's history, newest first, optionally for one vendor.
    async fn history(
        &self,
        guild: GuildId,
        vendor: Option<&VendorSlug>,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError>;

    /// Records that `user` left the guild. True only for the call that recorded it first,
    /// so exactly one replica posts the notice.
    async fn record_departure(
        &self,
        guild: GuildId,
        user: u64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// `user` is back (or was never gone).
    async fn clear_departure(&self, guild: GuildId, user: u64) -> Result<(), StoreError>;

    async fn departed(&self, guild: GuildId) -> Result<HashSet<u64>, StoreError>;

    /// Claims the digest of the period starting at `period_start`. True for exactly one caller.
    async fn claim_digest(
        &self,
        guild: GuildId,
        period_start: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Guilds that have a registry. Used by background work (digests, start-up member
    /// check), which then works guild by guild.
    async fn registry_guilds(&self) -> Result<Vec<GuildId>, StoreError>;
}
