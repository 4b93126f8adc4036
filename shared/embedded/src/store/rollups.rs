//! [`RollupStore`] on SQLite: a row per counter of each (workspace, day, dimension) item.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::civil::Date;
use rusqlite::{Connection, Transaction, params};
use turno_core::desk::report::rollup::{Counters, Dim, Rollup, RollupDelta};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::{RollupStore, StoreError};

use super::SqliteStore;
use crate::db::DbError;

/// Adds the deltas to their rows, inside the caller's transaction.
pub(super) fn add(
    tx: &Transaction<'_>,
    ws: &WorkspaceId,
    deltas: &[RollupDelta],
) -> Result<(), DbError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO rollups (workspace, day, dim, counter, n) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (workspace, day, dim, counter) DO UPDATE SET n = n + excluded.n",
    )?;
    for d in deltas {
        let (day, dim) = (d.day.to_string(), d.dim.key());
        for (counter, n) in &d.counters.0 {
            stmt.execute(params![ws.as_str(), day, dim, counter, n])?;
        }
    }
    Ok(())
}

fn read(conn: &Connection, ws: &WorkspaceId, from: Date, to: Date) -> Result<Vec<Rollup>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, dim, counter, n FROM rollups
         WHERE workspace = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, dim",
    )?;
    let rows = stmt.query_map(
        params![ws.as_str(), from.to_string(), to.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut items: BTreeMap<(Date, Dim), Counters> = BTreeMap::new();
    for row in rows {
        let (day, dim, counter, n) = row?;
        let day: Date = day
            .parse()
            .map_err(|_| DbError::other("a rollup row with a bad day"))?;
        // A dimension this build does not know is skipped, not fatal.
        let Some(dim) = Dim::parse(&dim) else {
            continue;
        };
        items.entry((day, dim)).or_default().add(&counter, n);
    }
    Ok(items
        .into_iter()
        .map(|((day, dim), counters)| Rollup { day, dim, counters })
        .collect())
}

#[async_trait]
impl RollupStore for SqliteStore {
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Rollup>, StoreError> {
        let ws = ws.clone();
        self.read("read rollups", move |conn| {
            let ws = &ws;
            read(conn, ws, from, to)
        })
        .await
    }

    async fn add_rollups(
        &self,
        ws: &WorkspaceId,
        deltas: &[RollupDelta],
    ) -> Result<(), StoreError> {
        let deltas = deltas.to_vec();
        let ws = ws.clone();
        self.write("add rollups", move |tx| {
            let deltas = deltas.as_slice();
            let ws = &ws;
            add(tx, ws, deltas)
        })
        .await
    }
}
