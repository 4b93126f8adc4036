//! A [`Store`] decorator that writes the change feed: every ticket, transcript and
//! assignment write that succeeds adds a [`Change`] the console polls (or streams) to refresh
//! what it shows. One wrapper serves every adapter, so no write path can forget it. For the
//! same reason it stamps every ticket write with the SLA event it moves
//! ([`TicketSla::mark_target`](crate::sla::TicketSla::mark_target)), which tells timer chains
//! apart, and computes the report facts the write adds to the rollups
//! ([`count_facts`](crate::desk::report::count_facts)), which the store applies in the same
//! transaction as the ticket. And it stamps each ticket and conversation write with when
//! the item expires under the workspace's retention
//! ([`RetentionConfig`](crate::config::RetentionConfig)), then has a store whose items
//! expire by themselves mark what is under a done ticket the same way (`expiry`).

use std::sync::Arc;

use async_trait::async_trait;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tracing::warn;

use crate::bot::conversation::Conversation;
use crate::bot::turn::TurnRecord;
use crate::channel::message::{Body, DeliveryStatus, TranscriptEntry};
use crate::config::Workspaces;
use crate::desk::agent::{Agent, Availability};
use crate::desk::report::rollup::{Counters, Dim, Rollup, RollupDelta, names, split_by_day};
use crate::desk::report::{ReportTrack, count_facts};
use crate::desk::ticket::Ticket;
use crate::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use crate::ports::records::{Change, ChangeKind, Record, RecordKind, RecordPage};
use crate::ports::{
    AgentStore, ChangeFeed, Clock, ConversationStore, RecordStore, RollupStore, Store, StoreError,
    TicketFilter, TicketStore, TranscriptStore, TurnOutbox,
};
use crate::ports::{StatusCounts, TicketCursor, TicketQuery};
use crate::sla::calendar::Calendar;

mod expiry;

/// Wraps a store; see the module docs.
pub struct ChangeFeedStore {
    inner: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    workspaces: Arc<Workspaces>,
}

/// A ticket's report marks as they were before a write counted its facts, to put back if the
/// write fails (the caller may try again with the same copy).
struct Counting(ReportTrack);

impl ChangeFeedStore {
    pub fn new(inner: Arc<dyn Store>, clock: Arc<dyn Clock>, workspaces: Arc<Workspaces>) -> Self {
        ChangeFeedStore {
            inner,
            clock,
            workspaces,
        }
    }

    /// Before a ticket write: counts its new report facts into `ticket.rollup` and sets their
    /// marks.
    fn count(&self, ticket: &mut Ticket) -> Counting {
        let before = Counting(ticket.report.clone());
        ticket.rollup.clear();
        let (calendar, tz) = match self.workspaces.get(&ticket.workspace) {
            Some(ws) => (
                ticket
                    .sla
                    .applied(ws.sla.policies())
                    .map_or(Calendar::AlwaysOpen, |p| (*p.calendar).clone()),
                ws.tz(),
            ),
            None => (Calendar::AlwaysOpen, TimeZone::UTC),
        };
        ticket.rollup = count_facts(ticket, &calendar, &tz, self.clock.now());
        before
    }

    /// The time the agent spent in its previous availability, up to now, added to its
    /// rollups split at local midnight; the new availability is kept with its start. Counted
    /// when the availability changes: the record's versioned write claims the span, so two
    /// racing changes count it once (a failure after the claim loses that span, logged).
    async fn count_activity(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let stored = self
            .inner
            .record(ws, RecordKind::AgentActivity, id.as_str())
            .await?;
        let previous = stored.as_ref().and_then(|r| {
            let state: Availability =
                serde_json::from_value(r.value.get("availability")?.clone()).ok()?;
            let since: Timestamp = serde_json::from_value(r.value.get("since")?.clone()).ok()?;
            Some((state, since))
        });
        let mut record = stored.unwrap_or_else(|| Record {
            workspace: ws.clone(),
            kind: RecordKind::AgentActivity,
            key: id.as_str().to_owned(),
            value: serde_json::Value::Null,
            updated_at: now,
            version: 0,
        });
        record.value = serde_json::json!({ "availability": availability, "since": now });
        record.updated_at = now;
        self.inner.put_record(&mut record).await?;
        let Some((state, since)) = previous else {
            return Ok(());
        };
        let tz = self.workspaces.get(ws).map_or(TimeZone::UTC, |w| w.tz());
        let counter = match state {
            Availability::Online => names::ONLINE,
            Availability::Away => names::AWAY,
            Availability::Offline => names::OFFLINE,
        };
        let deltas: Vec<RollupDelta> = split_by_day(since, now, &tz)
            .into_iter()
            .map(|(day, secs)| {
                let mut counters = Counters::default();
                counters.add(counter, secs);
                RollupDelta {
                    day,
                    dim: Dim::Agent(id.to_string()),
                    counters,
                }
            })
            .collect();
        self.inner.add_rollups(ws, &deltas).await
    }

