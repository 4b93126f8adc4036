//! The use cases: what each function does, written once over the ports. The Lambda functions
//! and the local runner call these and nothing else.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tracing::{error, info, warn};

use crate::agent::{Agent, Availability, Role, pick_agent};
use crate::bot;
use crate::config::{WorkspaceConfig, Workspaces};
use crate::conversation::Conversation;
use crate::events::DomainEvent;
use crate::ids::{AgentId, MessageId, TeamId, TicketId, WorkspaceId};
use crate::jobs::{EscalationJob, SlaClockKind, SlaTimer, TicketWrite, inbound_envelope};
use crate::lang;
use crate::message::{
    Author, Body, DeliveryState, DeliveryStatus, InboundMessage, Outbound, TranscriptEntry,
};
use crate::ports::{
    Clock, EventBus, Notification, NotificationKind, Notifier, Queue, QueueName, SendError, Store,
    StoreError, TicketFilter, WhatsApp,
};
use crate::routing::{RoutingInput, route};
use crate::text::normalise;
use crate::ticket::{Notice, Ticket, TicketStatus, TransitionError};
use crate::turn::{Effect, TurnRecord};

/// Everything the use cases talk to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn Queue>,
    pub whatsapp: Arc<dyn WhatsApp>,
    pub notifier: Arc<dyn Notifier>,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
}

/// How often a use case retries after losing an optimistic-concurrency race before it gives
/// the job back to the queue.
const MAX_CONFLICT_RETRIES: usize = 8;

/// A job that did not complete. `permanent` jobs cannot succeed as they are (a malformed
/// body); the others are retried by the queue.
#[derive(Debug, thiserror::Error)]
#[error("{source:#}")]
pub struct JobError {
    pub permanent: bool,
    #[source]
    pub source: anyhow::Error,
}

impl JobError {
    pub fn retry(source: impl Into<anyhow::Error>) -> Self {
        JobError {
            permanent: false,
            source: source.into(),
        }
    }

    pub fn permanent(source: impl Into<anyhow::Error>) -> Self {
        JobError {
            permanent: true,
            source: source.into(),
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::retry(e)
    }
}

impl From<crate::ports::QueueError> for JobError {
    fn from(e: crate::ports::QueueError) -> Self {
        JobError::retry(e)
    }
}

/// Errors of the agent-facing use cases, each mapped to a status and a stable code at the
/// HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the customer's 24-hour window is closed: only an approved template can be sent now")]
    WindowClosed,
    #[error("WhatsApp did not take the message: {0}")]
    Channel(SendError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => {
                AppError::Conflict("the ticket changed meanwhile: reload and try again".into())
            }
            StoreError::AtCapacity => AppError::Conflict("the agent is at capacity".into()),
            StoreError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        AppError::Conflict(e.to_string())
    }
}

impl From<crate::ports::QueueError> for AppError {
    fn from(e: crate::ports::QueueError) -> Self {
        AppError::Unexpected(e.into())
    }
}

/// A webhook's content, split into what the queues carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookBatch {
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<DeliveryStatus>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub messages: usize,
    pub statuses: usize,
    /// Items for phone numbers this deployment does not serve.
    pub ignored: usize,
}

/// Who is calling the agent API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub workspace: WorkspaceId,
    pub agent: AgentId,
    pub role: Role,
}

/// A ticket with what the console shows beside it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub sla_due_at: Option<Timestamp>,
    pub window_closes_at: Option<Timestamp>,
    pub transcript: Vec<TranscriptEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    Pending,
    Snoozed,
    Resolved,
    /// Back to the team's queue (reopen a resolved ticket, or let an assigned one go).
    Queued,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub looked_at: usize,
    pub breaches: usize,
}

#[derive(Clone)]
pub struct Turno {
    ports: Ports,
    workspaces: Arc<Workspaces>,
}

impl Turno {
    pub fn new(ports: Ports, workspaces: Workspaces) -> Self {
        Turno {
            ports,
            workspaces: Arc::new(workspaces),
        }
    }

    pub fn workspaces(&self) -> &Workspaces {
        &self.workspaces
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.ports.store
    }

    fn now(&self) -> Timestamp {
        self.ports.clock.now()
    }

