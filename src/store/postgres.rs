//! The PostgreSQL store: for several replicas sharing one registry.

use std::{str::FromStr, time::Duration};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{
    Backend, DatabaseUrl,
    cases_impl::{HasDb, impl_case_store},
    shared::impl_store,
    upkeep_impl::impl_upkeep_store,
};

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url.expose())?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// PostgreSQL takes concurrent writers itself: no turn to wait for.
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }
}

impl_store!(PostgresStore, Backend::Postgres, "BEGIN");

impl HasDb for PostgresStore {
    type Db = sqlx::Postgres;
}

impl_case_store!(PostgresStore, "BEGIN");
impl_upkeep_store!(PostgresStore, "BEGIN");
