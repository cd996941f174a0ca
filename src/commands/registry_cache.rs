//! Each guild's vendor index and settings, kept in memory and reloaded when the guild's
//! registry version moves.
//!
//! `/support` and every autocomplete keystroke need the guild's vendor names. Reading them
//! all from the database per request costs a full read of the guild's vendors (100k rows
//! for a large registry); here a request costs a share of one indexed read of the guild's
//! registry version, and the index is rebuilt only when that version differs from the one
//! it was built at. The version lives in the database and is bumped in the same transaction
//! as any write to the vendors or settings, so an import or a settings change through
//! another process or replica is seen by the next request, not after a timeout.
//!
//! Requests that arrive together share a version read: each request waits for a read that
//! started after it arrived (never an older one), so an answer always reflects every write
//! committed before its request came in, while a burst of 32 requests costs one query.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Utc};

use crate::{
    domain::{GuildId, GuildSettings, VendorIndex, VendorIndexBuilder, VendorSlug},
    store::{Store, StoreError},
};

/// What commands need of a guild on every request, as of one registry version.
pub(crate) struct Registry {
    pub(crate) index: VendorIndex,
    pub(crate) settings: GuildSettings,
    /// The last `/vendor verify` of each vendor.
    pub(crate) verified: HashMap<VendorSlug, DateTime<Utc>>,
    /// Owners and backups known to have left the server.
    pub(crate) departed: HashSet<u64>,
}

/// One guild's registry, at the version it was loaded at.
struct Loaded {
    version: i64,
    registry: Arc<Registry>,
}

/// The last version read that completed: which read it was, and what it found.
#[derive(Default)]
struct Checked {
    read: u64,
    version: i64,
}

/// One guild's slot: the current index, the version reads, and a lock so that only one
/// request rebuilds the index.
#[derive(Default)]
struct Slot {
    loaded: RwLock<Option<Loaded>>,
    rebuild: tokio::sync::Mutex<()>,
    /// Held while a version read is in flight; holds the last completed one.
    checked: tokio::sync::Mutex<Checked>,
    /// How many version reads have started (each is numbered by this count).
    reads_started: AtomicU64,
}

impl Slot {
    fn current(&self, version: i64) -> Option<Arc<Registry>> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        loaded
            .as_ref()
            .filter(|l| l.version == version)
            .map(|l| Arc::clone(&l.registry))
    }

    /// The guild's registry version, read after this call began.
    async fn version(&self, store: &dyn Store, guild: GuildId) -> Result<i64, StoreError> {
        let started_before_us = self.reads_started.load(Ordering::SeqCst);
        let mut checked = self.checked.lock().await;
        // Reads start only under this lock, so a number above `started_before_us` is a read
        // that began after we arrived.
        if checked.read > started_before_us {
            return Ok(checked.version);
        }
        let read = self.reads_started.fetch_add(1, Ordering::SeqCst) + 1;
        let version = store.registry_version(guild).await?;
        *checked = Checked { read, version };
        Ok(version)
    }
}

/// The indexes of the guilds that asked since start-up. A guild's entry is only ever
/// filled from that guild's own rows: guilds never share an index.
#[derive(Default)]
pub(crate) struct RegistryCache {
    guilds: Mutex<HashMap<GuildId, Arc<Slot>>>,
}

impl RegistryCache {
    /// The guild's vendors and settings, including every write committed before this call.
    pub(crate) async fn registry(
        &self,
        store: &dyn Store,
        guild: GuildId,
    ) -> Result<Arc<Registry>, StoreError> {
        let slot = self.slot(guild);
        let version = slot.version(store, guild).await?;
        if let Some(registry) = slot.current(version) {
            return Ok(registry);
        }
        // Many requests can find the index stale at once (start-up, right after an import):
        // one rebuilds it, the others wait and take its result rather than each reading
        // the whole registry.
        let _rebuilding = slot.rebuild.lock().await;
        if let Some(registry) = slot.current(version) {
            return Ok(registry);
        }
        // The version was read before the vendors are: they are at least that new. A write
        // landing in between bumps the version past this one, so a later request rebuilds.
        let mut builder = VendorIndexBuilder::default();
        store
            .visit_vendor_summaries(guild, &mut |summary| builder.push(summary))
            .await?;
        let registry = Arc::new(Registry {
            index: builder.finish(),
            settings: store.guild_settings(guild).await?,
            verified: store
                .verifications(guild)
                .await?
                .into_iter()
                .map(|(slug, (_, at))| (slug, at))
                .collect(),
            departed: store.departed(guild).await?,
        });
        *slot.loaded.write().unwrap_or_else(PoisonError::into_inner) = Some(Loaded {
            version,
            registry: Arc::clone(&registry),
        });
        Ok(registry)
    }

    fn slot(&self, guild: GuildId) -> Arc<Slot> {
        let mut guilds = self.guilds.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(guilds.entry(guild).or_default())
    }
}
