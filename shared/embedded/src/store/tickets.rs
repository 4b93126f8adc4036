//! [`TicketStore`] on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::ports::{
    CreatedCursor, CreatedRange, StatusCounts, StoreError, TicketCursor, TicketFilter, TicketQuery,
    TicketStore, name_key,
};

use super::agents::{read_agent, write_agent};
use super::{SqliteStore, versioned_json};
use crate::db::{DbError, int};
use crate::time::nanos;

/// Writes a ticket if its stored version is still `ticket.version` (absent for 0), with its
/// query columns (SLA due time included) recomputed, and its rollup deltas added. Returns the
/// new version.
pub(super) fn write_ticket(tx: &Transaction<'_>, t: &Ticket) -> Result<u64, DbError> {
    let next = t.version + 1;
    let body = versioned_json(t, |s| s.version = next)?;
    let columns = params![
        t.workspace.as_str(),
        t.id.as_str(),
        int(next)?,
        t.status.as_str(),
        t.team.as_ref().map(TeamId::as_str),
        t.assignee.as_ref().map(AgentId::as_str),
        i64::from(t.queue_rank()),
        t.queued_at.map(nanos),
        nanos(t.updated_at),
        t.sla_due_at().map(nanos),
        body,
        int(t.version)?,
        t.customer_name.as_deref().map(name_key),
        t.created_at.as_millisecond(),
        t.expires_at.map(nanos),
    ];
    let before: Option<(String, Option<String>)> = if t.version == 0 {
        None
    } else {
        tx.prepare_cached(
            "SELECT status, team FROM tickets WHERE workspace = ?1 AND id = ?2 AND version = ?3",
        )?
        .query_row(
            params![t.workspace.as_str(), t.id.as_str(), int(t.version)?],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
    };
    let changed = if t.version == 0 {
        // `INSERT … SELECT … WHERE` so both statements take the same parameter list (and SQLite
        // needs a WHERE to parse ON CONFLICT after a SELECT).
        tx.prepare_cached(
            "INSERT INTO tickets (workspace, id, version, status, team, assignee, priority,
                                  queued_at, updated_at, sla_due_at, body, name_key, created_ms,
                                  expires_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, ?14, ?15 WHERE ?12 = 0
             ON CONFLICT (workspace, id) DO NOTHING",
        )?
        .execute(columns)?
    } else {
        tx.prepare_cached(
            "UPDATE tickets SET version = ?3, status = ?4, team = ?5, assignee = ?6,
                    priority = ?7, queued_at = ?8, updated_at = ?9, sla_due_at = ?10, body = ?11,
                    name_key = ?13, created_ms = ?14, expires_at = ?15
             WHERE workspace = ?1 AND id = ?2 AND version = ?12",
        )?
        .execute(columns)?
    };
    if changed == 0 {
        return Err(DbError::Conflict);
    }
    let after = (
        t.status.as_str().to_owned(),
        t.team.as_ref().map(|x| x.as_str().to_owned()),
    );
    if before.as_ref() != Some(&after) {
        if let Some((status, team)) = &before {
            count(tx, t.workspace.as_str(), team.as_deref(), status, -1)?;
        }
        count(tx, t.workspace.as_str(), after.1.as_deref(), &after.0, 1)?;
    }
    super::rollups::add(tx, &t.workspace, &t.rollup)?;
    Ok(next)
}

/// Moves the ticket counter of a team (or of no team) and status by `delta`.
fn count(
    tx: &Transaction<'_>,
    ws: &str,
    team: Option<&str>,
    status: &str,
    delta: i64,
) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO ticket_counts (workspace, team, status, n) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace, team, status) DO UPDATE SET n = n + excluded.n",
    )?
    .execute(params![ws, team.unwrap_or(""), status, delta])?;
    Ok(())
}

pub(super) fn read_ticket(
    conn: &Connection,
    ws: &WorkspaceId,
    id: &TicketId,
) -> Result<Option<Ticket>, DbError> {
    conn.prepare_cached("SELECT version, body FROM tickets WHERE workspace = ?1 AND id = ?2")?
        .query_row(params![ws.as_str(), id.as_str()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
        .map(|(version, body)| ticket_from_row(version, &body))
        .transpose()
}

pub(super) fn ticket_from_row(version: i64, body: &str) -> Result<Ticket, DbError> {
    let mut t: Ticket = serde_json::from_str(body)?;
    // The column is the authority: it is what the conditional writes compare against.
    t.version = u64::try_from(version).map_err(|_| DbError::other("negative ticket version"))?;
    Ok(t)
}

pub(super) fn query_tickets(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Ticket>, DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, body) = row?;
        out.push(ticket_from_row(version, &body)?);
    }
    Ok(out)
}

