//! A consumer's two statements on a queue, as steps of a write: taking the ready messages
//! (a receive) and settling received ones. [`SqliteQueues::settle_and_receive`] runs both in
//! one write, so a worker's loop costs the writer one write per turn of the loop, not two.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{OptionalExtension, Transaction, params};
use turno_core::ports::QueueName;

use super::rows::{delete_message, move_to_dead_letters, ready_messages};
use super::{Delivery, Receipt, Settlement, SqliteQueues};
use crate::db::DbError;
use crate::time::{from_millis, millis};

/// A receive prepared at one moment by the queues' clock, to run inside a write.
#[derive(Debug, Clone, Copy)]
pub(super) struct Take {
    queue: QueueName,
    max: usize,
    now: i64,
    hidden_until: i64,
    max_receives: u32,
}

impl Take {
    /// Hides up to `max` visible messages (at most one per group) and returns them; messages
    /// received `max_receives` times already go to the dead letters on the way.
    pub(super) fn run(&self, tx: &Transaction<'_>) -> Result<Vec<Delivery>, DbError> {
        let Take {
            queue,
            max,
            now,
            hidden_until,
            max_receives,
        } = *self;
        let mut out = Vec::new();
        // Each round may dead-letter group heads, which makes their successors heads; look
        // again until the batch is full or nothing is left.
        while out.len() < max {
            let candidates = ready_messages(tx, queue, now, max - out.len())?;
            if candidates.is_empty() {
                break;
            }
            let mut dead = 0;
            for m in candidates {
                if m.receive_count.saturating_sub(m.deferrals) >= max_receives {
                    let reason = format!(
                        "received {} times without being acknowledged",
                        m.receive_count
                    );
                    move_to_dead_letters(tx, m.id, &reason, now)?;
                    dead += 1;
                    continue;
                }
                tx.prepare_cached(
                    "UPDATE queue_messages
                     SET visible_at = ?2, receive_count = receive_count + 1
                     WHERE id = ?1",
                )?
                .execute(params![m.id, hidden_until])?;
                let receive_count = m.receive_count + 1;
                out.push(Delivery {
                    receipt: Receipt {
                        queue,
                        message: m.id,
                        receive_count,
                    },
                    queue,
                    body: m.body,
                    group: m.group,
                    receive_count,
                    deferrals: m.deferrals,
                    sent_at: from_millis(m.sent_at),
                });
            }
            if dead == 0 {
                break;
            }
        }
        Ok(out)
    }
}

/// Applies each settlement whose receipt is still current; returns how many were.
pub(super) fn settle(
    tx: &Transaction<'_>,
    settlements: &[(Receipt, Settlement)],
    now: i64,
) -> Result<usize, DbError> {
    let mut settled = 0;
    for (receipt, settlement) in settlements {
        let current = tx
            .prepare_cached("SELECT 1 FROM queue_messages WHERE id = ?1 AND receive_count = ?2")?
            .query_row(params![receipt.message, receipt.receive_count], |_| Ok(()))
            .optional()?
            .is_some();
        if !current {
            continue;
        }
        settled += 1;
        match settlement {
            Settlement::Ack => delete_message(tx, receipt.message)?,
            Settlement::RetryAfter(delay) => {
                tx.prepare_cached("UPDATE queue_messages SET visible_at = ?2 WHERE id = ?1")?
                    .execute(params![receipt.message, now.saturating_add(millis(*delay))])?;
            }
            Settlement::DeadLetter(reason) => {
                move_to_dead_letters(tx, receipt.message, reason, now)?;
            }
            Settlement::Defer(delay) => {
                tx.prepare_cached(
                    "UPDATE queue_messages
                     SET visible_at = ?2, deferrals = deferrals + 1 WHERE id = ?1",
                )?
                .execute(params![receipt.message, now.saturating_add(millis(*delay))])?;
            }
        }
    }
    Ok(settled)
}

/// The queues the settlements' messages are in, each once.
pub(super) fn queues_of(settlements: &[(Receipt, Settlement)]) -> Vec<QueueName> {
    QueueName::ALL
        .into_iter()
        .filter(|q| settlements.iter().any(|(r, _)| r.queue == *q))
        .collect()
}

impl SqliteQueues {
    /// A receive of up to `max` messages of `queue`, hidden for `visibility` from now.
    pub(super) fn take(&self, queue: QueueName, max: usize, visibility: Duration) -> Take {
        let now = self.now_ms();
        Take {
            queue,
            max,
            now,
            hidden_until: now.saturating_add(millis(visibility)),
            max_receives: self.options.max_receives,
        }
    }

    /// Takes `n` deliveries off the count of those held.
    pub(super) fn unhold(&self, n: u64) {
        let _ = self
            .held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |h| {
                Some(h.saturating_sub(n))
            });
    }

    /// After a settle of `n` deliveries committed: they are no longer held, and the next
    /// message of each settled group may be received.
    pub(super) fn settled(&self, n: u64, queues: &[QueueName]) {
        self.unhold(n);
        for q in queues {
            self.wake(*q);
        }
    }

    /// [`SqliteQueues::settle_async`] then [`SqliteQueues::receive_async`] on `queue`, in one
    /// write: a worker hands back what finished and takes what it has room for at once. If
    /// the write fails, neither happened (the settled deliveries stay in flight, nothing is
    /// received). Returns how many receipts were current, and the deliveries.
    pub async fn settle_and_receive(
        &self,
        settlements: Vec<(Receipt, Settlement)>,
        queue: QueueName,
        max: usize,
        visibility: Duration,
    ) -> anyhow::Result<(usize, Vec<Delivery>)> {
        let take = self.take(queue, max, visibility);
        let now = take.now;
        let n = settlements.len() as u64;
        let settled_queues = queues_of(&settlements);
        let held = Arc::clone(&self.held);
        let counted = Arc::new(AtomicU64::new(0));
        let counted_in_tx = Arc::clone(&counted);
        let (settled, received) = self
            .db
            .write(move |tx| {
                let settled = settle(tx, &settlements, now)?;
                let out = if max == 0 { Vec::new() } else { take.run(tx)? };
                // As in a receive: counted before the commit makes the messages hidden.
                held.fetch_add(out.len() as u64, Ordering::Relaxed);
                counted_in_tx.store(out.len() as u64, Ordering::Relaxed);
                Ok((settled, out))
            })
            .await
            .map_err(|e| {
                self.unhold(counted.load(Ordering::Relaxed));
                e.into_anyhow("settle and receive queue messages")
            })?;
        self.settled(n, &settled_queues);
        Ok((settled, received))
    }
}
