use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::future::join_all;
use tracing::{Instrument, debug, error, info_span, warn};
use turno_core::app::{JobError, Turno};
use turno_core::ports::{QueueName, Timing};

use crate::redelivery::{Redelivery, outage_backoff};

const GROUP_ATTRIBUTE: &str = "MessageGroupId";
const RECEIVE_COUNT_ATTRIBUTE: &str = "ApproximateReceiveCount";
const SENT_ATTRIBUTE: &str = "SentTimestamp";

/// Runs every record of an SQS batch as a job of `queue` and reports the ones that failed, so
/// the queue redelivers only those (the event source mapping must set
/// `FunctionResponseTypes: [ReportBatchItemFailures]`).
///
/// Records run concurrently, except records of one FIFO message group: those run in order, and
/// once one fails the later ones are reported failed without running, so the group is
/// redelivered from the failed record on and its order holds. A record without a body fails.
/// A permanent failure (a job that cannot succeed as it is) is logged at error level: it will
/// reach the dead-letter queue once its receive count runs out.
///
/// Every failure comes back after the queue's visibility timeout;
/// [`handle_sqs_batch_backing_off`] paces WhatsApp outages instead.
pub async fn handle_sqs_batch(
    turno: &Turno,
    queue: QueueName,
    event: SqsEvent,
) -> SqsBatchResponse {
    handle(turno, None, queue, event).await
}

/// [`handle_sqs_batch`], where a record that failed because WhatsApp is down or throttling
/// (and the later records of its FIFO group) is hidden for the outage backoff of
/// [`crate::redelivery`] instead of coming back after the visibility timeout. If the backoff
/// cannot be set, the record is still reported failed and comes back as usual.
pub async fn handle_sqs_batch_backing_off(
    turno: &Turno,
    redelivery: &dyn Redelivery,
    queue: QueueName,
    event: SqsEvent,
) -> SqsBatchResponse {
    handle(turno, Some(redelivery), queue, event).await
}

async fn handle(
    turno: &Turno,
    redelivery: Option<&dyn Redelivery>,
    queue: QueueName,
    event: SqsEvent,
) -> SqsBatchResponse {
    let runs = in_order_runs(event.records)
        .into_iter()
        .map(|run| process_run(turno, redelivery, queue, run));
    // The records' domain events go to EventBridge together once the batch is done, and their
    // timers to the timers queue.
    let mut failed: Vec<(usize, String)> =
        crate::events::batched(crate::timers::batched(join_all(runs)))
            .await
            .into_iter()
            .flatten()
            .collect();
    failed.sort_unstable_by_key(|(position, _)| *position);
    let mut response = SqsBatchResponse::default();
    for (_, message_id) in failed {
        response.add_failure(message_id);
    }
    crate::flush_metrics();
    response
}

/// Splits a batch into runs that must be processed in order: one per FIFO message group (in
/// the order SQS delivered them), one per record without a group. Records keep their position
/// in the batch.
fn in_order_runs(records: Vec<SqsMessage>) -> Vec<Vec<(usize, SqsMessage)>> {
    let mut runs: Vec<Vec<(usize, SqsMessage)>> = Vec::new();
    let mut run_of_group: HashMap<String, usize> = HashMap::new();
    for (position, record) in records.into_iter().enumerate() {
        match record.attributes.get(GROUP_ATTRIBUTE) {
            Some(group) => {
                let run = *run_of_group.entry(group.clone()).or_insert_with(|| {
                    runs.push(Vec::new());
                    runs.len() - 1
                });
                runs[run].push((position, record));
            }
            None => runs.push(vec![(position, record)]),
        }
    }
    runs
}

/// Processes one run in order; returns the positions and message ids that failed or were
/// skipped after a failure.
async fn process_run(
    turno: &Turno,
    redelivery: Option<&dyn Redelivery>,
    queue: QueueName,
    run: Vec<(usize, SqsMessage)>,
) -> Vec<(usize, String)> {
    let mut failed = Vec::new();
    // Set once a record failed: the wait before the group's next delivery, if an outage's.
    let mut blocked: Option<Option<Duration>> = None;
    for (position, record) in run {
        let message_id = record.message_id.clone().unwrap_or_default();
        let span = record_span(queue, &record);
        if let Some(wait) = blocked {
            span.in_scope(|| warn!("not processed: an earlier message of its group failed"));
            if let Some(delay) = wait {
                // Behind its group's head, so the group comes back together.
                delay_redelivery(redelivery, queue, &record, delay)
                    .instrument(span)
                    .await;
            }
            failed.push((position, message_id));
            continue;
        }
        match process_record(turno, queue, &record)
            .instrument(span.clone())
            .await
        {
            Outcome::Done => {}
            Outcome::Failed => {
                // A record without an id is reported with an empty identifier, which makes
                // Lambda retry the whole batch: the only safe answer for a record SQS did not
                // identify.
                failed.push((position, message_id));
                blocked = Some(None);
            }
            Outcome::Outage(asked) => {
                let delay = outage_backoff(receive_count(&record).unwrap_or(1), asked);
                let delayed = delay_redelivery(redelivery, queue, &record, delay)
                    .instrument(span)
                    .await;
                failed.push((position, message_id));
                blocked = Some(delayed.then_some(delay));
            }
        }
    }
    failed
}

