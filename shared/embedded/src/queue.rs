//! Durable local queues with the semantics of SQS: FIFO message groups, delays, deduplication,
//! visibility timeouts, receive counts and dead letters, all in the shared SQLite database.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use rusqlite::params;
use tokio::sync::Notify;
use turno_core::ports::{Clock, Envelope, Queue, QueueError, QueueName, SystemClock};

use crate::db::{Db, DbError};
use crate::time::{from_millis, millis};

mod consume;
mod rows;
use consume::{queues_of, settle};
use rows::claim_dedupe_id;
pub(crate) use rows::insert_message;

/// How the queues behave; the defaults are those of turno's SQS queues.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// A message received this many times without being acknowledged goes to the dead
    /// letters instead of being delivered again (SQS `maxReceiveCount`).
    pub max_receives: u32,
    /// A send with a `dedupe_id` seen on the same queue this recently is dropped.
    pub dedupe_window: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            max_receives: 5,
            dedupe_window: Duration::from_secs(5 * 60),
        }
    }
}

/// Proof of one receive of one message, needed to acknowledge or give it back. A receipt from
/// an earlier receive of a message that has been received again since no longer works, so a
/// consumer whose visibility timeout ran out cannot delete the message from under the next one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt {
    queue: QueueName,
    message: i64,
    receive_count: u32,
}

impl Receipt {
    /// The queue the message is in.
    pub fn queue(&self) -> QueueName {
        self.queue
    }

    /// The message's id in its queue: the same on every delivery, increasing in send order.
    pub fn message_id(&self) -> i64 {
        self.message
    }
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.queue.as_str(),
            self.message,
            self.receive_count
        )
    }
}

/// A received message, invisible to other consumers until its visibility timeout ends.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Needed to settle this delivery.
    pub receipt: Receipt,
    /// The queue it came from.
    pub queue: QueueName,
    /// The job, as sent.
    pub body: String,
    /// The FIFO message group, if any.
    pub group: Option<String>,
    /// How many times this message has been received, this time included (1 the first time).
    pub receive_count: u32,
    /// How many of those receives were deferred ([`Settlement::Defer`]) and do not count
    /// toward `max_receives`.
    pub deferrals: u32,
    /// When it was sent.
    pub sent_at: Timestamp,
}

/// What to do with a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Done: delete it.
    Ack,
    /// Deliver it again after this delay (its receive count stays).
    RetryAfter(Duration),
    /// It cannot succeed: move it to the dead letters with this reason.
    DeadLetter(String),
    /// It could not run because something outside is down (WhatsApp): deliver it again
    /// after this delay without counting this receive toward `max_receives`.
    Defer(Duration),
}

/// The four queues of turno ([`QueueName`]) in the shared SQLite database. Implements the
/// [`Queue`] port for producers; consumers use [`SqliteQueues::receive`] and settle each
/// delivery, or run [`crate::run_worker`].
///
/// Semantics (those of SQS):
/// - FIFO queues ([`QueueName::is_fifo`]) deliver a message group one message at a time in
///   send order: nothing else of a group is received while its oldest message is in flight,
///   delayed or waiting for a retry. A FIFO message without a group is not ordered; other
///   queues ignore groups.
/// - A message is not received before its `delay` (no 15-minute cap here).
/// - A send whose `dedupe_id` was sent to the same queue within the deduplication window is
///   dropped silently, on every queue (SQS honours deduplication ids on FIFO queues only).
/// - A received message stays invisible for the visibility timeout and is delivered again
///   after it unless acknowledged; each delivery counts, and a message received
///   `max_receives` times is moved to the dead letters instead of being delivered again.
pub struct SqliteQueues {
    pub(crate) db: Db,
    clock: Arc<dyn Clock>,
    options: QueueOptions,
    wakers: HashMap<QueueName, Arc<Notify>>,
    /// When expired deduplication records were last purged (ms).
    last_purge: AtomicI64,
    /// Deliveries handed out by this process and not settled yet.
    held: Arc<AtomicU64>,
}

