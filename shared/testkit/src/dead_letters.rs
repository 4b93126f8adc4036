//! The contract of [`DeadLetters`]: listing shows a queue's dead letters oldest first, with
//! their group, without consuming them; a redrive sends them back to their queue in order
//! and leaves the other queues' alone.
//!
//! How a message becomes a dead letter differs per adapter (receives running out on SQS, a
//! settlement on the embedded queues), so each adapter supplies a [`DeadLetterProbe`]. Every
//! check gets fresh queues from the calling crate.
//!
//! Each check's name states the rule it checks, so the checks carry no further docs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use async_trait::async_trait;
use turno_core::ports::{DeadLetters, QueueName};

use crate::queue::QueueProbe;

/// How an adapter's test makes dead letters and sees what a redrive sent back.
#[async_trait]
pub trait DeadLetterProbe: QueueProbe {
    /// Sends `bodies` to `queue` (in `group`, on a FIFO queue) and has the queue give up on
    /// each of them, in order, so they are its dead letters.
    async fn kill(&self, queue: QueueName, group: Option<&str>, bodies: &[String]);
}

/// How long a check waits for redriven messages.
const ARRIVAL: Duration = Duration::from_secs(5);

fn bodies(mark: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{mark}:{i:02}")).collect()
}

fn marker() -> String {
    format!("dead-{}", uuid::Uuid::new_v4().simple())
}

/// Drains `queue` until `expected` messages arrived or [`ARRIVAL`] passed.
async fn drain(probe: &dyn DeadLetterProbe, queue: QueueName, expected: usize) -> Vec<String> {
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    while got.len() < expected && started.elapsed() < ARRIVAL {
        got.extend(probe.drain(queue, Duration::from_secs(1)).await);
    }
    got
}

pub async fn listing_shows_dead_letters_with_their_group_and_consumes_nothing(
    dead: &dyn DeadLetters,
    probe: &dyn DeadLetterProbe,
) {
    let mark = marker();
    let group = format!("{mark}-g");
    probe
        .kill(QueueName::Inbound, Some(&group), &bodies(&mark, 3))
        .await;

    let first = dead.list(QueueName::Inbound, 100).await.expect("list");
    let again = dead.list(QueueName::Inbound, 100).await.expect("list");

    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first.iter().all(|d| d.queue == QueueName::Inbound));
    assert!(
        first
            .iter()
            .all(|d| d.group.as_deref() == Some(group.as_str()))
    );
    assert!(first.iter().all(|d| !d.id.is_empty()));
    let ids: Vec<&str> = first.iter().map(|d| d.id.as_str()).collect();
    let ids_again: Vec<&str> = again.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids, ids_again,
        "a listing leaves the dead letters as they were"
    );
    assert!(
        probe
            .drain(QueueName::Inbound, Duration::ZERO)
            .await
            .is_empty(),
        "listing sends nothing back"
    );
}

pub async fn listing_stops_at_the_limit(dead: &dyn DeadLetters, probe: &dyn DeadLetterProbe) {
    let mark = marker();
    probe
        .kill(QueueName::Escalations, None, &bodies(&mark, 3))
        .await;

    let two = dead.list(QueueName::Escalations, 2).await.expect("list");
    let all = dead.list(QueueName::Escalations, 100).await.expect("list");

    assert_eq!(two.len(), 2, "{two:?}");
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.iter().all(|d| d.group.is_none()), "{all:?}");
}

pub async fn redrive_sends_dead_letters_back_in_order_and_only_of_that_queue(
    dead: &dyn DeadLetters,
    probe: &dyn DeadLetterProbe,
) {
    let mark = marker();
    let inbound = bodies(&format!("{mark}-in"), 12);
    let escalations = bodies(&format!("{mark}-esc"), 2);
    probe
        .kill(QueueName::Inbound, Some(&format!("{mark}-g")), &inbound)
        .await;
    probe.kill(QueueName::Escalations, None, &escalations).await;

    let moved = dead.redrive(QueueName::Inbound).await.expect("redrive");

    assert_eq!(moved, inbound.len());
    assert_eq!(
        drain(probe, QueueName::Inbound, inbound.len()).await,
        inbound,
        "back in their queue, in their group's order"
    );
    assert!(
        dead.list(QueueName::Inbound, 100)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        dead.list(QueueName::Escalations, 100)
            .await
            .expect("list")
            .len(),
        2,
        "another queue's dead letters stay"
    );
    assert_eq!(
        dead.redrive(QueueName::Escalations).await.expect("redrive"),
        2
    );
    let mut back = drain(probe, QueueName::Escalations, 2).await;
    back.sort();
    assert_eq!(back, escalations);
}

pub async fn a_listing_just_made_does_not_hide_dead_letters_from_a_redrive(
    dead: &dyn DeadLetters,
    probe: &dyn DeadLetterProbe,
) {
    let mark = marker();
    let sent = bodies(&mark, 4);
    probe.kill(QueueName::SlaTimers, None, &sent).await;
    assert_eq!(
        dead.list(QueueName::SlaTimers, 100)
            .await
            .expect("list")
            .len(),
        4
    );

    let moved = dead.redrive(QueueName::SlaTimers).await.expect("redrive");

    assert_eq!(moved, 4);
    let mut back = drain(probe, QueueName::SlaTimers, 4).await;
    back.sort();
    assert_eq!(back, sent);
}

pub async fn redrive_without_dead_letters_moves_nothing(
    dead: &dyn DeadLetters,
    _probe: &dyn DeadLetterProbe,
) {
    for q in QueueName::ALL {
        assert_eq!(dead.redrive(q).await.expect("redrive"), 0, "{}", q.as_str());
        assert!(dead.list(q, 100).await.expect("list").is_empty());
    }
}
