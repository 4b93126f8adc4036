//! The store ports on DynamoDB, one module per port; the keys, the item layout and the
//! conditional writes they share are here. The key design is in the crate docs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::desk::agent::Agent;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, MessageId, TicketId, WaId, WorkspaceId};
use turno_core::ports::StoreError;
use turno_core::ports::records::RecordKind;

mod agents;
mod changes;
mod compact;
mod conditional;
mod conversations;
mod counts;
mod created;
mod erase;
mod records;
mod retention;
mod rollups;
mod tickets;
mod transcripts;
mod turn_entries;
mod views;

use conditional::{CondPut, TxFailure, non_empty, tx_failure};

type Item = HashMap<String, AttributeValue>;

/// The index names, as in `template.yaml`.
pub const QUEUE_INDEX: &str = "GSI1";
pub const AGENT_TICKETS_INDEX: &str = "GSI2";
pub const SLA_INDEX: &str = "GSI3";
pub const WORKSPACE_TICKETS_INDEX: &str = "GSI4";
pub use counts::{Applied, CountsCatchUp, ROLLUP_DELTAS, StoppedAt, TicketChange};
pub use created::CREATED_INDEX;
pub use retention::EXPIRES_AT;
pub use views::{
    ASSIGNEE_GROUP_INDEX, CUSTOMER_INDEX, GROUP_INDEX, NAME_INDEX, STATUS_INDEX, TEAM_GROUP_INDEX,
    TEAM_STATUS_INDEX,
};

/// Partitions of the cross-workspace SLA index; the sweep queries each one.
pub const SLA_SHARDS: u8 = 4;

/// How long a turn record is kept: well past SQS's longest retention (14 days), so a redelivered
/// message always finds its record.
pub const TURN_TTL: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How many times a transaction that lost to a concurrent one (`TransactionConflict`) is tried.
const TRANSACTION_ATTEMPTS: u32 = 25;

/// [`Store`](turno_core::ports::Store) on one DynamoDB table (single-table design, see the
/// crate docs).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// The status each ticket version was stored with, as this process read or wrote it (see
    /// [`DynamoStore::stored_status`]).
    stored: Arc<Mutex<HashMap<(String, u64), TicketStatus>>>,
    /// Run before a count or rollup read, where the counts are applied from the stream by
    /// something other than the ticket-counts function (the tests).
    catch_up: Option<Arc<dyn CountsCatchUp>>,
}

/// How many ticket versions [`DynamoStore::stored_status`] keeps before it starts afresh.
const STORED_STATES: usize = 4096;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            stored: Arc::default(),
            catch_up: None,
        }
    }

    /// This store, with `catch_up` run before each read of the status counters or the
    /// rollups: what stands in for the ticket-counts function where it does not run.
    pub fn with_counts_catch_up(mut self, catch_up: Arc<dyn CountsCatchUp>) -> Self {
        self.catch_up = Some(catch_up);
        self
    }

    /// Applies what the stream holds, if this store was given a catch-up.
    async fn catch_up_counts(&self) -> Result<(), StoreError> {
        match &self.catch_up {
            Some(c) => c.catch_up(self).await,
            None => Ok(()),
        }
    }

    /// Notes the status `t` is stored with at `t.version`. A version is written once (every
    /// write is conditional on the version it replaces), so what was stored at a version never
    /// changes: a write that replaces a version noted here needs no read to know whether it
    /// replaces a bot-held ticket (see `views::write_moves`).
    fn note_stored(&self, t: &Ticket) {
        let mut stored = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
        if stored.len() >= STORED_STATES {
            stored.clear();
        }
        stored.insert((ticket_pk(&t.workspace, &t.id), t.version), t.status);
    }

    /// The status ticket `t` was stored with at `t.version`, if this process read or wrote
    /// that version.
    fn stored_status(&self, t: &Ticket) -> Option<TicketStatus> {
        self.stored
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(ticket_pk(&t.workspace, &t.id), t.version))
            .cloned()
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

// ---- keys ------------------------------------------------------------------------------

fn conversation_pk(ws: &WorkspaceId, customer: &WaId) -> String {
    format!("WS#{ws}#CONV#{customer}")
}

fn ticket_pk(ws: &WorkspaceId, id: &TicketId) -> String {
    format!("WS#{ws}#TICKET#{id}")
}

fn turn_pk(ws: &WorkspaceId, message: &MessageId) -> String {
    format!("WS#{ws}#TURN#{message}")
}

fn message_pk(ws: &WorkspaceId, message: &MessageId) -> String {
    format!("WS#{ws}#MSG#{message}")
}

fn agents_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#AGENTS")
}

fn agent_sk(id: &AgentId) -> String {
    format!("AGENT#{id}")
}

