//! The status poller: every status document any guild's registry names is fetched at most
//! once per interval, by one replica at a time (a lease in the database), with exponential
//! backoff and jitter on errors; what changed is stored as events, then alerts and case
//! notes follow (`commands::status_alerts`).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    hash::{Hash, Hasher},
    sync::Arc,
    time::Duration,
};

use async_trait::async_trait;
use chrono::Utc;
use futures_util::{StreamExt as _, stream};
use tokio::sync::Mutex;

use crate::{
    commands::{Core, StatusWatch, reminders::Poster},
    domain::{
        GuildId,
        status::{self, StatusKind},
    },
    store::status::{ClaimedSource, PollOutcome, StoredValidators},
};

/// The default time between two polls of one source.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// The longest wait between polls of a failing source.
const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);
/// How long a claim on a source lasts: past the fetch timeout (10 s), so a poll that
/// finishes normally never loses its lease; one that hangs is taken over after it.
const LEASE: Duration = Duration::from_secs(60);
/// Sources claimed per round, and fetched at once.
const CLAIM_BATCH: i64 = 50;
const CONCURRENT_FETCHES: usize = 8;

/// What fetching a status document gave.
#[derive(Clone, Debug)]
pub enum Fetched {
    Document {
        body: Vec<u8>,
        validators: StoredValidators,
    },
    NotModified,
}

/// Fetches status documents (HTTP in production: `status::fetch`).
#[async_trait]
pub trait FetchStatus: Send + Sync {
    /// An error is a message for operators (shown as the source's last error).
    async fn fetch(&self, url: &str, validators: &StoredValidators) -> Result<Fetched, String>;
}

/// The production fetcher: HTTP through `status::fetch` (timeout, size cap, validators).
pub struct HttpFetcher(super::StatusClient);

impl HttpFetcher {
    pub fn new() -> Result<Self, super::FetchError> {
        Ok(Self(super::StatusClient::new()?))
    }

    pub fn with_client(client: super::StatusClient) -> Self {
        Self(client)
    }
}

