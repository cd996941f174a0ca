//! How a replica learns that a registry changed without asking the database per request.
//!
//! A [`RegistryFeed`] counts the registry changes this process has been told about. A
//! write through this store counts itself once it has committed (see `WriteTx`); writes by
//! other processes arrive through a watch that runs in the background while the store is
//! open:
//!
//! - PostgreSQL: a trigger on `registry_versions` sends a `NOTIFY` in the writing
//!   transaction, delivered when it commits, to a connection of its own that `LISTEN`s.
//! - SQLite: a connection of its own reads `PRAGMA data_version` every [`SQLITE_POLL`] (it
//!   moves when another connection commits) and, when it moved, the sum of all registry
//!   versions (it moves when a registry changed).
//!
//! While the watch is not connected (starting, reconnecting, the database down), the feed is
//! not live and a cache must read the version itself. Each time it connects again the count
//! moves, so whatever was cached before is checked once more: changes made while nobody
//! listened are never missed.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::{
    ConnectOptions as _, Connection as _,
    postgres::{PgListener, PgPool},
    sqlite::SqliteConnectOptions,
};

/// The channel PostgreSQL notifies on (see migration `20261126000050_case_search.sql`).
pub(super) const PG_CHANNEL: &str = "backline_registry";

/// How often the SQLite watch looks for commits by other processes.
pub const SQLITE_POLL: Duration = Duration::from_millis(10);

/// The longest wait between attempts to connect the watch again.
const RETRY_AT_MOST: Duration = Duration::from_secs(1);

/// Registry changes this process has been told about (see the module documentation).
#[derive(Debug, Default)]
pub struct RegistryFeed {
    changes: AtomicU64,
    live: AtomicBool,
}

impl RegistryFeed {
    /// How many changes were signalled so far, while every change is signalled; `None` while
    /// the watch is not connected, when only reading the version tells what changed.
    pub fn changes(&self) -> Option<u64> {
        self.live
            .load(Ordering::SeqCst)
            .then(|| self.changes.load(Ordering::SeqCst))
    }

    /// A registry changed (a write committed here, or a notification from elsewhere).
    pub(crate) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    /// The watch is connected: from now on every change is signalled. What happened while
    /// it was not counts as a change.
    fn connected(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
        self.live.store(true, Ordering::SeqCst);
    }

    fn disconnected(&self) {
        self.live.store(false, Ordering::SeqCst);
    }
}

/// A store's feed and the background watch behind it, started on first use and stopped
/// when the store closes or is dropped.
pub(super) struct Watch {
    feed: Arc<RegistryFeed>,
    started: AtomicBool,
    stop: tokio::sync::watch::Sender<()>,
}

/// Completes when the watch should stop.
pub(super) type Stop = tokio::sync::watch::Receiver<()>;

impl Watch {
    pub(super) fn new() -> Self {
        Self {
            feed: Arc::default(),
            started: AtomicBool::new(false),
            stop: tokio::sync::watch::channel(()).0,
        }
    }

