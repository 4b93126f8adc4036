//! The table's stream as the ticket-counts function's event source mapping reads it: from
//! the start of each shard, ticket items only, in order. [`StreamTail`] is what stands in for
//! that function where it does not run: a store given it as its catch-up applies what the
//! stream holds before each count or rollup read.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError};

use async_trait::async_trait;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use tokio::sync::Mutex;
use turno_core::ports::StoreError;

use crate::{CountsCatchUp, DynamoStore, TicketChange};

use super::{DYNAMODB_ENDPOINT_VAR, endpoint, sdk_config};

/// A reader of one table's stream that remembers where it stopped in each shard.
#[derive(Debug)]
pub struct StreamTail {
    streams: aws_sdk_dynamodbstreams::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    /// Each shard's next iterator (`None`: closed and read to its end), shared by this
    /// process's tails of the table. Held through a whole catch-up, so a reader that waits for
    /// one sees what it applied.
    shards: Arc<Mutex<Shards>>,
}

type Shards = HashMap<String, Option<String>>;

/// A stream record as the event source mapping hands it to the function.
fn ticket_change(r: Record) -> Option<TicketChange> {
    let d = r.dynamodb?;
    let item = |m: Option<HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
        m.map(|m| serde_dynamo::Item::from(m).into())
    };
    Some(TicketChange {
        event_id: r.event_id?,
        sequence: d.sequence_number?,
        keys: item(d.keys).unwrap_or_default(),
        old: item(d.old_image),
        new: item(d.new_image),
    })
}

fn is_ticket(c: &TicketChange) -> bool {
    c.keys
        .get("SK")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some("TICKET")
}

impl StreamTail {
    /// A tail of `table`'s stream on the DynamoDB emulator that goes on from `shards`.
    async fn new(table: &str, shards: Arc<Mutex<Shards>>) -> Self {
        let config = sdk_config(&endpoint(DYNAMODB_ENDPOINT_VAR)).await;
        StreamTail {
            streams: aws_sdk_dynamodbstreams::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            table: table.to_owned(),
            shards,
        }
    }

    /// The ticket changes written since the last read, one list per shard, in order.
    pub async fn read(&self) -> Vec<Vec<TicketChange>> {
        let mut shards = self.shards.lock().await;
        self.read_locked(&mut shards).await
    }

