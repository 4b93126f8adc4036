//! The queue contract (send side) on SqsQueue, against moto (started by ./infra/test.sh), plus
//! what only SQS needs: FIFO attributes, dedupe id sanitising, no dedupe id on standard queues,
//! delays capped at 15 minutes, batches over 10.

use turno_aws::testing as common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use turno_aws::SqsQueue;
use turno_core::ports::{Envelope, Queue, QueueName};
use turno_testkit::queue::QueueProbe;

struct SqsProbe {
    sqs: aws_sdk_sqs::Client,
    urls: HashMap<QueueName, String>,
}

#[async_trait]
impl QueueProbe for SqsProbe {
    async fn drain(&self, queue: QueueName, wait: Duration) -> Vec<String> {
        let wait = i32::try_from(wait.as_secs().min(20)).unwrap_or(20);
        common::drain_url(&self.sqs, &self.urls[&queue], wait)
            .await
            .into_iter()
            .filter_map(|m| m.body)
            .collect()
    }
}

async fn fresh() -> (SqsQueue, SqsProbe) {
    let clients = common::moto_clients().await;
    let urls = common::create_queues(&clients.sqs).await;
    let queue = SqsQueue::new(clients.sqs.clone(), urls.clone()).expect("queue config");
    (
        queue,
        SqsProbe {
            sqs: clients.sqs,
            urls,
        },
    )
}

async fn queue_and_probe() -> (Arc<dyn Queue>, Arc<dyn QueueProbe>) {
    let (queue, probe) = fresh().await;
    (Arc::new(queue), Arc::new(probe))
}

turno_testkit::queue_contract_tests!(queue_and_probe);

fn envelope(queue: QueueName, group: Option<&str>, dedupe: Option<&str>, body: &str) -> Envelope {
    Envelope {
        queue,
        group: group.map(str::to_owned),
        dedupe_id: dedupe.map(str::to_owned),
        delay: Duration::ZERO,
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn fifo_messages_carry_their_group_and_a_sanitised_dedupe_id() {
    let (queue, probe) = fresh().await;
    let long_dedupe = format!("ticket-write ñ {}", "x".repeat(200));
    queue
        .send(vec![envelope(
            QueueName::TicketWrites,
            Some("demo#34600111222"),
            Some(&long_dedupe),
            "one",
        )])
        .await
        .expect("a dedupe id SQS would refuse is sanitised, not refused");
    let got = common::drain_url(&probe.sqs, &probe.urls[&QueueName::TicketWrites], 5).await;
    assert_eq!(got.len(), 1);
    let attrs = got[0].attributes().expect("system attributes");
    assert_eq!(
        attrs
            .get(&MessageSystemAttributeName::MessageGroupId)
            .map(String::as_str),
        Some("demo#34600111222")
    );
    let dedupe = &attrs[&MessageSystemAttributeName::MessageDeduplicationId];
    assert_eq!(dedupe, &turno_aws::sqs_id(&long_dedupe));
    assert!(dedupe.len() <= 128);
}

#[tokio::test]
async fn standard_queue_send_with_a_dedupe_id_is_accepted_and_delivered() {
    // SQS refuses a deduplication id on a standard queue, so the adapter must drop it.
    let (queue, probe) = fresh().await;
    queue
        .send(vec![envelope(
            QueueName::Escalations,
            None,
            Some("job-1"),
            "escalate",
        )])
        .await
        .expect("send");
    let got = common::drain_url(&probe.sqs, &probe.urls[&QueueName::Escalations], 5).await;
    assert_eq!(
        got.iter().filter_map(|m| m.body()).collect::<Vec<_>>(),
        vec!["escalate"]
    );
}

#[tokio::test]
async fn a_delay_beyond_fifteen_minutes_is_sent_capped_instead_of_refused() {
    let (queue, probe) = fresh().await;
    let mut timer = envelope(QueueName::SlaTimers, None, None, "far-timer");
    timer.delay = Duration::from_secs(4 * 3600);
    queue
        .send(vec![timer])
        .await
        .expect("a long delay is capped, not refused");
    let attrs = probe
        .sqs
        .get_queue_attributes()
        .queue_url(&probe.urls[&QueueName::SlaTimers])
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("queue attributes");
    let delayed = attrs
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessagesDelayed))
        .cloned();
    assert_eq!(
        delayed.as_deref(),
        Some("1"),
        "the message waits as delayed"
    );
    let now = common::drain_url(&probe.sqs, &probe.urls[&QueueName::SlaTimers], 0).await;
    assert!(now.is_empty(), "not receivable now");
}

#[tokio::test]
async fn more_than_ten_messages_are_sent_in_batches_and_all_arrive() {
    let (queue, probe) = fresh().await;
    let envelopes: Vec<Envelope> = (0..23)
        .map(|i| envelope(QueueName::Escalations, None, None, &format!("m{i:02}")))
        .collect();
    queue.send(envelopes).await.expect("send");
    let mut got: Vec<String> = Vec::new();
    for _ in 0..5 {
        got.extend(
            common::drain_url(&probe.sqs, &probe.urls[&QueueName::Escalations], 1)
                .await
                .into_iter()
                .filter_map(|m| m.body),
        );
        if got.len() >= 23 {
            break;
        }
    }
    got.sort();
    let expected: Vec<String> = (0..23).map(|i| format!("m{i:02}")).collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_queue_configuration_with_a_standard_url_for_a_fifo_queue_is_refused() {
    let clients = common::moto_clients().await;
    let mut urls: HashMap<QueueName, String> = QueueName::ALL
        .into_iter()
        .map(|q| {
            let suffix = if q.is_fifo() { ".fifo" } else { "" };
            (q, format!("http://127.0.0.1/123/{}{suffix}", q.as_str()))
        })
        .collect();
    assert!(SqsQueue::new(clients.sqs.clone(), urls.clone()).is_ok());
    urls.insert(QueueName::Inbound, "http://127.0.0.1/123/inbound".into());
    let err = SqsQueue::new(clients.sqs, urls).expect_err("inbound must be FIFO");
    assert!(err.to_string().contains("inbound"), "{err}");
}
