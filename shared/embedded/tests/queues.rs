//! The embedded queues' consumer side: FIFO groups, delays, deduplication, visibility,
//! dead letters and durability, on a manual clock so nothing waits for real time.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::Arc;
use std::time::Duration;

use turno_core::ports::{Envelope, Queue, QueueName};
use turno_embedded::{Db, Delivery, QueueOptions, Settlement, SqliteQueues};
use turno_testkit::ManualClock;

const VISIBILITY: Duration = Duration::from_secs(30);

struct Fixture {
    queues: SqliteQueues,
    clock: Arc<ManualClock>,
}

fn fixture_on(db: Db, clock: Arc<ManualClock>) -> Fixture {
    let options = QueueOptions {
        max_receives: 3,
        ..QueueOptions::default()
    };
    Fixture {
        queues: SqliteQueues::with_options(db, options, clock.clone()),
        clock,
    }
}

fn fixture() -> Fixture {
    fixture_on(
        Db::open_temporary().unwrap(),
        Arc::new(ManualClock::default()),
    )
}

fn message(queue: QueueName, group: Option<&str>, body: &str) -> Envelope {
    Envelope {
        queue,
        group: group.map(str::to_owned),
        dedupe_id: None,
        delay: Duration::ZERO,
        body: body.to_owned(),
    }
}

fn inbound(group: &str, body: &str) -> Envelope {
    message(QueueName::Inbound, Some(group), body)
}

impl Fixture {
    async fn send(&self, envelopes: Vec<Envelope>) {
        self.queues.send(envelopes).await.unwrap();
    }

    fn receive(&self, queue: QueueName) -> Vec<Delivery> {
        self.queues.receive(queue, 10, VISIBILITY).unwrap()
    }

    fn bodies(&self, queue: QueueName) -> Vec<String> {
        self.receive(queue).into_iter().map(|d| d.body).collect()
    }

    fn ack_all(&self, deliveries: &[Delivery]) {
        for d in deliveries {
            assert!(self.queues.ack(&d.receipt).unwrap());
        }
    }
}

fn bodies(deliveries: &[Delivery]) -> Vec<&str> {
    deliveries.iter().map(|d| d.body.as_str()).collect()
}

#[tokio::test]
async fn fifo_group_delivers_one_message_at_a_time_in_send_order() {
    let f = fixture();
    f.send(vec![
        inbound("a", "a1"),
        inbound("b", "b1"),
        inbound("a", "a2"),
    ])
    .await;
    f.send(vec![inbound("a", "a3"), inbound("b", "b2")]).await;

    let first = f.receive(QueueName::Inbound);
    assert_eq!(
        bodies(&first),
        ["a1", "b1"],
        "one head per group, groups side by side"
    );
    assert!(
        f.receive(QueueName::Inbound).is_empty(),
        "nothing more while the heads are in flight"
    );

    f.ack_all(&first[..1]);
    let next = f.receive(QueueName::Inbound);
    assert_eq!(
        bodies(&next),
        ["a2"],
        "acknowledging a head releases the next of its group only"
    );
    f.ack_all(&next);
    f.ack_all(&first[1..]);
    let rest = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&rest), ["a3", "b2"]);
}

#[tokio::test]
async fn receive_takes_at_most_the_batch_size_oldest_first() {
    let f = fixture();
    let many = (0..25)
        .map(|i| inbound(&format!("g{i}"), &format!("m{i:02}")))
        .collect();
    f.send(many).await;
    let batch = f
        .queues
        .receive(QueueName::Inbound, 10, VISIBILITY)
        .unwrap();
    let expected: Vec<String> = (0..10).map(|i| format!("m{i:02}")).collect();
    assert_eq!(bodies(&batch), expected);
    assert_eq!(
        f.queues
            .receive(QueueName::Inbound, 100, VISIBILITY)
            .unwrap()
            .len(),
        15
    );
}

#[tokio::test]
async fn standard_queues_ignore_groups() {
    let f = fixture();
    let grouped = |b| message(QueueName::Escalations, Some("same"), b);
    f.send(vec![grouped("e1"), grouped("e2"), grouped("e3")])
        .await;
    assert_eq!(f.bodies(QueueName::Escalations), ["e1", "e2", "e3"]);
}

