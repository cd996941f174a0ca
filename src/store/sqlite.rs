//! The SQLite store: the embedded default, one file, created on first use.

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use sqlx::{
    ConnectOptions as _, Connection as _, Sqlite,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

use super::{
    ConnectLimits, DatabaseUrl, RegistryFeed, StoreError,
    batch::GroupCommit,
    cases_impl::impl_case_store,
    registry_impl::impl_store,
    status_impl::impl_status_store,
    upkeep_impl::impl_upkeep_store,
    watch::{Watch, poll_sqlite},
    write::WriteTx,
};

/// SQLite's own cap on a database's pages (its default `max_page_count`).
const SQLITE_DEFAULT_MAX_PAGES: u32 = 1_073_741_823;

pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    /// SQLite takes one writer at a time. Writers of this process queue here, in order,
    /// instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms (under
    /// concurrent `/case open`, that made the slowest answers last hundreds of ms). Writers
    /// in other processes (`backline import` while serving) still meet the busy timeout.
    writes: tokio::sync::Mutex<()>,
    /// A cap on the file's pages set by `limit_pages` (0: none set), applied to every write.
    page_limit: AtomicU32,
    /// How the file is opened, for the registry watch's connection.
    options: SqliteConnectOptions,
    pub(super) watch: Watch,
    /// Openings and delivery marks committed in groups (see `batch`).
    pub(super) group: GroupCommit,
}

impl SqliteStore {
    pub async fn connect(url: &DatabaseUrl, limits: ConnectLimits) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url.expose())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Migrations write, so they run on a connection of their own: the pool's connections
        // refuse to write outside `write_tx`.
        let mut migrating = options.connect().await.context("opening the database file")?;
        sqlx::migrate!("migrations/sqlite")
            .run(&mut migrating)
            .await
            .context("applying migrations")?;
        migrating
            .close()
            .await
            .context("closing the migration connection")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(limits.acquire_timeout)
            .connect_with(options.clone().pragma("query_only", "ON"))
            .await?;
        Ok(Self {
            pool,
            writes: tokio::sync::Mutex::new(()),
            page_limit: AtomicU32::new(0),
            options: options.pragma("query_only", "ON"),
            watch: Watch::new(),
            group: GroupCommit::default(),
        })
    }

    /// The registry feed, its watch (a connection polling `PRAGMA data_version`) started.
    fn registry_feed_started(&self) -> Arc<RegistryFeed> {
        self.watch
            .feed(|feed, stop| poll_sqlite(self.options.clone(), feed, stop))
    }

    /// Caps the database file at `pages` pages for every later write (`None`: SQLite's own
    /// cap again), so that writes fail as on a full disk. For fault tests; nothing else
    /// calls it.
    pub fn limit_pages(&self, pages: Option<u32>) {
        let pages = pages.unwrap_or(SQLITE_DEFAULT_MAX_PAGES).max(1);
        self.page_limit.store(pages, Ordering::Relaxed);
    }

    /// The one way to write: waits for this process's write turn, then begins on a
    /// connection of its own (`BEGIN IMMEDIATE`: two writers that both read first would
    /// otherwise deadlock instead of waiting for each other). Pooled connections are
    /// `query_only` outside it, so a write that bypasses it fails at once, in every test
    /// that makes it, instead of waiting in SQLite's busy handler in production.
    pub(super) async fn write_tx(&self, doing: &'static str) -> Result<WriteTx<'_, Sqlite>, StoreError> {
        let turn = self.writes.lock().await;
        let conn = self.pool.acquire().await.map_err(StoreError::db(doing))?;
        let pages = match self.page_limit.load(Ordering::Relaxed) {
            0 => String::new(),
            pages => format!("PRAGMA max_page_count = {pages}; "),
        };
        let begin = format!("PRAGMA query_only = OFF; {pages}BEGIN IMMEDIATE");
        WriteTx::begin(
            conn,
            Some(turn),
            &self.watch,
            begin,
            Some("PRAGMA query_only = ON"),
            doing,
        )
        .await
    }
}

impl_store!(SqliteStore, Sqlite);
impl_case_store!(SqliteStore, Sqlite);
impl_upkeep_store!(SqliteStore);
impl_status_store!(SqliteStore);
