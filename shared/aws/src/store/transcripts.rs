//! [`TranscriptStore`] on DynamoDB.

use std::collections::HashMap;

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use turno_core::channel::message::{Body, DeliveryState, DeliveryStatus, TranscriptEntry};
use turno_core::kernel::ids::{MessageId, TicketId, WorkspaceId};
use turno_core::ports::{StoreError, TranscriptStore};

use super::{
    CondPut, DynamoStore, ENTRY_PREFIX, Item, MESSAGE_SK, attr, key, message_pk, record_item, s,
    sdk_error, sort_time, ticket_pk,
};

impl DynamoStore {
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

    /// The write that adds a reply this process has just sent: a put under a key made of its
    /// time and message id, with no claim of the id. A reply's id is new (WhatsApp gives it
    /// at the send), so the only way it is written twice is the same write again, which
    /// lands on the same key: the entry is stored once, for a third of the write units of
    /// a claimed entry.
    pub(super) fn sent_entry_write(
        &self,
        entry: &TranscriptEntry,
    ) -> anyhow::Result<TransactWriteItem> {
        let item = Self::sent_entry_item(entry)?;
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The item [`sent_entry_write`](Self::sent_entry_write) puts.
    pub(super) fn sent_entry_item(entry: &TranscriptEntry) -> anyhow::Result<Item> {
        let sk = super::turn_entries::sent_entry_sk(entry);
        record_item(
            entry,
            key(ticket_pk(&entry.workspace, &entry.ticket_id), sk),
        )
    }

    /// Runs `fixed` (the writes whose conditions must hold) and the writes of `entries` as one
    /// transaction. An entry whose message id is already stored is dropped and the rest tried
    /// again, so stored entries are skipped, not failed on. Returns the positions in `fixed`
    /// whose conditions failed (nothing written), or an empty list once it is written.
    pub(super) async fn transact_with_entries(
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

    /// The latest delivery state (and error) of each of `messages`, by message id.
    async fn deliveries(
        &self,
        ws: &WorkspaceId,
        messages: Vec<&MessageId>,
    ) -> Result<HashMap<String, (DeliveryState, Option<String>)>, StoreError> {
        let mut out = HashMap::new();
        let keys: Vec<Item> = messages
            .iter()
            .map(|m| key(message_pk(ws, m), MESSAGE_SK))
            .collect();
        for item in self.batch_get(&keys, true, "read delivery states").await? {
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
        Ok(out)
    }
}

#[async_trait]
impl TranscriptStore for DynamoStore {
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
        // One conditional write, no read: the condition names the stored states the new one
        // advances from (statuses arrive out of order; a later state never goes back to an
        // earlier one, and a failure is final). A failed condition means an equal or later
        // state is stored: nothing to do.
        let mut values = HashMap::from([
            (":mid".to_owned(), s(status.message_id.as_str())),
            (":state".to_owned(), attr(&status.state)?),
            (":at".to_owned(), attr(&status.at)?),
            (":error".to_owned(), attr(&status.error)?),
        ]);
        let mut behind = Vec::new();
        for (i, stored) in [
            DeliveryState::Sent,
            DeliveryState::Delivered,
            DeliveryState::Read,
            DeliveryState::Failed,
        ]
        .into_iter()
        .enumerate()
        {
            if status.state.advances(Some(stored)) {
                values.insert(format!(":b{i}"), attr(&stored)?);
                behind.push(format!(":b{i}"));
            }
        }
        let condition = if behind.is_empty() {
            "attribute_not_exists(#state)".to_owned()
        } else {
            format!(
                "attribute_not_exists(#state) OR #state IN ({})",
                behind.join(", ")
            )
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                message_pk(&status.workspace, &status.message_id),
                MESSAGE_SK,
            )))
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
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::Unexpected(sdk_error("record delivery", e))),
        }
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
        // A turn's item holds several entries: each is placed by the sort key it would have
        // alone (the items come in sort key order; the sort is stable).
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            keyed.extend(super::turn_entries::entries_of(item, ws, ticket)?);
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut entries: Vec<TranscriptEntry> = keyed.into_iter().map(|(_, e)| e).collect();
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
}
