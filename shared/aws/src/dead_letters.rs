//! The dead letters port on SQS: each queue's dead-letter queue (its redrive policy's
//! `deadLetterTargetArn`), listed without consuming it and redriven back to the queue.
//!
//! SQS has no "peek". A listing receives the messages with a short visibility timeout (so a
//! FIFO group's later messages and the rest of a standard queue come out too), then makes
//! every one of them visible again at once (`ChangeMessageVisibility` to 0). Should the
//! listing stop half-way, they come back on their own after [`LIST_VISIBILITY_SECONDS`].
//! While a listing runs, a redrive may not see the messages it holds: those stay in the
//! dead-letter queue for the next redrive, nothing is lost.
//!
//! A redrive receives a batch, sends it back to the source queue and deletes from the
//! dead-letter queue only what the source queue took, so a failure in between leaves a copy
//! in both queues, never in neither (the jobs are idempotent). On FIFO queues the copy goes
//! back to its message group with the deduplication id `redrive-<dead letter's message id>`:
//! a second redrive of the same dead letter within SQS's five-minute window is dropped.
//! (moto, the tests' emulator, has no `StartMessageMoveTask`, and that API answers before
//! the move is done, while the port reports how many messages were moved.)

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName, SendMessageBatchRequestEntry,
};
use turno_core::ports::{DeadLetterView, DeadLetters, QueueError, QueueName};

use crate::queue::sqs_id;

/// How long a listed dead letter stays hidden if the listing cannot make it visible again.
pub const LIST_VISIBILITY_SECONDS: i32 = 30;
/// How long a dead letter being redriven stays hidden: time to send it back and delete it.
const REDRIVE_VISIBILITY_SECONDS: i32 = 60;
/// How long a receive waits for a first message: SQS long polling asks every server, where
/// a short poll may answer empty while messages exist.
const WAIT_SECONDS: i32 = 1;
/// SQS's largest batch.
const BATCH: usize = 10;
/// The most messages one redrive call moves; the rest wait for the next call.
pub const REDRIVE_MAX: usize = 10_000;

/// The environment variable holding each queue's dead-letter queue URL.
pub fn dead_letter_url_var(queue: QueueName) -> &'static str {
    match queue {
        QueueName::Inbound => "TURNO_INBOUND_DLQ_URL",
        QueueName::TicketWrites => "TURNO_TICKET_WRITES_DLQ_URL",
        QueueName::Escalations => "TURNO_ESCALATIONS_DLQ_URL",
        QueueName::SlaTimers => "TURNO_SLA_TIMERS_DLQ_URL",
    }
}

/// A queue and its dead-letter queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuePair {
    pub queue_url: String,
    pub dead_letter_url: String,
}

/// [`DeadLetters`] on SQS: for each [`QueueName`], its queue and its dead-letter queue.
#[derive(Clone, Debug)]
pub struct SqsDeadLetters {
    client: Client,
    pairs: HashMap<QueueName, QueuePair>,
}

impl SqsDeadLetters {
    /// Checks that every queue has both URLs and that a FIFO queue's dead-letter queue is FIFO
    /// too (SQS requires it).
    pub fn new(client: Client, pairs: HashMap<QueueName, QueuePair>) -> anyhow::Result<Self> {
        for q in QueueName::ALL {
            let pair = pairs
                .get(&q)
                .with_context(|| format!("no URLs for the {} queue", q.as_str()))?;
            for url in [&pair.queue_url, &pair.dead_letter_url] {
                if url.ends_with(".fifo") != q.is_fifo() {
                    bail!(
                        "the {} queue and its dead-letter queue must {}be FIFO queues, but one URL is {url}",
                        q.as_str(),
                        if q.is_fifo() { "" } else { "not " }
                    );
                }
            }
        }
        Ok(SqsDeadLetters { client, pairs })
    }

