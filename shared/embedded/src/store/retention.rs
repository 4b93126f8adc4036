//! What the retention sweep reads and deletes on SQLite: the rows whose `expires_at` (set by
//! every write of a done ticket or a conversation) has passed, found through the partial
//! indexes of migration 010, oldest expiry first, a bounded batch at a time.

use jiff::Timestamp;
use rusqlite::params;
use turno_core::desk::ticket::Ticket;
use turno_core::ports::StoreError;

use super::SqliteStore;
use super::tickets::query_tickets;
use crate::time::nanos;

impl SqliteStore {
    pub(super) async fn read_expired_tickets(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.read("read expired tickets", move |conn| {
            query_tickets(
                conn,
                "SELECT version, body FROM tickets INDEXED BY tickets_by_expiry
                 WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
                params![nanos(before), limit],
            )
        })
        .await
    }

    pub(super) async fn delete_expired_conversation_rows(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<usize, StoreError> {
        self.write("delete expired conversations", move |tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM conversations WHERE (workspace, customer) IN (
                         SELECT workspace, customer FROM conversations
                         INDEXED BY conversations_by_expiry
                         WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
                )?
                .execute(params![nanos(before), limit])?;
            Ok(n)
        })
        .await
    }
}
