//! The store ports on SQLite, one module per port; the helpers here are shared by several.

use rusqlite::{Connection, Transaction};
use turno_core::ports::StoreError;

use std::sync::Arc;

use crate::db::{Db, DbError};
use crate::queue::SqliteQueues;

mod agents;
mod changes;
mod conversations;
mod records;
mod retention;
mod rollups;
mod tickets;
mod transcripts;
mod views;

/// [`Store`](turno_core::ports::Store) on the shared SQLite database. Each record is a JSON
/// column next to copies of the fields it is looked up by; versioned writes are conditional
/// statements, and every multi-record operation is one transaction.
///
/// Given the queues and the event bus of its database ([`SqliteStore::with_outbox`]), a bot
/// turn's commit queues its timer and publishes its events in the same transaction: one
/// write per turn instead of one per port.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    db: Db,
    outbox: Option<Arc<SqliteQueues>>,
}

impl SqliteStore {
    /// The store on `db`.
    pub fn new(db: Db) -> Self {
        SqliteStore { db, outbox: None }
    }

    /// This store, committing a turn's jobs to `queues` and its events to the `events` table
    /// ([`SqliteEventBus`](crate::SqliteEventBus)) in the turn's own write. `queues` must be
    /// on this store's database.
    pub fn with_outbox(mut self, queues: Arc<SqliteQueues>) -> Self {
        self.outbox = Some(queues);
        self
    }

    /// The database under the store.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs `f` on a read connection off the runtime's threads.
    async fn read<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.read(f).await.map_err(|e| e.into_store(op))
    }

    /// [`SqliteStore::read`] for a read of a few rows by key (see [`Db::read_keyed`]).
    async fn read_keyed<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.read_keyed(f).await.map_err(|e| e.into_store(op))
    }

    /// Runs `f` as one write (its own savepoint in the writer's next commit) and returns once
    /// it committed.
    async fn write<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db.write(f).await.map_err(|e| e.into_store(op))
    }

    /// [`SqliteStore::write`] for an idempotent write that may run again after a rollback
    /// ([`Db::write_repeatable`]).
    async fn write_repeatable<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnMut(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.db
            .write_repeatable(f)
            .await
            .map_err(|e| e.into_store(op))
    }
}

/// The stored JSON of a versioned record, with `version` already at the value it will have.
fn versioned_json<T: serde::Serialize + Clone>(
    record: &T,
    set_version: impl FnOnce(&mut T),
) -> Result<String, DbError> {
    let mut stored = record.clone();
    set_version(&mut stored);
    Ok(serde_json::to_string(&stored)?)
}

fn int_to_version(v: i64) -> Result<u64, DbError> {
    u64::try_from(v).map_err(|_| DbError::other("negative record version"))
}
