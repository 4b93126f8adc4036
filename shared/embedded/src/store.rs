//! The store port on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::{Body, DeliveryState, DeliveryStatus, TranscriptEntry};
use turno_core::desk::agent::{Agent, Availability};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::ports::records::{Change, Record, RecordKind, change_cursor};
use turno_core::ports::{Store, StoreError, TicketFilter};

use crate::db::{Db, DbError, int};
use crate::time::nanos;

/// [`Store`] on the shared SQLite database. Each record is a JSON column next to copies of the
/// fields it is looked up by; versioned writes are conditional statements, and every
/// multi-record operation is one transaction.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// The store on `db`.
    pub fn new(db: Db) -> Self {
        SqliteStore { db }
    }

    fn read<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, StoreError> {
        self.db.read(f).map_err(|e| e.into_store(op))
    }

    fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError>,
    ) -> Result<T, StoreError> {
        self.db.write(f).map_err(|e| e.into_store(op))
    }
}

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
fn insert_entry(tx: &Transaction<'_>, entry: &TranscriptEntry) -> Result<bool, DbError> {
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

/// The stored JSON of a versioned record, with `version` already at the value it will have.
fn versioned_json<T: serde::Serialize + Clone>(
    record: &T,
    set_version: impl FnOnce(&mut T),
) -> Result<String, DbError> {
    let mut stored = record.clone();
    set_version(&mut stored);
    Ok(serde_json::to_string(&stored)?)
}

/// Writes a conversation if its stored version is still `conversation.version` (absent for 0).
/// Returns the new version; the caller updates its copy once the transaction commits.
fn write_conversation(tx: &Transaction<'_>, c: &Conversation) -> Result<u64, DbError> {
    let next = c.version + 1;
    let body = versioned_json(c, |s| s.version = next)?;
    let changed =
        if c.version == 0 {
            tx.prepare_cached(
            "INSERT INTO conversations (workspace, customer, version, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workspace, customer) DO NOTHING",
        )?
        .execute(params![c.workspace.as_str(), c.customer.as_str(), int(next)?, body])?
        } else {
            tx.prepare_cached(
                "UPDATE conversations SET version = ?3, body = ?4
             WHERE workspace = ?1 AND customer = ?2 AND version = ?5",
            )?
            .execute(params![
                c.workspace.as_str(),
                c.customer.as_str(),
                int(next)?,
                body,
                int(c.version)?
            ])?
        };
    if changed == 0 {
        return Err(DbError::Conflict);
    }
    Ok(next)
}

/// Writes a ticket if its stored version is still `ticket.version` (absent for 0), with its
/// query columns (SLA due time included) recomputed. Returns the new version.
fn write_ticket(tx: &Transaction<'_>, t: &Ticket) -> Result<u64, DbError> {
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
    ];
    let changed = if t.version == 0 {
        // `INSERT … SELECT … WHERE` so both statements take the same parameter list (and SQLite
        // needs a WHERE to parse ON CONFLICT after a SELECT).
        tx.prepare_cached(
            "INSERT INTO tickets (workspace, id, version, status, team, assignee, priority,
                                  queued_at, updated_at, sla_due_at, body)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE ?12 = 0
             ON CONFLICT (workspace, id) DO NOTHING",
        )?
        .execute(columns)?
    } else {
        tx.prepare_cached(
            "UPDATE tickets SET version = ?3, status = ?4, team = ?5, assignee = ?6,
                    priority = ?7, queued_at = ?8, updated_at = ?9, sla_due_at = ?10, body = ?11
             WHERE workspace = ?1 AND id = ?2 AND version = ?12",
        )?
        .execute(columns)?
    };
    if changed == 0 {
        return Err(DbError::Conflict);
    }
    Ok(next)
}