#[tokio::test]
async fn delayed_message_is_received_only_once_its_delay_is_over() {
    let f = fixture();
    let mut timer = message(QueueName::SlaTimers, None, "timer");
    timer.delay = Duration::from_secs(10);
    f.send(vec![timer]).await;

    assert!(f.receive(QueueName::SlaTimers).is_empty());
    assert_eq!(
        f.queues.next_visible_at(QueueName::SlaTimers).unwrap(),
        Some(turno_testkit::at(10))
    );
    assert_eq!(
        f.queues.next_visible_in(QueueName::SlaTimers).unwrap(),
        Some(Duration::from_secs(10))
    );
    f.clock.advance(Duration::from_millis(9_999));
    assert!(
        f.receive(QueueName::SlaTimers).is_empty(),
        "not a millisecond early"
    );
    f.clock.advance(Duration::from_millis(1));
    assert_eq!(f.bodies(QueueName::SlaTimers), ["timer"]);
}

#[tokio::test]
async fn a_delayed_head_holds_back_the_rest_of_its_group() {
    let f = fixture();
    let mut first = inbound("a", "a1");
    first.delay = Duration::from_secs(5);
    f.send(vec![first, inbound("a", "a2"), inbound("b", "b1")])
        .await;
    assert_eq!(f.bodies(QueueName::Inbound), ["b1"]);
    f.clock.advance(Duration::from_secs(5));
    let head = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&head), ["a1"]);
    f.ack_all(&head);
    assert_eq!(f.bodies(QueueName::Inbound), ["a2"]);
}

#[tokio::test]
async fn next_visible_at_is_none_for_an_empty_queue() {
    let f = fixture();
    assert_eq!(
        f.queues.next_visible_at(QueueName::Escalations).unwrap(),
        None
    );
    assert_eq!(
        f.queues.next_visible_in(QueueName::Escalations).unwrap(),
        None
    );
}

#[tokio::test]
async fn duplicate_dedupe_id_is_dropped_within_five_minutes_and_accepted_after() {
    let f = fixture();
    let dedupe = |body: &str| Envelope {
        dedupe_id: Some("wamid.1".into()),
        ..inbound("a", body)
    };
    f.send(vec![dedupe("first"), dedupe("same batch")]).await;
    f.clock.advance(Duration::from_secs(299));
    f.send(vec![dedupe("within the window")]).await;
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 1);

    // Dedupe ids are per queue.
    let elsewhere = Envelope {
        queue: QueueName::TicketWrites,
        ..dedupe("other queue")
    };
    f.send(vec![elsewhere]).await;
    assert_eq!(f.queues.depth(QueueName::TicketWrites).unwrap(), 1);

    f.clock.advance(Duration::from_secs(1));
    f.send(vec![dedupe("after the window")]).await;
    let got = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&got), ["first"]);
    f.ack_all(&got);
    assert_eq!(f.bodies(QueueName::Inbound), ["after the window"]);
}

#[tokio::test]
async fn unacknowledged_message_is_redelivered_after_its_visibility_timeout() {
    let f = fixture();
    f.send(vec![inbound("a", "m")]).await;
    let first = f.receive(QueueName::Inbound);
    assert_eq!(first[0].receive_count, 1);
    f.clock.advance(VISIBILITY - Duration::from_millis(1));
    assert!(
        f.receive(QueueName::Inbound).is_empty(),
        "hidden for the whole timeout"
    );

    f.clock.advance(Duration::from_millis(1));
    let second = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&second), ["m"]);
    assert_eq!(second[0].receive_count, 2);
    assert_eq!(
        second[0].receipt.message_id(),
        first[0].receipt.message_id()
    );

    assert!(
        !f.queues.ack(&first[0].receipt).unwrap(),
        "the old receipt no longer works"
    );
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 1);
    assert!(f.queues.ack(&second[0].receipt).unwrap());
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 0);
}

#[tokio::test]
async fn retry_later_delivers_again_after_the_delay_keeping_the_group_blocked() {
    let f = fixture();
    f.send(vec![inbound("a", "a1"), inbound("a", "a2")]).await;
    let got = f.receive(QueueName::Inbound);
    assert!(
        f.queues
            .retry_later(&got[0].receipt, Duration::from_secs(2))
            .unwrap()
    );
    assert!(
        f.receive(QueueName::Inbound).is_empty(),
        "a2 waits behind the retrying a1"
    );
    f.clock.advance(Duration::from_secs(2));
    let again = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&again), ["a1"]);
    assert_eq!(again[0].receive_count, 2);
}

