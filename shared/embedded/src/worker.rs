//! The consumer loop that runs a queue's jobs in the local runner: the equivalent of the
//! Lambda SQS event source mapping with partial batch responses.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};
use tracing::{Instrument, debug, error, info, info_span, warn};
use turno_core::app::JobError;
use turno_core::ports::{Metrics, NoMetrics, QueueName, Timing};

use crate::queue::{Delivery, Receipt, Settlement, SqliteQueues};

/// How a worker consumes its queue.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Most messages taken per receive.
    pub batch: usize,
    /// How long a received message stays hidden from other consumers; a job still running
    /// after this may be delivered a second time, as on SQS.
    pub visibility: Duration,
    /// Most jobs running at once. FIFO groups still run one message at a time.
    pub concurrency: usize,
    /// The longest an idle worker sleeps before looking again; sends wake it sooner.
    pub poll: Duration,
    /// The delay before the first retry of a failed job; it doubles with each receive.
    pub retry_base: Duration,
    /// The longest delay between retries (a throttling error may ask for longer).
    pub retry_max: Duration,
    /// The delay before the first retry of a job that failed because WhatsApp is down or
    /// throttling; it doubles with each such retry. These retries do not spend the job's
    /// receives, so an outage of any length leaves nothing in the dead letters.
    pub outage_base: Duration,
    /// The longest delay between outage retries: how long after WhatsApp recovers a waiting
    /// job may still sleep.
    pub outage_max: Duration,
    /// A job older than this stops waiting for free: its outage retries count again, so a
    /// channel that never comes back still ends in the dead letters (which alarm).
    pub outage_budget: Duration,
    /// Where the worker records how long each job waited in the queue.
    pub metrics: WorkerMetrics,
}

/// The metrics a worker records into (none by default).
#[derive(Clone)]
pub struct WorkerMetrics(pub Arc<dyn Metrics>);

impl Default for WorkerMetrics {
    fn default() -> Self {
        WorkerMetrics(Arc::new(NoMetrics))
    }
}

impl std::fmt::Debug for WorkerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkerMetrics")
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            batch: 10,
            visibility: Duration::from_secs(60),
            concurrency: 16,
            poll: Duration::from_millis(200),
            retry_base: Duration::from_millis(250),
            retry_max: Duration::from_secs(30),
            outage_base: Duration::from_secs(1),
            outage_max: Duration::from_secs(60),
            outage_budget: Duration::from_secs(24 * 3600),
            metrics: WorkerMetrics::default(),
        }
    }
}