    async fn read_locked(&self, shards: &mut Shards) -> Vec<Vec<TicketChange>> {
        let arn = self
            .dynamodb
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .expect("describe the table")
            .table
            .and_then(|t| t.latest_stream_arn)
            .expect("the table has a stream (template.yaml's StreamSpecification)");
        let described = self
            .streams
            .describe_stream()
            .stream_arn(&arn)
            .send()
            .await
            .expect("describe the stream")
            .stream_description
            .expect("a stream description");
        let mut out = Vec::new();
        for shard in described.shards.unwrap_or_default() {
            let Some(id) = shard.shard_id else { continue };
            if !shards.contains_key(&id) {
                let iterator = self
                    .streams
                    .get_shard_iterator()
                    .stream_arn(&arn)
                    .shard_id(&id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await
                    .expect("a shard iterator")
                    .shard_iterator;
                shards.insert(id.clone(), iterator);
            }
            let mut changes = Vec::new();
            while let Some(iterator) = shards.get(&id).cloned().flatten() {
                let (records, next) = match self
                    .streams
                    .get_records()
                    .shard_iterator(iterator)
                    .send()
                    .await
                {
                    Ok(page) => (
                        page.records
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(ticket_change)
                            .collect::<Vec<_>>(),
                        page.next_shard_iterator,
                    ),
                    // DynamoDB Local writes an empty map as `{}` in stream records (DynamoDB
                    // writes `{"M": {}}`), which the SDK does not read: read the page itself.
                    Err(e) => e
                        .raw_response()
                        .and_then(|r| r.body().bytes())
                        .and_then(raw_page)
                        .unwrap_or_else(|| panic!("read the stream: {e:?}")),
                };
                let empty = records.is_empty();
                changes.extend(records.into_iter().filter(is_ticket));
                shards.insert(id.clone(), next);
                if empty {
                    break;
                }
            }
            if !changes.is_empty() {
                out.push(changes);
            }
        }
        out
    }
}

impl StreamTail {
    /// Applies with `store` what the stream holds since the last read, in batches of up to
    /// `batch` records of one shard, as ticket-counts' event source mapping hands them.
    /// Returns how many records there were.
    pub async fn apply(&self, store: &DynamoStore, batch: usize) -> Result<usize, StoreError> {
        let mut shards = self.shards.lock().await;
        let mut records = 0;
        for changes in self.read_locked(&mut shards).await {
            for batch in changes.chunks(batch.max(1)) {
                records += batch.len();
                store
                    .apply_ticket_changes(batch)
                    .await
                    .map_err(|stopped| stopped.error)?;
            }
        }
        Ok(records)
    }
}

#[async_trait]
impl CountsCatchUp for StreamTail {
    async fn catch_up(&self, store: &DynamoStore) -> Result<(), StoreError> {
        self.apply(store, usize::MAX).await.map(|_| ())
    }
}

/// Where this process stopped in each table's stream: a table's stream has one reader, as
/// it has one ticket-counts function. (The clients are each tail's own: an SDK client's
/// connections belong to the runtime that made them, and each test has its own.)
static READ_TO: LazyLock<std::sync::Mutex<HashMap<String, Arc<Mutex<Shards>>>>> =
    LazyLock::new(Default::default);

impl StreamTail {
    /// A tail of `table`'s stream that goes on from where this process stopped reading it.
    pub async fn of(table: &str) -> Arc<StreamTail> {
        let shards = READ_TO
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(table.to_owned())
            .or_default()
            .clone();
        Arc::new(StreamTail::new(table, shards).await)
    }
}

/// A store on `table` whose count and rollup reads first apply what the stream holds.
pub async fn caught_up_store(client: aws_sdk_dynamodb::Client, table: &str) -> DynamoStore {
    DynamoStore::new(client, table).with_counts_catch_up(StreamTail::of(table).await)
}

/// An attribute value with its type: `{}` becomes an empty map, inside maps and lists too.
fn typed(v: &mut serde_json::Value) {
    let Some(obj) = v.as_object_mut() else { return };
    if obj.is_empty() {
        *v = serde_json::json!({ "M": {} });
        return;
    }
    if let Some(m) = obj.get_mut("M").and_then(|m| m.as_object_mut()) {
        m.values_mut().for_each(typed);
    }
    if let Some(l) = obj.get_mut("L").and_then(|l| l.as_array_mut()) {
        l.iter_mut().for_each(typed);
    }
}

/// A GetRecords page read from its JSON, with each untyped `{}` read as an empty map.
fn raw_page(body: &[u8]) -> Option<(Vec<TicketChange>, Option<String>)> {
    let page: serde_json::Value = serde_json::from_slice(body).ok()?;
    let image = |r: &serde_json::Value,
                 name: &str|
     -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut attrs = r.get("dynamodb")?.get(name)?.clone();
        attrs.as_object_mut()?.values_mut().for_each(typed);
        serde_json::from_value::<serde_dynamo::Item>(attrs)
            .ok()
            .map(Into::into)
    };
    let records = page
        .get("Records")?
        .as_array()?
        .iter()
        .map(|r| {
            Some(TicketChange {
                event_id: r.get("eventID")?.as_str()?.to_owned(),
                sequence: r
                    .get("dynamodb")?
                    .get("SequenceNumber")?
                    .as_str()?
                    .to_owned(),
                keys: image(r, "Keys")?,
                old: image(r, "OldImage"),
                new: image(r, "NewImage"),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let next = page
        .get("NextShardIterator")
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    Some((records, next))
}

/// The DynamoDB stream event Lambda hands the ticket-counts function for `changes` (one
/// shard's, in order), in Lambda's JSON.
pub fn stream_event(changes: &[TicketChange]) -> serde_json::Value {
    let image = |i: &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>| {
        serde_json::to_value(serde_dynamo::Item::from(i.clone())).unwrap_or_default()
    };
    let records: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            let name = match (&c.old, &c.new) {
                (None, _) => "INSERT",
                (Some(_), Some(_)) => "MODIFY",
                (Some(_), None) => "REMOVE",
            };
            let mut dynamodb = serde_json::json!({
                "Keys": image(&c.keys),
                "SequenceNumber": c.sequence,
                "SizeBytes": 0,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            });
            if let Some(old) = &c.old {
                dynamodb["OldImage"] = image(old);
            }
            if let Some(new) = &c.new {
                dynamodb["NewImage"] = image(new);
            }
            serde_json::json!({
                "eventID": c.event_id,
                "eventName": name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": dynamodb,
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/turno/stream/probe",
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}
