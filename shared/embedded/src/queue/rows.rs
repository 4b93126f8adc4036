//! The queue tables' rows: deduplication claims, inserts, the heads ready to receive, deletes
//! that hand a FIFO group's head on, and moves to the dead letters.

use rusqlite::{OptionalExtension, Transaction, params};
use turno_core::ports::{Envelope, QueueName};

use crate::db::DbError;
use crate::time::millis;

/// Records `id` as sent on `queue` until `expires_at`. Returns `false` if it was already sent
/// within the window (the send is a duplicate).
pub(super) fn claim_dedupe_id(
    tx: &Transaction<'_>,
    queue: QueueName,
    id: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, DbError> {
    let claimed = tx
        .prepare_cached(
            "INSERT INTO queue_dedupe (queue, dedupe_id, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (queue, dedupe_id) DO UPDATE SET expires_at = excluded.expires_at
             WHERE queue_dedupe.expires_at <= ?4",
        )?
        .execute(params![queue.as_str(), id, expires_at, now])?;
    Ok(claimed == 1)
}

pub(crate) fn insert_message(
    tx: &Transaction<'_>,
    env: &Envelope,
    now: i64,
) -> Result<(), DbError> {
    let group = if env.queue.is_fifo() {
        env.group.as_deref()
    } else {
        None
    };
    let is_head = match group {
        None => true,
        Some(g) => tx
            .prepare_cached("SELECT 1 FROM queue_messages WHERE queue = ?1 AND grp = ?2 LIMIT 1")?
            .query_row(params![env.queue.as_str(), g], |_| Ok(()))
            .optional()?
            .is_none(),
    };
    tx.prepare_cached(
        "INSERT INTO queue_messages (queue, grp, is_head, body, sent_at, visible_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        env.queue.as_str(),
        group,
        is_head,
        env.body,
        now,
        now.saturating_add(millis(env.delay))
    ])?;
    Ok(())
}

pub(super) struct Ready {
    pub(super) id: i64,
    pub(super) group: Option<String>,
    pub(super) body: String,
    pub(super) receive_count: u32,
    pub(super) deferrals: u32,
    pub(super) sent_at: i64,
}

pub(super) fn ready_messages(
    tx: &Transaction<'_>,
    queue: QueueName,
    now: i64,
    limit: usize,
) -> Result<Vec<Ready>, DbError> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, grp, body, receive_count, sent_at, deferrals FROM queue_messages
         WHERE queue = ?1 AND is_head = 1 AND visible_at <= ?2
         ORDER BY visible_at, id
         LIMIT ?3",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![queue.as_str(), now, limit], |r| {
        Ok(Ready {
            id: r.get(0)?,
            group: r.get(1)?,
            body: r.get(2)?,
            receive_count: r.get(3)?,
            sent_at: r.get(4)?,
            deferrals: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes a message and, if it headed a group, makes the group's next message its head.
pub(super) fn delete_message(tx: &Transaction<'_>, id: i64) -> Result<(), DbError> {
    let removed: Option<(String, Option<String>)> = tx
        .prepare_cached("DELETE FROM queue_messages WHERE id = ?1 RETURNING queue, grp")?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((queue, Some(group))) = removed {
        tx.prepare_cached(
            "UPDATE queue_messages SET is_head = 1
             WHERE id = (SELECT min(id) FROM queue_messages WHERE queue = ?1 AND grp = ?2)",
        )?
        .execute(params![queue, group])?;
    }
    Ok(())
}

pub(super) fn move_to_dead_letters(
    tx: &Transaction<'_>,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<(), DbError> {
    tx.prepare_cached(
        "INSERT INTO dead_letters
             (message_id, queue, grp, body, receive_count, reason, sent_at, dead_at)
         SELECT id, queue, grp, body, receive_count, ?2, sent_at, ?3
         FROM queue_messages WHERE id = ?1",
    )?
    .execute(params![id, reason, now])?;
    delete_message(tx, id)
}
