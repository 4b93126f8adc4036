//! Tickets, the team queues they wait in, and their assignment to agents.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::desk::ticket::Ticket;
use crate::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use crate::ports::{
    CreatedCursor, CreatedRange, StatusCounts, StoreError, TicketCursor, TicketFilter, TicketQuery,
};

/// Tickets, versioned as the [module docs](super) describe, with the views the desk reads
/// them through (filtered lists, team queues, SLA deadlines) and the writes that move an
/// agent's capacity with the ticket.
#[async_trait]
pub trait TicketStore: Send + Sync {
    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError>;

    /// Inserts (version 0) or updates a ticket, versioned.
    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError>;

    /// Tickets matching the filter, most recently updated first.
    async fn list_tickets(
        &self,
        ws: &WorkspaceId,
        filter: &TicketFilter,
    ) -> Result<Vec<Ticket>, StoreError>;

    /// Every ticket of one customer, open or closed, oldest first (by creation), read through
    /// the customer index.
    async fn customer_tickets(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<Vec<Ticket>, StoreError>;
    /// One page of a view: the tickets after `after` (none: from the newest), newest activity
    /// first (ties by id, descending), at most `limit`, and the cursor of the next page if
    /// there is one. Each source is read through an index, `limit + 1` rows at most.
    async fn ticket_page(
        &self,
        ws: &WorkspaceId,
        query: &TicketQuery,
        after: Option<&TicketCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<TicketCursor>), StoreError>;

    /// One page of the tickets created in the range: after `after` (none: from the start),
    /// oldest first (ties by id), at most `limit`, and the cursor of the next page if there is
    /// one. Read through the creation index, `limit + 1` rows at most: a range of any size is
    /// read page by page.
    async fn tickets_created(
        &self,
        ws: &WorkspaceId,
        range: &CreatedRange,
        after: Option<&CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<CreatedCursor>), StoreError>;

    /// How many tickets each status has, in the workspace or (`team`) in one team, from
    /// counters that ticket writes move: no ticket is read. An adapter may move them after
    /// the write, a batch at a time (DynamoDB, from the table's stream): the counts lag by
    /// that much, and catch up.
    async fn ticket_counts(
        &self,
        ws: &WorkspaceId,
        team: Option<&TeamId>,
    ) -> Result<StatusCounts, StoreError>;

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

    /// Deletes a ticket and what is stored under it: its transcript entries, the delivery
    /// states of `messages` (the message ids its transcript holds) and the turn records of
    /// those of them that were customer messages, and takes it out of the status counters.
    /// The stored version must still be `ticket.version` (`Conflict` otherwise, nothing
    /// deleted of the ticket itself); a ticket already gone is no error. The ticket goes last,
    /// so a delete cut short is found again (by the customer index) and finished by a retry.
    /// Capacity is not touched: the caller resolves an open ticket first.
    async fn delete_ticket(
        &self,
        ticket: &Ticket,
        messages: &[MessageId],
    ) -> Result<(), StoreError>;

    /// Gives what is stored under a ticket just written (its transcript entries, the delivery
    /// states of its messages) the ticket's [`expires_at`](Ticket::expires_at), or takes it off
    /// (`None`, a reopened ticket): for a store whose items expire by themselves (a time to
    /// live). Items that already carry it are left alone. By default nothing: a store that
    /// sweeps deletes the ticket with what is under it ([`expired_tickets`](Self::expired_tickets)).
    async fn expire_ticket_items(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let _ = ticket;
        Ok(())
    }

    /// For a store that sweeps: up to `limit` tickets of any workspace whose `expires_at` is
    /// at or before `before`, soonest first, read through an index of that time. By default
    /// none: a store whose items expire by themselves.
    async fn expired_tickets(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let _ = (before, limit);
        Ok(Vec::new())
    }
}