    fn config(&self, ws: &WorkspaceId) -> Option<Arc<WorkspaceConfig>> {
        self.workspaces.get(ws)
    }

    /// Writes each configured agent's profile, keeping what the store knows of their
    /// availability and load. Agents marked `online` in the configuration start online.
    pub async fn seed_agents(&self) -> Result<(), StoreError> {
        for ws in self.workspaces.iter() {
            for a in &ws.agents {
                let agent = Agent {
                    workspace: ws.id.clone(),
                    id: a.id.clone(),
                    name: a.name.clone(),
                    email: a.email.clone(),
                    role: a.role,
                    teams: a.teams.clone(),
                    capacity: a.capacity,
                    availability: if a.online {
                        Availability::Online
                    } else {
                        Availability::Offline
                    },
                    load: 0,
                    last_assigned_at: None,
                };
                self.ports.store.upsert_agent_profile(&agent).await?;
                if a.online {
                    self.ports
                        .store
                        .set_availability(&ws.id, &a.id, Availability::Online)
                        .await?;
                }
            }
        }
        Ok(())
    }

    // ---- webhook-ingress -------------------------------------------------------------------

    /// Enqueues every message and status of a verified webhook. Returns once all are durably
    /// queued; only then may the webhook be answered 200.
    pub async fn accept_webhook(&self, batch: WebhookBatch) -> Result<Accepted, AppError> {
        let mut accepted = Accepted::default();
        let mut envelopes = Vec::with_capacity(batch.messages.len() + batch.statuses.len());
        for m in &batch.messages {
            if self.config(&m.workspace).is_none() {
                warn!(workspace = %m.workspace, wamid = %m.id, "message for a phone number this deployment does not serve; ignored");
                accepted.ignored += 1;
                continue;
            }
            envelopes.push(inbound_envelope(m));
            accepted.messages += 1;
        }
        for s in batch.statuses {
            if self.config(&s.workspace).is_none() {
                accepted.ignored += 1;
                continue;
            }
            envelopes.push(TicketWrite::Delivery { status: s }.envelope());
            accepted.statuses += 1;
        }
        if !envelopes.is_empty() {
            self.ports.queue.send(envelopes).await?;
        }
        Ok(accepted)
    }

    /// Decodes and runs one queued job. Used by every queue consumer, Lambda or local.
    pub async fn handle_job(&self, queue: QueueName, body: &str) -> Result<(), JobError> {
        fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, JobError> {
            serde_json::from_str(body)
                .map_err(|e| JobError::permanent(anyhow::anyhow!("malformed job body: {e}")))
        }
        match queue {
            QueueName::Inbound => self.handle_inbound(decode(body)?).await,
            QueueName::TicketWrites => self.handle_ticket_write(decode(body)?).await,
            QueueName::Escalations => self.handle_escalation(decode(body)?).await,
            QueueName::SlaTimers => self.handle_sla_timer(decode(body)?).await,
        }
    }

    // ---- bot-turn ---------------------------------------------------------------------------

