//! `run_worker` end to end on real time: retries, dead letters, wake-ups, FIFO concurrency
//! and shutdown.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use turno_core::app::JobError;
use turno_core::ports::{Envelope, Queue, QueueName};
use turno_embedded::{Db, QueueOptions, SqliteQueues, WorkerOptions, run_worker};

/// Generous: only reached when something is broken.
const PATIENCE: Duration = Duration::from_secs(10);

fn queues(max_receives: u32) -> Arc<SqliteQueues> {
    let options = QueueOptions {
        max_receives,
        ..QueueOptions::default()
    };
    let clock = Arc::new(turno_core::ports::SystemClock);
    Arc::new(SqliteQueues::with_options(
        Db::open_temporary().unwrap(),
        options,
        clock,
    ))
}

fn fast() -> WorkerOptions {
    WorkerOptions {
        retry_base: Duration::from_millis(10),
        retry_max: Duration::from_millis(50),
        ..WorkerOptions::default()
    }
}

fn envelope(queue: QueueName, group: Option<String>, body: String) -> Envelope {
    Envelope {
        queue,
        group,
        dedupe_id: None,
        delay: Duration::ZERO,
        body,
    }
}

struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Worker {
    fn start<F, Fut>(
        queues: &Arc<SqliteQueues>,
        queue: QueueName,
        opts: WorkerOptions,
        handler: F,
    ) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(run_worker(queues.clone(), queue, opts, handler, shutdown));
        Worker { stop, task }
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("worker stops")
            .unwrap();
    }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn drained(queues: &SqliteQueues, queue: QueueName) {
    until("the queue to drain", || queues.depth(queue).unwrap() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn worker_retries_a_failed_first_attempt_and_keeps_each_group_in_order() {
    let q = queues(5);
    let attempts: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let done: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, d) = (attempts.clone(), done.clone());
    let worker = Worker::start(&q, QueueName::Inbound, fast(), move |body: String| {
        let (attempts, done) = (a.clone(), d.clone());
        async move {
            let n = {
                let mut attempts = attempts.lock().unwrap();
                let n = attempts.entry(body.clone()).or_default();
                *n += 1;
                *n
            };
            if n == 1 {
                return Err(JobError::retry(anyhow::anyhow!("first attempt fails")));
            }
            done.lock().unwrap().push(body);
            Ok(())
        }
    });
    let mut envelopes = Vec::new();
    for i in 0..5 {
        for g in 0..4 {
            envelopes.push(envelope(
                QueueName::Inbound,
                Some(format!("g{g}")),
                format!("g{g}:{i}"),
            ));
        }
    }
    q.send(envelopes).await.unwrap();
    drained(&q, QueueName::Inbound).await;
    worker.stop().await;

    assert!(
        attempts.lock().unwrap().values().all(|&n| n == 2),
        "each job ran twice"
    );
    let done = done.lock().unwrap();
    assert_eq!(done.len(), 20, "every job succeeded once");
    for g in 0..4 {
        let order: Vec<_> = done
            .iter()
            .filter(|b| b.starts_with(&format!("g{g}:")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..5).map(|i| format!("g{g}:{i}")).collect();
        assert_eq!(
            order, expected,
            "group g{g} in send order despite the retries"
        );
    }
    assert!(q.dead_letters(QueueName::Inbound).unwrap().is_empty());
}

#[tokio::test]
async fn worker_dead_letters_a_permanent_failure_at_once() {
    let q = queues(5);
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let worker = Worker::start(&q, QueueName::Escalations, fast(), move |_body: String| {
        let calls = c.clone();
        async move {
            *calls.lock().unwrap() += 1;
            Err(JobError::permanent(anyhow::anyhow!("malformed job body")))
        }
    });
    q.send(vec![envelope(QueueName::Escalations, None, "{".into())])
        .await
        .unwrap();
    drained(&q, QueueName::Escalations).await;
    worker.stop().await;
    assert_eq!(*calls.lock().unwrap(), 1, "never retried");
    let dead = q.dead_letters(QueueName::Escalations).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].body.as_str(), dead[0].receive_count), ("{", 1));
    assert!(
        dead[0].reason.contains("malformed job body"),
        "{}",
        dead[0].reason
    );
}

#[tokio::test]
async fn worker_dead_letters_a_job_that_fails_on_every_allowed_receive() {
    let q = queues(3);
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let worker = Worker::start(&q, QueueName::Escalations, fast(), move |_body: String| {
        let calls = c.clone();
        async move {
            *calls.lock().unwrap() += 1;
            Err(JobError::retry(anyhow::anyhow!("order system is down")))
        }
    });
    q.send(vec![envelope(QueueName::Escalations, None, "job".into())])
        .await
        .unwrap();
    drained(&q, QueueName::Escalations).await;
    worker.stop().await;
    assert_eq!(*calls.lock().unwrap(), 3);
    let dead = q.dead_letters(QueueName::Escalations).unwrap();
    assert_eq!(dead[0].receive_count, 3);
    assert!(
        dead[0].reason.contains("order system is down"),
        "the last error is kept: {}",
        dead[0].reason
    );
}

