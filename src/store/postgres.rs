//! The PostgreSQL store: for several replicas sharing one registry.

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    Postgres,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
};

use super::{
    ConnectLimits, DatabaseUrl, RegistryFeed, StoreError,
    batch::GroupCommit,
    cases_impl::impl_case_store,
    registry_impl::impl_store,
    status_impl::impl_status_store,
    upkeep_impl::impl_upkeep_store,
    watch::{Watch, listen_postgres},
    write::WriteTx,
};

pub struct PostgresStore {
    pub(super) pool: PgPool,
    /// One connection, apart from the pool's, for the registry watch's LISTEN.
    listen_pool: PgPool,
    pub(super) watch: Watch,
    /// Openings and delivery marks committed in groups (see `batch`).
    pub(super) group: GroupCommit,
}

impl PostgresStore {
    pub async fn connect(url: &DatabaseUrl, limits: ConnectLimits) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url.expose())?;
        // 32, not 16: at 32 concurrent interactions (bench/run.sh), 16 connections made
        // requests queue for one (/support 5.7k → 7.9k req/s, p99 9.3 → 6.7 ms at 10k
        // vendors). Connections open on demand; PostgreSQL allows 100 by default.
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(limits.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(limits.acquire_timeout.min(Duration::from_secs(2)))
            .connect_lazy_with(options.application_name("backline registry watch"));
        Ok(Self {
            pool,
            listen_pool,
            watch: Watch::new(),
            group: GroupCommit::default(),
        })
    }

    /// The registry feed, its watch (a connection that LISTENs) started.
    fn registry_feed_started(&self) -> Arc<RegistryFeed> {
        self.watch
            .feed(|feed, stop| listen_postgres(self.listen_pool.clone(), feed, stop))
    }

    /// The one way to write. PostgreSQL takes concurrent writers itself: no turn to wait for.
    pub(super) async fn write_tx(&self, doing: &'static str) -> Result<WriteTx<'_, Postgres>, StoreError> {
        let conn = self.pool.acquire().await.map_err(StoreError::db(doing))?;
        WriteTx::begin(conn, None, &self.watch, "BEGIN".to_owned(), None, doing).await
    }
}

impl_store!(PostgresStore, Postgres);
impl_case_store!(PostgresStore, Postgres);
impl_upkeep_store!(PostgresStore);
impl_status_store!(PostgresStore);
