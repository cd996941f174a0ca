//! Each guild's vendor index and settings, kept in memory and reloaded when the guild's
//! registry version moves.
//!
//! `/support` and every autocomplete keystroke need the guild's vendor names. Reading them
//! all from the database per request costs a full read of the guild's vendors (100k rows
//! for a large registry); here the index is rebuilt only when the guild's registry version
//! differs from the one it was built at. The version lives in the database and is bumped in
//! the same transaction as any write to the vendors or settings.
//!
//! In the steady state a request makes no database round trip at all: the store's
//! [`RegistryFeed`] counts the registry changes this process has been told of (its own
//! writes once committed; other processes' through PostgreSQL's `LISTEN/NOTIFY` or SQLite's
//! `PRAGMA data_version`), and a registry confirmed current at the count the feed still
//! shows is current. The rule: a write is visible to the next request on the same replica,
//! and on other replicas once its notification arrives (PostgreSQL) or within a poll
//! ([`crate::store::SQLITE_POLL`], 10 ms) on SQLite. While the feed's watch is not connected,
//! or after it signalled a change, a request reads the version as below.
//!
//! Requests that read the version together share a read: each request waits for a read that
//! started after it arrived (never an older one), so an answer always reflects every write
//! committed before its request came in, while a burst of 32 requests costs one query.
//!
//! The registry in memory is also what answers while the database is unreachable: a version
//! read that fails to reach it, or takes longer than the read budget, marks the database
//! down, and until the background probe sees it back, requests are answered from the last
//! registry loaded, marked with the time it was last known current. Nobody queues behind a
//! slow read for longer than the budget.
//!
//! Memory: the index (about 300 bytes per vendor), and at most [`super::registry_slot::REMEMBER_AT_MOST`] parsed
//! vendor documents per guild (registries up to [`REMEMBER_ALL_UP_TO`] are loaded whole).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError, Weak},
    time::Duration,
};

use super::{Clock, CommandError, Core, Metrics, Text};
use crate::{
    domain::{GuildId, Vendor, VendorIndexBuilder, VendorSlug},
    store::{DbHealth, RegistryFeed, Store, StoreError},
};

/// The longest a request waits for the guild's registry version (its own read, or the one
/// in flight that it shares) before it answers from memory.
pub const DEFAULT_READ_BUDGET: Duration = Duration::from_secs(1);

/// Registries up to this many vendors are kept whole in memory, so that `/support` answers
/// for any of them while the database is down; larger ones keep the vendors asked for.
pub const REMEMBER_ALL_UP_TO: usize = 1000;

pub(crate) use super::registry_slot::Current;
use super::registry_slot::{Registry, Slot};

/// The indexes of the guilds that asked since start-up. A guild's entry is only ever
/// filled from that guild's own rows: guilds never share an index.
pub(crate) struct RegistryCache {
    guilds: Mutex<HashMap<GuildId, Arc<Slot>>>,
    health: Arc<DbHealth>,
    /// For the health probe only: requests pass their store in.
    store: Weak<dyn Store>,
    clock: Arc<dyn Clock>,
    read_budget: Duration,
    metrics: Arc<Metrics>,
    /// The store's registry feed, taken on the first request (its watch needs a runtime).
    feed: OnceLock<Arc<RegistryFeed>>,
    /// False: read the version on every request, as while the feed is not live.
    trust_feed: bool,
}

