//! The durable state the use cases keep: conversations and turns, transcripts, tickets and
//! queues, agents, records and the change feed.

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::bot::conversation::Conversation;
use crate::bot::turn::TurnRecord;
use crate::channel::message::{DeliveryStatus, TranscriptEntry};
use crate::desk::agent::{Agent, Availability};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use crate::ports::records::{Change, Record, RecordKind};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: somebody changed the record since it was read. Reload and retry.
    #[error("the record changed since it was read")]
    Conflict,
    /// The agent has no free capacity for another conversation.
    #[error("the agent is at capacity")]
    AtCapacity,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub team: Option<TeamId>,
    pub assignee: Option<AgentId>,
    /// Only tickets of these teams (or assigned to `visible_to_agent`); `None` means every team.
    pub teams: Option<Vec<TeamId>>,
    pub visible_to_agent: Option<AgentId>,
    pub limit: Option<u32>,
}

/// Durable state: conversations, tickets, transcripts, agents, and the records that make
/// redelivered work idempotent.
///
/// Versioned records (`Conversation`, `Ticket`) follow one rule: the caller passes the copy it
/// read, with `version` as read (0 for a new record); the write succeeds only if the stored
/// version still equals it, and then the stored version and the caller's copy become
/// `version + 1`. Otherwise nothing is written and `StoreError::Conflict` is returned.
#[async_trait]
pub trait Store: Send + Sync {
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

    /// Atomically: writes the conversation and, if given, the ticket (both versioned), inserts
    /// the turn record, which must not exist yet (`Conflict` if it does), and adds `entries` to
    /// the transcript: all of it or nothing. An entry whose workspace and message id are
    /// already stored is left as it is (as [`append_message`](Store::append_message) would).
    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// Records how far a committed turn's effects have got (progress never goes back) and adds
    /// each of `entries` to the transcript as [`append_message`](Store::append_message) would
    /// (those already stored are left as they are), in one write: the way a turn records its
    /// delivered replies.
    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError>;

    /// Adds a transcript entry. Returns `false`, writing nothing, if an entry with the same
    /// workspace and message id exists.
    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError>;

    /// Records a delivery status. Statuses arrive in any order, possibly before the message
    /// they describe is in the transcript; the stored state only moves forward
    /// (see `DeliveryState::advances`).
    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError>;

    /// A ticket's transcript in order, each outbound entry with its latest delivery state.
    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError>;

    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError>;

    /// Inserts (version 0) or updates a ticket, versioned.
    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError>;

    /// Tickets matching the filter, most recently updated first.
    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError>;

    /// A team's queued tickets: highest `Ticket::queue_rank` first (priority, then VIP), then
    /// longest waiting (`queued_at`).
    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError>;

    /// Tickets of every workspace whose SLA is due at or before `before`, soonest first.
    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError>;

    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError>;

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError>;

    /// Creates the agent or updates its profile (name, email, role, teams, capacity), keeping
    /// its availability, load and last assignment if it exists.
    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError>;

    /// Returns `false` if there is no such agent.
    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError>;

    /// Atomically: saves the ticket (versioned, already mutated to show `to` as its assignee),
    /// takes one unit of `to`'s capacity (`AtCapacity` if it has none, writing nothing) and
    /// sets its last assignment time to `now`; and, for a transfer, gives one unit back to
    /// `release`.
    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Atomically: saves the ticket (versioned) and gives one unit of capacity back to `agent`.
    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError>;

    // ---- records and the change feed (agent API) ----

    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError>;

    /// A workspace's records of one kind, by key.
    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError>;

    /// Inserts (version 0) or updates a record, versioned like tickets.
    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError>;

    /// Returns `false` if there was no such record.
    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError>;

    /// Adds an entry to the workspace's change feed (kept at least a day).
    async fn append_change(&self, change: &Change) -> Result<(), StoreError>;

    /// The changes after `after` (a cursor a previous read returned; `None`: from the oldest
    /// kept), oldest first, at most `limit`, each with its cursor set.
    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError>;
}
