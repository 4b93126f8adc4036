//! Conversations and the turns that process inbound messages.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::bot::conversation::Conversation;
use crate::bot::turn::TurnRecord;
use crate::channel::message::TranscriptEntry;
use crate::desk::ticket::Ticket;
use crate::kernel::ids::{AgentId, MessageId, WaId, WorkspaceId};
use crate::ports::domain_events::DomainEvent;
use crate::ports::{Envelope, StoreError};

/// What a turn queues and publishes once it is committed: the bot-inactivity timer of a new
/// ticket, the ticket's creation event; and the agent a handoff turn commits its ticket
/// assigned to.
#[derive(Debug, Clone, Default)]
pub struct TurnOutbox {
    pub jobs: Vec<Envelope>,
    pub events: Vec<DomainEvent>,
    /// The agent the committed ticket is assigned to (the ticket as given holds the
    /// assignment): the commit takes one unit of that agent's capacity in the same write, as
    /// [`assign_ticket`](super::TicketStore::assign_ticket) does, or writes nothing and fails
    /// with [`AtCapacity`](StoreError::AtCapacity) when the agent is full. Never left to the
    /// caller: a store that cannot take it with the commit refuses the commit.
    pub assign: Option<AgentId>,
}

impl TurnOutbox {
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty() && self.events.is_empty()
    }
}

/// What a turn reads of a conversation before it decides: see [`ConversationStore::turn_reads`].
#[derive(Debug, Clone, Default)]
pub struct TurnReads {
    pub conversation: Option<Conversation>,
    /// The record of the message, if it was processed before.
    pub turn: Option<TurnRecord>,
    /// The store vouches for the conversation's `bot_ticket`: no ticket of the customer the
    /// bot held was written since the turn that wrote it saw the ticket (so it was not read).
    pub bot_ticket_held: bool,
    /// The store's count of writes to the customer's bot-held tickets, read with the
    /// conversation (before the ticket): what a turn keeps in the `bot_ticket` it writes.
    pub bot_ticket_changes: u64,
    /// The conversation's current ticket, when the store read it with the conversation, in
    /// the same request (as one local read does at no further cost). `None` when it did not;
    /// the turn then reads the ticket itself, if it needs it.
    pub ticket: Option<Ticket>,
}

/// A customer's conversation and the records of the inbound messages processed in it, which
/// make a redelivered message idempotent. Conversations (and the tickets a turn writes) are
/// versioned as the [module docs](super) describe.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn conversation(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Option<Conversation>, StoreError>;

    /// The record of a processed inbound message, if that message was processed before.
    async fn turn(
        &self,
        ws: &WorkspaceId,
        message: &MessageId,
    ) -> Result<Option<TurnRecord>, StoreError>;

    /// What a turn for `message` reads: the customer's conversation and the record of
    /// `message`, if it was processed before, read together. That is how a turn tells a first
    /// delivery (nothing recorded, so its replies may go out before the commit) from a
    /// redelivery. A store that can read both in one request does. A store that counts the
    /// writes of the customer's tickets whose stored status is the bot's (moved in the same
    /// write as the ticket) reads the count with them and vouches for the conversation's
    /// [`bot_ticket`](Conversation::bot_ticket) when it holds the count read then: no ticket
    /// the bot held was written since the turn that wrote it saw the ticket, so this turn need
    /// not read it. A store whose reads cost little more together than apart reads the
    /// conversation's current ticket with them too, unless the message was processed before.
    /// By default, one read after the other, no count, no vouching and no ticket.
    async fn turn_reads(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        message: &MessageId,
    ) -> Result<TurnReads, StoreError> {
        let conversation = self.conversation(ws, customer).await?;
        Ok(TurnReads {
            conversation,
            turn: self.turn(ws, message).await?,
            ..TurnReads::default()
        })
    }

    /// Atomically: writes the conversation and, if given, the ticket (both versioned), inserts
    /// the turn record, which must not exist yet (`Conflict` if it does), and adds `entries` to
    /// the transcript: all of it or nothing. An entry whose workspace and message id are
    /// already stored is left as it is (as
    /// [`append_message`](super::TranscriptStore::append_message) would), except the turn's
    /// own message: the turn record claims that id (a message is one turn's, and a second
    /// commit of it conflicts), so a store may write its entry without claiming the id again.
    /// Outbound entries other than the turn's own message are replies the turn has just
    /// sent, whose ids WhatsApp has just given: a store may write them as
    /// [`save_turn_progress`](Self::save_turn_progress) does (the same entry written again is
    /// stored once), without claiming their ids.
    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// [`commit_turn`](Self::commit_turn), with whatever of `outbox` this store can queue and
    /// publish in the same write (a store that shares its database with the queues and the
    /// event bus): those jobs and events are committed with the turn or not at all, and taken
    /// out of `outbox`. What is left is the caller's to send after the commit. The outbox's
    /// [`assign`](TurnOutbox::assign) is always taken with the commit. By default no job or
    /// event is taken, and a commit with an assignment is refused.
    async fn commit_turn_with(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
        outbox: &mut TurnOutbox,
    ) -> Result<(), StoreError> {
        if outbox.assign.is_some() {
            return Err(StoreError::Unexpected(anyhow::anyhow!(
                "this store cannot assign a ticket with a turn's commit"
            )));
        }
        self.commit_turn(conversation, ticket, turn, entries).await
    }

    /// Records how far a committed turn's effects have got (progress never goes back) and adds
    /// `entries` to the transcript, in one write: the way a turn records its delivered
    /// replies. The entries are replies just sent, whose message ids WhatsApp has just given;
    /// the same entry written again (a retried write) is stored once. Only `done` changes on
    /// the stored record.
    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// Writes a conversation alone (versioned), outside any turn: how a conversation moves to
    /// a customer's new phone number.
    async fn save_conversation(&self, conversation: &mut Conversation) -> Result<(), StoreError>;

    /// Deletes a conversation if its stored version still equals `conversation.version`
    /// (`Conflict` if it changed since it was read). A conversation already gone is no error.
    async fn delete_conversation(&self, conversation: &Conversation) -> Result<(), StoreError>;

    /// Deletes what the adapter keeps under a customer's number apart from tickets and
    /// records: the conversation (whatever its version) and, where the adapter keeps them in
    /// the same database, the rows of the customer's sandbox chat and of their queue group
    /// (messages waiting and dead letters) and the number-change events that name them.
    /// Deleting what is already gone is no error.
    async fn forget_customer(&self, ws: &WorkspaceId, customer: &WaId) -> Result<(), StoreError>;

    /// For a store that sweeps: deletes up to `limit` conversations of any workspace whose
    /// `expires_at` is at or before `before` (read through an index of that time), in one
    /// short write; returns how many. By default none: a store whose items expire by
    /// themselves.
    async fn delete_expired_conversations(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<usize, StoreError> {
        let _ = (before, limit);
        Ok(0)
    }
}