/// Hides `record` for `delay`; returns whether it did.
async fn delay_redelivery(
    redelivery: Option<&dyn Redelivery>,
    queue: QueueName,
    record: &SqsMessage,
    delay: Duration,
) -> bool {
    let (Some(redelivery), Some(receipt)) = (redelivery, record.receipt_handle.as_deref()) else {
        return false;
    };
    let retry_in_s = delay.as_secs();
    match redelivery.delay_redelivery(queue, receipt, delay).await {
        Ok(()) => {
            warn!(retry_in_s, "WhatsApp is down; the message waits for it");
            true
        }
        Err(e) => {
            warn!(error = %format!("{e:#}"), retry_in_s, "could not delay the next delivery; it comes back after the visibility timeout");
            false
        }
    }
}

/// How long the record waited since it was sent (SQS's `SentTimestamp`, in ms).
fn queue_age(record: &SqsMessage) -> Option<Duration> {
    let sent: u64 = record.attributes.get(SENT_ATTRIBUTE)?.parse().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(now.saturating_sub(Duration::from_millis(sent)))
}

fn receive_count(record: &SqsMessage) -> Option<u32> {
    record
        .attributes
        .get(RECEIVE_COUNT_ATTRIBUTE)
        .and_then(|c| c.parse::<u32>().ok())
}

fn record_span(queue: QueueName, record: &SqsMessage) -> tracing::Span {
    let receive_count = receive_count(record);
    info_span!(
        "sqs_record",
        queue = queue.as_str(),
        message_id = record.message_id.as_deref().unwrap_or(""),
        receive_count,
    )
}

/// How a record's job went.
enum Outcome {
    Done,
    Failed,
    /// Failed because WhatsApp is down or throttling; with the wait it asked for, if any.
    Outage(Option<Duration>),
}

/// Runs one record's job.
async fn process_record(turno: &Turno, queue: QueueName, record: &SqsMessage) -> Outcome {
    if record.message_id.is_none() {
        error!("record without a message id; the whole batch will be retried");
    }
    if let Some(age) = queue_age(record) {
        turno
            .metrics()
            .time(Timing::QueueAge, Some(queue.as_str()), age);
    }
    let Some(body) = record.body.as_deref() else {
        error!(
            "record without a body; it cannot be processed and will reach the dead-letter queue"
        );
        return Outcome::Failed;
    };
    match run_job(turno, queue, body).await {
        Ok(()) => {
            debug!("job done");
            Outcome::Done
        }
        Err(e) if e.permanent => {
            error!(
                error = %format!("{:#}", e.source),
                "job failed permanently; it will reach the dead-letter queue after its last receive"
            );
            Outcome::Failed
        }
        Err(e) if e.is_outage() => {
            warn!(error = %format!("{:#}", e.source), "job failed: WhatsApp is down or throttling");
            Outcome::Outage(e.retry_after())
        }
        Err(e) => {
            warn!(error = %format!("{:#}", e.source), "job failed; the queue will deliver it again");
            Outcome::Failed
        }
    }
}

/// Runs one job of `queue` through that queue's use cases; a function built without the
/// queue's feature links none of them, and fails the job (permanently: no redelivery makes it
/// consume another queue).
async fn run_job(turno: &Turno, queue: QueueName, body: &str) -> Result<(), JobError> {
    match queue {
        #[cfg(feature = "bot")]
        QueueName::Inbound => turno.handle_inbound_job(body).await,
        #[cfg(feature = "tickets")]
        QueueName::TicketWrites => turno.handle_ticket_write_job(body).await,
        #[cfg(feature = "escalation")]
        QueueName::Escalations => turno.handle_escalation_job(body).await,
        #[cfg(feature = "sla")]
        QueueName::SlaTimers => turno.handle_timer_job(body).await,
        #[allow(unreachable_patterns)]
        other => {
            let _ = (turno, body);
            Err(JobError::permanent(anyhow::anyhow!(
                "this function does not run jobs of the {} queue",
                other.as_str()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, group: Option<&str>) -> SqsMessage {
        let mut r = SqsMessage::default();
        r.message_id = Some(id.to_owned());
        if let Some(g) = group {
            r.attributes
                .insert(GROUP_ATTRIBUTE.to_owned(), g.to_owned());
        }
        r
    }

    fn ids(runs: &[Vec<(usize, SqsMessage)>]) -> Vec<Vec<(usize, &str)>> {
        runs.iter()
            .map(|run| {
                run.iter()
                    .map(|(p, r)| (*p, r.message_id.as_deref().unwrap_or("")))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn records_of_one_group_form_one_run_in_delivery_order() {
        let batch = vec![
            record("a1", Some("A")),
            record("b1", Some("B")),
            record("a2", Some("A")),
            record("s1", None),
            record("s2", None),
        ];
        let runs = in_order_runs(batch);
        assert_eq!(
            ids(&runs),
            vec![
                vec![(0, "a1"), (2, "a2")],
                vec![(1, "b1")],
                vec![(3, "s1")],
                vec![(4, "s2")],
            ]
        );
    }
}
