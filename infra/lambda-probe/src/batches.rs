//! The batches the event source mappings hand the functions: what a queue holds now, as an SQS
//! event; what the table's stream holds now, as DynamoDB stream events.

use std::collections::HashMap;

use serde_json::{Value, json};
use turno_aws::testing::{StreamTail, lambda_event};

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
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: HashMap<&str, &str> = m
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                "attributes": attributes, "messageAttributes": {}, "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:probe",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    Ok((json!({ "Records": records }).to_string(), messages.len()))
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
            events.push(lambda_event(batch).to_string());
        }
    }
    (events, records)
}
