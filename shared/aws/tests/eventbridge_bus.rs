//! EventBridgeBus against moto (started by ./infra/test.sh): events reach the custom bus, as a
//! rule that forwards them to an SQS queue shows.

use turno_aws::testing as common;

use jiff::Timestamp;
use turno_aws::EventBridgeBus;
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::EventBus;
use turno_core::ports::domain_events::DomainEvent;

#[tokio::test]
async fn published_events_reach_the_bus_with_source_detail_type_and_json_detail() {
    let clients = common::moto_clients().await;
    let bus = common::unique("turno-events");
    clients
        .eventbridge
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("create bus");
    let queue_url = clients
        .sqs
        .create_queue()
        .queue_name(common::unique("events"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("url");
    let queue_arn = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue arn")
        .attributes
        .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("arn");
    clients
        .eventbridge
        .put_rule()
        .name("all-turno")
        .event_bus_name(&bus)
        .event_pattern(r#"{"source": ["turno"]}"#)
        .send()
        .await
        .expect("rule");
    clients
        .eventbridge
        .put_targets()
        .rule("all-turno")
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("target");

    let ws = WorkspaceId::parse("demo").unwrap();
    let at = Timestamp::from_second(1_700_000_000).unwrap();
    // More than one PutEvents batch (10).
    let events: Vec<DomainEvent> = (0..12)
        .map(|_| DomainEvent::TicketCreated {
            workspace: ws.clone(),
            ticket_id: TicketId::generate(),
            at,
        })
        .chain([DomainEvent::Resolved {
            workspace: ws.clone(),
            ticket_id: TicketId::generate(),
            at,
        }])
        .collect();
    EventBridgeBus::new(clients.eventbridge.clone(), &bus)
        .publish(&events)
        .await
        .expect("publish");

    let mut received = Vec::new();
    for _ in 0..5 {
        received.extend(common::drain_url(&clients.sqs, &queue_url, 1).await);
        if received.len() >= events.len() {
            break;
        }
    }
    let mut got: Vec<(String, String, DomainEvent)> = received
        .iter()
        .map(|m| {
            let envelope: serde_json::Value =
                serde_json::from_str(m.body().expect("body")).expect("an EventBridge event");
            (
                envelope["source"].as_str().expect("source").to_owned(),
                envelope["detail-type"]
                    .as_str()
                    .expect("detail-type")
                    .to_owned(),
                serde_json::from_value(envelope["detail"].clone()).expect("detail is the event"),
            )
        })
        .collect();
    let key = |e: &DomainEvent| serde_json::to_string(e).unwrap();
    got.sort_by_key(|(_, _, e)| key(e));
    let mut expected: Vec<(String, String, DomainEvent)> = events
        .iter()
        .map(|e| ("turno".to_owned(), e.name().to_owned(), e.clone()))
        .collect();
    expected.sort_by_key(|(_, _, e)| key(e));
    assert_eq!(got, expected);
}

#[tokio::test]
async fn publishing_to_a_bus_that_does_not_exist_fails() {
    let clients = common::moto_clients().await;
    let event = DomainEvent::Resolved {
        workspace: WorkspaceId::parse("demo").unwrap(),
        ticket_id: TicketId::generate(),
        at: Timestamp::from_second(1_700_000_000).unwrap(),
    };
    let result = EventBridgeBus::new(clients.eventbridge, common::unique("no-such-bus"))
        .publish(&[event])
        .await;
    assert!(
        result.is_err(),
        "a lost event must be an error, got {result:?}"
    );
}

#[tokio::test]
async fn publishing_nothing_sends_nothing_and_succeeds() {
    let clients = common::moto_clients().await;
    EventBridgeBus::new(clients.eventbridge, common::unique("unused"))
        .publish(&[])
        .await
        .expect("nothing to publish");
}
