//! Reactions, edits and deletions land on the message they are about instead of being lines
//! of their own. What they did is kept per ticket as a record of kind
//! [`RecordKind::Amendments`] (by the message's id) and laid over the transcript when it is
//! read, so the stored entries stay as written. A deletion hides the message's content and
//! drops its edits from the record; the stored entry keeps what it always kept.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::effects::{Retry, retry_on_conflict};
use super::{JobError, Turno};
use crate::channel::message::{Body, Content, InboundMessage, TranscriptEntry};
use crate::kernel::ids::{MessageId, TicketId, WorkspaceId};
use crate::ports::StoreError;
use crate::ports::records::{Change, ChangeKind, Record, RecordKind};

/// What later events did to one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Marks {
    #[serde(default)]
    reaction: Option<ReactionMark>,
    /// Oldest first.
    #[serde(default)]
    edits: Vec<EditMark>,
    #[serde(default)]
    deleted_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ReactionMark {
    /// `None`: the reaction was taken back.
    emoji: Option<String>,
    at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct EditMark {
    /// The edit's own message id, so a redelivered edit is taken once.
    event: MessageId,
    content: Content,
    at: Timestamp,
}

/// A ticket's marks, by message id.
type TicketMarks = BTreeMap<String, Marks>;

impl Marks {
    /// Takes in one event; returns whether anything changed.
    fn take(&mut self, event: &InboundMessage) -> bool {
        let before = self.clone();
        match &event.content {
            Content::Reaction { emoji, .. }
                if self.reaction.as_ref().is_none_or(|r| r.at <= event.at) =>
            {
                self.reaction = Some(ReactionMark {
                    emoji: emoji.clone(),
                    at: event.at,
                });
            }
            // A deleted message stays deleted: a late edit does not bring it back.
            Content::Edit { content, .. }
                if self.deleted_at.is_none() && !self.edits.iter().any(|e| e.event == event.id) =>
            {
                self.edits.push(EditMark {
                    event: event.id.clone(),
                    content: (**content).clone(),
                    at: event.at,
                });
                self.edits.sort_by_key(|e| e.at);
            }
            Content::Revoke { .. } => {
                self.deleted_at = Some(self.deleted_at.map_or(event.at, |d| d.min(event.at)));
                self.edits.clear();
            }
            _ => {}
        }
        *self != before
    }

    fn lay_over(&self, entry: &mut TranscriptEntry) {
        let amended = entry.amended.get_or_insert_default();
        amended.reaction = self.reaction.as_ref().and_then(|r| r.emoji.clone());
        if let Some(at) = self.deleted_at {
            amended.deleted_at = Some(at);
            amended.history.clear();
            amended.edited_at = None;
            if let Body::Inbound { content, .. } = &mut entry.body {
                *content = Content::Revoke {
                    message_id: entry.message_id.clone(),
                };
            }
            return;
        }
        let (Some(last), Body::Inbound { content, .. }) = (self.edits.last(), &mut entry.body)
        else {
            return;
        };
        let mut history = vec![content.clone()];
        history.extend(
            self.edits[..self.edits.len() - 1]
                .iter()
                .map(|e| e.content.clone()),
        );
        *content = last.content.clone();
        amended.history = history;
        amended.edited_at = Some(last.at);
    }
}

fn read_marks(record: Option<&Record>) -> TicketMarks {
    record
        .and_then(|r| serde_json::from_value(r.value.clone()).ok())
        .unwrap_or_default()
}

impl Turno {
    /// A reaction, edit or deletion of a message on the customer's current ticket: marks that
    /// message and returns `true`. `false` when the message is not there (unknown, or on an
    /// earlier ticket); the event is then recorded as a line of its own.
    pub(super) async fn amend_message(
        &self,
        event: &InboundMessage,
        target: &MessageId,
    ) -> Result<bool, JobError> {
        let store = &self.ports.store;
        let ws = &event.workspace;
        let Some(ticket_id) = store
            .conversation(ws, &event.from)
            .await?
            .and_then(|c| c.ticket_id)
        else {
            return Ok(false);
        };
        let transcript = store.transcript(ws, &ticket_id).await?;
        if !transcript.iter().any(|e| &e.message_id == target) {
            return Ok(false);
        }
        let ticket_id = &ticket_id;
        let changed = retry_on_conflict(|_| async move {
            let stored = store
                .record(ws, RecordKind::Amendments, ticket_id.as_str())
                .await?;
            let mut marks = read_marks(stored.as_ref());
            if !marks.entry(target.to_string()).or_default().take(event) {
                return Ok(false);
            }
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::Amendments,
                key: ticket_id.to_string(),
                value: serde_json::to_value(&marks)
                    .map_err(|e| Retry::Fail(JobError::permanent(e)))?,
                updated_at: self.now(),
                version: stored.map_or(0, |r| r.version),
            };
            store.put_record(&mut record).await?;
            Ok::<_, Retry<JobError>>(true)
        })
        .await?;
        info!(workspace = %ws, wamid = %event.id, ticket_id = %ticket_id, kind = event.content.kind(), changed, "message amended, not answered");
        if changed && let Some(entry) = transcript.iter().find(|e| &e.message_id == target) {
            self.refresh_preview(ws, ticket_id, entry.at).await?;
        }
        if changed {
            let change = Change {
                workspace: ws.clone(),
                kind: ChangeKind::Message,
                ticket_id: ticket_id.clone(),
                at: self.now(),
                cursor: String::new(),
            };
            if let Err(e) = store.append_change(&change).await {
                tracing::warn!(workspace = %ws, ticket_id = %ticket_id, error = %e, "could not add to the change feed");
            }
        }
        Ok(true)
    }

    /// The preview the inbox shows, when it is of the message just amended: an edit shows the
    /// new words, a deletion hides the old ones there too.
    async fn refresh_preview(
        &self,
        ws: &WorkspaceId,
        ticket_id: &TicketId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let of_amended =
            |t: &crate::desk::ticket::Ticket| t.last_message.as_ref().is_some_and(|m| m.at == at);
        match self.ports.store.ticket(ws, ticket_id).await? {
            Some(t) if of_amended(&t) => {}
            _ => return Ok(()),
        }
        let shown = self
            .transcript_view(ws, ticket_id)
            .await?
            .iter()
            .rev()
            .find_map(super::inbox::preview);
        self.update_ticket::<StoreError>(ws, ticket_id, |t| {
            if of_amended(t) {
                t.last_message = shown.clone();
            }
            Ok(None)
        })
        .await?;
        Ok(())
    }

    /// A ticket's transcript as people read it: each message with the reactions, edits and
    /// deletions that reached it.
    pub(super) async fn transcript_view(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let store = &self.ports.store;
        let (entries, record) = futures::future::join(
            store.transcript(ws, ticket),
            store.record(ws, RecordKind::Amendments, ticket.as_str()),
        )
        .await;
        let mut entries = entries?;
        let marks = read_marks(record?.as_ref());
        if !marks.is_empty() {
            for entry in &mut entries {
                if let Some(m) = marks.get(entry.message_id.as_str()) {
                    m.lay_over(entry);
                }
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests;
