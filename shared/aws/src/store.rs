//! The store port on DynamoDB. The key design is in the crate docs.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::{Body, DeliveryState, DeliveryStatus, TranscriptEntry};
use turno_core::desk::agent::{Agent, Availability};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::ports::records::{Change, Record, RecordKind, change_cursor};
use turno_core::ports::{Store, StoreError, TicketFilter};

type Item = HashMap<String, AttributeValue>;

/// The index names, as in `template.yaml`.
pub const QUEUE_INDEX: &str = "GSI1";
pub const AGENT_TICKETS_INDEX: &str = "GSI2";
pub const SLA_INDEX: &str = "GSI3";
pub const WORKSPACE_TICKETS_INDEX: &str = "GSI4";

/// Partitions of the cross-workspace SLA index; the sweep queries each one.
pub const SLA_SHARDS: u8 = 4;

/// How long a turn record is kept: well past SQS's longest retention (14 days), so a redelivered
/// message always finds its record.
pub const TURN_TTL: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How many times a transaction that lost to a concurrent one (`TransactionConflict`) is tried.
const TRANSACTION_ATTEMPTS: u32 = 25;

/// [`Store`] on one DynamoDB table (single-table design, see the crate docs).
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
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

/// How long the change feed keeps an entry (TTL).
const CHANGE_TTL: SignedDuration = SignedDuration::from_hours(24);

fn records_pk(ws: &WorkspaceId, kind: RecordKind) -> String {
    format!("WS#{ws}#REC#{}", kind.as_str())
}

fn record_key(ws: &WorkspaceId, kind: RecordKind, key_: &str) -> Item {
    key(records_pk(ws, kind), key_)
}

fn changes_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#CHANGES")
}

fn record_from_item(item: Item) -> Result<Record, StoreError> {
    let body = item
        .get("body")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| anyhow!("a stored record has no body"))?;
    let version = item
        .get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| anyhow!("a stored record has no version"))?;
    let mut record: Record =
        serde_json::from_str(body).context("a stored record does not read back")?;
    record.version = version;
    Ok(record)
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
    if let Some(due) = t.sla_due_at() {
        keys.insert("GSI3PK".into(), s(sla_shard(&t.id)));
        keys.insert(
            "GSI3SK".into(),
            s(format!("{}#{}#{}", sort_time(due), t.workspace, t.id)),
        );
    }
    record_item(&stored, keys)
}