    /// After the write: the deltas are spent if it succeeded; the marks go back if not.
    fn counted<T>(ticket: &mut Ticket, before: Counting, result: &Result<T, StoreError>) {
        ticket.rollup.clear();
        if result.is_err() {
            ticket.report = before.0;
        }
    }

    /// The feed is a hint to refresh, not a record: losing one entry only delays the
    /// console until its next full reload, so a failed append is logged, not raised.
    async fn note(&self, ws: &WorkspaceId, ticket: &TicketId, kind: ChangeKind) {
        let change = Change {
            workspace: ws.clone(),
            kind,
            ticket_id: ticket.clone(),
            at: self.clock.now(),
            cursor: String::new(),
        };
        if let Err(e) = self.inner.append_change(&change).await {
            warn!(workspace = %ws, ticket_id = %ticket, error = %e, "could not add to the change feed");
        }
    }

    /// What a ticket save was about, from the audit entry it just recorded (if any).
    fn kind_of_save(&self, ticket: &Ticket) -> ChangeKind {
        let recent = SignedDuration::from_secs(5);
        let now: Timestamp = self.clock.now();
        match ticket.audit.last() {
            Some(a) if now.duration_since(a.at) <= recent => {
                if a.action.starts_with("sla_") || a.action == "tier_bumped" {
                    ChangeKind::Sla
                } else if a.action == "assigned" || a.action == "transferred" {
                    ChangeKind::Assignment
                } else {
                    ChangeKind::Ticket
                }
            }
            _ => ChangeKind::Ticket,
        }
    }
}

