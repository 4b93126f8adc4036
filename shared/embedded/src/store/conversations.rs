//! [`ConversationStore`] on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::TranscriptEntry;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, MessageId, WaId, WorkspaceId};
use turno_core::ports::jobs::customer_group;
use turno_core::ports::{ConversationStore, QueueName, StoreError, TurnOutbox, TurnReads};

use super::agents::{read_agent, write_agent};
use super::tickets::{read_ticket, write_ticket};
use super::transcripts::insert_entry;
use super::{SqliteStore, int_to_version, versioned_json};
use crate::db::{DbError, int};
use crate::event_bus::{event_rows, insert_events};
use crate::time::nanos;

/// Takes one unit of `agent`'s capacity for ticket `t`, committed assigned to it:
/// `AtCapacity` if the agent is full.
fn take_unit(tx: &Transaction<'_>, t: &Ticket, agent: &AgentId) -> Result<(), DbError> {
    let ws = &t.workspace;
    let mut holder = read_agent(tx, ws, agent)?
        .ok_or_else(|| DbError::other(format!("there is no agent {agent} in {ws}")))?;
    if holder.load >= holder.capacity {
        return Err(DbError::AtCapacity);
    }
    holder.load += 1;
    holder.last_assigned_at = Some(t.updated_at);
    write_agent(tx, &holder)
}

/// Writes a conversation if its stored version is still `conversation.version` (absent for 0).
/// Returns the new version; the caller updates its copy once the transaction commits.
fn write_conversation(tx: &Transaction<'_>, c: &Conversation) -> Result<u64, DbError> {
    let next = c.version + 1;
    let body = versioned_json(c, |s| s.version = next)?;
    let changed = if c.version == 0 {
        tx.prepare_cached(
            "INSERT INTO conversations (workspace, customer, version, body, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (workspace, customer) DO NOTHING",
        )?
        .execute(params![
            c.workspace.as_str(),
            c.customer.as_str(),
            int(next)?,
            body,
            c.expires_at.map(nanos)
        ])?
    } else {
        tx.prepare_cached(
            "UPDATE conversations SET version = ?3, body = ?4, expires_at = ?6
             WHERE workspace = ?1 AND customer = ?2 AND version = ?5",
        )?
        .execute(params![
            c.workspace.as_str(),
            c.customer.as_str(),
            int(next)?,
            body,
            int(c.version)?,
            c.expires_at.map(nanos)
        ])?
    };
    if changed == 0 {
        return Err(DbError::Conflict);
    }
    Ok(next)
}

fn read_conversation(
    conn: &Connection,
    ws: &WorkspaceId,
    customer: &WaId,
) -> Result<Option<Conversation>, DbError> {
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
}

