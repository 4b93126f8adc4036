//! The queues between functions.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The queues between functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueName {
    /// Inbound customer messages; FIFO per customer.
    Inbound,
    /// Transcript writes and delivery statuses; FIFO per customer.
    TicketWrites,
    /// Handoffs to route and assign.
    Escalations,
    /// Delayed SLA timers.
    SlaTimers,
}

impl QueueName {
    pub const ALL: [QueueName; 4] = [
        QueueName::Inbound,
        QueueName::TicketWrites,
        QueueName::Escalations,
        QueueName::SlaTimers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Inbound => "inbound",
            QueueName::TicketWrites => "ticket-writes",
            QueueName::Escalations => "escalations",
            QueueName::SlaTimers => "sla-timers",
        }
    }

    /// FIFO queues deliver one message of a group at a time, in order.
    pub fn is_fifo(self) -> bool {
        matches!(self, QueueName::Inbound | QueueName::TicketWrites)
    }
}

/// A message for a queue. The body is the job's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub queue: QueueName,
    /// FIFO queues: messages of one group are delivered one at a time, in order.
    pub group: Option<String>,
    /// A message with the same id sent again within the deduplication window is dropped.
    pub dedupe_id: Option<String>,
    /// Not delivered before this delay (at most 15 minutes on SQS).
    pub delay: Duration,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not enqueue to {queue}: {source}")]
pub struct QueueError {
    pub queue: &'static str,
    #[source]
    pub source: anyhow::Error,
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Sends every envelope or fails; on failure some may have been sent, which is safe since
    /// every consumer is idempotent.
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError>;
}

/// A message a queue gave up on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterView {
    pub queue: QueueName,
    /// The adapter's id for it (a row id locally, the SQS message id on AWS).
    pub id: String,
    /// Its FIFO message group (the customer, for inbound messages).
    pub group: Option<String>,
    /// How many times it was received before it was given up on, when known.
    pub receive_count: Option<u32>,
    /// Why it was given up on, when the adapter records it.
    pub reason: Option<String>,
}

/// The dead letters of the queues: what an operator lists and sends back once the cause is
/// fixed (the equivalent of SQS's DLQ redrive).
#[async_trait]
pub trait DeadLetters: Send + Sync {
    /// Up to `limit` dead letters of `queue`, oldest first.
    async fn list(&self, queue: QueueName, limit: usize)
    -> Result<Vec<DeadLetterView>, QueueError>;

    /// Sends every dead letter of `queue` back to it, in their original order; returns how
    /// many were moved.
    async fn redrive(&self, queue: QueueName) -> Result<usize, QueueError>;
}