    /// The feed, with the watch started by `run` the first time (inside a Tokio runtime
    /// only: outside one, the feed stays not live and caches read the version).
    pub(super) fn feed<F>(&self, run: impl FnOnce(Arc<RegistryFeed>, Stop) -> F) -> Arc<RegistryFeed>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if !self.started.load(Ordering::Acquire)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
            && !self.started.swap(true, Ordering::AcqRel)
        {
            runtime.spawn(run(Arc::clone(&self.feed), self.stop.subscribe()));
        }
        Arc::clone(&self.feed)
    }

    /// Signals a committed registry change made through this store.
    pub(super) fn changed(&self) {
        self.feed.changed();
    }

    pub(super) fn stop(&self) {
        self.stop.send_replace(());
        self.feed.disconnected();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Marks the feed not live when the watch ends, however it ends: returning, or dropped
/// with the runtime it ran on (the store may outlive it; its caches then read the version).
struct Disconnects(Arc<RegistryFeed>);

impl Drop for Disconnects {
    fn drop(&mut self) {
        self.0.disconnected();
    }
}

/// Waits `delay`, or until told to stop (then false).
async fn pause(stop: &mut Stop, delay: Duration) -> bool {
    tokio::select! {
        _ = stop.changed() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// PostgreSQL: LISTEN on a connection of `pool` (a pool of its own), reconnecting on loss.
pub(super) async fn listen_postgres(pool: PgPool, feed: Arc<RegistryFeed>, mut stop: Stop) {
    let _ending = Disconnects(Arc::clone(&feed));
    let mut retry = Duration::from_millis(20);
    loop {
        feed.disconnected();
        let connect = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.ignore_pool_close_event(true);
            listener.eager_reconnect(false);
            listener.listen(PG_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let attempt = tokio::select! {
            _ = stop.changed() => return,
            attempt = connect => attempt,
        };
        match attempt {
            Ok(mut listener) => {
                feed.connected();
                retry = Duration::from_millis(20);
                loop {
                    let next = tokio::select! {
                        _ = stop.changed() => return,
                        next = listener.try_recv() => next,
                    };
                    match next {
                        Ok(Some(_)) => feed.changed(),
                        // The connection was lost: notifications may have been missed.
                        Ok(None) => break,
                        Err(error) => {
                            tracing::debug!(%error, "the registry watch lost its connection");
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, "the registry watch could not connect");
                if !pause(&mut stop, retry).await {
                    return;
                }
                retry = (retry * 2).min(RETRY_AT_MOST);
            }
        }
    }
}

/// SQLite: polls `PRAGMA data_version` on a connection of its own, reconnecting on errors.
pub(super) async fn poll_sqlite(options: SqliteConnectOptions, feed: Arc<RegistryFeed>, mut stop: Stop) {
    let _ending = Disconnects(Arc::clone(&feed));
    let mut retry = Duration::from_millis(20);
    loop {
        feed.disconnected();
        match watch_sqlite(&options, &feed, &mut stop).await {
            Ok(()) => return,
            Err(error) => {
                tracing::debug!(%error, "the registry watch failed");
                if !pause(&mut stop, retry).await {
                    return;
                }
                retry = (retry * 2).min(RETRY_AT_MOST);
            }
        }
    }
}

/// Ok when told to stop; an error when the connection failed.
async fn watch_sqlite(
    options: &SqliteConnectOptions,
    feed: &RegistryFeed,
    stop: &mut Stop,
) -> Result<(), sqlx::Error> {
    const DATA_VERSION: &str = "PRAGMA data_version";
    // Versions only grow, and a guild's first version is 1: any change moves the sum.
    const ALL_VERSIONS: &str = "SELECT COALESCE(SUM(version), 0) FROM registry_versions";
    let mut conn = options.connect().await?;
    let mut data_version: i64 = sqlx::query_scalar(DATA_VERSION).fetch_one(&mut conn).await?;
    let mut versions: i64 = sqlx::query_scalar(ALL_VERSIONS).fetch_one(&mut conn).await?;
    feed.connected();
    while pause(stop, SQLITE_POLL).await {
        let now: i64 = sqlx::query_scalar(DATA_VERSION).fetch_one(&mut conn).await?;
        if now == data_version {
            continue;
        }
        data_version = now;
        let sum: i64 = sqlx::query_scalar(ALL_VERSIONS).fetch_one(&mut conn).await?;
        if sum != versions {
            versions = sum;
            feed.changed();
        }
    }
    let _ = conn.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_told_only_while_connected_and_moves_on_every_connection() {
        let feed = RegistryFeed::default();
        assert_eq!(feed.changes(), None, "not connected yet");
        feed.connected();
        let first = feed.changes().unwrap();
        feed.changed();
        assert_eq!(feed.changes(), Some(first + 1));
        feed.disconnected();
        assert_eq!(feed.changes(), None);
        feed.connected();
        assert!(
            feed.changes().unwrap() > first + 1,
            "what happened meanwhile counts as a change"
        );
    }

    #[test]
    fn a_watch_dropped_unfinished_leaves_the_feed_not_live() {
        let feed = Arc::new(RegistryFeed::default());
        feed.connected();
        drop(Disconnects(Arc::clone(&feed)));
        assert_eq!(feed.changes(), None);
    }
}