/// Runs `handler` on every message of `queue` until `shutdown` turns `true`, then waits for
/// the jobs it holds and returns.
///
/// Jobs run concurrently (up to `concurrency`), each in a `queue_job` tracing span with the
/// queue, message id and receive count. A job that succeeds is deleted; one that fails with a
/// permanent [`JobError`] goes to the dead letters at once; one that fails otherwise (or
/// panics) is delivered again after an exponential backoff, and goes to the dead letters when
/// it fails on its last allowed receive. Finished jobs are settled together in one
/// transaction. When there is nothing to receive the worker sleeps until a send wakes it, the
/// next delayed message is due, or `poll` passes.
///
/// If the shutdown sender is dropped without sending `true`, the worker keeps running.
pub async fn run_worker<F, Fut>(
    queues: Arc<SqliteQueues>,
    queue: QueueName,
    opts: WorkerOptions,
    handler: F,
    mut shutdown: watch::Receiver<bool>,
) where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let handler = Arc::new(handler);
    let waker = queues.waker(queue);
    let concurrency = opts.concurrency.max(1);
    let batch = opts.batch.max(1);
    let max_receives = queues.options().max_receives;
    let mut running: JoinSet<(Receipt, Settlement)> = JoinSet::new();
    let mut finished: Vec<(Receipt, Settlement)> = Vec::new();
    let mut stopping = false;
    let mut signal_gone = false;
    info!(queue = queue.as_str(), "worker started");
    loop {
        stopping |= *shutdown.borrow();
        while let Some(joined) = running.try_join_next() {
            collect(joined, &mut finished);
        }
        let free = concurrency.saturating_sub(running.len());
        let receiving = !stopping && free > 0;
        if !finished.is_empty()
            && !receiving
            && let Err(e) = queues.settle_async(std::mem::take(&mut finished)).await
        {
            settle_failed(queue, &e);
        }
        if stopping && running.is_empty() {
            break;
        }

        // Registered before looking at the queue, so a send that lands between the look and
        // the sleep still wakes us.
        let woken = waker.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();

        let mut wait = None;
        if receiving {
            // What finished is settled in the same write that takes the next jobs.
            let settlements = std::mem::take(&mut finished);
            let settling = !settlements.is_empty();
            let received = queues
                .settle_and_receive(settlements, queue, free.min(batch), opts.visibility)
                .await
                .map(|(_, deliveries)| deliveries);
            match received {
                Ok(deliveries) if !deliveries.is_empty() => {
                    for d in deliveries {
                        let age = queues.now().duration_since(d.sent_at).unsigned_abs();
                        opts.metrics
                            .0
                            .time(Timing::QueueAge, Some(queue.as_str()), age);
                        let in_budget = age <= opts.outage_budget;
                        spawn_job(&mut running, &handler, d, &opts, max_receives, in_budget);
                    }
                    continue;
                }
                Ok(_) => wait = Some(idle_wait(&queues, queue, opts.poll).await),
                Err(e) => {
                    if settling {
                        settle_failed(queue, &e);
                    }
                    error!(queue = queue.as_str(), error = %format!("{e:#}"), "could not receive");
                    wait = Some(opts.poll);
                }
            }
        }
        tokio::select! {
            Some(joined) = running.join_next(), if !running.is_empty() => {
                collect(joined, &mut finished);
            }
            () = &mut woken, if wait.is_some() => {}
            () = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
            changed = shutdown.changed(), if !stopping && !signal_gone => {
                signal_gone = changed.is_err();
            }
        }
    }
    info!(queue = queue.as_str(), "worker stopped");
}

/// The jobs stay in flight and are delivered again after their visibility timeout: at least
/// once, never lost.
fn settle_failed(queue: QueueName, e: &anyhow::Error) {
    let error = format!("{e:#}");
    error!(queue = queue.as_str(), %error, "could not settle finished jobs");
}

/// How long an idle worker sleeps: until the next message is due, at most `poll`.
async fn idle_wait(queues: &SqliteQueues, queue: QueueName, poll: Duration) -> Duration {
    match queues.next_visible_in_async(queue).await {
        // At least a millisecond: visibility is kept in milliseconds.
        Ok(Some(d)) => d.min(poll).max(Duration::from_millis(1)),
        Ok(None) => poll,
        Err(e) => {
            let error = format!("{e:#}");
            warn!(queue = queue.as_str(), %error, "could not read the next due time");
            poll
        }
    }
}

fn collect(
    joined: Result<(Receipt, Settlement), JoinError>,
    finished: &mut Vec<(Receipt, Settlement)>,
) {
    match joined {
        Ok(done) => finished.push(done),
        // Jobs catch their own panics, so this is a cancelled task: its message comes back
        // after its visibility timeout.
        Err(e) => error!(error = %e, "job task ended without a result"),
    }
}