#[tokio::test]
async fn worker_treats_a_panicking_job_as_a_retryable_failure() {
    let q = queues(5);
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let worker = Worker::start(&q, QueueName::Escalations, fast(), move |_body: String| {
        let calls = c.clone();
        async move {
            let n = {
                let mut calls = calls.lock().unwrap();
                *calls += 1;
                *calls
            };
            assert!(n > 1, "the first attempt panics");
            Ok(())
        }
    });
    q.send(vec![envelope(QueueName::Escalations, None, "job".into())])
        .await
        .unwrap();
    drained(&q, QueueName::Escalations).await;
    worker.stop().await;
    assert_eq!(*calls.lock().unwrap(), 2);
    assert!(q.dead_letters(QueueName::Escalations).unwrap().is_empty());
}

/// Bodies a handler ran on, with when.
type Seen = Arc<Mutex<Vec<(String, Instant)>>>;

fn recorder() -> (
    Seen,
    impl Fn(String) -> std::future::Ready<Result<(), JobError>> + Send + Sync + 'static,
) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let handler = move |body: String| {
        s.lock().unwrap().push((body, Instant::now()));
        std::future::ready(Ok(()))
    };
    (seen, handler)
}

#[tokio::test]
async fn idle_worker_wakes_on_a_send_without_waiting_for_its_poll() {
    let q = queues(5);
    let (seen, handler) = recorder();
    let opts = WorkerOptions {
        poll: Duration::from_secs(3600),
        ..fast()
    };
    let worker = Worker::start(&q, QueueName::Escalations, opts, handler);
    tokio::time::sleep(Duration::from_millis(50)).await;
    q.send(vec![envelope(QueueName::Escalations, None, "hello".into())])
        .await
        .unwrap();
    until("the job to run", || !seen.lock().unwrap().is_empty()).await;
    worker.stop().await;
}

#[tokio::test]
async fn worker_sleeps_until_a_delayed_message_is_due_and_not_longer() {
    let q = queues(5);
    let (seen, handler) = recorder();
    let opts = WorkerOptions {
        poll: Duration::from_secs(3600),
        ..fast()
    };
    let worker = Worker::start(&q, QueueName::SlaTimers, opts, handler);
    let mut timer = envelope(QueueName::SlaTimers, None, "timer".into());
    timer.delay = Duration::from_millis(300);
    let sent = Instant::now();
    q.send(vec![timer]).await.unwrap();
    until("the timer to fire", || !seen.lock().unwrap().is_empty()).await;
    let fired = seen.lock().unwrap()[0].1;
    assert!(
        fired.duration_since(sent) >= Duration::from_millis(300),
        "not before its delay"
    );
    worker.stop().await;
}

#[derive(Default)]
struct GroupWatch {
    running: HashSet<String>,
    most_at_once: usize,
    runs: usize,
    /// Times a job started while another of its group was running.
    overlaps: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn worker_runs_groups_side_by_side_but_never_two_of_one_group() {
    let q = queues(5);
    let watch: Arc<Mutex<GroupWatch>> = Arc::default();
    let w = watch.clone();
    let worker = Worker::start(&q, QueueName::Inbound, fast(), move |body: String| {
        let watch = w.clone();
        async move {
            let group = body.split(':').next().unwrap_or_default().to_owned();
            {
                let mut w = watch.lock().unwrap();
                if !w.running.insert(group.clone()) {
                    w.overlaps += 1;
                }
                w.runs += 1;
                w.most_at_once = w.most_at_once.max(w.running.len());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            watch.lock().unwrap().running.remove(&group);
            Ok(())
        }
    });
    let envelopes = (0..5)
        .flat_map(|i| {
            (0..6).map(move |g| {
                envelope(
                    QueueName::Inbound,
                    Some(format!("g{g}")),
                    format!("g{g}:{i}"),
                )
            })
        })
        .collect();
    q.send(envelopes).await.unwrap();
    drained(&q, QueueName::Inbound).await;
    worker.stop().await;
    let w = watch.lock().unwrap();
    assert_eq!(w.runs, 30, "every job ran once");
    assert_eq!(w.overlaps, 0, "never two jobs of one group at once");
    assert!(
        w.most_at_once > 1,
        "groups ran concurrently (at most {} at once)",
        w.most_at_once
    );
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_settles_them() {
    let q = queues(5);
    let started = Arc::new(Mutex::new(false));
    let s = started.clone();
    let worker = Worker::start(&q, QueueName::Escalations, fast(), move |_body: String| {
        let started = s.clone();
        async move {
            *started.lock().unwrap() = true;
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok(())
        }
    });
    q.send(vec![envelope(QueueName::Escalations, None, "slow".into())])
        .await
        .unwrap();
    until("the job to start", || *started.lock().unwrap()).await;
    worker.stop().await;
    assert_eq!(
        q.depth(QueueName::Escalations).unwrap(),
        0,
        "the finished job was acknowledged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_a_thousand_inbound_messages_flows_through() {
    let q = queues(5);
    let (seen, handler) = recorder();
    let worker = Worker::start(&q, QueueName::Inbound, WorkerOptions::default(), handler);
    let envelopes = (0..1_000)
        .map(|i| Envelope {
            dedupe_id: Some(format!("wamid.{i}")),
            ..envelope(
                QueueName::Inbound,
                Some(format!("ws#346{:08}", i % 200)),
                format!("m{i}"),
            )
        })
        .collect();
    let started = Instant::now();
    q.send(envelopes).await.unwrap();
    let sent = started.elapsed();
    drained(&q, QueueName::Inbound).await;
    let total = started.elapsed();
    worker.stop().await;
    assert_eq!(seen.lock().unwrap().len(), 1_000);
    // A figure for people, not an assertion: timing depends on the machine.
    eprintln!("1,000 messages: sent in {sent:?}, all received, run and acknowledged in {total:?}");
}
