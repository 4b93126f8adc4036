//! A [`Store`] that loses optimistic-concurrency races on purpose: its next ticket writes fail
//! with [`StoreError::Conflict`], as if another writer had got there first, so a test can
//! drive the use cases' retry loop through every branch without racing real tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use jiff::Timestamp;
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::TurnRecord;
use turno_core::channel::message::{DeliveryStatus, TranscriptEntry};
use turno_core::desk::agent::{Agent, Availability};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::ports::records::{Change, Record, RecordKind, RecordPage};
use turno_core::ports::{
    AgentStore, ChangeFeed, ConversationStore, RecordStore, RollupStore, Store, StoreError,
    TicketFilter, TicketStore, TranscriptStore, TurnOutbox,
};
use turno_core::ports::{StatusCounts, TicketCursor, TicketQuery};

/// Wraps a store; ticket writes (`save_ticket`, `assign_ticket`, `release_ticket`, and a
/// turn's commit that assigns its ticket) lose the next [`lose`](Self::lose) races, then go
/// through. Every other call goes straight through.
pub struct LosingStore {
    inner: Arc<dyn Store>,
    to_lose: AtomicUsize,
    ticket_writes: AtomicUsize,
}

impl std::fmt::Debug for LosingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LosingStore")
            .field("to_lose", &self.to_lose)
            .field("ticket_writes", &self.ticket_writes)
            .finish_non_exhaustive()
    }
}

impl LosingStore {
    /// Wraps `inner`, losing nothing yet.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        LosingStore {
            inner,
            to_lose: AtomicUsize::new(0),
            ticket_writes: AtomicUsize::new(0),
        }
    }

    /// The next `races` ticket writes fail with a conflict.
    pub fn lose(&self, races: usize) {
        self.to_lose.store(races, Ordering::SeqCst);
        self.ticket_writes.store(0, Ordering::SeqCst);
    }

    /// Ticket writes tried since the last [`lose`](Self::lose), lost ones included.
    pub fn ticket_writes(&self) -> usize {
        self.ticket_writes.load(Ordering::SeqCst)
    }

    fn lose_a_race(&self) -> Result<(), StoreError> {
        self.ticket_writes.fetch_add(1, Ordering::SeqCst);
        let lost = self
            .to_lose
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match lost {
            Ok(_) => Err(StoreError::Conflict),
            Err(_) => Ok(()),
        }
    }
}

#[async_trait]
impl ConversationStore for LosingStore {
    async fn conversation(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.inner.conversation(ws, customer).await
    }

    async fn turn(
        &self,
        ws: &WorkspaceId,
        message: &MessageId,
    ) -> Result<Option<TurnRecord>, StoreError> {
        self.inner.turn(ws, message).await
    }

    async fn turn_reads(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        message: &MessageId,
    ) -> Result<turno_core::ports::TurnReads, StoreError> {
        self.inner.turn_reads(ws, customer, message).await
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.inner
            .commit_turn(conversation, ticket, turn, entries)
            .await
    }

    async fn commit_turn_with(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
        outbox: &mut TurnOutbox,
    ) -> Result<(), StoreError> {
        if outbox.assign.is_some() {
            self.lose_a_race()?;
        }
        self.inner
            .commit_turn_with(conversation, ticket, turn, entries, outbox)
            .await
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.inner.save_turn_progress(turn, entries).await
    }

    async fn save_conversation(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        self.inner.save_conversation(conversation).await
    }

    async fn delete_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        self.inner.delete_conversation(conversation).await
    }

    async fn forget_customer(&self, ws: &WorkspaceId, customer: &WaId) -> Result<(), StoreError> {
        self.inner.forget_customer(ws, customer).await
    }

    async fn delete_expired_conversations(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<usize, StoreError> {
        self.inner.delete_expired_conversations(before, limit).await
    }
}

#[async_trait]
impl TranscriptStore for LosingStore {
    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError> {
        self.inner.append_message(entry).await
    }

    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError> {
        self.inner.record_delivery(status).await
    }

    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.inner.transcript(ws, ticket).await
    }
}