impl fmt::Debug for SqliteQueues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteQueues")
            .field("db", &self.db)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A send prepared by [`SqliteQueues::prepare_send`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreparedSend {
    now: i64,
    purge: bool,
    window: i64,
}

impl PreparedSend {
    /// Queues `envelopes` in `tx`, dropping those whose deduplication id was sent within the
    /// window. Returns how many were queued and the queues they went to.
    pub(crate) fn run(
        &self,
        tx: &rusqlite::Transaction<'_>,
        envelopes: &[Envelope],
    ) -> Result<(usize, Vec<QueueName>), DbError> {
        let now = self.now;
        if self.purge {
            tx.prepare_cached("DELETE FROM queue_dedupe WHERE expires_at <= ?1")?
                .execute(params![now])?;
        }
        let mut sent = 0;
        let mut queues = Vec::new();
        for env in envelopes {
            if let Some(id) = &env.dedupe_id
                && !claim_dedupe_id(tx, env.queue, id, now, now.saturating_add(self.window))?
            {
                continue;
            }
            insert_message(tx, env, now)?;
            sent += 1;
            if !queues.contains(&env.queue) {
                queues.push(env.queue);
            }
        }
        Ok((sent, queues))
    }
}

/// How often expired deduplication records are swept away.
const PURGE_EVERY_MS: i64 = 60_000;

impl SqliteQueues {
    /// The queues with default options and the system clock.
    pub fn new(db: Db) -> Self {
        Self::with_options(db, QueueOptions::default(), Arc::new(SystemClock))
    }

    /// The queues with these options, telling time by `clock` (tests move a manual clock to
    /// expire delays and visibility timeouts without waiting).
    pub fn with_options(db: Db, options: QueueOptions, clock: Arc<dyn Clock>) -> Self {
        let wakers = QueueName::ALL
            .into_iter()
            .map(|q| (q, Arc::new(Notify::new())))
            .collect();
        SqliteQueues {
            db,
            clock,
            options,
            wakers,
            last_purge: AtomicI64::new(i64::MIN),
            held: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Deliveries this process received and has not settled yet: jobs running now. A
    /// delivery whose visibility timeout ran out before it was settled stays counted.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// Now, by the queues' clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The options the queues run with.
    pub fn options(&self) -> &QueueOptions {
        &self.options
    }

    /// Woken (`notify_waiters`) whenever something is sent to `queue` or one of its messages
    /// is settled, so an idle consumer can look again at once.
    pub fn waker(&self, queue: QueueName) -> Arc<Notify> {
        self.wakers
            .get(&queue)
            .cloned()
            .unwrap_or_else(|| Arc::new(Notify::new()))
    }

    pub(crate) fn wake(&self, queue: QueueName) {
        if let Some(n) = self.wakers.get(&queue) {
            n.notify_waiters();
        }
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }

    /// Sends every envelope in one transaction; returns how many were queued (duplicates are
    /// not). Blocks this thread until the commit; async code uses [`Queue::send`].
    pub fn send_now(&self, envelopes: &[Envelope]) -> anyhow::Result<usize> {
        crate::wait::wait(self.send_all(envelopes.to_vec()))?
    }

    async fn send_all(&self, envelopes: Vec<Envelope>) -> anyhow::Result<usize> {
        if envelopes.is_empty() {
            return Ok(0);
        }
        let send = self.prepare_send();
        let sent = self
            .db
            .write_repeatable(move |tx| send.run(tx, &envelopes))
            .await
            .map_err(|e| e.into_anyhow("send to queue"))?;
        self.sent(&send, &sent.1);
        Ok(sent.0)
    }

    /// A send to run inside a write of the shared database ([`PreparedSend::run`]), at this
    /// moment by the queues' clock; [`SqliteQueues::sent`] once that write is committed.
    pub(crate) fn prepare_send(&self) -> PreparedSend {
        let now = self.now_ms();
        PreparedSend {
            now,
            purge: now.saturating_sub(self.last_purge.load(Ordering::Relaxed)) >= PURGE_EVERY_MS,
            window: millis(self.options.dedupe_window),
        }
    }

    /// After the write that ran `send` is committed: notes the purge and wakes the consumers
    /// of `queues`.
    pub(crate) fn sent(&self, send: &PreparedSend, queues: &[QueueName]) {
        if send.purge {
            self.last_purge.store(send.now, Ordering::Relaxed);
        }
        for q in queues {
            self.wake(*q);
        }
    }

    /// Receives up to `max` messages that are visible now, oldest first, at most one per
    /// message group, and hides them for `visibility`. Messages already received
    /// `max_receives` times are moved to the dead letters on the way. Blocks this thread
    /// until the commit; async code uses [`SqliteQueues::receive_async`].
    pub fn receive(
        &self,
        queue: QueueName,
        max: usize,
        visibility: Duration,
    ) -> anyhow::Result<Vec<Delivery>> {
        crate::wait::wait(self.receive_async(queue, max, visibility))?
    }

    /// [`SqliteQueues::receive`], awaiting the commit without blocking the thread.
    pub async fn receive_async(
        &self,
        queue: QueueName,
        max: usize,
        visibility: Duration,
    ) -> anyhow::Result<Vec<Delivery>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let take = self.take(queue, max, visibility);
        // Counted by the writer before it commits, so no one sees the messages hidden
        // before they are counted as held (a look at the queues never finds both at rest
        // while a delivery is on its way to its consumer).
        let held = Arc::clone(&self.held);
        let counted = Arc::new(AtomicU64::new(0));
        let counted_in_tx = Arc::clone(&counted);
        let received = self
            .db
            .write(move |tx| {
                let out = take.run(tx)?;
                held.fetch_add(out.len() as u64, Ordering::Relaxed);
                counted_in_tx.store(out.len() as u64, Ordering::Relaxed);
                Ok(out)
            })
            .await
            .map_err(|e| {
                // Not committed: nothing was received after all.
                self.unhold(counted.load(Ordering::Relaxed));
                e.into_anyhow("receive from queue")
            })?;
        Ok(received)
    }

    /// Deletes a received message. Returns `false` if the receipt is stale (the message was
    /// received again since, or is gone).
    pub fn ack(&self, receipt: &Receipt) -> anyhow::Result<bool> {
        self.settle_one(receipt, Settlement::Ack)
    }

    /// Gives a received message back, to be delivered again after `delay`.
    pub fn retry_later(&self, receipt: &Receipt, delay: Duration) -> anyhow::Result<bool> {
        self.settle_one(receipt, Settlement::RetryAfter(delay))
    }

    /// Moves a received message to the dead letters now (it can never succeed).
    pub fn dead_letter(&self, receipt: &Receipt, reason: &str) -> anyhow::Result<bool> {
        self.settle_one(receipt, Settlement::DeadLetter(reason.to_owned()))
    }

    fn settle_one(&self, receipt: &Receipt, settlement: Settlement) -> anyhow::Result<bool> {
        Ok(self.settle(&[(receipt.clone(), settlement)])? == 1)
    }

    /// Settles many deliveries in one transaction. Returns how many receipts were still
    /// current (stale ones change nothing). Blocks this thread until the commit; async code
    /// uses [`SqliteQueues::settle_async`].
    pub fn settle(&self, settlements: &[(Receipt, Settlement)]) -> anyhow::Result<usize> {
        crate::wait::wait(self.settle_async(settlements.to_vec()))?
    }

    /// [`SqliteQueues::settle`], awaiting the commit without blocking the thread.
    pub async fn settle_async(
        &self,
        settlements: Vec<(Receipt, Settlement)>,
    ) -> anyhow::Result<usize> {
        if settlements.is_empty() {
            return Ok(0);
        }
        let now = self.now_ms();
        let n = settlements.len() as u64;
        let queues = queues_of(&settlements);
        let settled = self
            .db
            .write(move |tx| settle(tx, &settlements, now))
            .await
            .map_err(|e| e.into_anyhow("settle queue messages"))?;
        self.settled(n, &queues);
        Ok(settled)
    }

    /// Messages in the queue that are not done yet: visible, delayed or in flight.
    pub fn depth(&self, queue: QueueName) -> anyhow::Result<u64> {
        self.db
            .read_blocking(move |c| {
                let n: i64 = c
                    .prepare_cached("SELECT count(*) FROM queue_messages WHERE queue = ?1")?
                    .query_row(params![queue.as_str()], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .map_err(|e| e.into_anyhow("count queue messages"))
    }

    /// When the next message of the queue can be received: `None` if the queue is empty, a
    /// time at or before now if one can be received already. A worker sleeps until then.
    pub fn next_visible_at(&self, queue: QueueName) -> anyhow::Result<Option<Timestamp>> {
        self.db
            .read_blocking(move |c| Self::next_visible(c, queue))
            .map_err(|e| e.into_anyhow("find the next visible message"))
    }

    /// [`SqliteQueues::next_visible_in`] off the runtime's threads.
    pub async fn next_visible_in_async(
        &self,
        queue: QueueName,
    ) -> anyhow::Result<Option<Duration>> {
        let now = self.now_ms();
        let at = self
            .db
            .read_keyed(move |c| Self::next_visible(c, queue))
            .await
            .map_err(|e| e.into_anyhow("find the next visible message"))?;
        Ok(at.map(|at| until(at, now)))
    }

    fn next_visible(
        c: &rusqlite::Connection,
        queue: QueueName,
    ) -> Result<Option<Timestamp>, DbError> {
        let ms: Option<i64> = c
            .prepare_cached(
                "SELECT min(visible_at) FROM queue_messages WHERE queue = ?1 AND is_head = 1",
            )?
            .query_row(params![queue.as_str()], |r| r.get(0))?;
        Ok(ms.map(from_millis))
    }

    /// How long until the next message of the queue can be received, by this queue's clock:
    /// `None` if the queue is empty, zero if one can be received now.
    pub fn next_visible_in(&self, queue: QueueName) -> anyhow::Result<Option<Duration>> {
        let now = self.now_ms();
        Ok(self.next_visible_at(queue)?.map(|at| until(at, now)))
    }

    /// Makes every received-but-unsettled message visible again at once, on every queue.
    ///
    /// Only for a process that is the sole consumer of this database, at start-up: whoever
    /// held those messages died with the previous process, so waiting out their visibility
    /// timeouts would only delay the work. Messages waiting on a retry delay become visible
    /// too. Returns how many were released.
    pub fn release_in_flight(&self) -> anyhow::Result<usize> {
        let now = self.now_ms();
        self.db
            .write_blocking(move |tx| {
                Ok(tx.execute(
                    "UPDATE queue_messages SET visible_at = ?1
                     WHERE receive_count > 0 AND visible_at > ?1",
                    params![now],
                )?)
            })
            .map_err(|e| e.into_anyhow("release in-flight messages"))
    }
}

#[async_trait]
impl Queue for SqliteQueues {
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError> {
        let queue = envelopes
            .first()
            .map_or("local queues", |e| e.queue.as_str());
        self.send_all(envelopes)
            .await
            .map(|_| ())
            .map_err(|source| QueueError { queue, source })
    }
}

/// The time from `now` (in milliseconds) until `at`; zero if `at` has passed.
fn until(at: Timestamp, now: i64) -> Duration {
    let ms = at.as_millisecond().saturating_sub(now);
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
