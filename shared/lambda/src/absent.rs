//! The ports of a function built without their adapter (turno-lambda's features): each
//! refuses with an error that names what the function lacks, as AWS refuses a call the
//! function's IAM policies do not allow (`tests/tests/it/lambda_build.rs` lists what each
//! function touches), instead of linking an SDK the function never uses.

use async_trait::async_trait;
use turno_core::ports::domain_events::DomainEvent;
use turno_core::ports::{Envelope, EventBus, Notification, Notifier, Queue, QueueError};

/// The queue port of a function that sends no jobs (ticket-writer).
#[cfg_attr(feature = "queue", allow(dead_code))]
pub(crate) struct NoQueue;

#[async_trait]
impl Queue for NoQueue {
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError> {
        let queue = envelopes.first().map_or("none", |e| e.queue.as_str());
        Err(QueueError {
            queue,
            source: anyhow::anyhow!("this function sends to no queue"),
        })
    }
}

/// The event bus of a function that publishes no domain events (webhook-ingress,
/// ticket-writer).
#[cfg_attr(feature = "events", allow(dead_code))]
pub(crate) struct NoEvents;

#[async_trait]
impl EventBus for NoEvents {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        anyhow::bail!("this function publishes no domain events")
    }
}

/// The notifier of a function that sends no notifications (webhook-ingress,
/// ticket-writer).
#[cfg_attr(feature = "notify", allow(dead_code))]
pub(crate) struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    async fn notify(&self, _notification: &Notification) -> anyhow::Result<()> {
        anyhow::bail!("this function sends no notifications")
    }
}

#[cfg(test)]
mod tests {
    use turno_core::kernel::ids::{AgentId, TicketId, WorkspaceId};
    use turno_core::ports::{NotificationKind, QueueName};

    use super::*;

    #[tokio::test]
    async fn a_function_without_queues_refuses_to_send_and_names_the_queue() {
        let envelope = Envelope {
            queue: QueueName::Escalations,
            group: None,
            dedupe_id: None,
            delay: std::time::Duration::ZERO,
            body: "{}".to_owned(),
        };
        let err = NoQueue.send(vec![envelope]).await.expect_err("no queue");
        assert_eq!(err.queue, QueueName::Escalations.as_str());
    }

    #[tokio::test]
    async fn a_function_without_a_bus_or_a_notifier_refuses_rather_than_drops() {
        assert!(NoEvents.publish(&[]).await.is_ok(), "nothing to publish");
        let assigned = DomainEvent::Assigned {
            workspace: WorkspaceId::parse("demo").expect("ws"),
            ticket_id: TicketId::parse("t-1").expect("ticket id"),
            agent: AgentId::parse("ana").expect("agent id"),
            at: turno_core::Timestamp::from_second(1_748_876_646).expect("time"),
        };
        let err = NoEvents.publish(&[assigned]).await.expect_err("no bus");
        assert!(err.to_string().contains("no domain events"), "{err}");
        let note = Notification {
            workspace: WorkspaceId::parse("demo").expect("ws"),
            kind: NotificationKind::TicketAssigned,
            ticket_id: TicketId::parse("t-1").expect("ticket id"),
            agent: None,
            text: "assigned".to_owned(),
        };
        let err = NoNotifier.notify(&note).await.expect_err("no notifier");
        assert!(err.to_string().contains("no notifications"), "{err}");
    }
}