fn records_pk(ws: &WorkspaceId, kind: RecordKind) -> String {
    format!("WS#{ws}#REC#{}", kind.as_str())
}

fn record_key(ws: &WorkspaceId, kind: RecordKind, key_: &str) -> Item {
    key(records_pk(ws, kind), key_)
}

fn changes_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#CHANGES")
}

const CONVERSATION_SK: &str = "CONV";
const TICKET_SK: &str = "TICKET";
const TURN_SK: &str = "TURN";
const MESSAGE_SK: &str = "MSG";
const ENTRY_PREFIX: &str = "ENTRY#";

/// A timestamp as a fixed-width string that sorts like the time (nanoseconds since jiff's
/// minimum, so times before 1970 sort too).
fn sort_time(t: Timestamp) -> String {
    let since_min = t.as_nanosecond() - Timestamp::MIN.as_nanosecond();
    format!("{since_min:030}")
}

/// The queue index sorts ascending, so the rank (highest first) is stored inverted, fixed width.
fn queue_rank_key(t: &Ticket) -> String {
    format!("{:03}", u8::MAX - t.queue_rank())
}

fn sla_shard(id: &TicketId) -> String {
    let digest = Sha256::digest(id.as_str().as_bytes());
    format!("SLA#{}", digest[0] % SLA_SHARDS)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

// ---- item <-> domain -------------------------------------------------------------------

fn to_item<T: Serialize>(record: &T) -> anyhow::Result<Item> {
    serde_dynamo::to_item(record).context("cannot convert a record to a DynamoDB item")
}

fn from_item<T: DeserializeOwned>(item: Item, what: &str) -> Result<T, StoreError> {
    serde_dynamo::from_item(item)
        .with_context(|| format!("a stored {what} does not read back"))
        .map_err(StoreError::Unexpected)
}

fn attr<T: Serialize>(value: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(value).context("cannot convert a value to a DynamoDB value")
}

/// A record with its keys: the domain fields flattened into top-level attributes (so
/// conditions can read `version`, `load`, `capacity`, `done`), plus the key attributes.
fn record_item<T: Serialize>(record: &T, keys: Item) -> anyhow::Result<Item> {
    let mut item = to_item(record)?;
    item.extend(keys);
    Ok(item)
}

fn ticket_item(t: &Ticket, next_version: u64) -> anyhow::Result<Item> {
    let mut stored = t.clone();
    stored.version = next_version;
    let mut keys = key(ticket_pk(&t.workspace, &t.id), TICKET_SK);
    let updated = format!("{}#{}", sort_time(t.updated_at), t.id);
    keys.insert("GSI4PK".into(), s(format!("WS#{}#TICKETS", t.workspace)));
    keys.insert("GSI4SK".into(), s(updated.clone()));
    if let Some(agent) = &t.assignee {
        keys.insert(
            "GSI2PK".into(),
            s(format!("WS#{}#AGENT#{agent}", t.workspace)),
        );
        keys.insert("GSI2SK".into(), s(updated));
    }
    if let (TicketStatus::Queued, Some(team)) = (t.status, &t.team) {
        let waiting_since = t.queued_at.unwrap_or(t.created_at);
        keys.insert(
            "GSI1PK".into(),
            s(format!("WS#{}#QUEUE#{team}", t.workspace)),
        );
        keys.insert(
            "GSI1SK".into(),
            s(format!(
                "{}#{}#{}",
                queue_rank_key(t),
                sort_time(waiting_since),
                t.id
            )),
        );
    }
    keys.extend(views::view_keys(t));
    keys.extend(created::created_keys(t));
    if let Some(due) = t.sla_due_at() {
        keys.insert("GSI3PK".into(), s(sla_shard(&t.id)));
        keys.insert(
            "GSI3SK".into(),
            s(format!("{}#{}#{}", sort_time(due), t.workspace, t.id)),
        );
    }
    keys.insert(ROLLUP_DELTAS.into(), counts::rollup_deltas_attr(t));
    record_item(&stored, retention::with_expiry(keys, t.expires_at)).map(compact::without_nulls)
}

fn conversation_item(c: &Conversation, next_version: u64) -> anyhow::Result<Item> {
    let mut stored = c.clone();
    stored.version = next_version;
    record_item(
        &stored,
        retention::with_expiry(
            key(conversation_pk(&c.workspace, &c.customer), CONVERSATION_SK),
            c.expires_at,
        ),
    )
}

fn turn_item(turn: &TurnRecord, now: Timestamp) -> anyhow::Result<Item> {
    let mut keys = key(turn_pk(&turn.workspace, &turn.message_id), TURN_SK);
    let expires = now.saturating_add(TURN_TTL).unwrap_or(now).as_second();
    keys.insert("expires_at".into(), n(expires));
    record_item(turn, keys)
}

fn agent_item(agent: &Agent) -> anyhow::Result<Item> {
    record_item(agent, key(agents_pk(&agent.workspace), agent_sk(&agent.id)))
}

// ---- conditional writes ------------------------------------------------------------------

fn sdk_error<E, R>(op: &str, err: SdkError<E, R>) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    anyhow!("DynamoDB {op} failed: {}", DisplayErrorContext(&err))
}