    /// One conversation step for one inbound message. Safe to run again for the same message:
    /// the first run's decision is recorded and a rerun only finishes what it left undone.
    pub async fn handle_inbound(&self, msg: InboundMessage) -> Result<(), JobError> {
        let Some(ws) = self.config(&msg.workspace) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                msg.workspace
            )));
        };
        let store = &self.ports.store;
        for _ in 0..MAX_CONFLICT_RETRIES {
            if let Some(turn) = store.turn(&msg.workspace, &msg.id).await? {
                return self.finish_turn(turn).await;
            }
            let mut turn = self.decide_turn(&ws, &msg).await?;
            match store
                .commit_turn(&mut turn.conversation, turn.ticket.as_mut(), &turn.record)
                .await
            {
                Ok(()) => {
                    if turn.ticket_created {
                        let created = DomainEvent::TicketCreated {
                            workspace: msg.workspace.clone(),
                            ticket_id: turn.record.ticket_id.clone(),
                            at: self.now(),
                        };
                        self.publish(&[created]).await;
                    }
                    return self.finish_turn(turn.record).await;
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(JobError::retry(anyhow::anyhow!(
            "conversation kept changing; will retry"
        )))
    }

    async fn decide_turn(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
    ) -> Result<DecidedTurn, JobError> {
        let store = &self.ports.store;
        let now = self.now();
        let mut conversation = store
            .conversation(&msg.workspace, &msg.from)
            .await?
            .unwrap_or_else(|| {
                Conversation::new(msg.workspace.clone(), msg.from.clone(), ws.default_language)
            });
        let current = match &conversation.ticket_id {
            Some(id) => store.ticket(&msg.workspace, id).await?,
            None => None,
        };
        let text = msg
            .content
            .text_for_bot()
            .map(normalise)
            .unwrap_or_default();
        let language = lang::detect(&text).unwrap_or(conversation.language);
        let (mut ticket, ticket_created) = match current {
            Some(t) if t.status != TicketStatus::Resolved => (t, false),
            _ => {
                // A new thread: the bot starts afresh.
                conversation.bot = bot::BotState::default();
                let t = Ticket::new(
                    msg.workspace.clone(),
                    msg.from.clone(),
                    msg.profile_name.clone(),
                    language,
                    now,
                );
                (t, true)
            }
        };
        conversation.ticket_id = Some(ticket.id.clone());
        if msg.profile_name.is_some() {
            conversation.profile_name = msg.profile_name.clone();
        }
        conversation.last_customer_message_at = Some(
            conversation
                .last_customer_message_at
                .map_or(msg.at, |prev| prev.max(msg.at)),
        );

        let mut effects = vec![Effect::Record {
            entry: TranscriptEntry {
                workspace: msg.workspace.clone(),
                ticket_id: ticket.id.clone(),
                message_id: msg.id.clone(),
                customer: msg.from.clone(),
                author: Author::Customer,
                at: msg.at,
                body: Body::Inbound {
                    content: msg.content.clone(),
                },
                delivery: None,
                delivery_error: None,
            },
        }];
        let mut ticket_changed = ticket_created;
        if ticket.status.is_human() {
            // A person owns the conversation: the bot stays silent.
            ticket.customer_wrote(now);
            ticket_changed = true;
            info!(workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id, "message for a human-owned ticket");
        } else {
            conversation.language = language;
            ticket.language = language;
            let step = bot::step(&ws.bot, &conversation.bot, language, &msg.content);
            info!(
                workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id,
                kind = msg.content.kind(), understood_as = %step.understood_as, "bot turn"
            );
            conversation.bot = step.state;
            effects.extend(
                step.replies
                    .into_iter()
                    .map(|message| Effect::Reply { message }),
            );
            if let Some(h) = step.handoff {
                effects.push(Effect::Escalate {
                    job: EscalationJob {
                        workspace: msg.workspace.clone(),
                        ticket_id: ticket.id.clone(),
                        reason: h.reason,
                        requested_team: h.team,
                        menu_choice: h.menu_choice,
                        text: msg.content.text_for_bot().unwrap_or_default().to_owned(),
                        language,
                    },
                });
            }
        }
        let record = TurnRecord {
            workspace: msg.workspace.clone(),
            message_id: msg.id.clone(),
            customer: msg.from.clone(),
            ticket_id: ticket.id.clone(),
            effects,
            done: 0,
        };
        Ok(DecidedTurn {
            conversation,
            ticket: ticket_changed.then_some(ticket),
            ticket_created,
            record,
        })
    }

    async fn finish_turn(&self, mut turn: TurnRecord) -> Result<(), JobError> {
        if turn.is_complete() {
            return Ok(());
        }
        let mut idempotent = Vec::new();
        while turn.done < turn.effects.len() {
            let index = turn.done;
            match turn.effects[index].clone() {
                Effect::Record { entry } => {
                    idempotent.push(TicketWrite::Append { entry }.envelope())
                }
                Effect::Escalate { job } => idempotent.push(job.envelope()),
                Effect::Reply { message } => {
                    // Queue what came before first, so the transcript keeps its order.
                    self.flush(&mut idempotent).await?;
                    let reply_id = MessageId::derived(&turn.message_id, &format!("r{index}"));
                    let write = self.send_reply(&turn, &reply_id, &message).await?;
                    idempotent.push(write.envelope());
                    self.flush(&mut idempotent).await?;
                    turn.done = index + 1;
                    self.ports.store.save_turn_progress(&turn).await?;
                    continue;
                }
            }
            turn.done = index + 1;
        }
        self.flush(&mut idempotent).await?;
        self.ports.store.save_turn_progress(&turn).await?;
        Ok(())
    }

    async fn flush(&self, envelopes: &mut Vec<crate::ports::Envelope>) -> Result<(), JobError> {
        if !envelopes.is_empty() {
            self.ports.queue.send(std::mem::take(envelopes)).await?;
        }
        Ok(())
    }

    /// Sends a bot reply. A retryable failure gives the job back to the queue (the reply is
    /// sent on redelivery); a permanent one is recorded on the transcript as failed, never
    /// dropped silently.
    async fn send_reply(
        &self,
        turn: &TurnRecord,
        reply_id: &MessageId,
        message: &Outbound,
    ) -> Result<TicketWrite, JobError> {
        let now = self.now();
        let mut entry = TranscriptEntry {
            workspace: turn.workspace.clone(),
            ticket_id: turn.ticket_id.clone(),
            message_id: reply_id.clone(),
            customer: turn.customer.clone(),
            author: Author::Bot,
            at: now,
            body: Body::Outbound {
                message: message.clone(),
            },
            delivery: None,
            delivery_error: None,
        };
        match self
            .ports
            .whatsapp
            .send(&turn.workspace, &turn.customer, message)
            .await
        {
            Ok(wamid) => entry.message_id = wamid,
            Err(e @ SendError::Unauthorized { .. }) => {
                error!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "WhatsApp refused the access token; the reply waits in the queue until it is fixed");
                return Err(JobError::retry(e));
            }
            Err(e) if e.is_retryable() => {
                warn!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "reply not sent; will retry");
                return Err(JobError::retry(e));
            }
            Err(e) => {
                warn!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "reply rejected by WhatsApp");
                entry.delivery = Some(DeliveryState::Failed);
                entry.delivery_error = Some(e.to_string());
            }
        }
        Ok(TicketWrite::Append { entry })
    }

    // ---- ticket-writer ----------------------------------------------------------------------

    pub async fn handle_ticket_write(&self, write: TicketWrite) -> Result<(), JobError> {
        match write {
            TicketWrite::Append { entry } => {
                let inserted = self.ports.store.append_message(&entry).await?;
                if !inserted {
                    info!(workspace = %entry.workspace, wamid = %entry.message_id, "transcript entry already stored");
                }
                if let Some(state) = entry.delivery {
                    // A failed send: keep its state as a delivery record too.
                    self.ports
                        .store
                        .record_delivery(&DeliveryStatus {
                            workspace: entry.workspace,
                            message_id: entry.message_id,
                            recipient: entry.customer,
                            state,
                            at: entry.at,
                            error: entry.delivery_error,
                        })
                        .await?;
                }
            }
            TicketWrite::Delivery { status } => self.ports.store.record_delivery(&status).await?,
        }
        Ok(())
    }

    // ---- escalation -------------------------------------------------------------------------

    /// Routes the ticket to a team, queues it, starts its first-response clock and arms the
    /// timer, then assigns from the team's queue. Safe to run again for the same job.
    pub async fn handle_escalation(&self, job: EscalationJob) -> Result<(), JobError> {
        let Some(ws) = self.config(&job.workspace) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                job.workspace
            )));
        };
        let store = &self.ports.store;
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut ticket = store
                .ticket(&job.workspace, &job.ticket_id)
                .await?
                .ok_or_else(|| {
                    JobError::permanent(anyhow::anyhow!("ticket {} does not exist", job.ticket_id))
                })?;
            if ticket.status.is_human() {
                // Already escalated (a redelivery): make sure the timer and assignment happened.
                self.arm_first_response_timer(&ws, &ticket).await?;
                let team = ticket
                    .team
                    .clone()
                    .unwrap_or_else(|| ws.routing.default_team.clone());
                self.assign_from_queue(&ws, &team).await?;
                return Ok(());
            }
            let decision = route(
                &ws.routing,
                &ws.teams,
                &RoutingInput {
                    reason: job.reason,
                    requested_team: job.requested_team.as_ref(),
                    menu_choice: job.menu_choice.as_deref(),
                    text: &job.text,
                    language: job.language,
                },
            );
            let now = self.now();
            if let Err(e) = ticket.escalate(
                decision.team.clone(),
                decision.tier,
                decision.reasons.clone(),
                ws.sla.first_response(),
                now,
            ) {
                warn!(workspace = %job.workspace, ticket_id = %job.ticket_id, error = %e, "escalation skipped");
                return Ok(());
            }
            ticket.priority = ticket.priority.max(decision.priority);
            match store.save_ticket(&mut ticket).await {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            info!(
                workspace = %job.workspace, ticket_id = %ticket.id, team = %decision.team,
                tier = ?decision.tier, reasons = ?decision.reasons, "ticket escalated"
            );
            self.arm_first_response_timer(&ws, &ticket).await?;
            self.publish(&[DomainEvent::Escalated {
                workspace: job.workspace.clone(),
                ticket_id: ticket.id.clone(),
                team: decision.team.clone(),
                tier: ticket.tier,
                reasons: decision.reasons,
                at: now,
            }])
            .await;
            self.assign_from_queue(&ws, &decision.team).await?;
            return Ok(());
        }
        Err(JobError::retry(anyhow::anyhow!(
            "ticket kept changing; will retry"
        )))
    }

    async fn arm_first_response_timer(
        &self,
        ws: &WorkspaceConfig,
        ticket: &Ticket,
    ) -> Result<(), JobError> {
        let Some(due_at) = ticket.first_response.due_at else {
            return Ok(());
        };
        if ticket.sla_due_at().is_none() {
            return Ok(());
        }
        let timer = SlaTimer {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            clock: SlaClockKind::FirstResponse,
            due_at,
        };
        let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
        self.ports
            .queue
            .send(vec![timer.envelope(self.now(), max)])
            .await?;
        Ok(())
    }

    /// Assigns the team's queued tickets, head first, while an agent has capacity.
    pub async fn assign_from_queue(
        &self,
        ws: &WorkspaceConfig,
        team: &TeamId,
    ) -> Result<usize, StoreError> {
        let store = &self.ports.store;
        let mut assigned = 0;
        let mut conflicts = 0;
        while conflicts < MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = store
                .queued_tickets(&ws.id, team, 1)
                .await?
                .into_iter()
                .next()
            else {
                break;
            };
            let agents = store.agents(&ws.id).await?;
            let Some(agent) = pick_agent(&agents, team) else {
                break;
            };
            let now = self.now();
            let agent_id = agent.id.clone();
            if ticket.assign(agent_id.clone(), now).is_err() {
                conflicts += 1;
                continue;
            }
            match store.assign_ticket(&mut ticket, &agent_id, None, now).await {
                Ok(()) => {
                    assigned += 1;
                    info!(workspace = %ws.id, ticket_id = %ticket.id, agent = %agent_id, "ticket assigned");
                    self.announce_assignment(&ticket, &agent_id, now).await;
                }
                Err(StoreError::Conflict | StoreError::AtCapacity) => conflicts += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(assigned)
    }

    async fn announce_assignment(&self, ticket: &Ticket, agent: &AgentId, now: Timestamp) {
        self.publish(&[DomainEvent::Assigned {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            agent: agent.clone(),
            at: now,
        }])
        .await;
        let note = Notification {
            workspace: ticket.workspace.clone(),
            kind: NotificationKind::TicketAssigned,
            ticket_id: ticket.id.clone(),
            agent: Some(agent.clone()),
            text: format!("Ticket {} was assigned to {agent}", ticket.id),
        };
        if let Err(e) = self.ports.notifier.notify(&note).await {
            warn!(ticket_id = %ticket.id, error = %format!("{e:#}"), "assignment notification failed");
        }
    }

    async fn publish(&self, events: &[DomainEvent]) {
        if let Err(e) = self.ports.events.publish(events).await {
            warn!(error = %format!("{e:#}"), "domain events not published");
        }
    }

    // ---- sla-enforcer -----------------------------------------------------------------------

    pub async fn handle_sla_timer(&self, timer: SlaTimer) -> Result<(), JobError> {
        let Some(ws) = self.config(&timer.workspace) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                timer.workspace
            )));
        };
        let now = self.now();
        if timer.due_at > now {
            // Further out than one queue delay allows: sleep another hop.
            let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
            self.ports
                .queue
                .send(vec![timer.envelope(now, max)])
                .await?;
            return Ok(());
        }
        self.enforce(&timer.workspace, &timer.ticket_id).await?;
        Ok(())
    }

    /// The periodic safety net: enforces every ticket whose SLA is due, whatever happened to
    /// its timer.
    pub async fn sla_sweep(&self) -> Result<SweepReport, JobError> {
        let now = self.now();
        let due = self.ports.store.tickets_sla_due(now, 500).await?;
        let mut report = SweepReport::default();
        for (ws, id) in due {
            report.looked_at += 1;
            if self.enforce(&ws, &id).await? {
                report.breaches += 1;
            }
        }
        Ok(report)
    }

    /// Records a due breach exactly once and sends its notice. Returns whether this call
    /// recorded a breach.
    async fn enforce(&self, ws: &WorkspaceId, id: &TicketId) -> Result<bool, JobError> {
        let store = &self.ports.store;
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = store.ticket(ws, id).await? else {
                warn!(workspace = %ws, ticket_id = %id, "timer for a ticket that does not exist; dropped");
                return Ok(false);
            };
            let now = self.now();
            let recorded = ticket.record_first_response_breach(now);
            let stale_notice = !recorded
                && matches!(
                    ticket.first_response.breach_notice,
                    Some(Notice::Pending { .. })
                )
                && ticket.sla_due_at().is_some_and(|d| d <= now);
            if !recorded && !stale_notice {
                return Ok(false);
            }
            if stale_notice {
                ticket.first_response.breach_notice = Some(Notice::Pending { since: now });
            }
            match store.save_ticket(&mut ticket).await {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            let due_at = ticket.first_response.due_at.unwrap_or(now);
            if recorded {
                let late_ms = now.duration_since(due_at).as_millis();
                warn!(workspace = %ws, ticket_id = %id, late_ms, "first-response SLA breached");
                self.publish(&[DomainEvent::SlaBreached {
                    workspace: ws.clone(),
                    ticket_id: id.clone(),
                    clock: "first_response".into(),
                    due_at,
                    at: now,
                }])
                .await;
            }
            let note = Notification {
                workspace: ws.clone(),
                kind: NotificationKind::SlaBreached,
                ticket_id: id.clone(),
                agent: ticket.assignee.clone(),
                text: format!(
                    "First-response SLA breached on ticket {id} (team {}, due {due_at})",
                    ticket.team.as_ref().map_or("none", |t| t.as_str())
                ),
            };
            self.ports
                .notifier
                .notify(&note)
                .await
                .map_err(|e| JobError::retry(e.context("breach notice not sent")))?;
            self.mark_notice_sent(ws, id).await?;
            return Ok(recorded);
        }
        Err(JobError::retry(anyhow::anyhow!(
            "ticket kept changing; will retry"
        )))
    }

    async fn mark_notice_sent(&self, ws: &WorkspaceId, id: &TicketId) -> Result<(), StoreError> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = self.ports.store.ticket(ws, id).await? else {
                return Ok(());
            };
            ticket.first_response.breach_notice = Some(Notice::Sent { at: self.now() });
            match self.ports.store.save_ticket(&mut ticket).await {
                Err(StoreError::Conflict) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }

    // ---- agent-api --------------------------------------------------------------------------

    async fn actor_agent(&self, actor: &Actor) -> Result<Agent, AppError> {
        self.ports
            .store
            .agent(&actor.workspace, &actor.agent)
            .await?
            .ok_or_else(|| {
                AppError::Forbidden("your agent account does not exist in this workspace".into())
            })
    }

    fn may_see(actor: &Actor, agent: &Agent, ticket: &Ticket) -> bool {
        actor.role >= Role::Supervisor
            || ticket.assignee.as_ref() == Some(&actor.agent)
            || ticket
                .team
                .as_ref()
                .is_some_and(|t| agent.teams.contains(t))
    }

    async fn visible_ticket(&self, actor: &Actor, id: &TicketId) -> Result<Ticket, AppError> {
        let agent = self.actor_agent(actor).await?;
        let ticket = self
            .ports
            .store
            .ticket(&actor.workspace, id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if !Self::may_see(actor, &agent, &ticket) {
            // Same answer as a missing ticket: do not reveal other teams' tickets exist.
            return Err(AppError::NotFound("ticket"));
        }
        Ok(ticket)
    }

    pub async fn list_tickets(
        &self,
        actor: &Actor,
        mut filter: TicketFilter,
    ) -> Result<Vec<Ticket>, AppError> {
        let agent = self.actor_agent(actor).await?;
        if actor.role < Role::Supervisor {
            filter.teams = Some(agent.teams.clone());
            filter.visible_to_agent = Some(actor.agent.clone());
        }
        filter.limit = Some(filter.limit.unwrap_or(100).clamp(1, 500));
        Ok(self
            .ports
            .store
            .list_tickets(&actor.workspace, &filter)
            .await?)
    }

    pub async fn ticket_view(&self, actor: &Actor, id: &TicketId) -> Result<TicketView, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let transcript = self.ports.store.transcript(&actor.workspace, id).await?;
        let conversation = self
            .ports
            .store
            .conversation(&actor.workspace, &ticket.customer)
            .await?;
        Ok(TicketView {
            sla_due_at: ticket.sla_due_at(),
            window_closes_at: conversation.and_then(|c| c.window_closes_at()),
            ticket,
            transcript,
        })
    }

    /// An agent's public reply: sent on WhatsApp inside the 24-hour window, added to the
    /// transcript, and the first one stops the first-response clock.
    pub async fn agent_reply(
        &self,
        actor: &Actor,
        id: &TicketId,
        text: &str,
    ) -> Result<TranscriptEntry, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        if !ticket.status.is_human() {
            return Err(AppError::Conflict(format!(
                "the ticket is {}: only tickets with a person (queued, assigned, pending, snoozed) take replies",
                ticket.status.as_str()
            )));
        }
        let message = Outbound::text(text.trim());
        message.validate().map_err(AppError::Invalid)?;
        let now = self.now();
        let conversation = self
            .ports
            .store
            .conversation(&actor.workspace, &ticket.customer)
            .await?
            .ok_or(AppError::NotFound("conversation"))?;
        if !conversation.window_open(now) {
            return Err(AppError::WindowClosed);
        }
        let wamid = self
            .ports
            .whatsapp
            .send(&actor.workspace, &ticket.customer, &message)
            .await
            .map_err(|e| match e {
                SendError::WindowClosed => AppError::WindowClosed,
                other => AppError::Channel(other),
            })?;
        let entry = TranscriptEntry {
            workspace: actor.workspace.clone(),
            ticket_id: ticket.id.clone(),
            message_id: wamid,
            customer: ticket.customer.clone(),
            author: Author::Agent {
                id: actor.agent.clone(),
            },
            at: now,
            body: Body::Outbound { message },
            delivery: None,
            delivery_error: None,
        };
        self.ports.store.append_message(&entry).await?;
        self.update_ticket(&actor.workspace, id, |t| {
            t.record_human_reply(now).map_err(AppError::from)
        })
        .await?;
        info!(workspace = %actor.workspace, ticket_id = %id, agent = %actor.agent, "agent replied");
        Ok(entry)
    }

    /// Loads, changes and saves a ticket, retrying when another writer got there first.
    async fn update_ticket(
        &self,
        ws: &WorkspaceId,
        id: &TicketId,
        mut change: impl FnMut(&mut Ticket) -> Result<(), AppError>,
    ) -> Result<Ticket, AppError> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut ticket = self
                .ports
                .store
                .ticket(ws, id)
                .await?
                .ok_or(AppError::NotFound("ticket"))?;
            change(&mut ticket)?;
            match self.ports.store.save_ticket(&mut ticket).await {
                Ok(()) => return Ok(ticket),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Assigns (or transfers) a ticket to an agent, within that agent's capacity.
    pub async fn assign(
        &self,
        actor: &Actor,
        id: &TicketId,
        to: &AgentId,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        let target = self
            .ports
            .store
            .agent(&actor.workspace, to)
            .await?
            .ok_or_else(|| {
                AppError::Invalid(format!("there is no agent {to} in this workspace"))
            })?;
        if actor.role < Role::Supervisor && to != &actor.agent {
            return Err(AppError::Forbidden(
                "only supervisors assign tickets to somebody else".into(),
            ));
        }
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut ticket = self.visible_ticket(actor, id).await?;
            if ticket
                .team
                .as_ref()
                .is_some_and(|t| !target.teams.contains(t))
            {
                return Err(AppError::Invalid(format!(
                    "agent {to} is not in the ticket's team"
                )));
            }
            let now = self.now();
            let previous = match ticket.status {
                TicketStatus::Queued => None,
                TicketStatus::Assigned | TicketStatus::Pending | TicketStatus::Snoozed => {
                    if ticket.assignee.as_ref() == Some(to) {
                        return Ok(ticket);
                    }
                    Some(ticket.unassign(now)?)
                }
                _ => {
                    return Err(AppError::Conflict(format!(
                        "a {} ticket cannot be assigned: escalate or reopen it first",
                        ticket.status.as_str()
                    )));
                }
            };
            ticket.assign(to.clone(), now)?;
            match self
                .ports
                .store
                .assign_ticket(&mut ticket, to, previous.as_ref(), now)
                .await
            {
                Ok(()) => {
                    self.announce_assignment(&ticket, to, now).await;
                    if previous.is_some()
                        && let Some(team) = ticket.team.clone()
                    {
                        self.assign_from_queue(&ws, &team).await?;
                    }
                    return Ok(ticket);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    pub async fn change_status(
        &self,
        actor: &Actor,
        id: &TicketId,
        change: StatusChange,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut ticket = self.visible_ticket(actor, id).await?;
            let now = self.now();
            let released = match change {
                StatusChange::Pending => {
                    ticket.set_pending(now)?;
                    None
                }
                StatusChange::Snoozed => {
                    ticket.snooze(now)?;
                    None
                }
                StatusChange::Resolved => ticket.resolve(now)?,
                StatusChange::Queued => match ticket.status {
                    TicketStatus::Resolved => {
                        let team = ticket
                            .team
                            .clone()
                            .unwrap_or_else(|| ws.routing.default_team.clone());
                        let tier = ticket.tier;
                        ticket.escalate(
                            team,
                            tier,
                            vec!["reopened".into()],
                            ws.sla.first_response(),
                            now,
                        )?;
                        None
                    }
                    _ => Some(ticket.unassign(now)?),
                },
            };
            let saved = match &released {
                Some(agent) => self.ports.store.release_ticket(&mut ticket, agent).await,
                None => self.ports.store.save_ticket(&mut ticket).await,
            };
            match saved {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            if change == StatusChange::Resolved {
                self.publish(&[DomainEvent::Resolved {
                    workspace: actor.workspace.clone(),
                    ticket_id: id.clone(),
                    at: now,
                }])
                .await;
            }
            if change == StatusChange::Queued && ticket.status == TicketStatus::Queued {
                self.arm_first_response_timer(&ws, &ticket)
                    .await
                    .map_err(|e| AppError::Unexpected(e.source))?;
            }
            if let Some(team) = ticket.team.clone() {
                // Freed capacity or a newly queued ticket: pull from the queue now.
                self.assign_from_queue(&ws, &team).await?;
            }
            return self.visible_ticket(actor, id).await;
        }
        Err(StoreError::Conflict.into())
    }

    pub async fn agents(&self, actor: &Actor) -> Result<Vec<Agent>, AppError> {
        self.actor_agent(actor).await?;
        Ok(self.ports.store.agents(&actor.workspace).await?)
    }

    pub async fn me(&self, actor: &Actor) -> Result<Agent, AppError> {
        self.actor_agent(actor).await
    }

    /// Sets an agent's availability; coming online pulls waiting tickets at once.
    pub async fn set_availability(
        &self,
        actor: &Actor,
        availability: Availability,
    ) -> Result<Agent, AppError> {
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        if !self
            .ports
            .store
            .set_availability(&actor.workspace, &actor.agent, availability)
            .await?
        {
            return Err(AppError::NotFound("agent"));
        }
        let agent = self.actor_agent(actor).await?;
        if availability == Availability::Online {
            for team in &agent.teams {
                self.assign_from_queue(&ws, team).await?;
            }
        }
        self.actor_agent(actor).await
    }
}

struct DecidedTurn {
    conversation: Conversation,
    ticket: Option<Ticket>,
    ticket_created: bool,
    record: TurnRecord,
}
