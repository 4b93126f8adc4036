//! The adapters' synchronous methods called from inside a tokio runtime, on a current-thread
//! runtime's own thread, many times in one poll of one task: the shape of a caller (the month
//! simulator's clockwork) that once hung forever in a queue receive.
//!
//! A synchronous wait that blocks the runtime's thread on a future can never finish once
//! that future needs the runtime: tokio's cooperative budget runs out after some hundred
//! operations in one task poll, and from then on a tokio channel answers "pending" and
//! defers its wake-up to the scheduler, which the blocked thread never gives control back to.
//! Each test runs its runtime on a thread of its own and fails, rather than hangs, if the
//! work has not finished in a generous time.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use turno_core::ports::{Envelope, QueueName};
use turno_embedded::{Db, QueueOptions, Settlement, SqliteQueues};
use turno_testkit::ManualClock;

/// Far more than the budget tokio gives one task poll (128 operations).
const ROUNDS: usize = 600;

/// Longer than the work takes on a loaded machine by two orders of magnitude.
const LIMIT: Duration = Duration::from_secs(120);

/// Runs `work` inside `block_on` of a new current-thread runtime on its own thread; fails the
/// test if it has not finished within [`LIMIT`].
fn on_current_thread_runtime(work: impl FnOnce() -> usize + Send + 'static) -> usize {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // The work runs inside the runtime's only task without ever yielding to it.
        let n = rt.block_on(async move { work() });
        let _ = done.send(n);
    });
    finished
        .recv_timeout(LIMIT)
        .expect("a synchronous call inside the runtime never answered")
}

fn queues(db: &Db) -> SqliteQueues {
    SqliteQueues::with_options(
        db.clone(),
        QueueOptions::default(),
        Arc::new(ManualClock::default()),
    )
}

fn inbound(n: usize) -> Envelope {
    Envelope {
        queue: QueueName::Inbound,
        group: Some(format!("customer-{n}")),
        dedupe_id: None,
        delay: Duration::ZERO,
        body: format!("job {n}"),
    }
}

#[test]
fn queue_send_receive_and_settle_answer_on_a_runtime_thread() {
    let db = Db::open_temporary().unwrap();
    let q = queues(&db);
    let handled = on_current_thread_runtime(move || {
        let mut handled = 0;
        for n in 0..ROUNDS {
            assert_eq!(q.send_now(&[inbound(n)]).unwrap(), 1);
            let got = q
                .receive(QueueName::Inbound, 10, Duration::from_secs(30))
                .unwrap();
            for d in &got {
                assert!(q.ack(&d.receipt).unwrap());
            }
            handled += got.len();
        }
        handled
    });
    assert_eq!(handled, ROUNDS);
}

#[test]
fn settle_many_and_redrive_answer_on_a_runtime_thread() {
    let db = Db::open_temporary().unwrap();
    let q = queues(&db);
    let redriven = on_current_thread_runtime(move || {
        let mut redriven = 0;
        for n in 0..ROUNDS / 3 {
            q.send_now(&[inbound(n)]).unwrap();
            let got = q
                .receive(QueueName::Inbound, 10, Duration::from_secs(30))
                .unwrap();
            let dead: Vec<_> = got
                .iter()
                .map(|d| (d.receipt.clone(), Settlement::DeadLetter("test".into())))
                .collect();
            assert_eq!(q.settle(&dead).unwrap(), got.len());
            redriven += q.redrive(QueueName::Inbound).unwrap();
            for d in q
                .receive(QueueName::Inbound, 10, Duration::from_secs(30))
                .unwrap()
            {
                assert!(q.ack(&d.receipt).unwrap());
            }
        }
        redriven
    });
    assert_eq!(redriven, ROUNDS / 3);
}