#[async_trait]
impl TicketStore for LosingStore {
    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        self.inner.ticket(ws, id).await
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        self.lose_a_race()?;
        self.inner.save_ticket(ticket).await
    }

    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.inner.list_tickets(ws, filter).await
    }

    async fn customer_tickets(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.inner.customer_tickets(ws, customer).await
    }

    async fn delete_ticket(
        &self,
        ticket: &Ticket,
        messages: &[MessageId],
    ) -> Result<(), StoreError> {
        self.inner.delete_ticket(ticket, messages).await
    }

    async fn expire_ticket_items(&self, ticket: &Ticket) -> Result<(), StoreError> {
        self.inner.expire_ticket_items(ticket).await
    }

    async fn expired_tickets(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.inner.expired_tickets(before, limit).await
    }

    async fn ticket_page(
        &self,
        ws: &WorkspaceId,
        query: &TicketQuery,
        after: Option<&TicketCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<TicketCursor>), StoreError> {
        self.inner.ticket_page(ws, query, after, limit).await
    }

    async fn tickets_created(
        &self,
        ws: &WorkspaceId,
        range: &turno_core::ports::CreatedRange,
        after: Option<&turno_core::ports::CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<turno_core::ports::CreatedCursor>), StoreError> {
        self.inner.tickets_created(ws, range, after, limit).await
    }

    async fn ticket_counts(
        &self,
        ws: &WorkspaceId,
        team: Option<&TeamId>,
    ) -> Result<StatusCounts, StoreError> {
        self.inner.ticket_counts(ws, team).await
    }

    async fn queued_tickets(
        &self,
        ws: &WorkspaceId,
        team: &TeamId,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.inner.queued_tickets(ws, team, limit).await
    }

    async fn tickets_sla_due(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(WorkspaceId, TicketId)>, StoreError> {
        self.inner.tickets_sla_due(before, limit).await
    }

    async fn assign_ticket(
        &self,
        ticket: &mut Ticket,
        to: &AgentId,
        release: Option<&AgentId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.lose_a_race()?;
        self.inner.assign_ticket(ticket, to, release, now).await
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        self.lose_a_race()?;
        self.inner.release_ticket(ticket, agent).await
    }
}

#[async_trait]
impl AgentStore for LosingStore {
    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError> {
        self.inner.agents(ws).await
    }

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError> {
        self.inner.agent(ws, id).await
    }

    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError> {
        self.inner.upsert_agent_profile(agent).await
    }

    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError> {
        self.inner.set_availability(ws, id, availability).await
    }
}

#[async_trait]
impl RecordStore for LosingStore {
    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError> {
        self.inner.record(ws, kind, key).await
    }

    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        self.inner.records(ws, kind).await
    }

    async fn records_page(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<RecordPage, StoreError> {
        self.inner.records_page(ws, kind, after, limit).await
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        self.inner.put_record(record).await
    }

    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError> {
        self.inner.delete_record(ws, kind, key).await
    }
}

#[async_trait]
impl ChangeFeed for LosingStore {
    async fn append_change(&self, change: &Change) -> Result<(), StoreError> {
        self.inner.append_change(change).await
    }

    async fn latest_change(&self, ws: &WorkspaceId) -> Result<Option<String>, StoreError> {
        self.inner.latest_change(ws).await
    }

    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError> {
        self.inner.changes_since(ws, after, limit).await
    }
}

#[async_trait]
impl RollupStore for LosingStore {
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<turno_core::desk::report::rollup::Rollup>, StoreError> {
        self.inner.rollups(ws, from, to).await
    }

    async fn add_rollups(
        &self,
        ws: &WorkspaceId,
        deltas: &[turno_core::desk::report::rollup::RollupDelta],
    ) -> Result<(), StoreError> {
        self.inner.add_rollups(ws, deltas).await
    }
}