fn read_ticket(
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

fn ticket_from_row(version: i64, body: &str) -> Result<Ticket, DbError> {
    let mut t: Ticket = serde_json::from_str(body)?;
    // The column is the authority: it is what the conditional writes compare against.
    t.version = u64::try_from(version).map_err(|_| DbError::other("negative ticket version"))?;
    Ok(t)
}

fn query_tickets(
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

fn read_agent(conn: &Connection, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, DbError> {
    conn.prepare_cached("SELECT body FROM agents WHERE workspace = ?1 AND id = ?2")?
        .query_row(params![ws.as_str(), id.as_str()], |r| r.get::<_, String>(0))
        .optional()?
        .map(|body| serde_json::from_str(&body).map_err(DbError::from))
        .transpose()
}

fn write_agent(tx: &Transaction<'_>, agent: &Agent) -> Result<(), DbError> {
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
impl Store for SqliteStore {
    async fn conversation(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.read("read conversation", |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT version, body FROM conversations
                     WHERE workspace = ?1 AND customer = ?2",
                )?
                .query_row(params![ws.as_str(), customer.as_str()], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?;
            let Some((version, body)) = row else {
                return Ok(None);
            };
            let mut c: Conversation = serde_json::from_str(&body)?;
            c.version = int_to_version(version)?;
            Ok(Some(c))
        })
    }

    async fn turn(
        &self,
        ws: &WorkspaceId,
        message: &MessageId,
    ) -> Result<Option<TurnRecord>, StoreError> {
        self.read("read turn", |conn| {
            conn.prepare_cached("SELECT body FROM turns WHERE workspace = ?1 AND message_id = ?2")?
                .query_row(params![ws.as_str(), message.as_str()], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .map(|body| serde_json::from_str(&body).map_err(DbError::from))
                .transpose()
        })
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let (conversation_version, ticket_version) = self.write("commit turn", |tx| {
            let conversation_version = write_conversation(tx, conversation)?;
            let ticket_version = match ticket.as_deref() {
                Some(t) => Some(write_ticket(tx, t)?),
                None => None,
            };
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO turns (workspace, message_id, done, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (workspace, message_id) DO NOTHING",
                )?
                .execute(params![
                    turn.workspace.as_str(),
                    turn.message_id.as_str(),
                    int(turn.done)?,
                    serde_json::to_string(turn)?
                ])?;
            if inserted == 0 {
                // Another run of this message committed first.
                return Err(DbError::Conflict);
            }
            for entry in entries {
                insert_entry(tx, entry)?;
            }
            Ok((conversation_version, ticket_version))
        })?;
        conversation.version = conversation_version;
        if let (Some(t), Some(v)) = (ticket, ticket_version) {
            t.version = v;
        }
        Ok(())
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.write("save turn progress", |tx| {
            // Progress never goes back: a slower run that read an older record must not undo
            // what a faster one recorded.
            tx.prepare_cached(
                "INSERT INTO turns (workspace, message_id, done, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (workspace, message_id) DO UPDATE
                 SET done = excluded.done, body = excluded.body
                 WHERE excluded.done >= turns.done",
            )?
            .execute(params![
                turn.workspace.as_str(),
                turn.message_id.as_str(),
                int(turn.done)?,
                serde_json::to_string(turn)?
            ])?;
            for entry in entries {
                insert_entry(tx, entry)?;
            }
            Ok(())
        })
    }

    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError> {
        self.write("append transcript entry", |tx| insert_entry(tx, entry))
    }

    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError> {
        self.write("record delivery status", |tx| {
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
    }

    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.read("read transcript", |conn| {
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
    }

    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        self.read("read ticket", |conn| read_ticket(conn, ws, id))
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        ticket.version = self.write("save ticket", |tx| write_ticket(tx, ticket))?;
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
        self.read("list tickets", |conn| {
            query_tickets(conn, &sql, params_from_iter(args))
        })
    }

    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.read("read team queue", |conn| {
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
    }

    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError> {
        self.read("list tickets with SLA due", |conn| {
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
    }

    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError> {
        self.read("list agents", |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT body FROM agents WHERE workspace = ?1 ORDER BY id")?;
            let rows = stmt.query_map(params![ws.as_str()], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(serde_json::from_str(&row?)?);
            }
            Ok(out)
        })
    }

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        self.read("read agent", |conn| read_agent(conn, ws, id))
    }

    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError> {
        self.write("upsert agent profile", |tx| {
            let mut stored = agent.clone();
            if let Some(existing) = read_agent(tx, &agent.workspace, &agent.id)? {
                stored.availability = existing.availability;
                stored.load = existing.load;
                stored.last_assigned_at = existing.last_assigned_at;
            }
            write_agent(tx, &stored)
        })
    }

    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError> {
        self.write("set agent availability", |tx| {
            let Some(mut agent) = read_agent(tx, ws, id)? else {
                return Ok(false);
            };
            agent.availability = availability;
            write_agent(tx, &agent)?;
            Ok(true)
        })
    }

    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let version = self.write("assign ticket", |tx| {
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
        })?;
        ticket.version = version;
        Ok(())
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        let version = self.write("release ticket", |tx| {
            let version = write_ticket(tx, ticket)?;
            release_unit(tx, &ticket.workspace, agent)?;
            Ok(version)
        })?;
        ticket.version = version;
        Ok(())
    }

    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError> {
        self.read("read record", |conn| {
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
    }

    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        self.read("list records", |conn| {
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
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        let next = record.version + 1;
        let body = versioned_json(record, |r| r.version = next)
            .map_err(|e| e.into_store("save record"))?;
        let r = &*record;
        self.write("save record", |tx| {
            let changed = if r.version == 0 {
                tx.prepare_cached(
                    "INSERT INTO records (workspace, kind, key, version, body)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    r.workspace.as_str(),
                    r.kind.as_str(),
                    r.key,
                    int(next)?,
                    body
                ])?
            } else {
                tx.prepare_cached(
                    "UPDATE records SET version = ?4, body = ?5
                     WHERE workspace = ?1 AND kind = ?2 AND key = ?3 AND version = ?6",
                )?
                .execute(params![
                    r.workspace.as_str(),
                    r.kind.as_str(),
                    r.key,
                    int(next)?,
                    body,
                    int(r.version)?
                ])?
            };
            if changed == 0 {
                return Err(DbError::Conflict);
            }
            Ok(())
        })?;
        record.version = next;
        Ok(())
    }

    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError> {
        self.write("delete record", |tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM records WHERE workspace = ?1 AND kind = ?2 AND key = ?3",
                )?
                .execute(params![ws.as_str(), kind.as_str(), key])?;
            Ok(n > 0)
        })
    }

    async fn append_change(&self, change: &Change) -> Result<(), StoreError> {
        let cursor = change_cursor(change.at, &uuid::Uuid::now_v7().simple().to_string());
        let mut stored = change.clone();
        stored.cursor = cursor.clone();
        let body = serde_json::to_string(&stored).map_err(|e| StoreError::Unexpected(e.into()))?;
        let keep_from = change
            .at
            .saturating_sub(CHANGE_RETENTION)
            .unwrap_or(change.at);
        self.write("append change", |tx| {
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
    }

    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError> {
        self.read("read changes", |conn| {
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
    }
}

/// How long the change feed keeps an entry.
const CHANGE_RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

fn record_from_row(version: i64, body: &str) -> Result<Record, DbError> {
    let mut r: Record = serde_json::from_str(body)?;
    r.version = int_to_version(version)?;
    Ok(r)
}

fn int_to_version(v: i64) -> Result<u64, DbError> {
    u64::try_from(v).map_err(|_| DbError::other("negative record version"))
}