impl RegistryCache {
    pub(crate) fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, metrics: Arc<Metrics>) -> Self {
        Self {
            guilds: Mutex::default(),
            health: Arc::default(),
            store: Arc::downgrade(store),
            clock,
            read_budget: DEFAULT_READ_BUDGET,
            metrics,
            feed: OnceLock::new(),
            trust_feed: true,
        }
    }

    /// The feed's count of changes, while it is live and trusted.
    fn changes(&self, store: &dyn Store) -> Option<u64> {
        if !self.trust_feed {
            return None;
        }
        self.feed.get_or_init(|| store.registry_feed()).changes()
    }

    /// The guild's vendors and settings, including every write committed before this call;
    /// from memory, marked as such, while the database is unreachable.
    pub(crate) async fn registry(&self, store: &dyn Store, guild: GuildId) -> Result<Current, CommandError> {
        let slot = self.slot(guild);
        if self.health.is_down() {
            return while_down(&slot);
        }
        // Taken before the version is read: a change signalled after this is read again.
        let seen = self.changes(store);
        if let Some(registry) = seen.and_then(|changes| slot.fresh(changes)) {
            self.metrics.registry_hit();
            return Ok(slot.confirmed(registry, self.clock.now()));
        }
        let read = slot.version(store, guild);
        tokio::pin!(read);
        let version = match tokio::time::timeout(self.read_budget, &mut read).await {
            Ok(version) => version,
            Err(_) => {
                // Slow is not down (a burst can queue for connections): answer from memory
                // and let one check in the background decide.
                tracing::warn!(budget = ?self.read_budget, "registry version read took too long");
                self.health.suspect(&self.store);
                if let Some(current) = slot.remembered(false) {
                    return Ok(current);
                }
                // Nothing in memory to answer with: wait for the database after all.
                read.await
            }
        };
        let version = match version {
            Ok(version) => version,
            Err(error) if self.health.observe(&error, &self.store) => {
                tracing::warn!(%error, "registry version read failed");
                return while_down(&slot);
            }
            Err(error) => return Err(error.into()),
        };
        let now = self.clock.now();
        if let Some(registry) = slot.current(version, seen) {
            self.metrics.registry_hit();
            return Ok(slot.confirmed(registry, now));
        }
        // Many requests can find the index stale at once (start-up, right after an import):
        // one rebuilds it, the others wait and take its result rather than each reading
        // the whole registry.
        let _rebuilding = slot.rebuild.lock().await;
        if let Some(registry) = slot.current(version, seen) {
            return Ok(slot.confirmed(registry, now));
        }
        match load(store, guild).await {
            Ok(registry) => {
                self.metrics.registry_rebuild();
                slot.keep(version, &registry, seen);
                Ok(slot.confirmed(registry, now))
            }
            Err(error) if self.health.observe(&error, &self.store) => while_down(&slot),
            Err(error) => Err(error.into()),
        }
    }

    /// The guild's registry if it is known current without asking the database (the feed
    /// shows no change since it was confirmed): what `registry` answers at once.
    pub(crate) fn registry_now(&self, store: &dyn Store, guild: GuildId) -> Option<Current> {
        if self.health.is_down() {
            return None;
        }
        let changes = self.changes(store)?;
        let slot = self.slot(guild);
        let registry = slot.fresh(changes)?;
        self.metrics.registry_hit();
        Some(slot.confirmed(registry, self.clock.now()))
    }

    /// The whole document of a vendor in `registry`: from memory when it was read at this
    /// version already (or the database is down), else from the store.
    pub(crate) async fn vendor(
        &self,
        store: &dyn Store,
        guild: GuildId,
        registry: &Current,
        slug: &VendorSlug,
    ) -> Result<Option<Vendor>, CommandError> {
        if let Some(vendor) = registry.remembered(slug) {
            return Ok(Some(Vendor::clone(&vendor)));
        }
        if registry.unreachable {
            return Err(not_in_memory(&format!("the details of `{slug}` are")));
        }
        match store.vendor(guild, slug).await {
            Ok(vendor) => Ok(vendor.inspect(|v| registry.remember(v))),
            Err(error) => {
                self.observe(&error);
                Err(error.into())
            }
        }
    }

    /// True while the database is known to be unreachable.
    pub(crate) fn database_down(&self) -> bool {
        self.health.is_down()
    }

    /// Takes note of a store error: one that says the database is unreachable marks it down.
    pub(crate) fn observe(&self, error: &StoreError) -> bool {
        self.health.observe(error, &self.store)
    }

    fn slot(&self, guild: GuildId) -> Arc<Slot> {
        let mut guilds = self.guilds.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(guilds.entry(guild).or_default())
    }

    fn loaded(&self, guild: GuildId) -> Option<Arc<Registry>> {
        let guilds = self.guilds.lock().unwrap_or_else(PoisonError::into_inner);
        guilds.get(&guild)?.last_loaded()
    }
}

