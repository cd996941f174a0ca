//! Storage: one trait, a SQLite and a PostgreSQL implementation; every query is scoped by guild.

mod batch;
pub mod cases;
mod cases_batch;
mod cases_impl;
mod cases_pg;
mod cases_sqlite;
mod connect_error;
pub mod health;
mod postgres;
mod readiness;
mod registry;
mod registry_impl;
mod rows;
mod sqlite;
pub mod status;
mod status_impl;
mod status_rows;
pub mod upkeep;
mod upkeep_impl;
mod watch;
mod write;

use std::{fmt, sync::Arc};

use anyhow::Context as _;
use async_trait::async_trait;

use crate::domain::{GuildId, GuildSettings, Vendor, VendorSlug, VendorSummary, plans_file::VendorDocument};

pub use cases::{CaseStore, NewCase, NewEvent, Recorded};
pub use connect_error::explain_connect_error;
pub use health::{ConnectLimits, DbHealth};
pub use postgres::PostgresStore;
pub use readiness::{NotReady, Readiness};
pub use sqlite::SqliteStore;
pub use status::StatusStore;
pub use upkeep::UpkeepStore;
pub use watch::{RegistryFeed, SQLITE_POLL};

/// What went wrong in storage, decided at the query. Only the `Display` of the domain
/// variants is meant for users; `Database` is internal and its details go to the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the same thing first.
    #[error("{0}")]
    Conflict(String),
    /// A stored value does not read back (the schema moved on without a migration, or the
    /// row was edited by hand): never replaced by a default.
    #[error("the {column} of {table} row ({key}) could not be read: {problem}")]
    Corrupt {
        table: &'static str,
        key: String,
        column: &'static str,
        problem: String,
    },
    /// A vendor could not be turned into its stored form.
    #[error("vendor `{vendor}` could not be stored: {problem}")]
    Unwritable { vendor: String, problem: String },
    #[error("database error while {doing}")]
    Database {
        doing: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    pub(crate) fn db(doing: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Database { doing, source }
    }

    /// The write broke a unique constraint (e.g. the same interaction recorded twice).
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database { source: sqlx::Error::Database(e), .. } if e.is_unique_violation())
    }
}

/// What an import did, vendor by vendor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: Vec<VendorSlug>,
    pub updated: Vec<VendorSlug>,
    pub unchanged: Vec<VendorSlug>,
    pub removed: Vec<VendorSlug>,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} unchanged, {} removed",
            self.added.len(),
            self.updated.len(),
            self.unchanged.len(),
            self.removed.len()
        )
    }
}

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connections of a store's pool at one moment (for the metrics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolConnections {
    pub in_use: u32,
    pub idle: u32,
}

#[async_trait]
pub trait Store: CaseStore + UpkeepStore + StatusStore + Readiness + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    fn pool_connections(&self) -> PoolConnections;

    /// Succeeds when the database answers a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Slug, name, aliases and criticality of every vendor of the guild, sorted by slug.
    async fn vendor_summaries(&self, guild: GuildId) -> Result<Vec<VendorSummary>, StoreError> {
        let mut summaries = Vec::new();
        self.visit_vendor_summaries(guild, &mut |summary| summaries.push(summary))
            .await?;
        Ok(summaries)
    }

    /// Hands `visit` the summary of every vendor of the guild, sorted by slug, as the rows
    /// arrive: a large registry is never held in full.
    async fn visit_vendor_summaries(
        &self,
        guild: GuildId,
        visit: &mut (dyn FnMut(VendorSummary) + Send),
    ) -> Result<(), StoreError>;

    /// A number that changes whenever the guild's vendors or settings change (0 before the
    /// first write): one indexed read, so a cache of the registry can check it per request.
    async fn registry_version(&self, guild: GuildId) -> Result<i64, StoreError>;

    async fn vendor(&self, guild: GuildId, slug: &VendorSlug) -> Result<Option<Vendor>, StoreError>;

    /// Every vendor of the guild, sorted by slug.
    async fn vendors(&self, guild: GuildId) -> Result<Vec<Vendor>, StoreError>;

    /// The vendors of the guild that declare a status source, sorted by slug: only their
    /// documents are parsed (the poller's view of a registry of any size).
    async fn vendors_with_status(&self, guild: GuildId) -> Result<Vec<Vendor>, StoreError>;

    /// Makes the guild's registry match `vendors` in one transaction: adds and updates;
    /// removes vendors not in `vendors` only when `prune` is set. Vendors whose stored
    /// document is already identical are not written.
    async fn import(
        &self,
        guild: GuildId,
        vendors: &[Vendor],
        prune: bool,
    ) -> Result<ImportSummary, StoreError>;

    /// As `import`, with the vendors and their documents handed over batch by batch by
    /// `next`, so that a large registry is never held whole; an error from `next` abandons
    /// the import (nothing is written) and is returned.
    async fn import_batches(
        &self,
        guild: GuildId,
        next: &mut (dyn FnMut() -> Option<Result<Vec<VendorDocument>, StoreError>> + Send),
        prune: bool,
    ) -> Result<ImportSummary, StoreError>;

    /// The guild's settings; defaults when it never set any.
    async fn guild_settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError>;

    async fn set_guild_settings(&self, guild: GuildId, settings: &GuildSettings) -> Result<(), StoreError>;

    /// Registry changes as this process learns of them, without a query per request (see
    /// [`RegistryFeed`]); the watch behind it starts on the first call.
    fn registry_feed(&self) -> Arc<RegistryFeed>;

    /// Closes the pool, waiting for connections in use to be returned.
    async fn close(&self);
}

/// `DATABASE_URL`, kept out of logs and `Debug` output because it may hold a password.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The default: a SQLite file in the working directory, created on first use.
    pub const DEFAULT: &'static str = "sqlite://backline.db";

    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced, safe for logs and error messages.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("redacted"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "<unparseable database URL>".to_owned(),
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

/// Opens the database named by `url` (SQLite or PostgreSQL) and applies pending migrations.
pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    connect_with(url, ConnectLimits::default()).await
}

/// [`connect`] with explicit limits on how long a request may wait for the database.
pub async fn connect_with(url: &DatabaseUrl, limits: ConnectLimits) -> anyhow::Result<Arc<dyn Store>> {
    let raw = url.expose();
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        let store = PostgresStore::connect(url, limits)
            .await
            .with_context(|| format!("opening PostgreSQL database {}", url.redacted()))?;
        Ok(Arc::new(store))
    } else if raw.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, limits)
            .await
            .with_context(|| format!("opening SQLite database {}", url.redacted()))?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!(
            "DATABASE_URL must start with sqlite: (e.g. sqlite://backline.db) or postgres:// (e.g. postgres://user@host/db), got {}",
            url.redacted()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_redacted_never_show_the_password() {
        let url = DatabaseUrl::new("postgres://backline:hunter2@db.internal:5432/backline");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(!url.redacted().contains("hunter2"));
        assert!(url.redacted().contains("db.internal"));
    }
}
