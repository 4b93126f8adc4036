//! The queue port on SQS.

use std::collections::HashMap;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use sha2::{Digest, Sha256};
use turno_core::ports::{Envelope, Queue, QueueError, QueueName};

/// SQS's longest per-message delay.
pub const MAX_DELAY_SECONDS: u64 = 900;
/// SQS's longest visibility timeout (12 hours).
pub const MAX_VISIBILITY_SECONDS: u64 = 12 * 3600;
/// SQS's largest batch.
const BATCH: usize = 10;
/// How many times entries that failed on SQS's side are sent again.
const ATTEMPTS: u32 = 4;

/// The environment variable holding each queue's URL (as `template.yaml` sets them).
pub fn queue_url_var(queue: QueueName) -> &'static str {
    match queue {
        QueueName::Inbound => "TURNO_INBOUND_QUEUE_URL",
        QueueName::TicketWrites => "TURNO_TICKET_WRITES_QUEUE_URL",
        QueueName::Escalations => "TURNO_ESCALATIONS_QUEUE_URL",
        QueueName::SlaTimers => "TURNO_SLA_TIMERS_QUEUE_URL",
    }
}

/// [`Queue`] on SQS: one queue URL per [`QueueName`]. FIFO queues get a message group and a
/// deduplication id; standard queues get a per-message delay (FIFO queues cannot have one).
#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    urls: HashMap<QueueName, String>,
}

impl SqsQueue {
    /// Checks that every queue has a URL and that FIFO queues (and only they) have FIFO URLs.
    pub fn new(client: Client, urls: HashMap<QueueName, String>) -> anyhow::Result<Self> {
        for q in QueueName::ALL {
            let url = urls
                .get(&q)
                .with_context(|| format!("no URL for the {} queue", q.as_str()))?;
            if url.ends_with(".fifo") != q.is_fifo() {
                bail!(
                    "the {} queue must {}be a FIFO queue, but its URL is {url}",
                    q.as_str(),
                    if q.is_fifo() { "" } else { "not " }
                );
            }
        }
        Ok(SqsQueue { client, urls })
    }

    /// The queue URLs from the `TURNO_*_QUEUE_URL` variables.
    pub fn from_env(client: Client) -> anyhow::Result<Self> {
        let mut urls = HashMap::new();
        for q in QueueName::ALL {
            let var = queue_url_var(q);
            let url = std::env::var(var)
                .with_context(|| format!("{var} must hold the {} queue's URL", q.as_str()))?;
            urls.insert(q, url);
        }
        Self::new(client, urls)
    }

    /// Keeps a received message of `q` hidden for `delay` from now (rounded up to whole
    /// seconds, at most 12 hours): its next delivery comes no sooner. The receive it came
    /// from still counts toward the queue's `maxReceiveCount`.
    pub async fn delay_redelivery(
        &self,
        q: QueueName,
        receipt_handle: &str,
        delay: std::time::Duration,
    ) -> anyhow::Result<()> {
        let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
        let secs = i32::try_from(secs.min(MAX_VISIBILITY_SECONDS)).unwrap_or(43_200);
        self.client
            .change_message_visibility()
            .queue_url(self.url(q))
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "ChangeMessageVisibility failed: {}",
                    DisplayErrorContext(&e)
                )
            })?;
        Ok(())
    }

    fn url(&self, q: QueueName) -> &str {
        self.urls.get(&q).map(String::as_str).unwrap_or_default()
    }

    async fn send_chunk(&self, q: QueueName, chunk: &[Envelope]) -> anyhow::Result<()> {
        let mut pending: Vec<SendMessageBatchRequestEntry> = chunk
            .iter()
            .enumerate()
            .map(|(i, e)| entry(i, e))
            .collect::<anyhow::Result<_>>()?;
        for attempt in 1..=ATTEMPTS {
            let out = self
                .client
                .send_message_batch()
                .queue_url(self.url(q))
                .set_entries(Some(pending.clone()))
                .send()
                .await
                .map_err(|e| anyhow!("SendMessageBatch failed: {}", DisplayErrorContext(&e)))?;
            let failed = out.failed();
            if failed.is_empty() {
                return Ok(());
            }
            if let Some(f) = failed.iter().find(|f| f.sender_fault()) {
                bail!(
                    "SQS refused a message: {} {}",
                    f.code(),
                    f.message().unwrap_or_default()
                );
            }
            if attempt == ATTEMPTS {
                let codes: Vec<&str> = failed.iter().map(|f| f.code()).collect();
                bail!("SQS did not take {} messages: {codes:?}", failed.len());
            }
            // Only the entries SQS failed on its side go again.
            let ids: Vec<&str> = failed.iter().map(|f| f.id()).collect();
            pending.retain(|e| ids.contains(&e.id()));
            tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(attempt))).await;
        }
        Ok(())
    }
}