fn spawn_job<F, Fut>(
    running: &mut JoinSet<(Receipt, Settlement)>,
    handler: &Arc<F>,
    delivery: Delivery,
    opts: &WorkerOptions,
    max_receives: u32,
    outage_is_free: bool,
) where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let span = info_span!(
        "queue_job",
        queue = delivery.queue.as_str(),
        message = delivery.receipt.message_id(),
        receive_count = delivery.receive_count,
    );
    let handler = Arc::clone(handler);
    let (retry_base, retry_max) = (opts.retry_base, opts.retry_max);
    let (outage_base, outage_max) = (opts.outage_base, opts.outage_max);
    let job = async move {
        let Delivery {
            receipt,
            body,
            receive_count,
            deferrals,
            ..
        } = delivery;
        let started = Instant::now();
        let outcome = AssertUnwindSafe(async move { handler(body).await })
            .catch_unwind()
            .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let error = match outcome {
            Ok(Ok(())) => {
                debug!(elapsed_ms, "job done");
                return (receipt, Settlement::Ack);
            }
            Ok(Err(e)) if e.permanent => {
                warn!(elapsed_ms, error = %e, "job cannot succeed; moved to the dead letters");
                return (receipt, Settlement::DeadLetter(e.to_string()));
            }
            Ok(Err(e)) => e,
            Err(_) => JobError::retry(anyhow::anyhow!("the job panicked")),
        };
        if outage_is_free && error.is_outage() {
            let delay = backoff(deferrals + 1, error.retry_after(), outage_base, outage_max);
            let retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            warn!(elapsed_ms, retry_in_ms, deferrals, error = %error, "WhatsApp is down; the job waits for it");
            return (receipt, Settlement::Defer(delay));
        }
        let attempts = receive_count.saturating_sub(deferrals);
        if attempts >= max_receives {
            warn!(elapsed_ms, %error, "job failed on its last attempt; moved to the dead letters");
            let reason = format!("failed {attempts} times; last error: {error}");
            return (receipt, Settlement::DeadLetter(reason));
        }
        let delay = backoff(attempts, error.retry_after(), retry_base, retry_max);
        let retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        warn!(elapsed_ms, retry_in_ms, error = %error, "job failed; will retry");
        (receipt, Settlement::RetryAfter(delay))
    };
    running.spawn(job.instrument(span));
}

/// Exponential backoff from `base`, doubling per receive up to `max`; a delay WhatsApp asked
/// for is honoured even beyond `max`.
fn backoff(receive_count: u32, asked: Option<Duration>, base: Duration, max: Duration) -> Duration {
    let doublings = receive_count.saturating_sub(1).min(20);
    let delay = base.saturating_mul(1 << doublings).min(max);
    asked.map_or(delay, |asked| asked.max(delay))
}

#[cfg(test)]
mod tests {
    use turno_core::ports::SendError;

    use super::*;

    fn retry_after(error: &JobError) -> Option<Duration> {
        error.retry_after()
    }

    fn outage(error: &JobError) -> bool {
        error.is_outage()
    }

    #[test]
    fn backoff_doubles_per_receive_and_stops_at_the_maximum() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let delays: Vec<_> = (1..=6)
            .map(|n| backoff(n, None, base, max).as_millis())
            .collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn a_throttled_send_waits_at_least_as_long_as_whatsapp_asked() {
        let err = JobError::retry(SendError::Throttled {
            retry_after: Some(Duration::from_secs(7)),
        });
        let asked = retry_after(&err);
        assert_eq!(asked, Some(Duration::from_secs(7)));
        let delay = backoff(1, asked, Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(delay, Duration::from_secs(7));
    }

    #[test]
    fn only_a_channel_outage_waits_without_spending_attempts() {
        let paused = JobError::retry(SendError::Paused {
            retry_after: Duration::from_secs(3),
        });
        assert!(outage(&paused));
        assert_eq!(retry_after(&paused), Some(Duration::from_secs(3)));
        assert!(outage(&JobError::retry(SendError::Unavailable(
            "503".into()
        ))));
        assert!(!outage(&JobError::retry(SendError::Unauthorized {
            code: 190
        })));
        assert!(!outage(&JobError::retry(anyhow::anyhow!("store down"))));
    }

    #[test]
    fn other_errors_ask_for_no_particular_delay() {
        let err = JobError::retry(SendError::Unavailable("502".into()));
        assert_eq!(retry_after(&err), None);
    }
}