fn conversation_item(c: &Conversation, next_version: u64) -> anyhow::Result<Item> {
    let mut stored = c.clone();
    stored.version = next_version;
    record_item(
        &stored,
        key(conversation_pk(&c.workspace, &c.customer), CONVERSATION_SK),
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

/// A put with its condition, usable alone or in a transaction.
struct CondPut {
    item: Item,
    condition: String,
    names: HashMap<String, String>,
    values: Item,
}

impl CondPut {
    /// A put of a versioned record that read `version`: absent for 0, else stored at `version`.
    fn versioned(item: Item, version: u64) -> Self {
        if version == 0 {
            CondPut::new_record(item)
        } else {
            CondPut {
                item,
                condition: "#version = :read_version".into(),
                names: HashMap::from([("#version".into(), "version".into())]),
                values: HashMap::from([(":read_version".into(), n(version))]),
            }
        }
    }

    fn new_record(item: Item) -> Self {
        CondPut {
            item,
            condition: "attribute_not_exists(PK)".into(),
            names: HashMap::new(),
            values: HashMap::new(),
        }
    }

    fn into_transact(self, table: &str) -> anyhow::Result<TransactWriteItem> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(self.item))
            .condition_expression(self.condition)
            .set_expression_attribute_names(non_empty(self.names))
            .set_expression_attribute_values(non_empty(self.values))
            .build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

fn non_empty<V>(map: HashMap<String, V>) -> Option<HashMap<String, V>> {
    (!map.is_empty()).then_some(map)
}

/// What stopped a transaction.
enum TxFailure {
    /// The conditions of these items (by position) failed.
    Conditions(Vec<usize>),
    /// Lost to a concurrent transaction or throttled: nothing was written, try again.
    Retry,
    Other(anyhow::Error),
}

fn tx_failure(err: SdkError<TransactWriteItemsError>, op: &str) -> TxFailure {
    if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error() {
        let reasons = e.cancellation_reasons();
        let failed: Vec<usize> = reasons
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
            .map(|(i, _)| i)
            .collect();
        if !failed.is_empty() {
            return TxFailure::Conditions(failed);
        }
        if reasons.iter().any(|r| {
            matches!(
                r.code(),
                Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")
            )
        }) {
            return TxFailure::Retry;
        }
    }
    if let Some(TransactWriteItemsError::TransactionInProgressException(_)) = err.as_service_error()
    {
        return TxFailure::Retry;
    }
    TxFailure::Other(sdk_error(op, err))
}

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

impl DynamoStore {
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

    /// A new transcript entry's sort key: its time, then insertion order (a v7 UUID is
    /// monotonic within the process).
    fn entry_sk(entry: &TranscriptEntry) -> String {
        format!(
            "{ENTRY_PREFIX}{}#{}",
            sort_time(entry.at),
            uuid::Uuid::now_v7().simple()
        )
    }

    /// The two writes that add `entry` under sort key `sk`: the claim of its message id (whose
    /// condition fails if an entry with that id is stored) and the entry itself.
    fn entry_writes(
        &self,
        entry: &TranscriptEntry,
        sk: &str,
    ) -> anyhow::Result<[TransactWriteItem; 2]> {
        let ws = &entry.workspace;
        let claim = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(message_pk(ws, &entry.message_id), MESSAGE_SK)))
            .update_expression("SET #mid = :mid, #ticket = :ticket, #entry = :entry")
            .condition_expression("attribute_not_exists(#entry)")
            .expression_attribute_names("#mid", "message_id")
            .expression_attribute_names("#ticket", "ticket_id")
            .expression_attribute_names("#entry", "entry_sk")
            .expression_attribute_values(":mid", s(entry.message_id.as_str()))
            .expression_attribute_values(":ticket", s(entry.ticket_id.as_str()))
            .expression_attribute_values(":entry", s(sk))
            .build()?;
        let put = CondPut::new_record(record_item(
            entry,
            key(ticket_pk(ws, &entry.ticket_id), sk),
        )?);
        Ok([
            TransactWriteItem::builder().update(claim).build(),
            put.into_transact(&self.table)?,
        ])
    }

    /// Runs `fixed` (the writes whose conditions must hold) and the writes of `entries` as one
    /// transaction. An entry whose message id is already stored is dropped and the rest tried
    /// again, so stored entries are skipped, not failed on. Returns the positions in `fixed`
    /// whose conditions failed (nothing written), or an empty list once it is written.
    async fn transact_with_entries(
        &self,
        op: &str,
        fixed: impl Fn() -> anyhow::Result<Vec<TransactWriteItem>>,
        entries: &[TranscriptEntry],
    ) -> Result<Vec<usize>, StoreError> {
        let sks: Vec<String> = entries.iter().map(Self::entry_sk).collect();
        // One transaction may not write an item twice: an id given twice is written once.
        let mut pending: Vec<usize> = (0..entries.len())
            .filter(|&i| {
                !entries[..i].iter().any(|e| {
                    e.workspace == entries[i].workspace && e.message_id == entries[i].message_id
                })
            })
            .collect();
        let fixed_len = fixed()?.len();
        loop {
            if fixed_len == 0 && pending.is_empty() {
                return Ok(Vec::new());
            }
            let outcome = self
                .transact(op, || {
                    let mut items = fixed()?;
                    for &i in &pending {
                        items.extend(self.entry_writes(&entries[i], &sks[i])?);
                    }
                    Ok(items)
                })
                .await?;
            let failed = match outcome {
                Ok(()) => return Ok(Vec::new()),
                Err(failed) => failed,
            };
            let fixed_failed: Vec<usize> =
                failed.iter().copied().filter(|&f| f < fixed_len).collect();
            if !fixed_failed.is_empty() {
                return Ok(fixed_failed);
            }
            let stored: Vec<usize> = failed
                .iter()
                .map(|&f| pending[(f - fixed_len) / 2])
                .collect();
            pending.retain(|i| !stored.contains(i));
        }
    }

    /// A turn's progress alone: one conditional put, no transaction.
    async fn put_turn_progress(&self, turn: &TurnRecord) -> Result<(), StoreError> {
        // Progress never goes back: a slower run that read an older record must not undo what
        // a faster one recorded (the failed condition is that case, and is no error).
        let put = CondPut {
            item: turn_item(turn, Timestamp::now())?,
            condition: "attribute_not_exists(PK) OR #done <= :done".into(),
            names: HashMap::from([("#done".into(), "done".into())]),
            values: HashMap::from([(":done".into(), n(turn.done))]),
        };
        self.put("save turn progress", put).await?;
        Ok(())
    }

    async fn read_agent(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
    ) -> Result<Option<Agent>, StoreError> {
        self.get("read agent", key(agents_pk(ws), agent_sk(id)))
            .await?
            .map(|item| from_item(item, "agent"))
            .transpose()
    }

    /// Takes one unit of `to`'s capacity (unless it already holds the ticket) and stamps the
    /// assignment time; the condition fails if `to` is missing or full.
    fn take_unit(
        &self,
        ws: &WorkspaceId,
        to: &AgentId,
        same_agent: bool,
        now: Timestamp,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut names = HashMap::from([("#last".to_owned(), "last_assigned_at".to_owned())]);
        let mut values = HashMap::from([(":now".to_owned(), attr(&now)?)]);
        let (update, condition) = if same_agent {
            ("SET #last = :now", "attribute_exists(PK)")
        } else {
            names.insert("#load".into(), "load".into());
            names.insert("#capacity".into(), "capacity".into());
            values.insert(":one".into(), n(1));
            (
                "SET #last = :now, #load = #load + :one",
                "attribute_exists(PK) AND #load < #capacity",
            )
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(to))))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Gives one unit back to `agent` if it has any (read just before): a missing agent or one
    /// at zero has nothing to give back. The condition fails if the load changed to zero.
    async fn give_unit_back(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let holds = self
            .read_agent(ws, agent)
            .await?
            .is_some_and(|a| a.load > 0);
        if !holds {
            return Ok(None);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(agent))))
            .update_expression("SET #load = #load - :one")
            .condition_expression("attribute_exists(PK) AND #load > :zero")
            .expression_attribute_names("#load", "load")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }

    /// Queries an index (or the table) to the end or until `limit` items are collected.
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

    /// The latest delivery state (and error) of each of `messages`, by message id.
    async fn deliveries(
        &self,
        ws: &WorkspaceId,
        messages: Vec<&MessageId>,
    ) -> Result<HashMap<String, (DeliveryState, Option<String>)>, StoreError> {
        let mut out = HashMap::new();
        for chunk in messages.chunks(100) {
            let keys: Vec<Item> = chunk
                .iter()
                .map(|m| key(message_pk(ws, m), MESSAGE_SK))
                .collect();
            let mut request = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(true)
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
                    .map_err(unexpected("read delivery states"))?;
                for item in page
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    let Some(AttributeValue::S(id)) = item.get("message_id").cloned() else {
                        continue;
                    };
                    let Some(state) = item.get("delivery_state").cloned() else {
                        continue;
                    };
                    let state: DeliveryState = serde_dynamo::from_attribute_value(state)
                        .context("a stored delivery state does not read back")?;
                    let error = match item.get("delivery_error") {
                        Some(AttributeValue::S(e)) => Some(e.clone()),
                        _ => None,
                    };
                    out.insert(id, (state, error));
                }
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
        Ok(out)
    }
}