#[async_trait]
impl FetchStatus for HttpFetcher {
    async fn fetch(&self, url: &str, validators: &StoredValidators) -> Result<Fetched, String> {
        let asked = super::Validators {
            etag: validators.etag.clone(),
            last_modified: validators.last_modified.clone(),
        };
        match super::fetch(&self.0, url, &asked).await {
            Ok(super::Fetched::NotModified) => Ok(Fetched::NotModified),
            Ok(super::Fetched::Document { body, validators }) => Ok(Fetched::Document {
                body,
                validators: StoredValidators {
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                },
            }),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// Each guild's watched sources, as of its registry version.
#[derive(Default)]
struct Directory {
    guilds: HashMap<GuildId, (i64, Vec<StatusWatch>)>,
    /// URLs known to have a row (registered once per process).
    registered: HashSet<String>,
}

pub struct Poller {
    core: Core,
    fetcher: Arc<dyn FetchStatus>,
    /// This replica's name on leases.
    owner: String,
    interval: Duration,
    directory: Mutex<Directory>,
}

impl Poller {
    pub fn new(core: Core, fetcher: Arc<dyn FetchStatus>, interval: Duration) -> Self {
        let owner = format!(
            "{}-{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "backline".to_owned()),
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        Self {
            core,
            fetcher,
            owner,
            interval,
            directory: Mutex::new(Directory::default()),
        }
    }

    /// One round: claims the sources that are due, fetches them, records what they say, then
    /// alerts and notes cases. Returns how many sources were polled by this replica.
    pub async fn poll_due(&self, poster: Option<&dyn Poster>) -> anyhow::Result<usize> {
        let now = self.core.clock().now();
        let watches = self.watches().await?;
        let mut by_url: BTreeMap<String, (StatusKind, Vec<StatusWatch>)> = BTreeMap::new();
        for watch in watches {
            by_url
                .entry(watch.source.document_url())
                .or_insert_with(|| (watch.source.kind, Vec::new()))
                .1
                .push(watch);
        }
        let store = self.core.store();
        let sources: Vec<(String, StatusKind)> = {
            let directory = self.directory.lock().await;
            by_url
                .iter()
                .filter(|(u, _)| !directory.registered.contains(*u))
                .map(|(u, (k, _))| (u.clone(), *k))
                .collect()
        };
        store.register_status_sources(&sources, now).await?;
        self.directory
            .lock()
            .await
            .registered
            .extend(sources.into_iter().map(|(u, _)| u));
        let urls: Vec<String> = by_url.keys().cloned().collect();
        let lease_until = now + chrono::Duration::from_std(LEASE)?;
        let claimed = store
            .claim_due_sources(&urls, &self.owner, now, lease_until, CLAIM_BATCH)
            .await?;
        let polled = claimed.len();
        let outcomes: Vec<(ClaimedSource, PollOutcome)> = stream::iter(claimed)
            .map(|source| async move {
                let outcome = self.poll(&source).await;
                (source, outcome)
            })
            .buffer_unordered(CONCURRENT_FETCHES)
            .collect()
            .await;
        for (source, outcome) in outcomes {
            let now = self.core.clock().now();
            let next = now + chrono::Duration::from_std(self.next_delay(&source, &outcome))?;
            if let PollOutcome::Failed { error } = &outcome {
                tracing::warn!(url = %source.url, failures = source.failures + 1, %error, "status source failed");
            }
            let Some(events) = store
                .record_poll(&source.url, &self.owner, &outcome, now, next)
                .await?
            else {
                tracing::warn!(url = %source.url, "lost the lease on a status source: its poll was not recorded");
                continue;
            };
            let watchers = by_url
                .get(&source.url)
                .map(|(_, w)| w.as_slice())
                .unwrap_or_default();
            if let Err(error) = self
                .core
                .after_status_poll(&source.url, watchers, &events, poster)
                .await
            {
                tracing::error!(url = %source.url, error = %format!("{error:#}"), "status alerts failed");
            }
        }
        Ok(polled)
    }

    async fn poll(&self, source: &ClaimedSource) -> PollOutcome {
        match self.fetcher.fetch(&source.url, &source.validators).await {
            Ok(Fetched::NotModified) => PollOutcome::NotModified,
            Ok(Fetched::Document { body, validators }) => match status::parse(source.kind, &body) {
                Ok(snapshot) => PollOutcome::Read {
                    changes: status::changes(source.snapshot.as_ref(), &snapshot),
                    snapshot,
                    validators,
                },
                Err(error) => PollOutcome::Failed {
                    error: format!("not a {} document: {error}", source.kind.as_str()),
                },
            },
            Err(error) => PollOutcome::Failed { error },
        }
    }

    /// The interval after an answer; after the n-th failure in a row, the interval doubled
    /// n - 1 times (at most `MAX_BACKOFF`), plus up to a quarter more so that sources that
    /// failed together do not retry together.
    fn next_delay(&self, source: &ClaimedSource, outcome: &PollOutcome) -> Duration {
        if !matches!(outcome, PollOutcome::Failed { .. }) {
            return self.interval;
        }
        backoff(self.interval, source.failures + 1, &source.url)
    }

    /// Every guild's watched sources, re-reading only guilds whose registry changed.
    async fn watches(&self) -> anyhow::Result<Vec<StatusWatch>> {
        let store = self.core.store();
        let guilds = store.registry_guilds().await?;
        let mut directory = self.directory.lock().await;
        directory.guilds.retain(|g, _| guilds.contains(g));
        for guild in guilds {
            let version = store.registry_version(guild).await?;
            if directory.guilds.get(&guild).is_some_and(|(v, _)| *v == version) {
                continue;
            }
            let watches = store
                .vendors_with_status(guild)
                .await?
                .into_iter()
                .filter_map(|vendor| {
                    let source = vendor.status.clone()?;
                    Some(StatusWatch {
                        guild,
                        source,
                        vendor: Arc::new(vendor),
                    })
                })
                .collect();
            directory.guilds.insert(guild, (version, watches));
        }
        Ok(directory
            .guilds
            .values()
            .flat_map(|(_, w)| w.iter().cloned())
            .collect())
    }
}

/// The wait after `failures` failures in a row (at least one).
pub fn backoff(interval: Duration, failures: u32, url: &str) -> Duration {
    let doubled = interval.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let base = doubled.min(MAX_BACKOFF);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (url, failures, Utc::now().timestamp_nanos_opt()).hash(&mut hasher);
    let quarter = base / 4;
    let jitter = match quarter.as_millis() {
        0 => Duration::ZERO,
        ms => Duration::from_millis(hasher.finish() % (ms as u64)),
    };
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_failure_with_at_most_a_quarter_of_jitter_and_a_cap() {
        let minute = Duration::from_secs(60);
        for (failures, base) in [(1, 60), (2, 120), (3, 240), (12, 1800), (40, 1800)] {
            let wait = backoff(minute, failures, "https://status.example/api/v2/summary.json");
            let base = Duration::from_secs(base);
            assert!(wait >= base && wait < base + base / 4, "{failures}: {wait:?}");
        }
    }
}