fn unexpected<E, R>(op: &str) -> impl FnOnce(SdkError<E, R>) -> StoreError + '_
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| StoreError::Unexpected(sdk_error(op, e))
}

/// A short wait that grows with the attempt, with some jitter so racing writers spread out.
async fn backoff(attempt: u32) {
    let jitter = u64::from(Timestamp::now().subsec_nanosecond().unsigned_abs() % 10);
    let ms = (u64::from(attempt) * 10).min(200) + jitter;
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Most keys one BatchGetItem takes.
const BATCH_KEYS: usize = 100;

impl DynamoStore {
    /// The items under `keys` (in no particular order; a missing one is left out), read with
    /// BatchGetItem a hundred keys at a time, asking again for the keys DynamoDB left
    /// unprocessed after a short backoff.
    async fn batch_get(
        &self,
        keys: &[Item],
        consistent: bool,
        what: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_KEYS) {
            let mut request = Some(
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(consistent)
                    .build()
                    .map_err(|e| StoreError::Unexpected(e.into()))?,
            );
            let mut attempt = 0;
            while let Some(keys) = request.take() {
                let page = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, keys)
                    .send()
                    .await
                    .map_err(unexpected(what))?;
                found.extend(
                    page.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                request = page
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
                if request.is_some() {
                    attempt += 1;
                    backoff(attempt).await;
                }
            }
        }
        Ok(found)
    }

    /// Runs one transaction, trying again while it loses to concurrent ones.
    async fn transact(
        &self,
        op: &str,
        items: impl Fn() -> anyhow::Result<Vec<TransactWriteItem>>,
    ) -> Result<Result<(), Vec<usize>>, StoreError> {
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items()?))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Ok(())),
                Err(e) => match tx_failure(e, op) {
                    TxFailure::Conditions(failed) => return Ok(Err(failed)),
                    TxFailure::Retry => backoff(attempt).await,
                    TxFailure::Other(e) => return Err(StoreError::Unexpected(e)),
                },
            }
        }
        // Still losing after this many tries: the caller reloads and tries again.
        Err(StoreError::Conflict)
    }

    async fn put(&self, op: &str, put: CondPut) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(put.item))
            .condition_expression(put.condition)
            .set_expression_attribute_names(non_empty(put.names))
            .set_expression_attribute_values(non_empty(put.values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::Unexpected(sdk_error(op, e))),
        }
    }

    async fn get(&self, op: &str, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unexpected(op))?;
        Ok(out.item)
    }

    /// Queries an index (or the table) to the end or until `limit` items are collected.
    /// A query of every item under one partition key (`PK = pk`), to narrow or page.
    fn partition_query(
        &self,
        pk: String,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk))
    }

    async fn query_all(
        &self,
        op: &str,
        build: impl Fn() -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = build()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unexpected(op))?;
            out.extend(page.items.unwrap_or_default());
            if limit.is_some_and(|l| out.len() >= l) {
                out.truncate(limit.unwrap_or(usize::MAX));
                return Ok(out);
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use turno_core::kernel::levels::Priority;

    use super::*;

    #[test]
    fn sort_time_orders_like_time_including_before_1970_and_sub_second() {
        let times = [
            Timestamp::MIN,
            Timestamp::from_second(-1).unwrap(),
            Timestamp::UNIX_EPOCH,
            Timestamp::from_nanosecond(1).unwrap(),
            Timestamp::from_second(20).unwrap(),
            Timestamp::from_second(20).unwrap() + SignedDuration::from_millis(1),
            Timestamp::MAX,
        ];
        let keys: Vec<String> = times.iter().map(|t| sort_time(*t)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| k.len() == keys[0].len()));
    }

    #[test]
    fn queue_key_puts_higher_rank_first_and_sorts_as_text() {
        let ws = WorkspaceId::parse("ws").unwrap();
        let customer = WaId::parse("34600111222").unwrap();
        let t0 = Timestamp::UNIX_EPOCH;
        let ticket = |p: Priority| {
            let mut t = Ticket::new(ws.clone(), customer.clone(), None, Default::default(), t0);
            t.priority = p;
            t
        };
        let order = [
            Priority::Urgent,
            Priority::High,
            Priority::Normal,
            Priority::Low,
        ];
        let keys: Vec<String> = order.iter().map(|p| queue_rank_key(&ticket(*p))).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }
}
