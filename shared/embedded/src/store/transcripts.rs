//! [`TranscriptStore`] on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};
use turno_core::channel::message::{Body, DeliveryState, DeliveryStatus, TranscriptEntry};
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::{StoreError, TranscriptStore};

use super::SqliteStore;
use crate::db::DbError;
use crate::time::nanos;

fn delivery_name(s: DeliveryState) -> &'static str {
    match s {
        DeliveryState::Sent => "sent",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Read => "read",
        DeliveryState::Failed => "failed",
    }
}

fn parse_delivery(s: &str) -> Result<DeliveryState, DbError> {
    Ok(match s {
        "sent" => DeliveryState::Sent,
        "delivered" => DeliveryState::Delivered,
        "read" => DeliveryState::Read,
        "failed" => DeliveryState::Failed,
        other => {
            return Err(DbError::other(format!(
                "unknown delivery state {other:?} stored"
            )));
        }
    })
}

/// Adds a transcript entry unless one with its workspace and message id is stored; returns
/// whether it was added.
pub(super) fn insert_entry(tx: &Transaction<'_>, entry: &TranscriptEntry) -> Result<bool, DbError> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO transcript (workspace, ticket_id, message_id, at, body)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (workspace, message_id) DO NOTHING",
        )?
        .execute(params![
            entry.workspace.as_str(),
            entry.ticket_id.as_str(),
            entry.message_id.as_str(),
            nanos(entry.at),
            serde_json::to_string(entry)?
        ])?;
    Ok(inserted == 1)
}

#[async_trait]
impl TranscriptStore for SqliteStore {
    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError> {
        let entry = entry.clone();
        self.write("append transcript entry", move |tx| {
            let entry = &entry;
            insert_entry(tx, entry)
        })
        .await
    }

    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError> {
        let status = status.clone();
        // Forward-only: running it again after a rollback writes the same state.
        self.write_repeatable("record delivery status", move |tx| {
            let status = &status;
            let current = tx
                .prepare_cached(
                    "SELECT state FROM deliveries WHERE workspace = ?1 AND message_id = ?2",
                )?
                .query_row(
                    params![status.workspace.as_str(), status.message_id.as_str()],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|s| parse_delivery(&s))
                .transpose()?;
            if !status.state.advances(current) {
                return Ok(());
            }
            tx.prepare_cached(
                "INSERT INTO deliveries (workspace, message_id, state, at, error)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (workspace, message_id) DO UPDATE
                 SET state = excluded.state, at = excluded.at, error = excluded.error",
            )?
            .execute(params![
                status.workspace.as_str(),
                status.message_id.as_str(),
                delivery_name(status.state),
                nanos(status.at),
                status.error
            ])?;
            Ok(())
        })
        .await
    }

    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let ticket = ticket.clone();
        let ws = ws.clone();
        self.read("read transcript", move |conn| {
            let ticket = &ticket;
            let ws = &ws;
            let mut stmt = conn.prepare_cached(
                "SELECT t.body, d.state, d.error FROM transcript t
                 LEFT JOIN deliveries d ON d.workspace = t.workspace AND d.message_id = t.message_id
                 WHERE t.workspace = ?1 AND t.ticket_id = ?2
                 ORDER BY t.at, t.seq",
            )?;
            let rows = stmt.query_map(params![ws.as_str(), ticket.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (body, state, error) = row?;
                let mut entry: TranscriptEntry = serde_json::from_str(&body)?;
                if let (Body::Outbound { .. }, Some(state)) = (&entry.body, state) {
                    // The entry may carry a state of its own (a send that failed); the same
                    // forward-only rule decides which of the two is the latest.
                    let state = parse_delivery(&state)?;
                    if state.advances(entry.delivery) {
                        entry.delivery = Some(state);
                        entry.delivery_error = error;
                    }
                }
                out.push(entry);
            }
            Ok(out)
        })
        .await
    }
}
