//! The sample events in `events/` are what the core puts on each queue: every body is exactly
//! the serialisation of its job, and FIFO records carry the group and deduplication id the
//! core's envelope sets. A change to a job type that the samples do not follow fails here.

use std::time::Duration;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use turno_core::Timestamp;
use turno_core::channel::message::InboundMessage;
use turno_core::desk::escalation::EscalationJob;
use turno_core::ports::jobs::{SlaTimer, TranscriptWrite, inbound_envelope};
use turno_core::ports::{Envelope, QueueName};

fn sample(name: &str) -> SqsEvent {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not an SQS event: {e}"))
}

fn body(record: &SqsMessage) -> &str {
    record
        .body
        .as_deref()
        .expect("every sample record has a body")
}

fn decode<T: serde::de::DeserializeOwned>(record: &SqsMessage) -> T {
    serde_json::from_str(body(record)).unwrap_or_else(|e| panic!("{:?}: {e}", record.message_id))
}

/// The record is what SQS delivers for this envelope.
fn assert_delivers(record: &SqsMessage, envelope: &Envelope, queue: QueueName) {
    assert_eq!(envelope.queue, queue);
    assert_eq!(
        body(record),
        envelope.body,
        "body of {:?}",
        record.message_id
    );
    if queue.is_fifo() {
        assert_eq!(
            record.attributes.get("MessageGroupId"),
            envelope.group.as_ref()
        );
        assert_eq!(
            record.attributes.get("MessageDeduplicationId"),
            envelope.dedupe_id.as_ref()
        );
    } else {
        assert_eq!(record.attributes.get("MessageGroupId"), None);
    }
    let arn = record.event_source_arn.as_deref().unwrap_or_default();
    let fifo_suffix = if queue.is_fifo() { ".fifo" } else { "" };
    assert!(
        arn.ends_with(&format!(":turno-{}{fifo_suffix}", queue.as_str())),
        "{arn}"
    );
}

#[test]
fn inbound_sample_records_are_inbound_envelopes_grouped_by_customer() {
    let event = sample("sqs-inbound.json");
    assert_eq!(event.records.len(), 3);
    for record in &event.records {
        let message: InboundMessage = decode(record);
        assert_delivers(record, &inbound_envelope(&message), QueueName::Inbound);
    }
    let groups: Vec<_> = event
        .records
        .iter()
        .map(|r| &r.attributes["MessageGroupId"])
        .collect();
    assert_eq!(
        groups[0], groups[1],
        "the first two messages come from one customer"
    );
    assert_ne!(groups[0], groups[2]);
}

#[test]
fn ticket_write_sample_records_are_an_append_and_a_delivery() {
    let event = sample("sqs-ticket-writes.json");
    let writes: Vec<TranscriptWrite> = event.records.iter().map(decode).collect();
    assert!(matches!(writes[0], TranscriptWrite::Append { .. }));
    assert!(matches!(writes[1], TranscriptWrite::Delivery { .. }));
    for (record, write) in event.records.iter().zip(&writes) {
        assert_delivers(record, &write.envelope(), QueueName::TicketWrites);
    }
}

#[test]
fn escalation_sample_record_is_an_escalation_job() {
    let event = sample("sqs-escalations.json");
    let [record] = event.records.as_slice() else {
        panic!("one escalation record expected");
    };
    let job: EscalationJob = decode(record);
    assert_delivers(record, &job.envelope(), QueueName::Escalations);
}

#[test]
fn sla_timer_sample_record_is_a_timer_for_the_escalated_ticket() {
    let timer_event = sample("sqs-sla-timers.json");
    let [record] = timer_event.records.as_slice() else {
        panic!("one timer record expected");
    };
    let timer: SlaTimer = decode(record);
    let escalation: EscalationJob = decode(&sample("sqs-escalations.json").records[0]);
    assert_eq!(timer.ticket_id, escalation.ticket_id);
    let envelope = timer.envelope(Timestamp::UNIX_EPOCH, Duration::from_secs(900));
    assert_delivers(record, &envelope, QueueName::SlaTimers);
}

#[test]
fn schedule_sample_is_a_scheduled_eventbridge_event() {
    let path = format!(
        "{}/../../events/eventbridge-schedule.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let event: EventBridgeEvent<serde_json::Value> =
        serde_json::from_str(&text).expect("EventBridge event");
    assert_eq!(event.source, "aws.events");
    assert_eq!(event.detail_type, "Scheduled Event");
}