#[tokio::test]
async fn message_received_max_receives_times_goes_to_the_dead_letters() {
    let f = fixture();
    f.send(vec![inbound("a", "poison"), inbound("a", "next")])
        .await;
    for attempt in 1..=3 {
        let got = f.receive(QueueName::Inbound);
        assert_eq!(bodies(&got), ["poison"]);
        assert_eq!(got[0].receive_count, attempt);
        f.clock.advance(VISIBILITY);
    }
    // The fourth receive moves it aside and goes on with its group.
    assert_eq!(f.bodies(QueueName::Inbound), ["next"]);
    let dead = f.queues.dead_letters(QueueName::Inbound).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
    assert_eq!(dead[0].queue, QueueName::Inbound);
    assert_eq!(dead[0].group.as_deref(), Some("a"));
    assert_eq!(dead[0].receive_count, 3);
    assert!(
        dead[0].reason.contains("received 3 times"),
        "{}",
        dead[0].reason
    );
    assert!(
        f.queues
            .dead_letters(QueueName::TicketWrites)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn dead_letter_moves_a_message_at_once_with_its_reason() {
    let f = fixture();
    f.send(vec![inbound("a", "bad"), inbound("a", "good")])
        .await;
    let got = f.receive(QueueName::Inbound);
    assert!(
        f.queues
            .dead_letter(&got[0].receipt, "malformed job body")
            .unwrap()
    );
    let dead = f.queues.dead_letters(QueueName::Inbound).unwrap();
    assert_eq!(
        (dead[0].body.as_str(), dead[0].reason.as_str()),
        ("bad", "malformed job body")
    );
    assert_eq!(dead[0].receive_count, 1);
    assert_eq!(f.bodies(QueueName::Inbound), ["good"], "the group moves on");
}

#[tokio::test]
async fn redrive_sends_dead_letters_again_in_order() {
    let f = fixture();
    f.send(vec![inbound("a", "x"), inbound("b", "y")]).await;
    for d in f.receive(QueueName::Inbound) {
        f.queues
            .dead_letter(&d.receipt, "downstream was down")
            .unwrap();
    }
    assert_eq!(f.queues.redrive(QueueName::Inbound).unwrap(), 2);
    assert!(
        f.queues
            .dead_letters(QueueName::Inbound)
            .unwrap()
            .is_empty()
    );
    let again = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&again), ["x", "y"]);
    assert_eq!(
        again[0].receive_count, 1,
        "a redriven message starts afresh"
    );
}

#[tokio::test]
async fn settle_applies_many_outcomes_at_once_and_skips_stale_receipts() {
    let f = fixture();
    f.send(
        (0..4)
            .map(|i| message(QueueName::Escalations, None, &format!("m{i}")))
            .collect(),
    )
    .await;
    let got = f.receive(QueueName::Escalations);
    let stale = got[3].receipt.clone();
    f.queues.ack(&got[3].receipt).unwrap();
    let settled = f
        .queues
        .settle(&[
            (got[0].receipt.clone(), Settlement::Ack),
            (
                got[1].receipt.clone(),
                Settlement::RetryAfter(Duration::from_secs(1)),
            ),
            (got[2].receipt.clone(), Settlement::DeadLetter("no".into())),
            (stale, Settlement::Ack),
        ])
        .unwrap();
    assert_eq!(settled, 3);
    assert_eq!(f.queues.depth(QueueName::Escalations).unwrap(), 1);
    assert_eq!(
        f.queues.dead_letters(QueueName::Escalations).unwrap().len(),
        1
    );
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(f.bodies(QueueName::Escalations), ["m1"]);
}

