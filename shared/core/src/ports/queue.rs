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
