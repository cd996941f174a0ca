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
//!
//! The registry in memory is also what answers while the database is unreachable: a version
//! read that fails to reach it, or takes longer than the read budget, marks the database
//! down, and until the background probe sees it back, requests are answered from the last
//! registry loaded, marked with the time it was last known current. Nobody queues behind a
//! slow read for longer than the budget.

use std::{
    collections::{HashMap, HashSet},
    ops::Deref,
    sync::{
        Arc, Mutex, PoisonError, RwLock, Weak,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};

use super::{Clock, CommandError, Core, Metrics, Reply, Text};
use crate::{
    domain::{GuildId, GuildSettings, Vendor, VendorIndex, VendorIndexBuilder, VendorSlug},
    store::{DbHealth, Store, StoreError},
};

/// The longest a request waits for the guild's registry version (its own read, or the one
/// in flight that it shares) before it answers from memory.
pub const DEFAULT_READ_BUDGET: Duration = Duration::from_secs(1);

/// Registries up to this many vendors are kept whole in memory, so that `/support` answers
/// for any of them while the database is down; larger ones keep the vendors asked for.
const REMEMBER_ALL_UP_TO: usize = 1000;

/// What commands need of a guild on every request, as of one registry version.
pub(crate) struct Registry {
    pub(crate) index: VendorIndex,
    pub(crate) settings: GuildSettings,
    /// The last `/vendor verify` of each vendor.
    pub(crate) verified: HashMap<VendorSlug, DateTime<Utc>>,
    /// Owners and backups known to have left the server.
    pub(crate) departed: HashSet<u64>,
    /// Whole vendor documents of this version, as they were read.
    vendors: Mutex<HashMap<VendorSlug, Arc<Vendor>>>,
}

impl Registry {
    fn remembered(&self, slug: &VendorSlug) -> Option<Arc<Vendor>> {
        let vendors = self.vendors.lock().unwrap_or_else(PoisonError::into_inner);
        vendors.get(slug).cloned()
    }

    fn remember(&self, vendor: &Vendor) {
        let mut vendors = self.vendors.lock().unwrap_or_else(PoisonError::into_inner);
        vendors.insert(vendor.slug.clone(), Arc::new(vendor.clone()));
    }
}

/// A guild's registry for one request: current, or from memory while the database is down
/// or too slow to ask.
pub(crate) struct Current {
    registry: Arc<Registry>,
    /// Set when the database could not be asked: the last time this registry was known current.
    pub(crate) from_memory: Option<DateTime<Utc>>,
    /// Known down, rather than slow to answer this once.
    unreachable: bool,
}

impl Deref for Current {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        &self.registry
    }
}

impl Current {
    /// Says on the reply that it was answered from memory, and as of when.
    pub(crate) fn mark(&self, reply: &mut Reply, now: DateTime<Utc>) {
        let Some(as_of) = self.from_memory else { return };
        let when = if as_of.date_naive() == now.date_naive() {
            as_of.format("%H:%M UTC").to_string()
        } else {
            as_of.format("%Y-%m-%d %H:%M UTC").to_string()
        };
        let why = if self.unreachable {
            "backline's database is unreachable"
        } else {
            "backline's database is not answering in time"
        };
        let line = Text::from(format!("⚠️ Answered from memory as of {when}: {why}."));
        reply.content = Some(match reply.content.take() {
            Some(content) => line.line_break().then(content),
            None => line,
        });
    }
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
    /// When the loaded registry was last known current (Unix seconds; 0: never).
    confirmed_at: AtomicI64,
}

impl Slot {
    fn current(&self, version: i64) -> Option<Arc<Registry>> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        loaded
            .as_ref()
            .filter(|l| l.version == version)
            .map(|l| Arc::clone(&l.registry))
    }

    /// Whatever registry was loaded last, with the time it was last known current.
    fn remembered(&self, unreachable: bool) -> Option<Current> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        let registry = Arc::clone(&loaded.as_ref()?.registry);
        let as_of = DateTime::from_timestamp(self.confirmed_at.load(Ordering::SeqCst), 0)?;
        Some(Current {
            registry,
            from_memory: Some(as_of),
            unreachable,
        })
    }

    fn confirmed(&self, registry: Arc<Registry>, now: DateTime<Utc>) -> Current {
        self.confirmed_at.fetch_max(now.timestamp(), Ordering::SeqCst);
        Current {
            registry,
            from_memory: None,
            unreachable: false,
        }
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
pub(crate) struct RegistryCache {
    guilds: Mutex<HashMap<GuildId, Arc<Slot>>>,
    health: Arc<DbHealth>,
    /// For the health probe only: requests pass their store in.
    store: Weak<dyn Store>,
    clock: Arc<dyn Clock>,
    read_budget: Duration,
    metrics: Arc<Metrics>,
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
        }
    }

    /// The guild's vendors and settings, including every write committed before this call;
    /// from memory, marked as such, while the database is unreachable.
    pub(crate) async fn registry(&self, store: &dyn Store, guild: GuildId) -> Result<Current, CommandError> {
        let slot = self.slot(guild);
        if self.health.is_down() {
            return while_down(&slot);
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
        if let Some(registry) = slot.current(version) {
            self.metrics.registry_hit();
            return Ok(slot.confirmed(registry, now));
        }
        // Many requests can find the index stale at once (start-up, right after an import):
        // one rebuilds it, the others wait and take its result rather than each reading
        // the whole registry.
        let _rebuilding = slot.rebuild.lock().await;
        if let Some(registry) = slot.current(version) {
            return Ok(slot.confirmed(registry, now));
        }
        match load(store, guild).await {
            Ok(registry) => {
                self.metrics.registry_rebuild();
                *slot.loaded.write().unwrap_or_else(PoisonError::into_inner) = Some(Loaded {
                    version,
                    registry: Arc::clone(&registry),
                });
                Ok(slot.confirmed(registry, now))
            }
            Err(error) if self.health.observe(&error, &self.store) => while_down(&slot),
            Err(error) => Err(error.into()),
        }
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
        let slot = guilds.get(&guild)?;
        let loaded = slot.loaded.read().unwrap_or_else(PoisonError::into_inner);
        loaded.as_ref().map(|l| Arc::clone(&l.registry))
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