/// A worker's one write per turn of its loop: what finished is settled, and the settle has
/// already handed each group on when the receive looks, so a group's next message comes
/// back in the same call.
#[tokio::test]
async fn settle_and_receive_settles_first_then_takes_the_next_of_each_group() {
    let db = Db::open_temporary().unwrap();
    let f = fixture_on(db.clone(), Arc::new(ManualClock::default()));
    f.send(vec![
        inbound("a", "a1"),
        inbound("a", "a2"),
        inbound("b", "b1"),
    ])
    .await;
    let first = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&first), ["a1", "b1"]);
    assert_eq!(f.queues.held(), 2);
    let a1 = first.iter().find(|d| d.body == "a1").unwrap();
    let writes = db.writes();
    let (settled, next) = f
        .queues
        .settle_and_receive(
            vec![(a1.receipt.clone(), Settlement::Ack)],
            QueueName::Inbound,
            10,
            VISIBILITY,
        )
        .await
        .unwrap();
    assert_eq!(db.writes() - writes, 1, "one write for both");
    assert_eq!(settled, 1);
    assert_eq!(bodies(&next), ["a2"]);
    assert_eq!(f.queues.held(), 2, "b1 and a2 are held, a1 no longer");
    // A stale receipt changes nothing and still lets the receive run.
    let (settled, next) = f
        .queues
        .settle_and_receive(
            vec![(a1.receipt.clone(), Settlement::Ack)],
            QueueName::Inbound,
            10,
            VISIBILITY,
        )
        .await
        .unwrap();
    assert_eq!((settled, next.len()), (0, 0));
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 2);
}

#[tokio::test]
async fn depth_counts_visible_delayed_and_in_flight_messages() {
    let f = fixture();
    let mut delayed = message(QueueName::SlaTimers, None, "later");
    delayed.delay = Duration::from_secs(60);
    f.send(vec![
        delayed,
        message(QueueName::SlaTimers, None, "now"),
        message(QueueName::SlaTimers, None, "also"),
    ])
    .await;
    let got = f
        .queues
        .receive(QueueName::SlaTimers, 1, VISIBILITY)
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(f.queues.depth(QueueName::SlaTimers).unwrap(), 3);
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 0);
}

#[tokio::test]
async fn a_send_wakes_whoever_waits_on_that_queue() {
    let f = fixture();
    let waker = f.queues.waker(QueueName::Escalations);
    let woken = waker.notified();
    tokio::pin!(woken);
    woken.as_mut().enable();
    f.send(vec![message(QueueName::Escalations, None, "wake up")])
        .await;
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("woken by the send");
}

#[tokio::test]
async fn messages_survive_a_restart_and_in_flight_ones_return_after_their_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turno.db");
    let clock = Arc::new(ManualClock::default());
    {
        let f = fixture_on(Db::open(&path).unwrap(), clock.clone());
        f.send(vec![inbound("a", "in flight"), inbound("b", "waiting")])
            .await;
        let mut delayed = message(QueueName::SlaTimers, None, "timer");
        delayed.delay = Duration::from_secs(600);
        f.send(vec![delayed]).await;
        let got = f.queues.receive(QueueName::Inbound, 1, VISIBILITY).unwrap();
        assert_eq!(bodies(&got), ["in flight"]);
        // The process dies here: no ack, every handle dropped.
    }
    let f = fixture_on(Db::open(&path).unwrap(), clock.clone());
    assert_eq!(f.queues.depth(QueueName::Inbound).unwrap(), 2);
    let waiting = f.receive(QueueName::Inbound);
    assert_eq!(
        bodies(&waiting),
        ["waiting"],
        "the in-flight one stays hidden"
    );
    f.ack_all(&waiting);
    clock.advance(VISIBILITY);
    let back = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&back), ["in flight"]);
    assert_eq!(back[0].receive_count, 2);
    clock.advance(Duration::from_secs(600));
    assert_eq!(f.bodies(QueueName::SlaTimers), ["timer"]);
}

#[tokio::test]
async fn release_in_flight_makes_held_messages_visible_but_not_delayed_new_ones() {
    let f = fixture();
    f.send(vec![inbound("a", "held"), inbound("b", "also held")])
        .await;
    let mut delayed = message(QueueName::SlaTimers, None, "timer");
    delayed.delay = Duration::from_secs(600);
    f.send(vec![delayed]).await;
    assert_eq!(f.receive(QueueName::Inbound).len(), 2);
    assert!(
        f.receive(QueueName::Inbound).is_empty(),
        "held until the visibility timeout"
    );

    let released = f.queues.release_in_flight().unwrap();

    assert_eq!(released, 2);
    let again = f.receive(QueueName::Inbound);
    assert_eq!(bodies(&again), vec!["held", "also held"]);
    assert!(again.iter().all(|d| d.receive_count == 2));
    assert!(
        f.receive(QueueName::SlaTimers).is_empty(),
        "a delayed send keeps its delay"
    );
}
