//! The one way to write: a transaction on a connection of its own, taken with the SQLite
//! write turn, and closed rather than pooled again when it did not end cleanly.

use std::ops::{Deref, DerefMut};

use sqlx::{Database, Executor, pool::PoolConnection};
use tokio::sync::MutexGuard;

use super::{StoreError, watch::Watch};

/// A write transaction. Made only by the stores' `write_tx` (which waits for this process's
/// SQLite write turn, then begins); statements run on it through `&mut *tx`.
///
/// It ends with `commit` or `rollback`. Dropped any other way (an error returned with `?`,
/// a cancelled request, a failed `COMMIT`), the state of the transaction on the connection
/// is unknown: SQLite may or may not have rolled it back after `database or disk is full`,
/// and a PostgreSQL transaction that failed a statement refuses every later one. So the
/// connection is closed instead of going back to the pool, which rolls back whatever is
/// left on the server, and the next write starts on a fresh connection.
pub(super) struct WriteTx<'s, DB: Database> {
    conn: PoolConnection<DB>,
    ended: bool,
    rearm: Option<&'static str>,
    /// Told once the transaction committed, when it changed a registry.
    watch: &'s Watch,
    registry_changed: bool,
    /// Released after the connection (fields drop in order).
    _turn: Option<MutexGuard<'s, ()>>,
}

impl<'s, DB: Database> WriteTx<'s, DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Runs `begin` (the statements that open the transaction) on `conn`; `turn` is held
    /// until the transaction ends, and `rearm` runs after it ended, to give the connection
    /// back to the pool in the state the pool hands out.
    pub(super) async fn begin(
        conn: PoolConnection<DB>,
        turn: Option<MutexGuard<'s, ()>>,
        watch: &'s Watch,
        begin: String,
        rearm: Option<&'static str>,
        doing: &'static str,
    ) -> Result<Self, StoreError> {
        // Made before BEGIN runs, so that a BEGIN that fails halfway closes the connection too.
        let mut tx = Self {
            conn,
            ended: false,
            rearm,
            watch,
            registry_changed: false,
            _turn: turn,
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(begin))
            .execute(&mut *tx.conn)
            .await
            .map_err(StoreError::db(doing))?;
        Ok(tx)
    }

    pub(super) async fn commit(mut self, doing: &'static str) -> Result<(), StoreError> {
        self.run("COMMIT").await.map_err(StoreError::db(doing))?;
        self.end().await;
        // After the commit, never before: a request told of the change reads it.
        if self.registry_changed {
            self.watch.changed();
        }
        Ok(())
    }

    /// The transaction changes a guild's registry: caches in this process are told when it
    /// commits (and other processes through the database, see `watch`).
    pub(super) fn changes_registry(&mut self) {
        self.registry_changed = true;
    }

    /// Ends the transaction writing nothing (a conflict found, nothing to do).
    pub(super) async fn rollback(mut self, doing: &'static str) -> Result<(), StoreError> {
        self.run("ROLLBACK").await.map_err(StoreError::db(doing))?;
        self.end().await;
        Ok(())
    }

    /// After COMMIT or ROLLBACK: the connection may go back to the pool once re-armed (if
    /// that fails, it is closed; what was committed stays committed).
    async fn end(&mut self) {
        self.ended = match self.rearm {
            Some(statement) => self.run(statement).await.is_ok(),
            None => true,
        };
    }

    async fn run(&mut self, statement: &'static str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(statement).execute(&mut *self.conn).await?;
        Ok(())
    }
}

impl<DB: Database> Deref for WriteTx<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl<DB: Database> DerefMut for WriteTx<'_, DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl<DB: Database> Drop for WriteTx<'_, DB> {
    fn drop(&mut self) {
        if !self.ended {
            tracing::warn!("a write transaction did not end cleanly: closing its connection");
            self.conn.close_on_drop();
        }
    }
}
