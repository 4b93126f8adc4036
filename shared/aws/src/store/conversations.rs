//! [`ConversationStore`] on DynamoDB.
//!
//! A bot-handled message costs one read and one write here. The read is one consistent
//! `BatchGetItem` of the conversation, the message's turn record and the count of writes to
//! the customer's bot-held tickets ([`BOT_TICKET_WRITES_SK`]): while that count holds what
//! the conversation keeps of its ticket, the ticket is not read. The write is one transaction:
//! the conversation (versioned), the turn record (new: its condition is what makes a message
//! one turn's), the ticket only when the turn changes it (carrying its rollup deltas; the
//! counters move later, from the stream), and the transcript entries of the customer's
//! message and of the replies sent before the commit, put with no claim of the id in one item
//! under a key made of the first one's time and id (see `turn_entries`).
//!
//! At least once, exactly once in the store: a redelivered message finds its turn record in
//! the read and only finishes what the record says is left. A delivery that read before a
//! concurrent one committed fails the turn record's (or the conversation's) condition and
//! writes nothing at all, no entry and no rollup twice; it reads again and finds the record.
//! A commit sent again after a lost answer is the same case. The entries need no claim: the
//! message's id is claimed by its turn record, and a reply's id is new, so the only second
//! write of either is the same write, which lands on the same key.
//!
//! A handoff turn that finds an agent with room commits its ticket assigned: the agent's unit
//! of capacity is taken in the same transaction, so the ticket is written once.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};
use jiff::Timestamp;
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::{Body, TranscriptEntry};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, MessageId, WaId, WorkspaceId};
use turno_core::ports::{ConversationStore, StoreError, TurnOutbox, TurnReads};

use super::{
    CONVERSATION_SK, CondPut, DynamoStore, Item, TURN_SK, conversation_item, conversation_pk,
    from_item, key, n, ticket_item, turn_item, turn_pk,
};

/// The sort key of the count of writes to a customer's bot-held tickets, beside the
/// conversation (`WS#<ws>#CONV#<customer>`): attribute `n`, moved with `ADD` by every write
/// of a ticket whose stored status is the bot's (a turn never makes one: it creates such a
/// ticket, then leaves it alone), in the transaction that writes the ticket. A turn reads it
/// with the conversation; while it holds the count the conversation's `bot_ticket` was
/// written with, that ticket is as the turn that wrote it saw it, and the turn reads no
/// ticket. The count is read before anything it vouches for, so a write that lands after
/// the read moves it past what the turn keeps: the next turn reads the ticket.
pub(super) const BOT_TICKET_WRITES_SK: &str = "CONV#BOTWRITES";

impl DynamoStore {
    /// The `ADD` that counts a write of `t`, a ticket whose stored status is the bot's, for
    /// its customer's turns (see [`BOT_TICKET_WRITES_SK`]). The count expires with the ticket.
    pub(super) fn bot_ticket_write(&self, t: &Ticket) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                conversation_pk(&t.workspace, &t.customer),
                BOT_TICKET_WRITES_SK,
            )))
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_names("#expires", super::EXPIRES_AT);
        update = match super::retention::expiry_attr(t.expires_at) {
            Some(at) => update
                .update_expression("ADD #n :one SET #expires = :expires")
                .expression_attribute_values(":expires", at),
            None => update.update_expression("ADD #n :one REMOVE #expires"),
        };
        let update = update
            .build()
            .map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The update that records a turn's progress: `done` alone (the record's effects, reply
    /// texts included, never change after the commit), never going back: a slower run that
    /// read an older record must not undo what a faster one recorded.
    fn progress_update(&self, turn: &TurnRecord) -> anyhow::Result<Update> {
        Ok(Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                turn_pk(&turn.workspace, &turn.message_id),
                TURN_SK,
            )))
            .update_expression("SET #done = :done")
            .condition_expression("#done <= :done")
            .expression_attribute_names("#done", "done")
            .expression_attribute_values(":done", n(turn.done))
            .build()?)
    }

    /// A turn's progress alone: one conditional update, no transaction. The failed condition
    /// (a faster run recorded more) is no error.
    async fn update_turn_progress(&self, turn: &TurnRecord) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                turn_pk(&turn.workspace, &turn.message_id),
                TURN_SK,
            )))
            .update_expression("SET #done = :done")
            .condition_expression("#done <= :done")
            .expression_attribute_names("#done", "done")
            .expression_attribute_values(":done", n(turn.done))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::Unexpected(super::sdk_error(
                "save turn progress",
                e,
            ))),
        }
    }

    /// A finished turn's progress with the replies it sent: the whole record, `done` at its
    /// end (which no run can go past, so the put needs no condition to never go back), and
    /// the entries, each keyed by its time and id (the same entry written again lands on the
    /// same item), in one `BatchWriteItem`: plain puts, half the write units of a
    /// transaction. Not atomic: what DynamoDB leaves unprocessed (under throttling) is sent
    /// again until written; a process that ends in between may have stored the record without
    /// an entry, whose reply the customer got.
    async fn put_complete_turn(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let mut items = vec![turn_item(turn, Timestamp::now())?];
        for (i, e) in entries.iter().enumerate() {
            let repeated = entries[..i].iter().any(|o| {
                o.workspace == e.workspace && o.message_id == e.message_id && o.at == e.at
            });
            if !repeated {
                items.push(Self::sent_entry_item(e)?);
            }
        }
        for chunk in items.chunks(BATCH_WRITES) {
            self.batch_put("save turn progress", chunk).await?;
        }
        Ok(())
    }

    /// Puts `items` (at most [`BATCH_WRITES`]) with `BatchWriteItem`, sending again what
    /// DynamoDB leaves unprocessed.
    async fn batch_put(&self, op: &str, items: &[Item]) -> Result<(), StoreError> {
        let mut pending: Vec<WriteRequest> = items
            .iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item.clone())).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<anyhow::Result<_>>()?;
        for attempt in 1..=BATCH_ATTEMPTS {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(|e| StoreError::Unexpected(super::sdk_error(op, e)))?;
            pending = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            super::backoff(attempt).await;
        }
        Err(StoreError::Unexpected(anyhow::anyhow!(
            "{op}: {} writes still unprocessed after {BATCH_ATTEMPTS} attempts",
            pending.len()
        )))
    }
}

