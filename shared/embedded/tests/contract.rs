//! The port contract suites of turno-testkit, run against the SQLite adapters on a real
//! database file.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use turno_core::ports::{DeadLetters, Envelope, Queue, QueueName, Store};
use turno_embedded::{Db, SqliteQueues, SqliteStore};
use turno_testkit::dead_letters::DeadLetterProbe;
use turno_testkit::queue::QueueProbe;

async fn store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::new(
        Db::open_temporary().expect("temporary database"),
    ))
}

mod store_contract {
    use super::*;
    turno_testkit::store_contract_tests!(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_whole_store_contract_passes_on_one_shared_in_memory_database() {
    // Every check on one store, as the AWS adapters will run it against one emulator table.
    let db = Db::open_in_memory().expect("in-memory database");
    turno_testkit::store::run_all(Arc::new(SqliteStore::new(db))).await;
}

#[tokio::test]
async fn a_turns_first_read_brings_the_current_ticket_in_the_same_read() {
    // One local read costs little more with the ticket than without: the turn reads no more.
    let store = store().await;
    assert!(
        turno_testkit::store::conversations::turn_reads_bring_the_current_ticket_as_stored(&*store)
            .await
    );
}

/// Observes the embedded queues the way the contract needs: receive, delete, repeat.
struct Probe(Arc<SqliteQueues>);

#[async_trait]
impl QueueProbe for Probe {
    async fn drain(&self, queue: QueueName, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut bodies = Vec::new();
        loop {
            let batch = self
                .0
                .receive(queue, 10, Duration::from_secs(30))
                .expect("receive");
            if batch.is_empty() {
                if !bodies.is_empty() || Instant::now() >= deadline {
                    return bodies;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            for d in batch {
                assert!(
                    self.0.ack(&d.receipt).expect("ack"),
                    "fresh receipts acknowledge"
                );
                bodies.push(d.body);
            }
        }
    }
}

async fn queues() -> (Arc<dyn Queue>, Arc<dyn QueueProbe>) {
    let queues = Arc::new(SqliteQueues::new(
        Db::open_temporary().expect("temporary database"),
    ));
    (queues.clone(), Arc::new(Probe(queues)))
}

mod queue_contract {
    use super::*;
    turno_testkit::queue_contract_tests!(queues);
}

#[async_trait]
impl DeadLetterProbe for Probe {
    async fn kill(&self, queue: QueueName, group: Option<&str>, bodies: &[String]) {
        let envelopes = bodies
            .iter()
            .map(|body| Envelope {
                queue,
                group: group.map(str::to_owned),
                dedupe_id: None,
                delay: Duration::ZERO,
                body: body.clone(),
            })
            .collect();
        self.0.send(envelopes).await.unwrap();
        let mut killed = 0;
        while killed < bodies.len() {
            let batch = self.0.receive(queue, 10, Duration::from_secs(30)).unwrap();
            assert!(!batch.is_empty(), "every message sent is received");
            for d in batch {
                assert!(self.0.dead_letter(&d.receipt, "given up on").unwrap());
                killed += 1;
            }
        }
    }
}

async fn dead_letters() -> (Arc<dyn DeadLetters>, Arc<dyn DeadLetterProbe>) {
    let queues = Arc::new(SqliteQueues::new(
        Db::open_temporary().expect("temporary database"),
    ));
    (queues.clone(), Arc::new(Probe(queues)))
}

mod dead_letter_contract {
    use super::*;
    turno_testkit::dead_letter_contract_tests!(dead_letters);
}
