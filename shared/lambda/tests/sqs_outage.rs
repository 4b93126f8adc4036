//! `handle_sqs_batch_backing_off` while WhatsApp is down: the failed records (and their FIFO
//! group's later records) wait the outage backoff instead of the visibility timeout, and
//! other failures do not.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::sqs::SqsEvent;
use turno_core::Timestamp;
use turno_core::app::{Ports, Turno};
use turno_core::channel::message::{MediaFile, Outbound};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{MediaError, QueueName, SendError, WhatsApp};
use turno_lambda::testing::{RecordedRedelivery, sqs_sample};
use turno_lambda::{handle_sqs_batch_backing_off, outage_backoff};
use turno_testkit::harness::{TestTurno, demo_workspaces};

/// WhatsApp answering every send with the same error.
struct Failing(SendError);

#[async_trait]
impl WhatsApp for Failing {
    async fn send(&self, _: &WorkspaceId, _: &WaId, _: &Outbound) -> Result<MessageId, SendError> {
        Err(self.0.clone())
    }

    async fn media(&self, _: &WorkspaceId, _: &str) -> Result<MediaFile, MediaError> {
        Err(MediaError::Unavailable("down".into()))
    }

    async fn upload_media(
        &self,
        _: &WorkspaceId,
        _: &str,
        _: &str,
        _: Vec<u8>,
    ) -> Result<String, SendError> {
        Err(self.0.clone())
    }

    async fn message_templates(
        &self,
        _: &WorkspaceId,
        _: &str,
    ) -> Result<Vec<turno_core::channel::templates::ListedTemplate>, SendError> {
        Err(self.0.clone())
    }

    async fn mark_read(&self, _: &WorkspaceId, _: &MessageId) -> Result<(), SendError> {
        Err(self.0.clone())
    }
}

/// The demo workspace whose sends to WhatsApp fail with `error`.
async fn turno_sending_with(error: SendError) -> Turno {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_646).expect("time")).await;
    let ports = Ports {
        store: t.store.clone(),
        queue: t.queues.clone(),
        whatsapp: Arc::new(Failing(error)),
        notifier: t.notifier.clone(),
        events: t.events.clone(),
        clock: t.clock.clone(),
    };
    Turno::new(ports, demo_workspaces())
}

/// The inbound sample, each record received `receive_count` times.
fn inbound_received(receive_count: u32) -> SqsEvent {
    let mut event = sqs_sample("sqs-inbound.json");
    for r in &mut event.records {
        r.attributes.insert(
            "ApproximateReceiveCount".to_owned(),
            receive_count.to_string(),
        );
    }
    event
}

#[tokio::test]
async fn an_outage_hides_every_failed_record_for_the_backoff_of_its_receive() {
    let turno = turno_sending_with(SendError::Unavailable("503".into())).await;
    let event = inbound_received(4);
    let receipts: Vec<String> = event
        .records
        .iter()
        .filter_map(|r| r.receipt_handle.clone())
        .collect();
    let redelivery = RecordedRedelivery::default();

    let response =
        handle_sqs_batch_backing_off(&turno, &redelivery, QueueName::Inbound, event).await;

    assert_eq!(response.batch_item_failures.len(), receipts.len());
    let delays = redelivery.delays();
    let mut hidden: Vec<&str> = delays.iter().map(|(_, r, _)| r.as_str()).collect();
    hidden.sort_unstable();
    let mut expected: Vec<&str> = receipts.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(hidden, expected, "every record, the group's later ones too");
    assert!(
        delays
            .iter()
            .all(|(q, _, d)| *q == QueueName::Inbound && *d == outage_backoff(4, None)),
        "{delays:?}"
    );
    assert_eq!(outage_backoff(4, None), Duration::from_secs(160));
}

#[tokio::test]
async fn a_paused_channel_waits_at_least_as_long_as_the_breaker_asked() {
    let asked = Duration::from_secs(700);
    let turno = turno_sending_with(SendError::Paused { retry_after: asked }).await;
    let redelivery = RecordedRedelivery::default();

    handle_sqs_batch_backing_off(&turno, &redelivery, QueueName::Inbound, inbound_received(1))
        .await;

    let delays = redelivery.delays();
    assert!(!delays.is_empty());
    assert!(delays.iter().all(|(_, _, d)| *d == asked), "{delays:?}");
}

#[tokio::test]
async fn a_failure_that_is_not_an_outage_keeps_the_visibility_timeout() {
    let turno = turno_sending_with(SendError::Unauthorized { code: 190 }).await;
    let redelivery = RecordedRedelivery::default();

    let response =
        handle_sqs_batch_backing_off(&turno, &redelivery, QueueName::Inbound, inbound_received(1))
            .await;

    assert!(!response.batch_item_failures.is_empty());
    assert!(redelivery.delays().is_empty(), "{:?}", redelivery.delays());
}
