//! [`ChangeFeed`] on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::records::{Change, change_cursor};
use turno_core::ports::{ChangeFeed, StoreError};

use super::SqliteStore;
use crate::time::nanos;

/// How long the change feed keeps an entry.
const CHANGE_RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn append_change(&self, change: &Change) -> Result<(), StoreError> {
        let cursor = change_cursor(change.at, &uuid::Uuid::now_v7().simple().to_string());
        let mut stored = change.clone();
        stored.cursor = cursor.clone();
        let body = serde_json::to_string(&stored).map_err(|e| StoreError::Unexpected(e.into()))?;
        let keep_from = change
            .at
            .saturating_sub(CHANGE_RETENTION)
            .unwrap_or(change.at);
        let change = change.clone();
        self.write("append change", move |tx| {
            let change = &change;
            tx.prepare_cached(
                "INSERT INTO changes (workspace, cursor, at, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                change.workspace.as_str(),
                cursor,
                nanos(change.at),
                body
            ])?;
            tx.prepare_cached("DELETE FROM changes WHERE at < ?1")?
                .execute(params![nanos(keep_from)])?;
            Ok(())
        })
        .await
    }

    async fn latest_change(&self, ws: &WorkspaceId) -> Result<Option<String>, StoreError> {
        let ws = ws.clone();
        self.read("read the latest change", move |conn| {
            let ws = &ws;
            Ok(conn
                .prepare_cached(
                    "SELECT cursor FROM changes WHERE workspace = ?1 ORDER BY cursor DESC LIMIT 1",
                )?
                .query_row(params![ws.as_str()], |r| r.get::<_, String>(0))
                .optional()?)
        })
        .await
    }

    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError> {
        let after = after.map(str::to_owned);
        let ws = ws.clone();
        self.read("read changes", move |conn| {
            let after = after.as_deref();
            let ws = &ws;
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM changes WHERE workspace = ?1 AND cursor > ?2
                 ORDER BY cursor LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                params![ws.as_str(), after.unwrap_or(""), i64::from(limit)],
                |r| r.get::<_, String>(0),
            )?;
            let mut out = Vec::new();
            for row in rows {
                out.push(serde_json::from_str(&row?)?);
            }
            Ok(out)
        })
        .await
    }
}
