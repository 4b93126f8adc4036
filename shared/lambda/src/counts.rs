//! The ticket-counts function's glue: a batch of the table's stream records (one shard's, in
//! order, ticket items only) applied to the status counters and the rollups, and the answer
//! that has Lambda retry from the first record not applied.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use turno_aws::{DynamoStore, TicketChange};

use crate::Env;
use crate::aws::TABLE_VAR;

/// The store on the function's table (`TURNO_TABLE`).
pub async fn table_store(function: &str, env: Env<'_>) -> anyhow::Result<DynamoStore> {
    let table = env(TABLE_VAR).ok_or_else(|| {
        anyhow::anyhow!("turno {function}: {TABLE_VAR} must name the DynamoDB table")
    })?;
    Ok(DynamoStore::new(
        crate::clients().await.dynamodb.clone(),
        table,
    ))
}

/// One stream record as a ticket change (an image that is absent or empty is none).
pub fn ticket_change(r: EventRecord) -> TicketChange {
    let image = |i: serde_dynamo::Item| (!i.is_empty()).then(|| i.into());
    TicketChange {
        event_id: r.event_id,
        sequence: r.change.sequence_number.unwrap_or_default(),
        keys: r.change.keys.into(),
        old: image(r.change.old_image),
        new: image(r.change.new_image),
    }
}

/// Applies the batch; a failure answers the first record not applied, which Lambda hands
/// again with those after it.
pub async fn handle_ticket_changes(store: &DynamoStore, event: Event) -> DynamoDbEventResponse {
    let changes: Vec<TicketChange> = event.records.into_iter().map(ticket_change).collect();
    let mut response = DynamoDbEventResponse::default();
    match store.apply_ticket_changes(&changes).await {
        Ok(done) => tracing::info!(
            records = changes.len(),
            applied = done.applied,
            already = done.already,
            skipped = done.skipped,
            runs = done.runs,
            "ticket counts applied"
        ),
        Err(stopped) => {
            tracing::warn!(
                records = changes.len(),
                applied = stopped.applied.applied,
                sequence = %stopped.sequence,
                error = %stopped.error,
                "ticket counts stopped: Lambda hands the rest again"
            );
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(stopped.sequence);
            response.batch_item_failures.push(failure);
        }
    }
    response
}