fn entry_ticket_items(items: Vec<Item>) -> Result<Vec<Ticket>, StoreError> {
    items.into_iter().map(|i| from_item(i, "ticket")).collect()
}

#[async_trait]
impl Store for DynamoStore {
    async fn conversation(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.get(
            "read conversation",
            key(conversation_pk(ws, customer), CONVERSATION_SK),
        )
        .await?
        .map(|item| from_item(item, "conversation"))
        .transpose()
    }

    async fn turn(
        &self,
        ws: &WorkspaceId,
        message: &MessageId,
    ) -> Result<Option<TurnRecord>, StoreError> {
        self.get("read turn", key(turn_pk(ws, message), TURN_SK))
            .await?
            .map(|item| from_item(item, "turn record"))
            .transpose()
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let now = Timestamp::now();
        let failed = self
            .transact_with_entries(
                "commit turn",
                || {
                    let mut items = vec![
                        CondPut::versioned(
                            conversation_item(conversation, conversation.version + 1)?,
                            conversation.version,
                        )
                        .into_transact(&self.table)?,
                        CondPut::new_record(turn_item(turn, now)?).into_transact(&self.table)?,
                    ];
                    if let Some(t) = ticket.as_deref() {
                        items.push(
                            CondPut::versioned(ticket_item(t, t.version + 1)?, t.version)
                                .into_transact(&self.table)?,
                        );
                    }
                    Ok(items)
                },
                entries,
            )
            .await?;
        if !failed.is_empty() {
            return Err(StoreError::Conflict);
        }
        conversation.version += 1;
        if let Some(t) = ticket {
            t.version += 1;
        }
        Ok(())
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return self.put_turn_progress(turn).await;
        }
        let now = Timestamp::now();
        let progress = || {
            let put = CondPut {
                item: turn_item(turn, now)?,
                condition: "attribute_not_exists(PK) OR #done <= :done".into(),
                names: HashMap::from([("#done".into(), "done".into())]),
                values: HashMap::from([(":done".into(), n(turn.done))]),
            };
            Ok(vec![put.into_transact(&self.table)?])
        };
        let failed = self
            .transact_with_entries("save turn progress", progress, entries)
            .await?;
        if !failed.is_empty() {
            // A faster run recorded more progress: the entries still belong in the transcript.
            self.transact_with_entries("save turn progress", || Ok(Vec::new()), entries)
                .await?;
        }
        Ok(())
    }

    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError> {
        let sk = Self::entry_sk(entry);
        let outcome = self
            .transact("append transcript entry", || {
                Ok(self.entry_writes(entry, &sk)?.into())
            })
            .await?;
        Ok(outcome.is_ok())
    }

    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError> {
        let item_key = key(
            message_pk(&status.workspace, &status.message_id),
            MESSAGE_SK,
        );
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let current = self
                .get("read delivery state", item_key.clone())
                .await?
                .and_then(|mut i| i.remove("delivery_state"))
                .map(|v| {
                    serde_dynamo::from_attribute_value::<_, DeliveryState>(v)
                        .context("a stored delivery state does not read back")
                })
                .transpose()?;
            if !status.state.advances(current) {
                return Ok(());
            }
            let mut values = HashMap::from([
                (":mid".to_owned(), s(status.message_id.as_str())),
                (":state".to_owned(), attr(&status.state)?),
                (":at".to_owned(), attr(&status.at)?),
                (":error".to_owned(), attr(&status.error)?),
            ]);
            let condition = match current {
                None => "attribute_not_exists(#state)",
                Some(c) => {
                    values.insert(":current".into(), attr(&c)?);
                    "#state = :current"
                }
            };
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(item_key.clone()))
                .update_expression("SET #mid = :mid, #state = :state, #at = :at, #error = :error")
                .condition_expression(condition)
                .expression_attribute_names("#mid", "message_id")
                .expression_attribute_names("#state", "delivery_state")
                .expression_attribute_names("#at", "delivery_at")
                .expression_attribute_names("#error", "delivery_error")
                .set_expression_attribute_values(Some(values))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                // Another status landed between the read and the write: decide again.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    backoff(attempt).await;
                }
                Err(e) => return Err(StoreError::Unexpected(sdk_error("record delivery", e))),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let items = self
            .query_all(
                "read transcript",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                        .expression_attribute_values(":pk", s(ticket_pk(ws, ticket)))
                        .expression_attribute_values(":prefix", s(ENTRY_PREFIX))
                        .consistent_read(true)
                },
                None,
            )
            .await?;
        let mut entries: Vec<TranscriptEntry> = items
            .into_iter()
            .map(|i| from_item(i, "transcript entry"))
            .collect::<Result<_, _>>()?;
        // BatchGetItem refuses a key twice.
        let mut outbound: Vec<&MessageId> = entries
            .iter()
            .filter(|e| matches!(e.body, Body::Outbound { .. }))
            .map(|e| &e.message_id)
            .collect();
        outbound.sort();
        outbound.dedup();
        if outbound.is_empty() {
            return Ok(entries);
        }
        let states = self.deliveries(ws, outbound).await?;
        for entry in &mut entries {
            if let (Body::Outbound { .. }, Some((state, error))) =
                (&entry.body, states.get(entry.message_id.as_str()))
            {
                // The entry may carry a state of its own (a send that failed); the same
                // forward-only rule decides which of the two is the latest.
                if state.advances(entry.delivery) {
                    entry.delivery = Some(*state);
                    entry.delivery_error = error.clone();
                }
            }
        }
        Ok(entries)
    }

    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        self.get("read ticket", key(ticket_pk(ws, id), TICKET_SK))
            .await?
            .map(|item| from_item(item, "ticket"))
            .transpose()
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        let put = CondPut::versioned(ticket_item(ticket, ticket.version + 1)?, ticket.version);
        if !self.put("save ticket", put).await? {
            return Err(StoreError::Conflict);
        }
        ticket.version += 1;
        Ok(())
    }

    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut conditions = Vec::new();
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let (index, pk) = match &filter.assignee {
            Some(agent) => (
                AGENT_TICKETS_INDEX,
                ("GSI2PK", format!("WS#{ws}#AGENT#{agent}")),
            ),
            None => (
                WORKSPACE_TICKETS_INDEX,
                ("GSI4PK", format!("WS#{ws}#TICKETS")),
            ),
        };
        values.insert(":pk".to_owned(), s(pk.1));
        if let Some(status) = filter.status {
            conditions.push("#status = :status".to_owned());
            names.insert("#status".to_owned(), "status".to_owned());
            values.insert(":status".to_owned(), s(status.as_str()));
        }
        if let Some(team) = &filter.team {
            conditions.push("#team = :team".to_owned());
            names.insert("#team".to_owned(), "team".to_owned());
            values.insert(":team".to_owned(), s(team.as_str()));
        }
        if let Some(teams) = &filter.teams {
            let mut visible = Vec::new();
            if !teams.is_empty() {
                let placeholders: Vec<String> =
                    (0..teams.len()).map(|i| format!(":team{i}")).collect();
                for (p, t) in placeholders.iter().zip(teams) {
                    values.insert(p.clone(), s(t.as_str()));
                }
                names.insert("#team".to_owned(), "team".to_owned());
                visible.push(format!("#team IN ({})", placeholders.join(", ")));
            }
            if let Some(agent) = &filter.visible_to_agent {
                names.insert("#assignee".to_owned(), "assignee".to_owned());
                values.insert(":visible".to_owned(), s(agent.as_str()));
                visible.push("#assignee = :visible".to_owned());
            }
            if visible.is_empty() {
                return Ok(Vec::new());
            }
            conditions.push(format!("({})", visible.join(" OR ")));
        }
        let filter_expression = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        let items = self
            .query_all(
                "list tickets",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(index)
                        .key_condition_expression(format!("{} = :pk", pk.0))
                        .set_filter_expression(filter_expression.clone())
                        .set_expression_attribute_names(non_empty(names.clone()))
                        .set_expression_attribute_values(Some(values.clone()))
                        .scan_index_forward(false)
                },
                filter.limit.map(|l| l as usize),
            )
            .await?;
        entry_ticket_items(items)
    }

    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        // DynamoDB refuses a `Limit` of 0.
        if limit == 0 {
            return Ok(Vec::new());
        }
        let items = self
            .query_all(
                "read team queue",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(QUEUE_INDEX)
                        .key_condition_expression("GSI1PK = :pk")
                        .expression_attribute_values(":pk", s(format!("WS#{ws}#QUEUE#{team}")))
                        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                },
                Some(limit as usize),
            )
            .await?;
        entry_ticket_items(items)
    }

    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // '$' sorts right after '#', so every key at `before` itself is included.
        let upper = format!("{}$", sort_time(before));
        let shards = (0..SLA_SHARDS).map(|shard| {
            let upper = upper.clone();
            async move {
                self.query_all(
                    "list tickets with SLA due",
                    || {
                        self.client
                            .query()
                            .table_name(&self.table)
                            .index_name(SLA_INDEX)
                            .key_condition_expression("GSI3PK = :pk AND GSI3SK < :upper")
                            .expression_attribute_values(":pk", s(format!("SLA#{shard}")))
                            .expression_attribute_values(":upper", s(upper.clone()))
                            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                    },
                    Some(limit as usize),
                )
                .await
            }
        });
        let mut keys: Vec<String> = Vec::new();
        for items in futures::future::try_join_all(shards).await? {
            keys.extend(
                items
                    .into_iter()
                    .filter_map(|mut i| match i.remove("GSI3SK") {
                        Some(AttributeValue::S(k)) => Some(k),
                        _ => None,
                    }),
            );
        }
        keys.sort();
        keys.truncate(limit as usize);
        keys.into_iter()
            .map(|k| {
                let mut parts = k.splitn(3, '#');
                let (_, ws, id) = (parts.next(), parts.next(), parts.next());
                let (Some(ws), Some(id)) = (ws, id) else {
                    return Err(StoreError::Unexpected(anyhow!(
                        "malformed SLA index key {k:?}"
                    )));
                };
                let ws = WorkspaceId::parse(ws).map_err(|e| StoreError::Unexpected(e.into()))?;
                let id = TicketId::parse(id).map_err(|e| StoreError::Unexpected(e.into()))?;
                Ok((ws, id))
            })
            .collect()
    }

    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError> {
        let items = self
            .query_all(
                "list agents",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk")
                        .expression_attribute_values(":pk", s(agents_pk(ws)))
                        .consistent_read(true)
                },
                None,
            )
            .await?;
        items.into_iter().map(|i| from_item(i, "agent")).collect()
    }

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        self.read_agent(ws, id).await
    }

    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError> {
        // Profile fields are set; availability, load and last assignment only if new.
        let full = agent_item(agent)?;
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        for (i, (field, value)) in full
            .into_iter()
            .filter(|(k, _)| k != "PK" && k != "SK")
            .enumerate()
        {
            names.insert(format!("#f{i}"), field.clone());
            values.insert(format!(":v{i}"), value);
            let keep = matches!(field.as_str(), "availability" | "load" | "last_assigned_at");
            sets.push(if keep {
                format!("#f{i} = if_not_exists(#f{i}, :v{i})")
            } else {
                format!("#f{i} = :v{i}")
            });
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(&agent.workspace), agent_sk(&agent.id))))
            .update_expression(format!("SET {}", sets.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(unexpected("upsert agent profile"))?;
        Ok(())
    }

    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(agents_pk(ws), agent_sk(id))))
            .update_expression("SET #availability = :availability")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#availability", "availability")
            .expression_attribute_values(":availability", attr(&availability)?)
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
            Err(e) => Err(StoreError::Unexpected(sdk_error("set availability", e))),
        }
    }

    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let ws = ticket.workspace.clone();
        // Handing a ticket to the agent who already holds it changes nobody's load.
        let same_agent = release == Some(to);
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let give_back = match release.filter(|_| !same_agent) {
                Some(previous) => self.give_unit_back(&ws, previous).await?,
                None => None,
            };
            let outcome = self
                .transact("assign ticket", || {
                    let mut items = vec![
                        CondPut::versioned(
                            ticket_item(ticket, ticket.version + 1)?,
                            ticket.version,
                        )
                        .into_transact(&self.table)?,
                        self.take_unit(&ws, to, same_agent, now)?,
                    ];
                    items.extend(give_back.clone());
                    Ok(items)
                })
                .await?;
            match outcome {
                Ok(()) => {
                    ticket.version += 1;
                    return Ok(());
                }
                Err(failed) if failed.contains(&1) => {
                    return match self.read_agent(&ws, to).await? {
                        Some(_) => Err(StoreError::AtCapacity),
                        None => Err(StoreError::Unexpected(anyhow!(
                            "there is no agent {to} in {ws}"
                        ))),
                    };
                }
                Err(failed) if failed.contains(&0) => return Err(StoreError::Conflict),
                // The previous agent's load went to zero meanwhile: read it again.
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Conflict)
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        let ws = ticket.workspace.clone();
        for attempt in 1..=TRANSACTION_ATTEMPTS {
            let give_back = self.give_unit_back(&ws, agent).await?;
            let outcome = self
                .transact("release ticket", || {
                    let mut items = vec![
                        CondPut::versioned(
                            ticket_item(ticket, ticket.version + 1)?,
                            ticket.version,
                        )
                        .into_transact(&self.table)?,
                    ];
                    items.extend(give_back.clone());
                    Ok(items)
                })
                .await?;
            match outcome {
                Ok(()) => {
                    ticket.version += 1;
                    return Ok(());
                }
                Err(failed) if failed.contains(&0) => return Err(StoreError::Conflict),
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Conflict)
    }

    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError> {
        self.get("read record", record_key(ws, kind, key))
            .await?
            .map(record_from_item)
            .transpose()
    }

    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        let pk = records_pk(ws, kind);
        let items = self
            .query_all(
                "list records",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk")
                        .expression_attribute_values(":pk", s(pk.clone()))
                        .consistent_read(true)
                },
                None,
            )
            .await?;
        items.into_iter().map(record_from_item).collect()
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        let next = record.version + 1;
        let mut stored = record.clone();
        stored.version = next;
        let body = serde_json::to_string(&stored).context("cannot write a record as JSON")?;
        let mut item = record_key(&record.workspace, record.kind, &record.key);
        item.insert("version".into(), n(next));
        item.insert("body".into(), s(body));
        if !self
            .put("save record", CondPut::versioned(item, record.version))
            .await?
        {
            return Err(StoreError::Conflict);
        }
        record.version = next;
        Ok(())
    }

    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(record_key(ws, kind, key)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unexpected("delete record"))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn append_change(&self, change: &Change) -> Result<(), StoreError> {
        let cursor = change_cursor(change.at, &uuid::Uuid::now_v7().simple().to_string());
        let mut stored = change.clone();
        stored.cursor = cursor.clone();
        let body = serde_json::to_string(&stored).context("cannot write a change as JSON")?;
        let expires = change
            .at
            .saturating_add(CHANGE_TTL)
            .unwrap_or(change.at)
            .as_second();
        let mut item = key(changes_pk(&change.workspace), cursor);
        item.insert("body".into(), s(body));
        item.insert("expires_at".into(), n(expires));
        self.put("append change", CondPut::new_record(item)).await?;
        Ok(())
    }

    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let pk = changes_pk(ws);
        // The empty string is not a valid key value; "0" sorts before every cursor.
        let after = after.filter(|a| !a.is_empty()).unwrap_or("0").to_owned();
        let items = self
            .query_all(
                "read changes",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk AND SK > :after")
                        .expression_attribute_values(":pk", s(pk.clone()))
                        .expression_attribute_values(":after", s(after.clone()))
                        .consistent_read(true)
                        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                },
                Some(limit as usize),
            )
            .await?;
        items
            .into_iter()
            .map(|item| {
                let body = item
                    .get("body")
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| anyhow!("a stored change has no body"))?;
                Ok(serde_json::from_str(body).context("a stored change does not read back")?)
            })
            .collect()
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