    /// The URLs from the `TURNO_*_QUEUE_URL` and `TURNO_*_DLQ_URL` variables, read by `env`.
    pub fn from_env_with(
        client: Client,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let mut pairs = HashMap::new();
        for q in QueueName::ALL {
            let read = |var: &str, what: &str| {
                env(var).with_context(|| format!("{var} must hold the {} {what}", q.as_str()))
            };
            let pair = QueuePair {
                queue_url: read(crate::queue_url_var(q), "queue's URL")?,
                dead_letter_url: read(dead_letter_url_var(q), "queue's dead-letter queue URL")?,
            };
            pairs.insert(q, pair);
        }
        Self::new(client, pairs)
    }

    fn pair(&self, q: QueueName) -> anyhow::Result<&QueuePair> {
        self.pairs
            .get(&q)
            .with_context(|| format!("no URLs for the {} queue", q.as_str()))
    }

    async fn receive(
        &self,
        url: &str,
        max: usize,
        visibility: i32,
    ) -> anyhow::Result<Vec<Message>> {
        let max = i32::try_from(max.clamp(1, BATCH)).unwrap_or(10);
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max)
            .visibility_timeout(visibility)
            .wait_time_seconds(WAIT_SECONDS)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| anyhow!("ReceiveMessage failed: {}", DisplayErrorContext(&e)))?;
        // As received: a FIFO queue gives a group's messages in their order.
        Ok(out.messages.unwrap_or_default())
    }

    /// Makes the listed messages visible again, ten at a time.
    async fn release(&self, url: &str, messages: &[Message]) -> anyhow::Result<()> {
        for chunk in messages.chunks(BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .set_receipt_handle(m.receipt_handle.clone())
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>();
            let out = self
                .client
                .change_message_visibility_batch()
                .queue_url(url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| {
                    anyhow!(
                        "ChangeMessageVisibilityBatch failed: {}",
                        DisplayErrorContext(&e)
                    )
                })?;
            if let Some(f) = out.failed().first() {
                bail!(
                    "SQS did not make a listed dead letter visible again: {} {}",
                    f.code(),
                    f.message().unwrap_or_default()
                );
            }
        }
        Ok(())
    }

    async fn list_urls(&self, url: &str, limit: usize) -> anyhow::Result<Vec<Message>> {
        let mut held: Vec<Message> = Vec::new();
        let mut seen = HashSet::new();
        while held.len() < limit {
            let got = self
                .receive(url, limit - held.len(), LIST_VISIBILITY_SECONDS)
                .await;
            let got = match got {
                Ok(got) => got,
                Err(e) => {
                    // What this listing holds comes back now rather than after its timeout.
                    let _ = self.release(url, &held).await;
                    return Err(e);
                }
            };
            let before = held.len();
            for m in got {
                if seen.insert(m.message_id.clone().unwrap_or_default()) {
                    held.push(m);
                }
            }
            if held.len() == before {
                break;
            }
        }
        self.release(url, &held).await?;
        // Stable: a FIFO group's messages keep the order SQS gave them in.
        held.sort_by_key(|m| sent_at_ms(m).unwrap_or(0));
        Ok(held)
    }

    /// Sends one received batch back to its queue; returns the dead letters the queue took.
    async fn send_back(
        &self,
        q: QueueName,
        queue_url: &str,
        batch: &[Message],
    ) -> anyhow::Result<Vec<Message>> {
        let mut entries = Vec::new();
        for (i, m) in batch.iter().enumerate() {
            let mut e = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(m.body.clone().unwrap_or_default());
            if q.is_fifo() {
                let group =
                    attribute(m, MessageSystemAttributeName::MessageGroupId).unwrap_or(q.as_str());
                let id = m.message_id.as_deref().unwrap_or_default();
                e = e
                    .message_group_id(sqs_id(group))
                    .message_deduplication_id(sqs_id(&format!("redrive-{id}")));
            }
            entries.push(e.build()?);
        }
        let out = self
            .client
            .send_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| anyhow!("SendMessageBatch failed: {}", DisplayErrorContext(&e)))?;
        let taken: HashSet<&str> = out.successful().iter().map(|s| s.id()).collect();
        let mut sent = Vec::new();
        for (i, m) in batch.iter().enumerate() {
            if taken.contains(i.to_string().as_str()) {
                sent.push(m.clone());
            } else if q.is_fifo() {
                // The group's later messages must not overtake this one.
                break;
            }
        }
        Ok(sent)
    }

    async fn delete(&self, url: &str, messages: &[Message]) -> anyhow::Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let entries = messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle.clone())
                    .build()
                    .ok()
            })
            .collect::<Vec<_>>();
        let out = self
            .client
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| anyhow!("DeleteMessageBatch failed: {}", DisplayErrorContext(&e)))?;
        if let Some(f) = out.failed().first() {
            bail!(
                "a redriven dead letter stays in the dead-letter queue as well: {} {}",
                f.code(),
                f.message().unwrap_or_default()
            );
        }
        Ok(())
    }

    async fn redrive_urls(&self, q: QueueName, pair: &QueuePair) -> anyhow::Result<usize> {
        let started_ms = now_ms();
        let mut held_back = Vec::new();
        let moved = self.move_back(q, pair, started_ms, &mut held_back).await;
        // Copies that failed again during this redrive are visible again for the next one.
        let released = self.release(&pair.dead_letter_url, &held_back).await;
        let moved = moved?;
        released?;
        Ok(moved)
    }

    async fn move_back(
        &self,
        q: QueueName,
        pair: &QueuePair,
        started_ms: u64,
        held_back: &mut Vec<Message>,
    ) -> anyhow::Result<usize> {
        let mut moved = 0;
        while moved < REDRIVE_MAX {
            let batch = self
                .receive(&pair.dead_letter_url, BATCH, REDRIVE_VISIBILITY_SECONDS)
                .await?;
            // A copy this redrive sent that failed again and is back: it waits for the next
            // redrive, so a job that keeps failing cannot keep this one going.
            let (again, first): (Vec<Message>, Vec<Message>) = batch
                .into_iter()
                .partition(|m| sent_at_ms(m).is_some_and(|at| at >= started_ms));
            held_back.extend(again);
            if first.is_empty() {
                break;
            }
            let sent = self.send_back(q, &pair.queue_url, &first).await?;
            self.delete(&pair.dead_letter_url, &sent).await?;
            moved += sent.len();
            if sent.len() < first.len() {
                held_back.extend(first.into_iter().skip(sent.len()));
                bail!(
                    "the {} queue did not take every dead letter back ({moved} were moved)",
                    q.as_str()
                );
            }
        }
        Ok(moved)
    }
}

