//! The durable state the use cases keep, one port per aggregate: conversations and turns
//! ([`ConversationStore`]), transcripts ([`TranscriptStore`]), tickets and queues
//! ([`TicketStore`]), agents ([`AgentStore`]), records ([`RecordStore`]) and the change feed
//! ([`ChangeFeed`]) and report rollups ([`RollupStore`]). [`Store`] is all of them, what the wiring hands the use cases.
//!
//! Versioned records (`Conversation`, `Ticket`, `Record`) follow one rule: the caller passes
//! the copy it read, with `version` as read (0 for a new record); the write succeeds only if
//! the stored version still equals it, and then the stored version and the caller's copy
//! become `version + 1`. Otherwise nothing is written and [`StoreError::Conflict`] is
//! returned.

mod agents;
mod changes;
mod conversations;
mod created;
mod records;
mod rollups;
mod tickets;
mod transcripts;
mod views;

use serde::{Deserialize, Serialize};

use crate::desk::ticket::TicketStatus;
use crate::kernel::ids::{AgentId, TeamId};

pub use agents::AgentStore;
pub use changes::ChangeFeed;
pub use conversations::{ConversationStore, TurnOutbox, TurnReads};
pub use created::{CreatedCursor, CreatedRange};
pub use records::RecordStore;
pub use rollups::RollupStore;
pub use tickets::TicketStore;
pub use transcripts::TranscriptStore;
pub use views::{
    ALL_STATUSES, AssigneeKey, NAME_PREFIX_MIN, StatusCounts, StatusGroup, StatusScope,
    TicketCursor, TicketQuery, TicketSource, merge_pages, name_key,
};

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
/// redelivered work idempotent. Every adapter implements the six ports; this trait only
/// names them together, so one `Arc<dyn Store>` reaches them all.
pub trait Store:
    ConversationStore
    + TranscriptStore
    + TicketStore
    + AgentStore
    + RecordStore
    + ChangeFeed
    + RollupStore
{
}

impl<T> Store for T where
    T: ConversationStore
        + TranscriptStore
        + TicketStore
        + AgentStore
        + RecordStore
        + ChangeFeed
        + RollupStore
        + ?Sized
{
}
