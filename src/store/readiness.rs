//! Whether this process should be sent traffic: the database answers, its migrations are
//! applied, and a write goes through `write_tx` (so a database that may not grow or is
//! read-only shows here, and stops showing as soon as writes work again).

use async_trait::async_trait;
use sqlx::migrate::Migrator;

use super::{PostgresStore, SqliteStore, StoreError};

/// Why the store is not ready; the `Display` is the short reason `/readyz` answers with.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("database unreachable")]
    Unreachable(#[source] StoreError),
    #[error("database migrations not applied")]
    Migrations(#[source] Option<StoreError>),
    #[error("database writes failing")]
    WritesFailing(#[source] Option<StoreError>),
}

#[async_trait]
pub trait Readiness {
    /// Checks, in order, that the database answers, that every migration this build knows
    /// is applied, and that a write transaction can be started and can write (on SQLite one
    /// probe row is committed, overwritten each time). Asks the database every time.
    async fn readiness(&self) -> Result<(), NotReady>;
}

const PROBING: &str = "probing whether writes succeed";

/// True when every up-migration of `migrator` is recorded as applied in `applied`.
fn all_applied(migrator: &Migrator, applied: &[i64]) -> bool {
    migrator
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .all(|migration| applied.contains(&migration.version))
}

const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success";

/// The second check, the same on both backends: `applied` (the versions read with
/// `APPLIED`) holds every migration of this build.
fn migrations_applied(applied: Result<Vec<i64>, sqlx::Error>, migrator: &Migrator) -> Result<(), NotReady> {
    let applied = applied
        .map_err(|error| NotReady::Migrations(Some(StoreError::db("reading applied migrations")(error))))?;
    if all_applied(migrator, &applied) {
        Ok(())
    } else {
        Err(NotReady::Migrations(None))
    }
}

#[async_trait]
impl Readiness for SqliteStore {
    async fn readiness(&self) -> Result<(), NotReady> {
        use super::Store as _;
        self.ping().await.map_err(NotReady::Unreachable)?;
        migrations_applied(
            sqlx::query_scalar(APPLIED).fetch_all(&self.pool).await,
            &sqlx::migrate!("migrations/sqlite"),
        )?;
        // A new table and 64 KiB in it: needs fresh pages, so it fails while the file may not
        // grow (`max_page_count`) and while the file or its directory is read-only. Rolled
        // back, so it never reaches the disk...
        let failing = |error| NotReady::WritesFailing(Some(error));
        let mut tx = self.write_tx(PROBING).await.map_err(failing)?;
        sqlx::raw_sql(
            "CREATE TABLE backline_write_probe_pages (filler BLOB); \
             INSERT INTO backline_write_probe_pages VALUES (zeroblob(65536))",
        )
        .execute(&mut *tx)
        .await
        .map_err(|error| failing(StoreError::db(PROBING)(error)))?;
        tx.rollback(PROBING).await.map_err(failing)?;
        // ...so a second probe commits a page to the write-ahead log, as every real write
        // does: it fails while the disk is full for the log.
        let mut tx = self.write_tx(PROBING).await.map_err(failing)?;
        sqlx::query("INSERT OR REPLACE INTO write_probe (id, at) VALUES (1, $1)")
            .bind(chrono::Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(|error| failing(StoreError::db(PROBING)(error)))?;
        tx.commit(PROBING).await.map_err(failing)
    }
}

#[async_trait]
impl Readiness for PostgresStore {
    async fn readiness(&self) -> Result<(), NotReady> {
        use super::Store as _;
        self.ping().await.map_err(NotReady::Unreachable)?;
        migrations_applied(
            sqlx::query_scalar(APPLIED).fetch_all(&self.pool).await,
            &sqlx::migrate!("migrations/postgres"),
        )?;
        // A standby after a failover, or a database set read-only, refuses every write;
        // asking is cheaper than writing (no catalog churn on every probe).
        let failing = |error| NotReady::WritesFailing(Some(error));
        let mut tx = self.write_tx(PROBING).await.map_err(failing)?;
        let read_only: String = sqlx::query_scalar("SELECT current_setting('transaction_read_only')")
            .fetch_one(&mut *tx)
            .await
            .map_err(|error| failing(StoreError::db(PROBING)(error)))?;
        tx.rollback(PROBING).await.map_err(failing)?;
        if read_only == "on" {
            return Err(NotReady::WritesFailing(None));
        }
        Ok(())
    }
}