impl DynamoStore {
    /// A turn's commit (see [`ConversationStore::commit_turn`]); with `assign`, the ticket is
    /// committed assigned to that agent and one unit of the agent's capacity is taken in the
    /// same transaction (`AtCapacity`, nothing written, when the agent is full or missing;
    /// `Conflict` first when the conversation, the turn record or the ticket lost a race).
    async fn commit(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
        assign: Option<&AgentId>,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now();
        let unit = match (assign, ticket.as_deref()) {
            (None, _) => None,
            (Some(agent), Some(t)) => Some(
                self.take_unit(&t.workspace, agent, false, t.updated_at)
                    .map_err(StoreError::Unexpected)?,
            ),
            (Some(_), None) => {
                return Err(StoreError::Unexpected(anyhow::anyhow!(
                    "a turn's commit assigns only the ticket it writes"
                )));
            }
        };
        // A ticket the conversation written here does not keep as the bot's (one handed off)
        // vouches for no turn: its write moves no count of bot-held ticket writes.
        let moves = match ticket.as_deref() {
            Some(t) => {
                let kept = conversation
                    .bot_ticket
                    .as_ref()
                    .is_some_and(|b| b.id == t.id);
                self.write_moves_counting(t, kept).await?
            }
            None => Vec::new(),
        };
        // Plain puts keyed by time and id, claiming no id: the replies the turn sent before
        // its commit (new ids, as a progress write puts them) and the turn's own message,
        // whose id the turn record claims (a message is one turn's; the record's condition
        // fails the whole commit if the message was processed, and a rerun of the same commit
        // lands on the same key). The rest claim their message ids.
        let (sent, claimed): (Vec<&TranscriptEntry>, Vec<&TranscriptEntry>) =
            entries.iter().partition(|e| {
                e.message_id == turn.message_id || matches!(e.body, Body::Outbound { .. })
            });
        let claimed: Vec<TranscriptEntry> = claimed.into_iter().cloned().collect();
        // The unclaimed entries of one ticket share one item (see `turn_entries`).
        let sent_writes = super::turn_entries::turn_entry_items(&sent, Self::sent_entry_item)
            .and_then(|items| {
                items
                    .into_iter()
                    .map(|item| {
                        let put = Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(item))
                            .build()?;
                        Ok(TransactWriteItem::builder().put(put).build())
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .map_err(StoreError::Unexpected)?;
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
                    // Right after the versioned items, so its position says what failed.
                    items.extend(unit.clone());
                    items.extend(moves.clone());
                    items.extend(sent_writes.iter().cloned());
                    Ok(items)
                },
                &claimed,
            )
            .await?;
        // The conversation, the turn record and the ticket come first: a lost race there is
        // a conflict whatever else failed; then the agent's capacity.
        let versioned = 2 + usize::from(ticket.is_some());
        if failed.iter().any(|&f| f < versioned) {
            return Err(StoreError::Conflict);
        }
        if let Some(agent) = assign.filter(|_| failed.contains(&versioned)) {
            let ws = &conversation.workspace;
            return match self.read_agent(ws, agent).await? {
                Some(_) => Err(StoreError::AtCapacity),
                None => Err(StoreError::Unexpected(anyhow::anyhow!(
                    "there is no agent {agent} in {ws}"
                ))),
            };
        }
        if !failed.is_empty() {
            return Err(StoreError::Conflict);
        }
        conversation.version += 1;
        if let Some(t) = ticket {
            t.version += 1;
            self.note_stored(t);
        }
        Ok(())
    }
}

/// Most puts one `BatchWriteItem` takes.
const BATCH_WRITES: usize = 25;
/// How many times a batch's unprocessed writes are sent.
const BATCH_ATTEMPTS: u32 = 8;

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn forget_customer(&self, ws: &WorkspaceId, customer: &WaId) -> Result<(), StoreError> {
        self.forget_customer_items(ws, customer).await
    }

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

