//! The dead letters of the local queues: listing them and sending them back (redrive).

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::params;
use serde::Serialize;
use turno_core::ports::{Envelope, QueueName};

use crate::queue::{SqliteQueues, insert_message};
use crate::time::from_millis;

/// A message that was given up on, kept with its queue, body and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// Increasing in the order messages were given up on.
    pub id: i64,
    /// The queue it was given up on.
    pub queue: QueueName,
    /// The message's id while it was in its queue.
    pub message_id: i64,
    /// Its FIFO message group, if any.
    pub group: Option<String>,
    /// The job, as sent.
    pub body: String,
    /// How many times it was received.
    pub receive_count: u32,
    /// Why it was given up on: the job's last error, or too many receives.
    pub reason: String,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// When it was given up on.
    pub dead_at: Timestamp,
}

impl SqliteQueues {
    /// The queue's dead letters, oldest first.
    pub fn dead_letters(&self, queue: QueueName) -> anyhow::Result<Vec<DeadLetter>> {
        self.db
            .read_blocking(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, message_id, grp, body, receive_count, reason, sent_at, dead_at
                     FROM dead_letters WHERE queue = ?1 ORDER BY id",
                )?;
                let rows = stmt.query_map(params![queue.as_str()], |r| {
                    Ok(DeadLetter {
                        id: r.get(0)?,
                        queue,
                        message_id: r.get(1)?,
                        group: r.get(2)?,
                        body: r.get(3)?,
                        receive_count: r.get(4)?,
                        reason: r.get(5)?,
                        sent_at: from_millis(r.get(6)?),
                        dead_at: from_millis(r.get(7)?),
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .map_err(|e| e.into_anyhow("list dead letters"))
    }

    /// Sends the queue's dead letters again, as new messages in their original order, and
    /// removes them from the dead letters (SQS "redrive"). Returns how many were sent.
    pub fn redrive(&self, queue: QueueName) -> anyhow::Result<usize> {
        crate::wait::wait(self.redrive_async(queue))?
    }

    async fn redrive_async(&self, queue: QueueName) -> anyhow::Result<usize> {
        let now = self.now_ms();
        let moved = self
            .db
            .write(move |tx| {
                let letters: Vec<(i64, Option<String>, String)> = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT id, grp, body FROM dead_letters WHERE queue = ?1 ORDER BY id",
                    )?;
                    stmt.query_map(params![queue.as_str()], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?
                    .collect::<Result<_, _>>()?
                };
                for (id, group, body) in &letters {
                    let env = Envelope {
                        queue,
                        group: group.clone(),
                        dedupe_id: None,
                        delay: Duration::ZERO,
                        body: body.clone(),
                    };
                    insert_message(tx, &env, now)?;
                    tx.prepare_cached("DELETE FROM dead_letters WHERE id = ?1")?
                        .execute(params![id])?;
                }
                Ok(letters.len())
            })
            .await
            .map_err(|e| e.into_anyhow("redrive dead letters"))?;
        self.wake(queue);
        Ok(moved)
    }
}

#[async_trait::async_trait]
impl turno_core::ports::DeadLetters for SqliteQueues {
    async fn list(
        &self,
        queue: QueueName,
        limit: usize,
    ) -> Result<Vec<turno_core::ports::DeadLetterView>, turno_core::ports::QueueError> {
        let letters = self
            .dead_letters(queue)
            .map_err(|source| turno_core::ports::QueueError {
                queue: queue.as_str(),
                source,
            })?;
        Ok(letters
            .into_iter()
            .take(limit)
            .map(|d| turno_core::ports::DeadLetterView {
                queue,
                id: d.id.to_string(),
                group: d.group,
                receive_count: Some(d.receive_count),
                reason: Some(d.reason),
            })
            .collect())
    }

    async fn redrive(&self, queue: QueueName) -> Result<usize, turno_core::ports::QueueError> {
        self.redrive_async(queue)
            .await
            .map_err(|source| turno_core::ports::QueueError {
                queue: queue.as_str(),
                source,
            })
    }
}
