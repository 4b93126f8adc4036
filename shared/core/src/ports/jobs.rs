//! The jobs that travel on the queues, and how each becomes an envelope.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::channel::message::{DeliveryStatus, InboundMessage, TranscriptEntry};
use crate::desk::escalation::EscalationJob;
use crate::kernel::ids::{TicketId, WaId, WorkspaceId};
use crate::ports::{Envelope, QueueName};
use crate::sla::ClockKind;

/// The FIFO group of a customer's messages: one at a time, in order, per workspace and number.
pub fn customer_group(ws: &WorkspaceId, customer: &WaId) -> String {
    format!("{ws}#{customer}")
}

fn json<T: Serialize>(value: &T) -> String {
    // Serialising these plain data types cannot fail: no maps with non-string keys, no
    // fallible Serialize impls.
    serde_json::to_string(value).unwrap_or_else(|e| unreachable!("job serialisation failed: {e}"))
}

pub fn inbound_envelope(message: &InboundMessage) -> Envelope {
    Envelope {
        queue: QueueName::Inbound,
        group: Some(customer_group(&message.workspace, &message.from)),
        dedupe_id: Some(message.id.to_string()),
        delay: Duration::ZERO,
        body: json(message),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum TranscriptWrite {
    Append { entry: TranscriptEntry },
    Delivery { status: DeliveryStatus },
}

impl TranscriptWrite {
    pub fn envelope(&self) -> Envelope {
        let (group, dedupe) = match self {
            TranscriptWrite::Append { entry } => (
                customer_group(&entry.workspace, &entry.customer),
                format!("append#{}", entry.message_id),
            ),
            TranscriptWrite::Delivery { status } => (
                customer_group(&status.workspace, &status.recipient),
                format!("delivery#{}#{:?}", status.message_id, status.state),
            ),
        };
        Envelope {
            queue: QueueName::TicketWrites,
            group: Some(group),
            dedupe_id: Some(dedupe),
            delay: Duration::ZERO,
            body: json(self),
        }
    }
}

impl EscalationJob {
    pub fn envelope(&self) -> Envelope {
        let dedupe = match &self.trigger {
            Some(m) => format!("escalate#{}#{m}", self.ticket_id),
            None => format!("escalate#{}", self.ticket_id),
        };
        Envelope {
            queue: QueueName::Escalations,
            group: None,
            dedupe_id: Some(dedupe),
            delay: Duration::ZERO,
            body: json(self),
        }
    }
}

/// A per-ticket timer: look at this ticket's clocks at `due_at` (`clock` says which one the
/// timer was armed for; a timer that finds nothing due is stale and dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTimer {
    pub workspace: WorkspaceId,
    pub ticket_id: TicketId,
    pub clock: ClockKind,
    pub due_at: Timestamp,
    /// The ticket version the timer was armed at: a hop after the ticket's next event was
    /// moved since is dropped, so one chain lives per ticket. Absent in timers queued before
    /// versions were carried; those stop only when their event moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed_at: Option<u64>,
}

impl SlaTimer {
    /// An envelope delivered at `due_at`, or after `max_delay` if that is sooner (the timer then
    /// re-arms itself).
    pub fn envelope(&self, now: Timestamp, max_delay: Duration) -> Envelope {
        let until_due = self
            .due_at
            .duration_since(now)
            .try_into()
            .unwrap_or(Duration::ZERO);
        Envelope {
            queue: QueueName::SlaTimers,
            group: None,
            dedupe_id: None,
            delay: until_due.min(max_delay),
            body: json(self),
        }
    }
}

/// A delayed job other than an SLA timer, on the same timers queue (told apart by its `job`
/// field, which SLA timers do not have).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum DelayedJob {
    /// Send a resolved ticket's satisfaction survey at `due_at`.
    CsatSurvey(CsatSurvey),
    /// End a bot-only conversation that had no message since `last_message_at`.
    BotInactive(BotInactive),
}

/// Armed on each bot turn; stale (and dropped) if the customer wrote again since, or the
/// conversation left the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotInactive {
    pub workspace: WorkspaceId,
    pub customer: WaId,
    pub ticket_id: TicketId,
    /// The customer's last message when the job was armed.
    pub last_message_at: Timestamp,
    pub due_at: Timestamp,
}

/// The survey of one resolution of a ticket: dropped if the ticket was reopened (or resolved
/// again) since, or already surveyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatSurvey {
    pub workspace: WorkspaceId,
    pub ticket_id: TicketId,
    /// The resolution this survey is about.
    pub resolved_at: Timestamp,
    pub due_at: Timestamp,
}

impl DelayedJob {
    fn due_at(&self) -> Timestamp {
        match self {
            DelayedJob::CsatSurvey(s) => s.due_at,
            DelayedJob::BotInactive(b) => b.due_at,
        }
    }

    /// An envelope delivered at `due_at`, or after `max_delay` if that is sooner (the job then
    /// sends itself again, like SLA timers).
    pub fn envelope(&self, now: Timestamp, max_delay: Duration) -> Envelope {
        let until_due = self
            .due_at()
            .duration_since(now)
            .try_into()
            .unwrap_or(Duration::ZERO);
        Envelope {
            queue: QueueName::SlaTimers,
            group: None,
            dedupe_id: None,
            delay: until_due.min(max_delay),
            body: json(self),
        }
    }

    /// Whether a timers-queue body is a [`DelayedJob`] rather than an [`SlaTimer`].
    pub fn is_one(body: &str) -> bool {
        #[derive(Deserialize)]
        struct Tagged {
            job: Option<String>,
        }
        serde_json::from_str::<Tagged>(body).is_ok_and(|t| t.job.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_delay_is_capped_so_far_timers_rearm() {
        let now = Timestamp::from_second(1_000).unwrap();
        let t = SlaTimer {
            workspace: WorkspaceId::parse("ws").unwrap(),
            ticket_id: TicketId::parse("T1").unwrap(),
            clock: ClockKind::FirstResponse,
            due_at: Timestamp::from_second(1_000 + 3_600).unwrap(),
            armed_at: Some(1),
        };
        assert_eq!(
            t.envelope(now, Duration::from_secs(900)).delay,
            Duration::from_secs(900)
        );
        let past = Timestamp::from_second(5_000).unwrap();
        assert_eq!(
            t.envelope(past, Duration::from_secs(900)).delay,
            Duration::ZERO
        );
    }
}