    async fn turn_reads(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        message: &MessageId,
    ) -> Result<TurnReads, StoreError> {
        // One BatchGetItem, consistent: the conversation, the turn record (a missing one costs
        // the read of a missing item) and the count of writes to bot-held tickets.
        let keys = [
            key(conversation_pk(ws, customer), CONVERSATION_SK),
            key(turn_pk(ws, message), TURN_SK),
            key(conversation_pk(ws, customer), BOT_TICKET_WRITES_SK),
        ];
        let mut reads = TurnReads::default();
        for item in self.batch_get(&keys, true, "read turn context").await? {
            match item.get("SK") {
                Some(AttributeValue::S(sk)) if sk == CONVERSATION_SK => {
                    reads.conversation = Some(from_item(item, "conversation")?);
                }
                Some(AttributeValue::S(sk)) if sk == TURN_SK => {
                    reads.turn = Some(from_item(item, "turn record")?);
                }
                Some(AttributeValue::S(sk)) if sk == BOT_TICKET_WRITES_SK => {
                    reads.bot_ticket_changes = match item.get("n") {
                        Some(AttributeValue::N(v)) => v.parse().unwrap_or(u64::MAX),
                        _ => 0,
                    };
                }
                _ => {}
            }
        }
        reads.bot_ticket_held = reads
            .conversation
            .as_ref()
            .and_then(|c| c.bot_ticket.as_ref())
            .is_some_and(|b| b.changes == reads.bot_ticket_changes);
        Ok(reads)
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.commit(conversation, ticket, turn, entries, None).await
    }

    /// The jobs and events stay the caller's; the assignment goes in the commit's
    /// transaction (see [`DynamoStore::commit`]).
    async fn commit_turn_with(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
        outbox: &mut TurnOutbox,
    ) -> Result<(), StoreError> {
        let assign = outbox.assign.take();
        let result = self
            .commit(conversation, ticket, turn, entries, assign.as_ref())
            .await;
        if result.is_err() {
            outbox.assign = assign;
        }
        result
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return self.update_turn_progress(turn).await;
        }
        if turn.is_complete() {
            return self.put_complete_turn(turn, entries).await;
        }
        // The entries are the replies this run sent: one put each, keyed by time and id (an
        // entry given twice is written once), with the progress update in one transaction.
        let mut writes = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let repeated = entries[..i].iter().any(|o| {
                o.workspace == e.workspace && o.message_id == e.message_id && o.at == e.at
            });
            if !repeated {
                writes.push(self.sent_entry_write(e).map_err(StoreError::Unexpected)?);
            }
        }
        let with_progress = self
            .transact("save turn progress", || {
                let mut items = vec![
                    TransactWriteItem::builder()
                        .update(self.progress_update(turn)?)
                        .build(),
                ];
                items.extend(writes.iter().cloned());
                Ok(items)
            })
            .await?;
        if with_progress.is_ok() {
            return Ok(());
        }
        // A faster run recorded more progress: the entries still belong in the transcript.
        match self
            .transact("save turn progress", || Ok(writes.clone()))
            .await?
        {
            Ok(()) => Ok(()),
            Err(_) => Err(StoreError::Conflict),
        }
    }

    async fn save_conversation(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        let put = CondPut::versioned(
            conversation_item(conversation, conversation.version + 1)?,
            conversation.version,
        );
        if !self.put("save conversation", put).await? {
            return Err(StoreError::Conflict);
        }
        conversation.version += 1;
        Ok(())
    }

    async fn delete_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let c = conversation;
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                conversation_pk(&c.workspace, &c.customer),
                CONVERSATION_SK,
            )))
            .condition_expression("attribute_not_exists(PK) OR #version = :read_version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":read_version", n(c.version))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(StoreError::Unexpected(super::sdk_error(
                "delete conversation",
                e,
            ))),
        }
    }
}
