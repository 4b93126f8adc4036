//! The contract of [`Queue`], the producer side: what is sent arrives on its queue, in order
//! per FIFO group, once per deduplication id, and not before its delay.
//!
//! Receiving differs per adapter (SQS `ReceiveMessage`, the embedded queues' `receive`), so
//! each adapter supplies a [`QueueProbe`] to observe what arrived. Bodies carry a random
//! marker and checks ignore everything else, so a shared queue (an emulator's) may hold other
//! messages.
//!
//! Each check's name states the rule it checks, so the checks carry no further docs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use async_trait::async_trait;
use turno_core::ports::{Envelope, Queue, QueueName};

/// How an adapter's test shows the contract what arrived.
#[async_trait]
pub trait QueueProbe: Send + Sync {
    /// Receives and deletes every message of `queue` that can be received now, in the order
    /// received, including the later messages of a FIFO group that become receivable as
    /// earlier ones are deleted. Waits up to `wait` for a first message when there is none.
    async fn drain(&self, queue: QueueName, wait: Duration) -> Vec<String>;
}

/// How long a check waits for messages that must have arrived.
const ARRIVAL: Duration = Duration::from_secs(5);

fn marker() -> String {
    format!("contract-{}", uuid::Uuid::new_v4().simple())
}

fn envelope(queue: QueueName, group: Option<&str>, body: String) -> Envelope {
    Envelope {
        queue,
        group: group.map(str::to_owned),
        dedupe_id: Some(format!("dedupe-{body}")),
        delay: Duration::ZERO,
        body,
    }
}

/// Drains `queue` until every one of `expected` bodies carrying `mark` has arrived (or
/// [`ARRIVAL`] passes) and returns the marked bodies in arrival order.
async fn drain_marked(
    probe: &dyn QueueProbe,
    queue: QueueName,
    mark: &str,
    expected: usize,
) -> Vec<String> {
    let started = Instant::now();
    let mut seen = Vec::new();
    while seen.len() < expected && started.elapsed() < ARRIVAL {
        let wait = ARRIVAL
            .saturating_sub(started.elapsed())
            .min(Duration::from_secs(1));
        seen.extend(
            probe
                .drain(queue, wait)
                .await
                .into_iter()
                .filter(|b| b.starts_with(mark)),
        );
    }
    seen
}

pub async fn every_queue_delivers_what_was_sent_to_it(queue: &dyn Queue, probe: &dyn QueueProbe) {
    let mark = marker();
    let envelopes = QueueName::ALL
        .into_iter()
        .map(|q| {
            let group = q.is_fifo().then_some("g1");
            envelope(q, group, format!("{mark}:{}", q.as_str()))
        })
        .collect();
    queue.send(envelopes).await.expect("send");
    for q in QueueName::ALL {
        let got = drain_marked(probe, q, &mark, 1).await;
        assert_eq!(
            got,
            vec![format!("{mark}:{}", q.as_str())],
            "queue {}",
            q.as_str()
        );
    }
}

pub async fn fifo_groups_are_delivered_in_send_order(queue: &dyn Queue, probe: &dyn QueueProbe) {
    let mark = marker();
    let (g1, g2) = (format!("{mark}-a"), format!("{mark}-b"));
    for batch in 0..2 {
        let mut envelopes = Vec::new();
        for i in 0..5 {
            let n = batch * 5 + i;
            for g in [&g1, &g2] {
                envelopes.push(envelope(
                    QueueName::Inbound,
                    Some(g),
                    format!("{mark}:{g}:{n:02}"),
                ));
            }
        }
        queue.send(envelopes).await.expect("send");
    }
    let got = drain_marked(probe, QueueName::Inbound, &mark, 20).await;
    for g in [&g1, &g2] {
        let of_group: Vec<_> = got
            .iter()
            .filter(|b| b.contains(&format!(":{g}:")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..10).map(|n| format!("{mark}:{g}:{n:02}")).collect();
        assert_eq!(
            of_group, expected,
            "group {g} arrives whole and in send order"
        );
    }
}

pub async fn fifo_send_with_a_seen_dedupe_id_is_dropped(queue: &dyn Queue, probe: &dyn QueueProbe) {
    for q in QueueName::ALL.into_iter().filter(|q| q.is_fifo()) {
        let mark = marker();
        let send = |body: &str, dedupe: &str| Envelope {
            queue: q,
            group: Some(format!("{mark}-g")),
            dedupe_id: Some(format!("{mark}-{dedupe}")),
            delay: Duration::ZERO,
            body: format!("{mark}:{body}"),
        };
        queue.send(vec![send("first", "x")]).await.expect("send");
        queue
            .send(vec![send("again", "x"), send("other", "y")])
            .await
            .expect("send");
        let got = drain_marked(probe, q, &mark, 2).await;
        // Give a wrongly kept duplicate the chance to show up too.
        let late = probe.drain(q, Duration::from_millis(300)).await;
        let late = late.into_iter().filter(|b| b.starts_with(&mark));
        let all: Vec<_> = got.into_iter().chain(late).collect();
        assert_eq!(
            all,
            vec![format!("{mark}:first"), format!("{mark}:other")],
            "queue {}: the repeated dedupe id is dropped",
            q.as_str()
        );
    }
}

pub async fn delayed_message_is_not_delivered_before_its_delay(
    queue: &dyn Queue,
    probe: &dyn QueueProbe,
) {
    const DELAY: Duration = Duration::from_secs(2);
    let mark = marker();
    let sent = Instant::now();
    let mut env = envelope(QueueName::SlaTimers, None, format!("{mark}:timer"));
    env.delay = DELAY;
    queue.send(vec![env]).await.expect("send");
    let early: Vec<_> = probe
        .drain(QueueName::SlaTimers, Duration::ZERO)
        .await
        .into_iter()
        .filter(|b| b.starts_with(&mark))
        .collect();
    // Only meaningful if the look really happened before the delay ended.
    if sent.elapsed() < DELAY {
        assert!(
            early.is_empty(),
            "delivered {:?} before its delay",
            sent.elapsed()
        );
    }
    let later = if early.is_empty() {
        drain_marked(probe, QueueName::SlaTimers, &mark, 1).await
    } else {
        early
    };
    assert_eq!(
        later,
        vec![format!("{mark}:timer")],
        "delivered once the delay is over"
    );
    assert!(sent.elapsed() >= DELAY, "not delivered before its delay");
}

pub async fn empty_send_succeeds(queue: &dyn Queue, _probe: &dyn QueueProbe) {
    queue
        .send(Vec::new())
        .await
        .expect("an empty send is not an error");
}

/// Every check of the queue contract, one after another.
pub async fn run_all(queue: &dyn Queue, probe: &dyn QueueProbe) {
    every_queue_delivers_what_was_sent_to_it(queue, probe).await;
    fifo_groups_are_delivered_in_send_order(queue, probe).await;
    fifo_send_with_a_seen_dedupe_id_is_dropped(queue, probe).await;
    delayed_message_is_not_delivered_before_its_delay(queue, probe).await;
    empty_send_succeeds(queue, probe).await;
}
