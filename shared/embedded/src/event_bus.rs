//! The event bus port on SQLite: domain events kept in order per workspace, for tests and for
//! the local console, where AWS sends them to EventBridge.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::params;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::EventBus;
use turno_core::ports::domain_events::DomainEvent;

use crate::db::{Db, DbError};
use crate::time::nanos;

/// [`EventBus`] that appends every published event to the `events` table.
#[derive(Clone, Debug)]
pub struct SqliteEventBus {
    db: Db,
}

impl SqliteEventBus {
    /// The bus on `db`.
    pub fn new(db: Db) -> Self {
        SqliteEventBus { db }
    }

    /// Every event published for `ws`, in publishing order.
    pub fn events(&self, ws: &WorkspaceId) -> anyhow::Result<Vec<DomainEvent>> {
        Ok(self
            .events_after(ws, 0, u32::MAX)?
            .into_iter()
            .map(|(_, e)| e)
            .collect())
    }

    /// Up to `limit` events of `ws` published after sequence number `after_seq`, each with its
    /// sequence number, so a reader can page through them.
    pub fn events_after(
        &self,
        ws: &WorkspaceId,
        after_seq: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<(i64, DomainEvent)>> {
        let ws = ws.clone();
        self.db
            .read_blocking(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, body FROM events WHERE workspace = ?1 AND seq > ?2
                     ORDER BY seq LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![ws.as_str(), after_seq, limit], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, body) = row?;
                    out.push((seq, serde_json::from_str(&body)?));
                }
                Ok(out)
            })
            .map_err(|e| e.into_anyhow("read events"))
    }
}

#[async_trait]
impl EventBus for SqliteEventBus {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let now = nanos(Timestamp::now());
        // Serialized here, so the writer spends its time on the insert only.
        let rows = event_rows(events)?;
        self.db
            .write(move |tx| insert_events(tx, &rows, now))
            .await
            .map_err(|e| e.into_anyhow("publish events"))
    }
}

/// An event as the `events` table keeps it: workspace, name and JSON body.
pub(crate) type EventRow = (String, &'static str, String);

/// `events` serialized for [`insert_events`].
pub(crate) fn event_rows(events: &[DomainEvent]) -> Result<Vec<EventRow>, serde_json::Error> {
    events
        .iter()
        .map(|e| {
            Ok((
                e.workspace().to_string(),
                e.name(),
                serde_json::to_string(e)?,
            ))
        })
        .collect()
}

/// Appends `rows`, published at `now` (ns), inside a write of the shared database.
pub(crate) fn insert_events(
    tx: &rusqlite::Transaction<'_>,
    rows: &[EventRow],
    now: i64,
) -> Result<(), DbError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (workspace, name, body, published_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (ws, name, body) in rows {
        stmt.execute(params![ws, name, body, now])?;
    }
    Ok(())
}
