//! Deleting what the table keeps about one customer: a ticket with the items under it
//! (transcript entries, message claims and delivery states, turn records), and the
//! conversation with the count beside it.

use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::StoreError;

use super::{
    CONVERSATION_SK, DynamoStore, Item, MESSAGE_SK, TICKET_SK, TURN_SK, conversation_pk, from_item,
    key, message_pk, n, ticket_pk, turn_pk, unexpected,
};

impl DynamoStore {
    /// Deletes one item, whatever it holds; an item already gone is no error.
    async fn delete_item(&self, op: &str, key: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await
            .map_err(unexpected(op))?;
        Ok(())
    }

    /// See [`TicketStore::delete_ticket`](turno_core::ports::TicketStore::delete_ticket):
    /// the items under the ticket first (its partition's entries, then each message's claim
    /// and turn record), the ticket item last, conditional on the version read (its
    /// counter moves from the stream).
    pub(super) async fn delete_ticket_items(
        &self,
        ticket: &Ticket,
        messages: &[MessageId],
    ) -> Result<(), StoreError> {
        let (ws, id) = (&ticket.workspace, &ticket.id);
        let Some(item) = self
            .get("read ticket", key(ticket_pk(ws, id), TICKET_SK))
            .await?
        else {
            return Ok(());
        };
        let stored: Ticket = from_item(item, "ticket")?;
        if stored.version != ticket.version {
            return Err(StoreError::Conflict);
        }
        let pk = ticket_pk(ws, id);
        let entries = self
            .query_all(
                "read ticket items",
                || {
                    self.partition_query(pk.clone())
                        .projection_expression("PK, SK")
                        .consistent_read(true)
                },
                None,
            )
            .await?;
        for entry in entries {
            let is_ticket = entry
                .get("SK")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|sk| sk == TICKET_SK);
            if !is_ticket {
                self.delete_item("delete transcript entry", entry).await?;
            }
        }
        for m in messages {
            self.delete_item("delete message state", key(message_pk(ws, m), MESSAGE_SK))
                .await?;
            self.delete_item("delete turn record", key(turn_pk(ws, m), TURN_SK))
                .await?;
        }
        // The ticket's counter moves from the stream, as for any removal of a ticket item.
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, TICKET_SK)))
            .condition_expression("#version = :read_version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":read_version", n(ticket.version))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(StoreError::Unexpected(super::sdk_error("delete ticket", e))),
        }
    }

    /// See [`ConversationStore::forget_customer`](turno_core::ports::ConversationStore::forget_customer):
    /// the conversation item and the count of writes to the customer's bot-held tickets beside
    /// it (queued messages live in SQS, kept no longer than its retention).
    pub(super) async fn forget_customer_items(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<(), StoreError> {
        self.delete_item(
            "delete conversation",
            key(conversation_pk(ws, customer), CONVERSATION_SK),
        )
        .await?;
        self.delete_item(
            "delete bot-held ticket writes",
            key(
                conversation_pk(ws, customer),
                super::conversations::BOT_TICKET_WRITES_SK,
            ),
        )
        .await
    }
}