/// The registry in memory while the database is known to be down.
fn while_down(slot: &Slot) -> Result<Current, CommandError> {
    slot.remembered(true)
        .ok_or_else(|| not_in_memory("this server's registry is"))
}

fn not_in_memory(what: &str) -> CommandError {
    CommandError::User(Text::from(format!(
        "backline's database is unreachable right now, and {what} not in memory yet. Try again in a minute."
    )))
}

/// Reads a guild's registry whole. The version was read before the vendors are: they are at
/// least that new. A write landing in between bumps the version past this one, so a later
/// request rebuilds.
async fn load(store: &dyn Store, guild: GuildId) -> Result<Arc<Registry>, StoreError> {
    let mut builder = VendorIndexBuilder::default();
    store
        .visit_vendor_summaries(guild, &mut |summary| builder.push(summary))
        .await?;
    let index = builder.finish();
    let vendors = if index.len() <= REMEMBER_ALL_UP_TO {
        store
            .vendors(guild)
            .await?
            .into_iter()
            .map(|v| (v.slug.clone(), Arc::new(v)))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(Arc::new(Registry {
        index,
        settings: store.guild_settings(guild).await?,
        verified: store
            .verifications(guild)
            .await?
            .into_iter()
            .map(|(slug, (_, at))| (slug, at))
            .collect(),
        departed: store.departed(guild).await?,
        vendors: Mutex::new(vendors),
    }))
}

/// What a command that needs the database answers while it is unreachable.
pub(crate) const UNREACHABLE: &str = "backline's database is unreachable right now, so this was not done. \
    Try again in a few minutes; meanwhile `/support` and `/owner` answer from memory.";

impl Core {
    /// While the database is known to be down, a command that cannot do without it is
    /// refused at once rather than left to wait for a connection.
    pub(super) fn refuse_while_down(&self, command: &super::Command) -> Result<(), CommandError> {
        use super::Command::{CaseForm, CaseOpen, Owner, Support};
        // These answer from memory, or say themselves what could not be done.
        let copes = matches!(
            command,
            Support { .. } | Owner { .. } | CaseForm { .. } | CaseOpen(_)
        );
        if !copes && self.registry.database_down() {
            return Err(CommandError::User(UNREACHABLE.into()));
        }
        Ok(())
    }

    /// The same core, waiting at most `budget` for a guild's registry version before it
    /// answers from memory. Call before the core is cloned: it starts an empty cache.
    pub fn with_read_budget(mut self, budget: Duration) -> Self {
        let mut cache = RegistryCache::new(&self.store, Arc::clone(&self.clock), Arc::clone(&self.metrics));
        cache.read_budget = budget;
        cache.trust_feed = self.registry.trust_feed;
        self.registry = Arc::new(cache);
        self
    }

    /// The same core, reading the registry version on every request as it does while the
    /// store's change feed is not connected: for tests of that path. Call before the core
    /// is cloned: it starts an empty cache.
    pub fn without_change_feed(mut self) -> Self {
        let mut cache = RegistryCache::new(&self.store, Arc::clone(&self.clock), Arc::clone(&self.metrics));
        cache.read_budget = self.registry.read_budget;
        cache.trust_feed = false;
        self.registry = Arc::new(cache);
        self
    }

    /// Whether `/support` and `/owner` answer only to the asker in `guild`, as far as the
    /// registry in memory tells (`None`: not loaded yet).
    pub fn sensitive_contacts_in_memory(&self, guild: GuildId) -> Option<bool> {
        self.registry
            .loaded(guild)
            .map(|registry| registry.settings.sensitive_contacts)
    }

    /// True while the database is known to be unreachable (re-checked in the background).
    pub fn database_down(&self) -> bool {
        self.registry.database_down()
    }
}
