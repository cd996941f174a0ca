//! Whether the database is reachable, known without asking it on every request: errors that
//! mean "unreachable" mark it down, and one background probe marks it up again.

use std::{
    sync::{Arc, Mutex, PoisonError, Weak},
    time::Duration,
};

use super::{Store, StoreError};

/// How long a request may wait for a pooled connection before the database counts as
/// unreachable (sqlx's default is 30 s). Longer than a burst of writes queues for one
/// (200 concurrent `/case open`); an interaction that waits this long is deferred anyway.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a check of a database suspected down (it did not answer in time) may take
/// before it counts as down: longer than any wait for a connection.
const SUSPECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the probe asks a database known to be down whether it is back.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// How long the probe's trivial query may take before that attempt counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How a store connects: limits that keep a request from waiting on a database that
/// does not answer.
#[derive(Clone, Copy, Debug)]
pub struct ConnectLimits {
    /// The longest wait for a pooled connection (a new one is opened within it).
    pub acquire_timeout: Duration,
}

impl Default for ConnectLimits {
    fn default() -> Self {
        Self {
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

impl StoreError {
    /// The database could not be reached (no connection, connection lost, server shutting
    /// down), as opposed to a query it answered with an error.
    pub fn is_unreachable(&self) -> bool {
        let StoreError::Database { source, .. } = self else {
            return false;
        };
        match source {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::WorkerCrashed => true,
            // SQLSTATE class 08: connection exception; 57P01..03: the server is going away
            // or not accepting connections yet.
            sqlx::Error::Database(error) => error
                .code()
                .is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }
}

#[derive(Default)]
struct State {
    down: bool,
    /// The probe that marks the database up again is running.
    probing: bool,
    /// A check of a suspected outage is running.
    checking: bool,
}

/// The database's health as last observed. Requests read it without touching the database;
/// while it is down, a single background probe re-checks it.
#[derive(Default)]
pub struct DbHealth {
    state: Mutex<State>,
}

impl DbHealth {
    pub fn is_down(&self) -> bool {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).down
    }

    /// Marks the database down when `error` says it is unreachable; true when it did.
    pub fn observe(self: &Arc<Self>, error: &StoreError, store: &Weak<dyn Store>) -> bool {
        if error.is_unreachable() {
            self.mark_down(store);
            return true;
        }
        false
    }

    /// Marks the database down and starts the probe that will mark it up again.
    pub fn mark_down(self: &Arc<Self>, store: &Weak<dyn Store>) {
        let start_probe = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.down {
                tracing::warn!("the database is unreachable: answering from memory until it is back");
            }
            state.down = true;
            !std::mem::replace(&mut state.probing, true)
        };
        if start_probe {
            tokio::spawn(Arc::clone(self).probe(store.clone()));
        }
    }

    /// The database answered too slowly to tell: one check in the background decides
    /// whether it is down, while requests go on without waiting for it.
    pub fn suspect(self: &Arc<Self>, store: &Weak<dyn Store>) {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.down || std::mem::replace(&mut state.checking, true) {
                return;
            }
        }
        let (health, store) = (Arc::clone(self), store.clone());
        tokio::spawn(async move {
            if let Some(alive) = store.upgrade() {
                let down = match tokio::time::timeout(SUSPECT_TIMEOUT, alive.ping()).await {
                    Ok(Ok(())) => false,
                    Ok(Err(error)) => error.is_unreachable(),
                    Err(_) => true,
                };
                drop(alive);
                if down {
                    health.mark_down(&store);
                }
            }
            health
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .checking = false;
        });
    }

    async fn probe(self: Arc<Self>, store: Weak<dyn Store>) {
        loop {
            tokio::time::sleep(RECHECK_EVERY).await;
            // The store is gone (the process is shutting down): nothing left to watch.
            let Some(store) = store.upgrade() else { break };
            if let Ok(Ok(())) = tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await {
                tracing::info!("the database is reachable again");
                break;
            }
        }
        // Both under one lock: a failure observed after this sees `probing` false and
        // starts a new probe.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.down = false;
        state.probing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(source: sqlx::Error) -> StoreError {
        StoreError::Database {
            doing: "testing",
            source,
        }
    }

    #[test]
    fn only_errors_that_mean_no_database_count_as_unreachable() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(database(sqlx::Error::Io(refused)).is_unreachable());
        assert!(database(sqlx::Error::PoolTimedOut).is_unreachable());
        // Closed by us at shutdown: an internal error, not an outage to ride out.
        assert!(!database(sqlx::Error::PoolClosed).is_unreachable());
        assert!(!database(sqlx::Error::RowNotFound).is_unreachable());
        assert!(!StoreError::Conflict("changed".into()).is_unreachable());
    }
}