#[async_trait]
impl ConversationStore for ChangeFeedStore {
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
    ) -> Result<crate::ports::TurnReads, StoreError> {
        self.inner.turn_reads(ws, customer, message).await
    }

    async fn commit_turn(
        &self,
        conversation: &mut Conversation,
        ticket: Option<&mut Ticket>,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        let mut nothing = TurnOutbox::default();
        self.commit_turn_with(conversation, ticket, turn, entries, &mut nothing)
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
        // Only a ticket a person works on is in the console; the bot's own turns add nothing
        // to the feed (and no write to the store).
        let human = ticket
            .as_deref()
            .filter(|t| t.status.is_human())
            .map(|t| (t.workspace.clone(), t.id.clone()));
        let assigning = outbox.assign.is_some();
        let mut ticket = ticket;
        let mut before = None;
        let mut expired_before = None;
        if let Some(t) = ticket.as_deref_mut() {
            t.sla.mark_target(t.version + 1);
            before = Some(self.count(t));
            expired_before = self.stamp_ticket(t);
        }
        self.stamp_conversation(conversation);
        let result = self
            .inner
            .commit_turn_with(conversation, ticket.as_deref_mut(), turn, entries, outbox)
            .await;
        if let (Some(t), Some(b)) = (ticket, before) {
            Self::counted(t, b, &result);
            Self::unstamp(t, expired_before, &result);
            if result.is_ok() {
                self.expire_items(t, expired_before).await;
            }
        }
        result?;
        if let Some((ws, id)) = human {
            let kind = if assigning {
                ChangeKind::Assignment
            } else if entries.is_empty() {
                ChangeKind::Ticket
            } else {
                ChangeKind::Message
            };
            self.note(&ws, &id, kind).await;
        }
        Ok(())
    }

    async fn save_turn_progress(
        &self,
        turn: &TurnRecord,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        // The bot's replies: written while the bot owns the conversation, so nothing the
        // console shows changes.
        self.inner.save_turn_progress(turn, entries).await
    }

    async fn save_conversation(&self, conversation: &mut Conversation) -> Result<(), StoreError> {
        self.stamp_conversation(conversation);
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
impl TranscriptStore for ChangeFeedStore {
    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError> {
        let inserted = self.inner.append_message(entry).await?;
        if inserted && self.retention(&entry.workspace).tickets_days.is_some() {
            // An entry added to a done ticket after its last write (a survey's answer, a
            // late reply) takes the ticket's expiry: one read, only where tickets expire.
            let ticket = self
                .inner
                .ticket(&entry.workspace, &entry.ticket_id)
                .await?;
            if let Some(t) = ticket.filter(|t| t.expires_at.is_some()) {
                self.expire_items(&t, None).await;
            }
        }
        if inserted {
            let kind = match entry.body {
                Body::Note { .. } => ChangeKind::Note,
                _ => ChangeKind::Message,
            };
            self.note(&entry.workspace, &entry.ticket_id, kind).await;
        }
        Ok(inserted)
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
impl TicketStore for ChangeFeedStore {
    async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Result<Option<Ticket>, StoreError> {
        self.inner.ticket(ws, id).await
    }

    async fn save_ticket(&self, ticket: &mut Ticket) -> Result<(), StoreError> {
        ticket.sla.mark_target(ticket.version + 1);
        let before = self.count(ticket);
        let expired_before = self.stamp_ticket(ticket);
        let result = self.inner.save_ticket(ticket).await;
        Self::counted(ticket, before, &result);
        Self::unstamp(ticket, expired_before, &result);
        result?;
        self.expire_items(ticket, expired_before).await;
        let kind = self.kind_of_save(ticket);
        self.note(&ticket.workspace, &ticket.id, kind).await;
        Ok(())
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
        self.inner.delete_ticket(ticket, messages).await?;
        self.note(&ticket.workspace, &ticket.id, ChangeKind::Ticket)
            .await;
        Ok(())
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
        range: &crate::ports::CreatedRange,
        after: Option<&crate::ports::CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<crate::ports::CreatedCursor>), StoreError> {
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
        ticket.sla.mark_target(ticket.version + 1);
        let before = self.count(ticket);
        let expired_before = self.stamp_ticket(ticket);
        let result = self.inner.assign_ticket(ticket, to, release, now).await;
        Self::counted(ticket, before, &result);
        Self::unstamp(ticket, expired_before, &result);
        result?;
        self.expire_items(ticket, expired_before).await;
        self.note(&ticket.workspace, &ticket.id, ChangeKind::Assignment)
            .await;
        Ok(())
    }

    async fn release_ticket(&self, ticket: &mut Ticket, agent: &AgentId) -> Result<(), StoreError> {
        ticket.sla.mark_target(ticket.version + 1);
        let before = self.count(ticket);
        let expired_before = self.stamp_ticket(ticket);
        let result = self.inner.release_ticket(ticket, agent).await;
        Self::counted(ticket, before, &result);
        Self::unstamp(ticket, expired_before, &result);
        result?;
        self.expire_items(ticket, expired_before).await;
        let kind = self.kind_of_save(ticket);
        self.note(&ticket.workspace, &ticket.id, kind).await;
        Ok(())
    }
}

#[async_trait]
impl AgentStore for ChangeFeedStore {
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
        let changed = self.inner.set_availability(ws, id, availability).await?;
        if changed && let Err(e) = self.count_activity(ws, id, availability).await {
            warn!(workspace = %ws, agent = %id, error = %e, "could not count the agent's activity");
        }
        Ok(changed)
    }
}

#[async_trait]
impl RecordStore for ChangeFeedStore {
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
impl ChangeFeed for ChangeFeedStore {
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
impl RollupStore for ChangeFeedStore {
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Rollup>, StoreError> {
        self.inner.rollups(ws, from, to).await
    }

    async fn add_rollups(
        &self,
        ws: &WorkspaceId,
        deltas: &[RollupDelta],
    ) -> Result<(), StoreError> {
        self.inner.add_rollups(ws, deltas).await
    }
}
