//! Retention on the table: an item that expires carries `expires_at` (epoch seconds, a
//! number), which the table's time to live reads. A done ticket's item gets it in the write
//! that resolves or closes it (it is part of the ticket item), a conversation's in each of its
//! writes; what is under a done ticket (transcript entries, message states) gets it after
//! the ticket's write, item by item, skipping those that already carry it. A reopened
//! ticket's write leaves the attribute out and takes it off what is under it.

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::MessageId;
use turno_core::ports::StoreError;

use super::{DynamoStore, Item, MESSAGE_SK, TICKET_SK, key, message_pk, n, sdk_error, ticket_pk};

/// The attribute the table's time to live reads (`template.yaml`).
pub const EXPIRES_AT: &str = "expires_at";

/// `expires_at` as the time to live reads it: epoch seconds.
pub(super) fn expiry_attr(at: Option<Timestamp>) -> Option<AttributeValue> {
    at.map(|t| n(t.as_second()))
}

/// Adds `expires_at` to an item about to be written, if it expires.
pub(super) fn with_expiry(mut item: Item, at: Option<Timestamp>) -> Item {
    if let Some(v) = expiry_attr(at) {
        item.insert(EXPIRES_AT.into(), v);
    }
    item
}

/// When a stored item expires, as its `expires_at` says.
pub(super) fn expiry_of(item: &Item) -> Option<Timestamp> {
    let secs: i64 = item.get(EXPIRES_AT)?.as_n().ok()?.parse().ok()?;
    Timestamp::from_second(secs).ok()
}

impl DynamoStore {
    /// See [`TicketStore::expire_ticket_items`](turno_core::ports::TicketStore::expire_ticket_items):
    /// the ticket's partition is read (keys, message ids, expiries only) and each item whose
    /// expiry differs from the ticket's is updated, with the message state of its message
    /// (if it has one). An item deleted meanwhile is not written back.
    pub(super) async fn expire_ticket_partition(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let (ws, id) = (&ticket.workspace, &ticket.id);
        let pk = ticket_pk(ws, id);
        let want = expiry_attr(ticket.expires_at);
        let items = self
            .query_all(
                "read ticket items",
                || {
                    self.partition_query(pk.clone())
                        .projection_expression("PK, SK, message_id, #entries, #expires")
                        .expression_attribute_names("#entries", super::turn_entries::ENTRIES)
                        .expression_attribute_names("#expires", EXPIRES_AT)
                },
                None,
            )
            .await?;
        for item in items {
            let sk = item.get("SK").and_then(|v| v.as_s().ok());
            if sk.is_none_or(|sk| sk == TICKET_SK) || item.get(EXPIRES_AT) == want.as_ref() {
                continue;
            }
            let messages = super::turn_entries::message_ids(&item);
            let entry_key = key(pk.clone(), sk.cloned().unwrap_or_default());
            self.set_expiry("mark transcript entry", entry_key, want.clone())
                .await?;
            for m in messages {
                let Ok(m) = MessageId::parse(m) else {
                    continue;
                };
                let state = key(message_pk(ws, &m), MESSAGE_SK);
                self.set_expiry("mark message state", state, want.clone())
                    .await?;
            }
        }
        Ok(())
    }

    /// Sets (or, `None`, removes) an existing item's `expires_at`; an item that is gone stays
    /// gone.
    async fn set_expiry(
        &self,
        op: &str,
        item_key: Item,
        at: Option<AttributeValue>,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#expires", EXPIRES_AT);
        let update = match at {
            Some(v) => update
                .update_expression("SET #expires = :at")
                .expression_attribute_values(":at", v),
            None => update.update_expression("REMOVE #expires"),
        };
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::Unexpected(sdk_error(op, e))),
        }
    }
}
