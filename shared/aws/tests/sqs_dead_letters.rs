//! The dead-letter contract on SqsDeadLetters, against moto (started by ./infra/test.sh): each
//! check gets fresh queues with dead-letter queues that take a message on its second receive,
//! plus what only SQS needs: the redriven FIFO copy's deduplication id, and delaying a
//! received message's next delivery.

use turno_aws::testing as common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use turno_aws::{QueuePair, SqsDeadLetters, SqsQueue};
use turno_core::ports::{DeadLetters, Envelope, Queue, QueueName};
use turno_testkit::dead_letters::DeadLetterProbe;
use turno_testkit::queue::QueueProbe;

struct Probe {
    sqs: aws_sdk_sqs::Client,
    queue: SqsQueue,
    pairs: HashMap<QueueName, QueuePair>,
}

impl Probe {
    fn url(&self, q: QueueName) -> &str {
        &self.pairs[&q].queue_url
    }

    /// Receives up to `max` messages without deleting them, visible again at once; returns
    /// the bodies.
    async fn receive_and_let_go(&self, q: QueueName, max: i32) -> Vec<String> {
        // moto counts a message visible again only once its clock moved past the receive.
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.sqs
            .receive_message()
            .queue_url(self.url(q))
            .max_number_of_messages(max)
            .visibility_timeout(0)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.body)
            .collect()
    }
}

#[async_trait]
impl QueueProbe for Probe {
    async fn drain(&self, queue: QueueName, wait: Duration) -> Vec<String> {
        let wait = i32::try_from(wait.as_secs().min(20)).unwrap_or(20);
        common::drain_url(&self.sqs, self.url(queue), wait)
            .await
            .into_iter()
            .filter_map(|m| m.body)
            .collect()
    }
}

#[async_trait]
impl DeadLetterProbe for Probe {
    async fn kill(&self, queue: QueueName, group: Option<&str>, bodies: &[String]) {
        let envelopes = bodies
            .iter()
            .map(|body| Envelope {
                queue,
                group: group.map(str::to_owned),
                dedupe_id: Some(format!("kill-{body}")),
                delay: Duration::ZERO,
                body: body.clone(),
            })
            .collect();
        self.queue.send(envelopes).await.expect("send");
        // A message's first receive counts one, its next moves it to the dead-letter queue.
        // One at a time, so moto moves a FIFO group's messages in their order.
        for _ in 0..=2 * bodies.len() + 2 {
            if self.receive_and_let_go(queue, 1).await.is_empty() {
                return;
            }
        }
        panic!("the messages never reached the dead-letter queue");
    }
}

/// Queues whose dead-letter queues take a message received `max_receives` times.
async fn fresh(max_receives: u32) -> (SqsDeadLetters, Arc<Probe>) {
    let clients = common::moto_clients().await;
    let pairs = common::create_queues_with_dead_letters(&clients.sqs, max_receives).await;
    let urls = pairs
        .iter()
        .map(|(q, p)| (*q, p.queue_url.clone()))
        .collect();
    let queue = SqsQueue::new(clients.sqs.clone(), urls).expect("queue config");
    let dead = SqsDeadLetters::new(clients.sqs.clone(), pairs.clone()).expect("dead letters");
    let probe = Probe {
        sqs: clients.sqs,
        queue,
        pairs,
    };
    (dead, Arc::new(probe))
}

async fn dead_letters() -> (Arc<dyn DeadLetters>, Arc<dyn DeadLetterProbe>) {
    let (dead, probe) = fresh(1).await;
    (Arc::new(dead), probe)
}

turno_testkit::dead_letter_contract_tests!(dead_letters);

#[tokio::test]
async fn a_fifo_dead_letter_redriven_twice_in_five_minutes_comes_back_once() {
    let (dead, probe) = fresh(1).await;
    probe
        .kill(QueueName::Inbound, Some("g"), &["once".to_owned()])
        .await;
    let listed = dead.list(QueueName::Inbound, 10).await.expect("list");
    assert_eq!(listed.len(), 1);
    // The same dead letter again, as after a redrive whose delete failed.
    let dlq = &probe.pairs[&QueueName::Inbound].dead_letter_url;
    let copy = probe
        .sqs
        .receive_message()
        .queue_url(dlq)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .visibility_timeout(0)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    assert_eq!(copy.len(), 1);
    probe
        .sqs
        .send_message()
        .queue_url(probe.url(QueueName::Inbound))
        .message_body("once")
        .message_group_id("g")
        .message_deduplication_id(format!("redrive-{}", listed[0].id))
        .send()
        .await
        .expect("send");

    assert_eq!(dead.redrive(QueueName::Inbound).await.expect("redrive"), 1);

    let back = probe
        .drain(QueueName::Inbound, Duration::from_secs(1))
        .await;
    assert_eq!(
        back,
        vec!["once".to_owned()],
        "the second send was deduplicated"
    );
}

#[tokio::test]
async fn a_delayed_redelivery_is_not_received_before_its_delay_and_still_counts_as_a_receive() {
    let (dead, probe) = fresh(2).await;
    let q = QueueName::Escalations;
    probe
        .queue
        .send(vec![Envelope {
            queue: q,
            group: None,
            dedupe_id: None,
            delay: Duration::ZERO,
            body: "later".to_owned(),
        }])
        .await
        .expect("send");
    let received = probe
        .sqs
        .receive_message()
        .queue_url(probe.url(q))
        .visibility_timeout(1)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    let receipt = received
        .first()
        .and_then(|m| m.receipt_handle.clone())
        .expect("a received message");

    probe
        .queue
        .delay_redelivery(q, &receipt, Duration::from_secs(3))
        .await
        .expect("delay");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        probe.receive_and_let_go(q, 10).await.is_empty(),
        "hidden longer than the receive's own 1 s"
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        probe.receive_and_let_go(q, 10).await,
        vec!["later".to_owned()]
    );
    // That was its second receive: the next one gives it to the dead-letter queue.
    assert!(probe.receive_and_let_go(q, 10).await.is_empty());
    assert_eq!(dead.list(q, 10).await.expect("list").len(), 1);
}