/// Gives one unit of capacity back, never going below zero; an agent that no longer exists has
/// nothing to give back.
fn release_unit(tx: &Transaction<'_>, ws: &WorkspaceId, id: &AgentId) -> Result<(), DbError> {
    if let Some(mut agent) = read_agent(tx, ws, id)? {
        agent.load = agent.load.saturating_sub(1);
        write_agent(tx, &agent)?;
    }
    Ok(())
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        let id = id.clone();
        let ws = ws.clone();
        self.read_keyed("read ticket", move |conn| {
            let id = &id;
            let ws = &ws;
            read_ticket(conn, ws, id)
        })
        .await
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        let t = ticket.clone();
        ticket.version = self
            .write("save ticket", move |tx| write_ticket(tx, &t))
            .await?;
        Ok(())
    }

    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut sql = String::from("SELECT version, body FROM tickets WHERE workspace = ?");
        let mut args: Vec<Value> = vec![Value::Text(ws.to_string())];
        if let Some(status) = filter.status {
            sql.push_str(" AND status = ?");
            args.push(Value::Text(status.as_str().to_owned()));
        }
        if let Some(team) = &filter.team {
            sql.push_str(" AND team = ?");
            args.push(Value::Text(team.to_string()));
        }
        if let Some(assignee) = &filter.assignee {
            sql.push_str(" AND assignee = ?");
            args.push(Value::Text(assignee.to_string()));
        }
        if let Some(teams) = &filter.teams {
            let mut visible = Vec::new();
            if !teams.is_empty() {
                visible.push(format!("team IN ({})", vec!["?"; teams.len()].join(", ")));
                args.extend(teams.iter().map(|t| Value::Text(t.to_string())));
            }
            if let Some(agent) = &filter.visible_to_agent {
                visible.push("assignee = ?".to_owned());
                args.push(Value::Text(agent.to_string()));
            }
            if visible.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(" AND ({})", visible.join(" OR ")));
        }
        sql.push_str(" ORDER BY updated_at DESC, seq DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            args.push(Value::Integer(i64::from(limit)));
        }
        self.read("list tickets", move |conn| {
            query_tickets(conn, &sql, params_from_iter(args))
        })
        .await
    }

    async fn customer_tickets(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Vec<Ticket>, StoreError> {
        let customer = customer.clone();
        let ws = ws.clone();
        let mut tickets = self
            .read("read customer tickets", move |conn| {
                let customer = &customer;
                let ws = &ws;
                query_tickets(
                    conn,
                    "SELECT version, body FROM tickets
                 WHERE workspace = ?1 AND customer = ?2",
                    params![ws.as_str(), customer.as_str()],
                )
            })
            .await?;
        tickets.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(tickets)
    }

    async fn delete_ticket(
        &self,
        ticket: &Ticket,
        messages: &[MessageId],
    ) -> Result<(), StoreError> {
        let (ws, id, version) = (ticket.workspace.clone(), ticket.id.clone(), ticket.version);
        let messages = messages.to_vec();
        self.write("delete ticket", move |tx| {
            delete_ticket(tx, &ws, &id, version, &messages)
        })
        .await
    }

    async fn expired_tickets(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.read_expired_tickets(before, limit).await
    }

    async fn ticket_page(
        &self,
        ws: &WorkspaceId,
        query: &TicketQuery,
        after: Option<&TicketCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<TicketCursor>), StoreError> {
        let after = after.cloned();
        let query = query.clone();
        let ws = ws.clone();
        self.read("read a ticket view", move |conn| {
            let after = after.as_ref();
            let query = &query;
            let ws = &ws;
            super::views::ticket_page(conn, ws, query, after, limit)
        })
        .await
    }

    async fn tickets_created(
        &self,
        ws: &WorkspaceId,
        range: &CreatedRange,
        after: Option<&CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<CreatedCursor>), StoreError> {
        let after = after.cloned();
        let range = range.clone();
        let ws = ws.clone();
        self.read("read tickets by creation", move |conn| {
            let after = after.as_ref();
            let range = &range;
            let ws = &ws;
            super::views::tickets_created(conn, ws, range, after, limit)
        })
        .await
    }

    async fn ticket_counts(
        &self,
        ws: &WorkspaceId,
        team: Option<&TeamId>,
    ) -> Result<StatusCounts, StoreError> {
        let team = team.cloned();
        let ws = ws.clone();
        self.read("count tickets", move |conn| {
            let team = team.as_ref();
            let ws = &ws;
            super::views::ticket_counts(conn, ws, team)
        })
        .await
    }

    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let team = team.clone();
        let ws = ws.clone();
        self.read("read team queue", move |conn| {
            let team = &team;
            let ws = &ws;
            query_tickets(
                conn,
                "SELECT version, body FROM tickets
                 WHERE workspace = ?1 AND team = ?2 AND status = ?3
                 ORDER BY priority DESC, queued_at ASC, seq ASC
                 LIMIT ?4",
                params![
                    ws.as_str(),
                    team.as_str(),
                    TicketStatus::Queued.as_str(),
                    limit
                ],
            )
        })
        .await
    }

    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError> {
        self.read("list tickets with SLA due", move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT workspace, id FROM tickets
                 WHERE sla_due_at IS NOT NULL AND sla_due_at <= ?1
                 ORDER BY sla_due_at ASC, seq ASC
                 LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![nanos(before), limit], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (ws, id) = row?;
                let ws = WorkspaceId::parse(ws).map_err(|e| DbError::Other(e.into()))?;
                let id = TicketId::parse(id).map_err(|e| DbError::Other(e.into()))?;
                out.push((ws, id));
            }
            Ok(out)
        })
        .await
    }

    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (t, to, release) = (ticket.clone(), to.clone(), release.cloned());
        let version = self
            .write("assign ticket", move |tx| {
                let (ticket, to, release) = (&t, &to, release.as_ref());
                let ws = &ticket.workspace;
                let mut agent = read_agent(tx, ws, to)?
                    .ok_or_else(|| DbError::other(format!("there is no agent {to} in {ws}")))?;
                // Handing a ticket to the agent who already holds it changes nobody's load.
                let same_agent = release == Some(to);
                if !same_agent && agent.load >= agent.capacity {
                    return Err(DbError::AtCapacity);
                }
                let version = write_ticket(tx, ticket)?;
                if !same_agent {
                    agent.load += 1;
                }
                agent.last_assigned_at = Some(now);
                write_agent(tx, &agent)?;
                if let Some(previous) = release.filter(|_| !same_agent) {
                    release_unit(tx, ws, previous)?;
                }
                Ok(version)
            })
            .await?;
        ticket.version = version;
        Ok(())
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        let (t, agent) = (ticket.clone(), agent.clone());
        let version = self
            .write("release ticket", move |tx| {
                let ticket = &t;
                let version = write_ticket(tx, ticket)?;
                release_unit(tx, &ticket.workspace, &agent)?;
                Ok(version)
            })
            .await?;
        ticket.version = version;
        Ok(())
    }
}

