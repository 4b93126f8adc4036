//! [`AgentStore`] on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use turno_core::desk::agent::{Agent, Availability};
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_core::ports::{AgentStore, StoreError};

use super::SqliteStore;
use crate::db::DbError;

pub(super) fn read_agent(
    conn: &Connection,
    ws: &WorkspaceId,
    id: &AgentId,
) -> Result<Option<Agent>, DbError> {
    conn.prepare_cached("SELECT body FROM agents WHERE workspace = ?1 AND id = ?2")?
        .query_row(params![ws.as_str(), id.as_str()], |r| r.get::<_, String>(0))
        .optional()?
        .map(|body| serde_json::from_str(&body).map_err(DbError::from))
        .transpose()
}

pub(super) fn write_agent(tx: &Transaction<'_>, agent: &Agent) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO agents (workspace, id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (workspace, id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![
        agent.workspace.as_str(),
        agent.id.as_str(),
        serde_json::to_string(agent)?
    ])?;
    Ok(())
}

#[async_trait]
impl AgentStore for SqliteStore {
    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError> {
        let ws = ws.clone();
        self.read("list agents", move |conn| {
            let ws = &ws;
            let mut stmt =
                conn.prepare_cached("SELECT body FROM agents WHERE workspace = ?1 ORDER BY id")?;
            let rows = stmt.query_map(params![ws.as_str()], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(serde_json::from_str(&row?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        let id = id.clone();
        let ws = ws.clone();
        self.read_keyed("read agent", move |conn| {
            let id = &id;
            let ws = &ws;
            read_agent(conn, ws, id)
        })
        .await
    }

    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError> {
        let agent = agent.clone();
        self.write("upsert agent profile", move |tx| {
            let agent = &agent;
            let mut stored = agent.clone();
            if let Some(existing) = read_agent(tx, &agent.workspace, &agent.id)? {
                stored.availability = existing.availability;
                stored.load = existing.load;
                stored.last_assigned_at = existing.last_assigned_at;
            }
            write_agent(tx, &stored)
        })
        .await
    }

    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError> {
        let id = id.clone();
        let ws = ws.clone();
        self.write("set agent availability", move |tx| {
            let id = &id;
            let ws = &ws;
            let Some(mut agent) = read_agent(tx, ws, id)? else {
                return Ok(false);
            };
            agent.availability = availability;
            write_agent(tx, &agent)?;
            Ok(true)
        })
        .await
    }
}
