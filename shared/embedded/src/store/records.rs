//! [`RecordStore`] on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::records::{Record, RecordKind, RecordPage, record_cursor};
use turno_core::ports::{RecordStore, StoreError};

use super::{SqliteStore, int_to_version, versioned_json};
use crate::db::{DbError, int};

#[async_trait]
impl RecordStore for SqliteStore {
    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError> {
        let key = key.to_owned();
        let ws = ws.clone();
        self.read_keyed("read record", move |conn| {
            let key = key.as_str();
            let ws = &ws;
            conn.prepare_cached(
                "SELECT version, body FROM records WHERE workspace = ?1 AND kind = ?2 AND key = ?3",
            )?
            .query_row(params![ws.as_str(), kind.as_str(), key], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
            .map(|(v, body)| record_from_row(v, &body))
            .transpose()
        })
        .await
    }

    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        let ws = ws.clone();
        self.read("list records", move |conn| {
            let ws = &ws;
            let mut stmt = conn.prepare_cached(
                "SELECT version, body FROM records WHERE workspace = ?1 AND kind = ?2 ORDER BY key",
            )?;
            let rows = stmt.query_map(params![ws.as_str(), kind.as_str()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (v, body) = row?;
                out.push(record_from_row(v, &body)?);
            }
            Ok(out)
        })
        .await
    }

    async fn records_page(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<RecordPage, StoreError> {
        let after = after.map(str::to_owned);
        let ws = ws.clone();
        self.read("list records", move |conn| {
            let after = after.as_deref();
            let ws = &ws;
            let mut stmt = conn.prepare_cached(
                "SELECT version, body, sort FROM records
                 WHERE workspace = ?1 AND kind = ?2 AND (?3 IS NULL OR sort < ?3)
                 ORDER BY sort DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![ws.as_str(), kind.as_str(), after, i64::from(limit) + 1],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )?;
            let mut records = Vec::new();
            let mut cursors = Vec::new();
            for row in rows {
                let (v, body, sort) = row?;
                records.push(record_from_row(v, &body)?);
                cursors.push(sort);
            }
            Ok(RecordPage::from_overfetch(records, cursors, limit))
        })
        .await
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        let next = record.version + 1;
        let body = versioned_json(record, |r| r.version = next)
            .map_err(|e| e.into_store("save record"))?;
        let sort = record_cursor(record);
        let r = record.clone();
        self.write("save record", move |tx| {
            let changed = if r.version == 0 {
                tx.prepare_cached(
                    "INSERT INTO records (workspace, kind, key, version, body, sort)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    r.workspace.as_str(),
                    r.kind.as_str(),
                    r.key,
                    int(next)?,
                    body,
                    sort
                ])?
            } else {
                tx.prepare_cached(
                    "UPDATE records SET version = ?4, body = ?5, sort = ?7
                     WHERE workspace = ?1 AND kind = ?2 AND key = ?3 AND version = ?6",
                )?
                .execute(params![
                    r.workspace.as_str(),
                    r.kind.as_str(),
                    r.key,
                    int(next)?,
                    body,
                    int(r.version)?,
                    sort
                ])?
            };
            if changed == 0 {
                return Err(DbError::Conflict);
            }
            Ok(())
        })
        .await?;
        record.version = next;
        Ok(())
    }

    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError> {
        let key = key.to_owned();
        let ws = ws.clone();
        self.write("delete record", move |tx| {
            let key = key.as_str();
            let ws = &ws;
            let n = tx
                .prepare_cached(
                    "DELETE FROM records WHERE workspace = ?1 AND kind = ?2 AND key = ?3",
                )?
                .execute(params![ws.as_str(), kind.as_str(), key])?;
            Ok(n > 0)
        })
        .await
    }
}

fn record_from_row(version: i64, body: &str) -> Result<Record, DbError> {
    let mut r: Record = serde_json::from_str(body)?;
    r.version = int_to_version(version)?;
    Ok(r)
}