fn attribute(m: &Message, name: MessageSystemAttributeName) -> Option<&str> {
    m.attributes.as_ref()?.get(&name).map(String::as_str)
}

fn sent_at_ms(m: &Message) -> Option<u64> {
    attribute(m, MessageSystemAttributeName::SentTimestamp)?
        .parse()
        .ok()
}

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

fn view(q: QueueName, m: &Message) -> DeadLetterView {
    DeadLetterView {
        queue: q,
        id: m.message_id.clone().unwrap_or_default(),
        group: attribute(m, MessageSystemAttributeName::MessageGroupId).map(str::to_owned),
        // Listing is itself a receive, so SQS's count would include every listing.
        receive_count: None,
        // SQS records no reason; the consumer's error log has it (by message id).
        reason: None,
    }
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    async fn list(
        &self,
        queue: QueueName,
        limit: usize,
    ) -> Result<Vec<DeadLetterView>, QueueError> {
        let run = async {
            let pair = self.pair(queue)?;
            let held = self.list_urls(&pair.dead_letter_url, limit).await?;
            Ok(held.iter().map(|m| view(queue, m)).collect())
        };
        run.await.map_err(|source| QueueError {
            queue: queue.as_str(),
            source,
        })
    }

    async fn redrive(&self, queue: QueueName) -> Result<usize, QueueError> {
        let run = async {
            let pair = self.pair(queue)?;
            self.redrive_urls(queue, pair).await
        };
        run.await.map_err(|source| QueueError {
            queue: queue.as_str(),
            source,
        })
    }
}
