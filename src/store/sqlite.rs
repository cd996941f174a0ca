//! The SQLite store: the embedded default, one file, created on first use.

use std::{str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    Backend, DatabaseUrl,
    cases_impl::{HasDb, impl_case_store},
    shared::impl_store,
    upkeep_impl::impl_upkeep_store,
};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url.expose())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl_store!(SqliteStore, Backend::Sqlite, "BEGIN IMMEDIATE");

impl HasDb for SqliteStore {
    type Db = sqlx::Sqlite;
}

impl_case_store!(SqliteStore, "BEGIN IMMEDIATE");
impl_upkeep_store!(SqliteStore, "BEGIN IMMEDIATE");
