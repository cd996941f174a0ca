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

/// The URL's options, and every statement planned for its own parameters and the tables as
/// they are now. sqlx prepares statements once per connection, and PostgreSQL switches a
/// prepared statement to a generic plan after five runs; made while `cases` was nearly
/// empty, that plan scanned the whole table on every later `/case open` until the next
/// ANALYZE (never, with autovacuum off): 866 cases/s, p99 104 ms under bench/run.sh's load
/// against 1482/s, p99 38 ms with this setting (BENCHMARKS.md).
fn connect_options(url: &DatabaseUrl) -> Result<PgConnectOptions, sqlx::Error> {
    Ok(PgConnectOptions::from_str(url.expose())?.options([("plan_cache_mode", "force_custom_plan")]))
}

impl PostgresStore {
    pub async fn connect(url: &DatabaseUrl, limits: ConnectLimits) -> anyhow::Result<Self> {
        let options = connect_options(url)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_plans_each_statement_for_its_parameters_and_keeps_the_urls_options() {
        let url = DatabaseUrl::new("postgres://backline@db/backline?options=-c%20search_path%3Dops");
        let options = connect_options(&url).expect("a valid URL");
        let options = options.get_options().unwrap_or_default();
        assert!(options.contains("search_path=ops"), "{options}");
        assert!(options.contains("plan_cache_mode=force_custom_plan"), "{options}");
    }
}
