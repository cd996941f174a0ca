//! One guild's registry in memory: what it holds, and the slot that keeps it current (see
//! `registry_cache` for how it is kept).

use std::{
    collections::{HashMap, HashSet},
    ops::Deref,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Utc};

use super::{Reply, Text};
use crate::{
    domain::{GuildId, GuildSettings, Vendor, VendorIndex, VendorSlug},
    store::{Store, StoreError},
};

/// The most parsed vendor documents kept per guild: enough for everyone asking about the
/// vendors of an incident (and for the benchmark's 2000 vendors in turn). At the benchmark's
/// 2.5 KB vendors, about 5 KB each in memory (100k of them took about 0.5 GB in `backline
/// import`, BENCHMARKS.md), so about 20 MB per guild at most. Past it, one remembered vendor
/// is forgotten per new one.
pub const REMEMBER_AT_MOST: usize = 4096;

/// What commands need of a guild on every request, as of one registry version.
pub(crate) struct Registry {
    pub(crate) index: VendorIndex,
    pub(crate) settings: GuildSettings,
    /// The last `/vendor verify` of each vendor.
    pub(crate) verified: HashMap<VendorSlug, DateTime<Utc>>,
    /// Owners and backups known to have left the server.
    pub(crate) departed: HashSet<u64>,
    /// Whole vendor documents of this version, as they were read.
    pub(super) vendors: Mutex<HashMap<VendorSlug, Arc<Vendor>>>,
}

impl Registry {
    pub(super) fn remembered(&self, slug: &VendorSlug) -> Option<Arc<Vendor>> {
        let vendors = self.vendors.lock().unwrap_or_else(PoisonError::into_inner);
        vendors.get(slug).cloned()
    }

    pub(super) fn remember(&self, vendor: &Vendor) {
        let mut vendors = self.vendors.lock().unwrap_or_else(PoisonError::into_inner);
        if vendors.len() >= REMEMBER_AT_MOST
            && !vendors.contains_key(&vendor.slug)
            && let Some(forget) = vendors.keys().next().cloned()
        {
            vendors.remove(&forget);
        }
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
    pub(super) unreachable: bool,
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
    /// The feed's count of changes when this version was last read (none: not while the
    /// feed was live). While the feed still shows it, the registry is current.
    fresh_at: Option<u64>,
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
pub(super) struct Slot {
    loaded: RwLock<Option<Loaded>>,
    pub(super) rebuild: tokio::sync::Mutex<()>,
    /// Held while a version read is in flight; holds the last completed one.
    checked: tokio::sync::Mutex<Checked>,
    /// How many version reads have started (each is numbered by this count).
    reads_started: AtomicU64,
    /// When the loaded registry was last known current (Unix seconds; 0: never).
    confirmed_at: AtomicI64,
}

impl Slot {
    /// The registry, if it was confirmed current at the feed's count `changes`.
    pub(super) fn fresh(&self, changes: u64) -> Option<Arc<Registry>> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        loaded
            .as_ref()
            .filter(|l| l.fresh_at == Some(changes))
            .map(|l| Arc::clone(&l.registry))
    }

    /// The registry at `version`, if loaded; it is then known current as of the feed's
    /// count `seen` (taken before the version was read).
    pub(super) fn current(&self, version: i64, seen: Option<u64>) -> Option<Arc<Registry>> {
        let mut loaded = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        let loaded = loaded.as_mut().filter(|l| l.version == version)?;
        loaded.fresh_at = loaded.fresh_at.max(seen);
        Some(Arc::clone(&loaded.registry))
    }

    /// Keeps a registry just read at `version`, unless a newer one was kept meanwhile.
    pub(super) fn keep(&self, version: i64, registry: &Arc<Registry>, seen: Option<u64>) {
        let mut loaded = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        if loaded.as_ref().is_some_and(|l| l.version > version) {
            return;
        }
        *loaded = Some(Loaded {
            version,
            registry: Arc::clone(registry),
            fresh_at: seen,
        });
    }

    /// Whatever registry was loaded last, with the time it was last known current.
    pub(super) fn remembered(&self, unreachable: bool) -> Option<Current> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        let registry = Arc::clone(&loaded.as_ref()?.registry);
        let as_of = DateTime::from_timestamp(self.confirmed_at.load(Ordering::SeqCst), 0)?;
        Some(Current {
            registry,
            from_memory: Some(as_of),
            unreachable,
        })
    }

    pub(super) fn confirmed(&self, registry: Arc<Registry>, now: DateTime<Utc>) -> Current {
        self.confirmed_at.fetch_max(now.timestamp(), Ordering::SeqCst);
        Current {
            registry,
            from_memory: None,
            unreachable: false,
        }
    }

    /// The guild's registry version, read after this call began.
    pub(super) async fn version(&self, store: &dyn Store, guild: GuildId) -> Result<i64, StoreError> {
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

impl Slot {
    /// The registry loaded last, whether current or not.
    pub(super) fn last_loaded(&self) -> Option<Arc<Registry>> {
        let loaded = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        loaded.as_ref().map(|l| Arc::clone(&l.registry))
    }
}
