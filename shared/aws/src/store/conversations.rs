//! [`ConversationStore`] on DynamoDB.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::TranscriptEntry;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{ConversationStore, StoreError};

use super::{
    CONVERSATION_SK, CondPut, DynamoStore, TURN_SK, conversation_item, conversation_pk, from_item,
    key, n, ticket_item, turn_item, turn_pk,
};

impl DynamoStore {
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
}

#[async_trait]
impl ConversationStore for DynamoStore {
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
        let moves = match ticket.as_deref() {
            Some(t) => self.counter_moves(t).await?,
            None => Vec::new(),
        };
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
                    items.extend(moves.clone());
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