/// SQS allows group and deduplication ids of at most 128 characters from a set of printable
/// ASCII; anything else is replaced by its SHA-256 (same input, same id).
pub fn sqs_id(raw: &str) -> String {
    let allowed = raw.len() <= 128 && !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_graphic());
    if allowed {
        raw.to_owned()
    } else {
        format!("sha256-{}", hex::encode(Sha256::digest(raw.as_bytes())))
    }
}

fn entry(index: usize, e: &Envelope) -> anyhow::Result<SendMessageBatchRequestEntry> {
    let mut b = SendMessageBatchRequestEntry::builder()
        .id(index.to_string())
        .message_body(&e.body);
    if e.queue.is_fifo() {
        // A FIFO message needs a group; without one, the queue itself is the group.
        let group = e.group.as_deref().unwrap_or(e.queue.as_str());
        // Without an id the body is the id (the queues do not turn content dedupe on).
        let dedupe = match &e.dedupe_id {
            Some(id) => sqs_id(id),
            None => format!("sha256-{}", hex::encode(Sha256::digest(e.body.as_bytes()))),
        };
        b = b
            .message_group_id(sqs_id(group))
            .message_deduplication_id(dedupe);
    } else {
        b = b.delay_seconds(delay_seconds(e.delay));
    }
    Ok(b.build()?)
}

/// The delay in whole seconds, rounded up (never early), at most 15 minutes.
pub fn delay_seconds(delay: std::time::Duration) -> i32 {
    let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
    i32::try_from(secs.min(MAX_DELAY_SECONDS)).unwrap_or(900)
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError> {
        let mut by_queue: Vec<(QueueName, Vec<Envelope>)> = Vec::new();
        for e in envelopes {
            // Keep send order within each queue (FIFO groups depend on it).
            match by_queue.iter_mut().find(|(q, _)| *q == e.queue) {
                Some((_, list)) => list.push(e),
                None => by_queue.push((e.queue, vec![e])),
            }
        }
        for (q, list) in by_queue {
            for chunk in list.chunks(BATCH) {
                self.send_chunk(q, chunk)
                    .await
                    .map_err(|source| QueueError {
                        queue: q.as_str(),
                        source,
                    })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn ids_sqs_accepts_pass_through_and_others_are_hashed_stably() {
        assert_eq!(sqs_id("ws#34600111222"), "ws#34600111222");
        let long = "x".repeat(129);
        assert_eq!(sqs_id(&long), sqs_id(&long));
        assert!(sqs_id(&long).len() <= 128);
        assert!(sqs_id("with space").starts_with("sha256-"));
        assert!(sqs_id("ñandú").starts_with("sha256-"));
        assert_ne!(sqs_id("with space"), sqs_id("with  space"));
    }

    #[test]
    fn delay_is_rounded_up_and_capped_at_fifteen_minutes() {
        assert_eq!(delay_seconds(Duration::ZERO), 0);
        assert_eq!(delay_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(delay_seconds(Duration::from_secs(900)), 900);
        assert_eq!(delay_seconds(Duration::from_secs(3600)), 900);
    }
}
