//! The batches the event source mappings hand the functions: what a queue holds now, as an SQS
//! event; what the table's stream holds now, as DynamoDB stream events.

use turno_aws::testing::{StreamTail, sqs_event, stream_event};

/// Records in one ticket-counts batch, as in `template.yaml`.
const STREAM_BATCH: usize = 100;

/// Receives what `url` holds now (up to `max`), deletes it, and returns it as the SQS event
/// Lambda would hand the consumer.
pub(crate) async fn take_batch(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    max: usize,
) -> anyhow::Result<(String, usize)> {
    let mut messages = Vec::new();
    for _ in 0..5 {
        if messages.len() >= max {
            break;
        }
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(i32::try_from(max - messages.len()).unwrap_or(10))
            .wait_time_seconds(1)
            .visibility_timeout(60)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await?
            .messages
            .unwrap_or_default();
        if got.is_empty() {
            break;
        }
        messages.extend(got);
    }
    for m in &messages {
        if let Some(handle) = m.receipt_handle() {
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(handle)
                .send()
                .await?;
        }
    }
    Ok((sqs_event(&messages, "probe").to_string(), messages.len()))
}

/// The ticket changes the table's stream holds since the last call, as the DynamoDB stream
/// events (up to 100 records, one shard's each) Lambda would hand ticket-counts, with how
/// many records they hold.
pub(crate) async fn take_changes(tail: &StreamTail) -> (Vec<String>, usize) {
    let mut events = Vec::new();
    let mut records = 0;
    for shard in tail.read().await {
        for batch in shard.chunks(STREAM_BATCH) {
            records += batch.len();
            events.push(stream_event(batch).to_string());
        }
    }
    (events, records)
}
