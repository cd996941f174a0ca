//! The SQLite store: the embedded default, one file, created on first use.

use std::{str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    Backend, ConnectLimits, DatabaseUrl,
    cases_impl::{HasDb, impl_case_store},
    shared::impl_store,
    upkeep_impl::impl_upkeep_store,
};

pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite takes one writer at a time. Writers of this process queue here, in order,
    /// instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms (under
    /// concurrent `/case open`, that made the slowest answers last hundreds of ms). Writers
    /// in other processes (`backline import` while serving) still meet the busy timeout.
    writes: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    pub async fn connect(url: &DatabaseUrl, limits: ConnectLimits) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url.expose())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(limits.acquire_timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            writes: tokio::sync::Mutex::new(()),
        })
    }

    /// Waits for this process's turn to write; hold the guard until the write commits.
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.writes.lock().await)
    }
}

impl_store!(SqliteStore, Backend::Sqlite, "BEGIN IMMEDIATE");

impl HasDb for SqliteStore {
    type Db = sqlx::Sqlite;
}

impl_case_store!(SqliteStore, "BEGIN IMMEDIATE");
impl_upkeep_store!(SqliteStore, "BEGIN IMMEDIATE");
