use std::collections::HashMap;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::future::join_all;
use tracing::{Instrument, debug, error, info_span, warn};
use turno_core::app::{JobError, Turno};
use turno_core::ports::QueueName;

const GROUP_ATTRIBUTE: &str = "MessageGroupId";
const RECEIVE_COUNT_ATTRIBUTE: &str = "ApproximateReceiveCount";

/// Runs every record of an SQS batch as a job of `queue` and reports the ones that failed, so
/// the queue redelivers only those (the event source mapping must set
/// `FunctionResponseTypes: [ReportBatchItemFailures]`).
///
/// Records run concurrently, except records of one FIFO message group: those run in order, and
/// once one fails the later ones are reported failed without running, so the group is
/// redelivered from the failed record on and its order holds. A record without a body fails.
/// A permanent failure (a job that cannot succeed as it is) is logged at error level: it will
/// reach the dead-letter queue once its receive count runs out.
pub async fn handle_sqs_batch(
    turno: &Turno,
    queue: QueueName,
    event: SqsEvent,
) -> SqsBatchResponse {
    let runs = in_order_runs(event.records)
        .into_iter()
        .map(|run| process_run(turno, queue, run));
    let mut failed: Vec<(usize, String)> = join_all(runs).await.into_iter().flatten().collect();
    failed.sort_unstable_by_key(|(position, _)| *position);
    let mut response = SqsBatchResponse::default();
    for (_, message_id) in failed {
        response.add_failure(message_id);
    }
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
    queue: QueueName,
    run: Vec<(usize, SqsMessage)>,
) -> Vec<(usize, String)> {
    let mut failed = Vec::new();
    let mut blocked = false;
    for (position, record) in run {
        let message_id = record.message_id.clone().unwrap_or_default();
        let span = record_span(queue, &record);
        if blocked {
            span.in_scope(|| warn!("not processed: an earlier message of its group failed"));
            failed.push((position, message_id));
            continue;
        }
        if !process_record(turno, queue, &record).instrument(span).await {
            // A record without an id is reported with an empty identifier, which makes Lambda
            // retry the whole batch: the only safe answer for a record SQS did not identify.
            failed.push((position, message_id));
            blocked = true;
        }
    }
    failed
}

fn record_span(queue: QueueName, record: &SqsMessage) -> tracing::Span {
    let receive_count = record
        .attributes
        .get(RECEIVE_COUNT_ATTRIBUTE)
        .and_then(|c| c.parse::<u32>().ok());
    info_span!(
        "sqs_record",
        queue = queue.as_str(),
        message_id = record.message_id.as_deref().unwrap_or(""),
        receive_count,
    )
}

/// Runs one record's job; returns whether it succeeded.
async fn process_record(turno: &Turno, queue: QueueName, record: &SqsMessage) -> bool {
    if record.message_id.is_none() {
        error!("record without a message id; the whole batch will be retried");
    }
    let Some(body) = record.body.as_deref() else {
        error!(
            "record without a body; it cannot be processed and will reach the dead-letter queue"
        );
        return false;
    };
    match turno.handle_job(queue, body).await {
        Ok(()) => {
            debug!("job done");
            true
        }
        Err(JobError {
            permanent: true,
            source,
        }) => {
            error!(
                error = %format!("{source:#}"),
                "job failed permanently; it will reach the dead-letter queue after its last receive"
            );
            false
        }
        Err(JobError {
            permanent: false,
            source,
        }) => {
            warn!(error = %format!("{source:#}"), "job failed; the queue will deliver it again");
            false
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
