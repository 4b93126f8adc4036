//! Ports: what the use cases need from the world, in domain types. The AWS adapters and the
//! embedded (SQLite) adapters implement each one, and one contract test suite runs on both.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::agent::{Agent, Availability};
use crate::conversation::Conversation;
use crate::events::DomainEvent;
use crate::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use crate::message::{DeliveryStatus, MediaFile, Outbound, TranscriptEntry};
use crate::records::{Change, Record, RecordKind};
use crate::ticket::{Ticket, TicketStatus};
use crate::turn::TurnRecord;

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

    /// Atomically: writes the conversation and, if given, the ticket (both versioned), and
    /// inserts the turn record, which must not exist yet (`Conflict` if it does).
    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
    ) -> Result<(), StoreError>;

    /// Records how far a committed turn's effects have got.
    async fn save_turn_progress(&self, turn: &TurnRecord) -> Result<(), StoreError>;

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

/// The queues between functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueName {
    /// Inbound customer messages; FIFO per customer.
    Inbound,
    /// Transcript writes and delivery statuses; FIFO per customer.
    TicketWrites,
    /// Handoffs to route and assign.
    Escalations,
    /// Delayed SLA timers.
    SlaTimers,
}

impl QueueName {
    pub const ALL: [QueueName; 4] = [
        QueueName::Inbound,
        QueueName::TicketWrites,
        QueueName::Escalations,
        QueueName::SlaTimers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Inbound => "inbound",
            QueueName::TicketWrites => "ticket-writes",
            QueueName::Escalations => "escalations",
            QueueName::SlaTimers => "sla-timers",
        }
    }

    /// FIFO queues deliver one message of a group at a time, in order.
    pub fn is_fifo(self) -> bool {
        matches!(self, QueueName::Inbound | QueueName::TicketWrites)
    }
}

/// A message for a queue. The body is the job's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub queue: QueueName,
    /// FIFO queues: messages of one group are delivered one at a time, in order.
    pub group: Option<String>,
    /// A message with the same id sent again within the deduplication window is dropped.
    pub dedupe_id: Option<String>,
    /// Not delivered before this delay (at most 15 minutes on SQS).
    pub delay: Duration,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not enqueue to {queue}: {source}")]
pub struct QueueError {
    pub queue: &'static str,
    #[source]
    pub source: anyhow::Error,
}

#[async_trait]
pub trait Queue: Send + Sync {
    /// Sends every envelope or fails; on failure some may have been sent, which is safe since
    /// every consumer is idempotent.
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError>;
}

/// Why the WhatsApp channel did not send a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Outside the 24-hour window only templates may be sent (Graph error 131047).
    #[error("the 24-hour customer service window is closed")]
    WindowClosed,
    /// Rate limited (429, 130429, 131056): try again later.
    #[error("throttled by WhatsApp")]
    Throttled { retry_after: Option<Duration> },
    /// 5xx, timeouts, connection errors: try again later.
    #[error("WhatsApp is unavailable: {0}")]
    Unavailable(String),
    /// The access token was refused: needs an operator.
    #[error("WhatsApp refused the access token (code {code})")]
    Unauthorized { code: i64 },
    /// A request that cannot succeed as it is.
    #[error("WhatsApp rejected the message: {code} {message}")]
    Rejected { code: i64, message: String },
}

impl SendError {
    /// Whether the message should be sent again later. A refused token is retryable too: the
    /// reply must not be dropped, so it waits in the queue (and reaches the dead-letter queue,
    /// which alarms) until an operator fixes the token.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Throttled { .. }
                | SendError::Unavailable(_)
                | SendError::Unauthorized { .. }
        )
    }
}

/// Why media could not be fetched from WhatsApp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// WhatsApp does not know the id, or no longer keeps the file (media expires after about
    /// 30 days).
    #[error("WhatsApp has no media with that id (it may have expired)")]
    NotFound,
    /// Larger than turno is willing to pass through.
    #[error("the media is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("WhatsApp refused the access token (code {code})")]
    Unauthorized { code: i64 },
    /// Throttling, 5xx, timeouts: try again later.
    #[error("WhatsApp is unavailable: {0}")]
    Unavailable(String),
    #[error("WhatsApp refused the media request: {code} {message}")]
    Rejected { code: i64, message: String },
}

/// Sends messages to customers on WhatsApp (or to the sandbox).
#[async_trait]
pub trait WhatsApp: Send + Sync {
    /// Sends one message and returns WhatsApp's id for it.
    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError>;

    /// Fetches the bytes of media a customer sent (an image, a voice note, a document), by
    /// the media id their message carried.
    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError>;

    /// Tells WhatsApp the customer's message was read (their ticks turn blue). One attempt,
    /// no retries: a lost receipt is harmless.
    async fn mark_read(&self, ws: &WorkspaceId, message: &MessageId) -> Result<(), SendError>;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    TicketAssigned,
    SlaWarning,
    SlaBreached,
    /// An agent was @mentioned in a private note.
    Mentioned,
}

/// A notice to people (agents, supervisors). Holds no customer message text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub workspace: WorkspaceId,
    pub kind: NotificationKind,
    pub ticket_id: TicketId,
    pub agent: Option<AgentId>,
    pub text: String,
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: &Notification) -> anyhow::Result<()>;
}

/// Domain events for integrations (EventBridge in AWS).
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