fn read_turn(
    conn: &Connection,
    ws: &WorkspaceId,
    message: &MessageId,
) -> Result<Option<TurnRecord>, DbError> {
    conn.prepare_cached("SELECT body FROM turns WHERE workspace = ?1 AND message_id = ?2")?
        .query_row(params![ws.as_str(), message.as_str()], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .map(|body| serde_json::from_str(&body).map_err(DbError::from))
        .transpose()
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn conversation(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Option<Conversation>, StoreError> {
        let customer = customer.clone();
        let ws = ws.clone();
        self.read_keyed("read conversation", move |conn| {
            read_conversation(conn, &ws, &customer)
        })
        .await
    }

    async fn turn(
        &self,
        ws: &WorkspaceId,
        message: &MessageId,
    ) -> Result<Option<TurnRecord>, StoreError> {
        let message = message.clone();
        let ws = ws.clone();
        self.read_keyed("read turn", move |conn| read_turn(conn, &ws, &message))
            .await
    }

    /// One read, in one snapshot: the conversation, the message's record and, for a message
    /// not processed before, the conversation's current ticket.
    async fn turn_reads(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        message: &MessageId,
    ) -> Result<TurnReads, StoreError> {
        let (ws, customer, message) = (ws.clone(), customer.clone(), message.clone());
        self.read_keyed("read turn context", move |conn| {
            crate::db::snapshot(conn, |conn| {
                let conversation = read_conversation(conn, &ws, &customer)?;
                let turn = read_turn(conn, &ws, &message)?;
                let ticket = match conversation.as_ref().and_then(|c| c.ticket_id.as_ref()) {
                    Some(id) if turn.is_none() => read_ticket(conn, &ws, id)?,
                    _ => None,
                };
                Ok(TurnReads {
                    conversation,
                    turn,
                    ticket,
                    ..TurnReads::default()
                })
            })
        })
        .await
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.commit_turn_with(
            conversation,
            ticket,
            turn,
            entries,
            &mut TurnOutbox::default(),
        )
        .await
    }

    async fn commit_turn_with(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
        outbox: &mut TurnOutbox,
    ) -> Result<(), StoreError> {
        let (c, t) = (conversation.clone(), ticket.as_deref().cloned());
        let (turn, entries) = (turn.clone(), entries.to_vec());
        // The jobs and events go with the commit when the queues share this database.
        let carried = match &self.outbox {
            Some(queues) if !outbox.is_empty() => {
                let rows =
                    event_rows(&outbox.events).map_err(|e| StoreError::Unexpected(e.into()))?;
                Some((queues.prepare_send(), outbox.jobs.clone(), rows))
            }
            _ => None,
        };
        let send = carried.as_ref().map(|(send, _, _)| *send);
        let published_at = nanos(Timestamp::now());
        // The agent the ticket is committed assigned to takes its unit in the same write.
        let assign = outbox.assign.clone();
        let (conversation_version, ticket_version, woken) = self
            .write("commit turn", move |tx| {
                let turn = &turn;
                let conversation_version = write_conversation(tx, &c)?;
                let ticket_version = match &t {
                    Some(t) => Some(write_ticket(tx, t)?),
                    None => None,
                };
                if let Some(agent) = &assign {
                    let Some(t) = &t else {
                        return Err(DbError::other(
                            "a turn's commit assigns only the ticket it writes".to_owned(),
                        ));
                    };
                    take_unit(tx, t, agent)?;
                }
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
                for entry in &entries {
                    insert_entry(tx, entry)?;
                }
                let mut woken = Vec::new();
                if let Some((send, jobs, rows)) = &carried {
                    woken = send.run(tx, jobs)?.1;
                    insert_events(tx, rows, published_at)?;
                }
                Ok((conversation_version, ticket_version, woken))
            })
            .await?;
        conversation.version = conversation_version;
        if let (Some(t), Some(v)) = (ticket, ticket_version) {
            t.version = v;
        }
        outbox.assign = None;
        if let (Some(queues), Some(send)) = (&self.outbox, send) {
            queues.sent(&send, &woken);
            *outbox = TurnOutbox::default();
        }
        Ok(())
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        let turn = turn.clone();
        self.write("save turn progress", move |tx| {
            let entries = entries.as_slice();
            let turn = &turn;
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
        .await
    }

    async fn save_conversation(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        let c = conversation.clone();
        conversation.version = self
            .write("save conversation", move |tx| write_conversation(tx, &c))
            .await?;
        Ok(())
    }

    async fn forget_customer(&self, ws: &WorkspaceId, customer: &WaId) -> Result<(), StoreError> {
        let (ws, customer) = (ws.clone(), customer.clone());
        self.write("forget customer", move |tx| {
            let (w, c) = (ws.as_str(), customer.as_str());
            tx.prepare_cached("DELETE FROM conversations WHERE workspace = ?1 AND customer = ?2")?
                .execute(params![w, c])?;
            tx.prepare_cached("DELETE FROM sandbox_outbox WHERE workspace = ?1 AND customer = ?2")?
                .execute(params![w, c])?;
            // The only events that name a number: a number change's, either side of it.
            tx.prepare_cached(
                "DELETE FROM events INDEXED BY events_by_name
                 WHERE workspace = ?1 AND name = 'CustomerNumberChanged'
                   AND instr(body, ?2) > 0",
            )?
            .execute(params![w, format!("\"{c}\"")])?;
            let group = customer_group(&ws, &customer);
            for queue in QueueName::ALL.into_iter().filter(|q| q.is_fifo()) {
                let q = queue.as_str();
                tx.prepare_cached("DELETE FROM queue_messages WHERE queue = ?1 AND grp = ?2")?
                    .execute(params![q, group])?;
                tx.prepare_cached("DELETE FROM dead_letters WHERE queue = ?1 AND grp = ?2")?
                    .execute(params![q, group])?;
            }
            // Timers naming the customer outside the group (the bot's inactivity timer).
            for table in ["queue_messages", "dead_letters"] {
                tx.prepare_cached(&format!(
                    "DELETE FROM {table} WHERE customer = ?1 AND json_valid(body) AND json_extract(body, '$.workspace') = ?2"
                ))?
                .execute(params![c, w])?;
            }
            Ok(())
        })
        .await
    }

    async fn delete_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let c = conversation.clone();
        self.write("delete conversation", move |tx| {
            let stored: Option<i64> = tx
                .prepare_cached(
                    "SELECT version FROM conversations WHERE workspace = ?1 AND customer = ?2",
                )?
                .query_row(params![c.workspace.as_str(), c.customer.as_str()], |r| {
                    r.get(0)
                })
                .optional()?;
            match stored {
                None => Ok(()),
                Some(v) if int_to_version(v)? == c.version => {
                    tx.prepare_cached(
                        "DELETE FROM conversations WHERE workspace = ?1 AND customer = ?2",
                    )?
                    .execute(params![c.workspace.as_str(), c.customer.as_str()])?;
                    Ok(())
                }
                Some(_) => Err(DbError::Conflict),
            }
        })
        .await
    }

    async fn delete_expired_conversations(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<usize, StoreError> {
        self.delete_expired_conversation_rows(before, limit).await
    }
}
