//! Operational metrics: what an operator watches to know the help desk is healthy (messages
//! in, bot outcomes, escalations by reason, SLA warnings and breaches, WhatsApp errors by code,
//! send latency, queue age). Adapters keep them as Prometheus text (the local runner's
//! `/metrics`) or write them in CloudWatch's Embedded Metric Format (Lambda). Labels carry
//! codes and names only, never customer data.

use std::time::Duration;

/// A count of things that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    /// Customer messages taken in from webhooks (a redelivery counts again).
    InboundMessages,
    /// Conversations the bot alone resolved (ended after the customer went quiet).
    BotResolved,
    /// Tickets handed to people, by escalation reason.
    Escalations,
    /// SLA warnings, by clock.
    SlaWarnings,
    /// SLA breaches, by clock.
    SlaBreaches,
    /// Sends WhatsApp refused or could not take, by Graph error code (or `throttled`,
    /// `unavailable`, `paused`, `window_closed`).
    GraphErrors,
}

/// A duration observed many times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timing {
    /// One call to send a message to WhatsApp, successful or not.
    SendLatency,
    /// How long a job waited in its queue before a consumer took it, by queue.
    QueueAge,
    /// The embedded store: one group commit of the writer, from its first statement to its
    /// commit (every write waiting at that moment shares it).
    StoreCommit,
    /// The embedded store: one checkpoint of its write-ahead log into the database file.
    StoreCheckpoint,
}

impl Counter {
    pub const ALL: [Counter; 6] = [
        Counter::InboundMessages,
        Counter::BotResolved,
        Counter::Escalations,
        Counter::SlaWarnings,
        Counter::SlaBreaches,
        Counter::GraphErrors,
    ];

    /// The metric's name (CamelCase, as CloudWatch shows it).
    pub fn name(self) -> &'static str {
        match self {
            Counter::InboundMessages => "InboundMessages",
            Counter::BotResolved => "BotResolved",
            Counter::Escalations => "Escalations",
            Counter::SlaWarnings => "SlaWarnings",
            Counter::SlaBreaches => "SlaBreaches",
            Counter::GraphErrors => "GraphErrors",
        }
    }

    /// The name of the metric's one label, if it has one.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Counter::Escalations => Some("reason"),
            Counter::SlaWarnings | Counter::SlaBreaches => Some("clock"),
            Counter::GraphErrors => Some("code"),
            Counter::InboundMessages | Counter::BotResolved => None,
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Counter::InboundMessages => "Customer messages taken in from webhooks.",
            Counter::BotResolved => "Conversations the bot alone resolved.",
            Counter::Escalations => "Tickets handed to people, by escalation reason.",
            Counter::SlaWarnings => "SLA warnings, by clock.",
            Counter::SlaBreaches => "SLA breaches, by clock.",
            Counter::GraphErrors => "Sends WhatsApp refused or could not take, by error code.",
        }
    }
}

impl Timing {
    pub const ALL: [Timing; 4] = [
        Timing::SendLatency,
        Timing::QueueAge,
        Timing::StoreCommit,
        Timing::StoreCheckpoint,
    ];

    /// Whether the AWS functions write it: the store's timings are the embedded store's.
    pub fn on_aws(self) -> bool {
        !matches!(self, Timing::StoreCommit | Timing::StoreCheckpoint)
    }

    pub fn name(self) -> &'static str {
        match self {
            Timing::SendLatency => "SendLatency",
            Timing::QueueAge => "QueueAge",
            Timing::StoreCommit => "StoreCommit",
            Timing::StoreCheckpoint => "StoreCheckpoint",
        }
    }

    pub fn label(self) -> Option<&'static str> {
        match self {
            Timing::SendLatency | Timing::StoreCommit | Timing::StoreCheckpoint => None,
            Timing::QueueAge => Some("queue"),
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Timing::SendLatency => "Time of one send to WhatsApp, in seconds.",
            Timing::QueueAge => "Time a job waited in its queue, in seconds, by queue.",
            Timing::StoreCommit => {
                "Time of one group commit of the embedded store's writer, in seconds."
            }
            Timing::StoreCheckpoint => {
                "Time of one checkpoint of the embedded store's write-ahead log, in seconds."
            }
        }
    }
}

/// Where metrics go. Recording never fails and never blocks on I/O.
pub trait Metrics: Send + Sync {
    /// Adds `n` to a counter; `label` is the value of the counter's label, if it has one.
    fn count(&self, counter: Counter, label: Option<&str>, n: u64);

    /// Records one observation of a timing.
    fn time(&self, timing: Timing, label: Option<&str>, took: Duration);
}

/// Metrics nobody reads.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMetrics;

impl Metrics for NoMetrics {
    fn count(&self, _: Counter, _: Option<&str>, _: u64) {}
    fn time(&self, _: Timing, _: Option<&str>, _: Duration) {}
}