/// Deletes a ticket stored at `version` with its transcript, the delivery states and turn
/// records of `messages`, and its media the sandbox chat kept, and takes it out of the
/// counters; nothing if it is gone.
fn delete_ticket(
    tx: &Transaction<'_>,
    ws: &WorkspaceId,
    id: &TicketId,
    version: u64,
    messages: &[MessageId],
) -> Result<(), DbError> {
    let stored: Option<(i64, String, Option<String>)> = tx
        .prepare_cached(
            "SELECT version, status, team FROM tickets WHERE workspace = ?1 AND id = ?2",
        )?
        .query_row(params![ws.as_str(), id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((stored, status, team)) = stored else {
        return Ok(());
    };
    if stored != int(version)? {
        return Err(DbError::Conflict);
    }
    tx.prepare_cached(
        "DELETE FROM sandbox_media WHERE workspace = ?1 AND media_id IN (
             SELECT json_extract(body, '$.body.media.id') FROM transcript
             WHERE workspace = ?1 AND ticket_id = ?2)",
    )?
    .execute(params![ws.as_str(), id.as_str()])?;
    tx.prepare_cached("DELETE FROM transcript WHERE workspace = ?1 AND ticket_id = ?2")?
        .execute(params![ws.as_str(), id.as_str()])?;
    for m in messages {
        tx.prepare_cached("DELETE FROM deliveries WHERE workspace = ?1 AND message_id = ?2")?
            .execute(params![ws.as_str(), m.as_str()])?;
        tx.prepare_cached("DELETE FROM turns WHERE workspace = ?1 AND message_id = ?2")?
            .execute(params![ws.as_str(), m.as_str()])?;
    }
    tx.prepare_cached("DELETE FROM tickets WHERE workspace = ?1 AND id = ?2")?
        .execute(params![ws.as_str(), id.as_str()])?;
    count(tx, ws.as_str(), team.as_deref(), &status, -1)
}
