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
use crate::jobs::{EscalationJob, SlaTimer, TicketWrite, inbound_envelope};
use crate::lang::{self, Lang};
use crate::message::{
    Author, Body, DeliveryState, DeliveryStatus, InboundMessage, Outbound, TranscriptEntry,
};
use crate::ports::{
    Clock, EventBus, Notification, NotificationKind, Notifier, Queue, QueueName, SendError, Store,
    StoreError, TicketFilter, WhatsApp,
};
use crate::routing::{RoutingInput, route};
use crate::sla::{BreachActions, ClockKind, SlaEventKind};
use crate::text::normalise;
use crate::ticket::{EscalationReason, Ticket, TicketStatus, TransitionError};
use crate::turn::{Effect, TurnRecord};

mod admin;
mod bot_turn;
mod channel;
mod console;
mod customers;
mod live;
mod metrics;
mod notes;
mod quick_replies;

pub use admin::TeamView;
pub use console::{
    AssigneeFilter, ListPage, ListParams, MessagePreview, SlaState, SlaSummary, TicketDetail,
    TicketSummary,
};
pub use customers::{CustomerPatch, CustomerProfile, CustomerView, PreviousTicket};
pub use live::{ChangeEvent, ChangePage};
pub use metrics::{AgentLoad, Dashboard, Durations, TeamQueue, dashboard};
pub use notes::mentions_in;
pub use quick_replies::{QuickReply, QuickReplyInput};

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
    #[error("could not fetch the media from WhatsApp: {0}")]
    Media(crate::ports::MediaError),
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
    /// The 24-hour window: while closed, only a template can be sent.
    pub window: crate::channel::WindowState,
    pub transcript: Vec<TranscriptEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    Pending,
    /// Needs `until`.
    Snoozed,
    Resolved,
    /// Back to the team's queue (reopen a resolved ticket, or let an assigned one go).
    Queued,
    /// Final; only a resolved ticket can be closed.
    Closed,
}

impl StatusChange {
    fn code(self) -> &'static str {
        match self {
            StatusChange::Pending => "pending",
            StatusChange::Snoozed => "snoozed",
            StatusChange::Resolved => "resolved",
            StatusChange::Queued => "queued",
            StatusChange::Closed => "closed",
        }
    }
}

/// Where a transfer sends a ticket: an agent, or a team's queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub agent_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
    /// Why, for the next person and the audit trail.
    pub note: Option<String>,
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
    bot_io: bot_turn::BotIo,
}

impl Turno {
    pub fn new(mut ports: Ports, workspaces: Workspaces) -> Self {
        // Every write the use cases make also feeds the console's live updates.
        ports.store = Arc::new(crate::change_feed::ChangeFeedStore::new(
            ports.store,
            Arc::clone(&ports.clock),
        ));
        Turno {
            ports,
            workspaces: Arc::new(workspaces),
            bot_io: bot_turn::BotIo::default(),
        }
    }

    /// Lets the bot call the business's API (flows with actions) and the optional LLM.
    /// Without them an action fails (the flow hands off) and the LLM is never asked.
    pub fn with_bot_integrations(
        mut self,
        integrations: Arc<dyn crate::integrations::Integrations>,
        llm: Arc<dyn crate::integrations::Llm>,
    ) -> Self {
        self.bot_io = bot_turn::BotIo {
            integrations: Some(integrations),
            llm: Some(llm),
        };
        self
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
                let agent = a.record(&ws.id);
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
        for attempt in 0..MAX_CONFLICT_RETRIES {
            // A message seen before has a turn record, which makes the commit conflict: the
            // record is read only then, so a first delivery spends no request on it.
            if attempt > 0
                && let Some(turn) = store.turn(&msg.workspace, &msg.id).await?
            {
                return self.finish_turn(turn).await;
            }
            let mut turn = match self.decide_turn(&ws, &msg).await {
                Ok(turn) => turn,
                Err(e) if attempt == 0 => match store.turn(&msg.workspace, &msg.id).await? {
                    // A redelivery whose first run decided already: finish that decision.
                    Some(turn) => return self.finish_turn(turn).await,
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            };
            let recorded = committed_entries(&turn.record);
            match store
                .commit_turn_with_entries(
                    &mut turn.conversation,
                    turn.ticket.as_mut(),
                    &turn.record,
                    &recorded,
                )
                .await
            {
                Ok(()) => {
                    self.mark_read(&ws, &msg).await;
                    if let Some(t) = turn.ticket.as_ref().filter(|t| t.status.is_human()) {
                        // The customer's message may have started or resumed a clock.
                        self.arm_sla_timer(&ws, t).await?;
                    }
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
        let raw = msg.content.text_for_bot().unwrap_or_default();
        let language = turno_nlu::detect_language(raw)
            .map(|l| match l {
                turno_nlu::Lang::Es => Lang::Es,
                turno_nlu::Lang::En => Lang::En,
                turno_nlu::Lang::Pt => Lang::Pt,
            })
            .or_else(|| lang::detect(&text))
            .unwrap_or(conversation.language);
        // The thread window: within it a message joins the current ticket (a resolved one
        // reopens to its team); after it, or after a close, a new ticket links to the old.
        let last_activity = current.as_ref().map(|t| {
            conversation
                .last_customer_message_at
                .map_or(t.updated_at, |m| m.max(t.updated_at))
        });
        let within_window =
            last_activity.is_some_and(|at| now.duration_since(at) <= ws.tickets.thread_window());
        let mut reopened = false;
        let (mut ticket, ticket_created) = match current {
            Some(mut t) if t.status == TicketStatus::Resolved && within_window => {
                let team = t
                    .team
                    .clone()
                    .unwrap_or_else(|| ws.routing.default_team.clone());
                let tier = t.tier;
                t.escalate(
                    team,
                    tier,
                    vec![EscalationReason::Reopened.code().into()],
                    ws.sla.policies(),
                    now,
                )
                .map_err(JobError::permanent)?;
                t.record(
                    now,
                    None,
                    "reopened",
                    Some("the customer wrote within the thread window".into()),
                );
                reopened = true;
                (t, false)
            }
            // A person owns it: it stays one conversation however long the pause.
            Some(t) if t.status.is_human() => (t, false),
            Some(t) if t.status == TicketStatus::Bot && within_window => (t, false),
            previous => {
                // A new thread: the bot starts afresh.
                conversation.bot = bot::BotState::default();
                let mut t = Ticket::new(
                    msg.workspace.clone(),
                    msg.from.clone(),
                    msg.profile_name.clone(),
                    language,
                    now,
                );
                t.tags = ws.customer_tags(&msg.from);
                t.previous_ticket = previous.map(|p| p.id);
                t.record(
                    now,
                    None,
                    "created",
                    t.previous_ticket.as_ref().map(|p| format!("follows {p}")),
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
                    context: msg.context.clone(),
                },
                delivery: None,
                delivery_error: None,
            },
        }];
        let mut ticket_changed = ticket_created || reopened;
        if reopened {
            effects.push(Effect::Escalate {
                job: EscalationJob {
                    workspace: msg.workspace.clone(),
                    ticket_id: ticket.id.clone(),
                    reason: EscalationReason::Reopened,
                    requested_team: ticket.team.clone(),
                    menu_choice: None,
                    text: String::new(),
                    language,
                    trigger: Some(msg.id.clone()),
                    intent: None,
                    out_of_hours: false,
                },
            });
        } else if ticket.status.is_human() {
            // A person owns the conversation: the bot stays silent.
            ticket.customer_wrote(ws.sla.policies(), now);
            ticket_changed = true;
            info!(workspace = %msg.workspace, wamid = %msg.id, ticket_id = %ticket.id, "message for a human-owned ticket");
        } else {
            conversation.language = language;
            ticket.language = language;
            let step = self
                .bot_step(ws, &conversation, language, &msg.content, now)
                .await;
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
                        trigger: Some(msg.id.clone()),
                        intent: h.intent,
                        out_of_hours: h.out_of_hours,
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
            // The customer's message (the first effect) is written with the commit.
            done: 1,
        };
        Ok(DecidedTurn {
            conversation,
            ticket: ticket_changed.then_some(ticket),
            ticket_created,
            record,
        })
    }

    /// Carries out a committed turn's effects from where they stopped. Replies are sent first;
    /// then the escalation (and any failed send's record) is queued in one batch, and the
    /// delivered replies' transcript entries and the progress are written in one request.
    /// A send that fails saves the progress made so far before the job goes back to the
    /// queue, so the redelivery resumes after the last delivered reply. The window left: if
    /// the process dies (or the final write fails) after a reply was delivered and before that
    /// write, the redelivery sends the reply again.
    async fn finish_turn(&self, mut turn: TurnRecord) -> Result<(), JobError> {
        if turn.is_complete() {
            return Ok(());
        }
        let started = turn.done;
        let mut entries = Vec::new();
        let mut envelopes = Vec::new();
        while turn.done < turn.effects.len() {
            let index = turn.done;
            match turn.effects[index].clone() {
                Effect::Record { entry } => entries.push(entry),
                Effect::Escalate { job } => envelopes.push(job.envelope()),
                Effect::Reply { message } => {
                    let reply_id = MessageId::derived(&turn.message_id, &format!("r{index}"));
                    match self.send_reply(&turn, &reply_id, &message).await {
                        Ok(sent) => {
                            for entry in sent {
                                if entry.delivery.is_some() {
                                    // A refused message: the ticket-writer records the entry
                                    // and its failed state together.
                                    envelopes.push(TicketWrite::Append { entry }.envelope())
                                } else {
                                    entries.push(entry)
                                }
                            }
                        }
                        Err(e) => {
                            self.flush(&mut envelopes).await?;
                            if turn.done > started {
                                self.ports
                                    .store
                                    .save_turn_progress_with_entries(&turn, &entries)
                                    .await?;
                            }
                            return Err(e);
                        }
                    }
                }
            }
            turn.done = index + 1;
        }
        self.flush(&mut envelopes).await?;
        self.ports
            .store
            .save_turn_progress_with_entries(&turn, &entries)
            .await?;
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
    /// dropped silently. A reply refused for the closed window goes as the `re_engagement`
    /// template when one is configured.
    async fn send_reply(
        &self,
        turn: &TurnRecord,
        reply_id: &MessageId,
        message: &Outbound,
    ) -> Result<Vec<TranscriptEntry>, JobError> {
        let Some(ws) = self.config(&turn.workspace) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                turn.workspace
            )));
        };
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
            .send_or_re_engage(&ws, &turn.customer, Some(&turn.ticket_id), message)
            .await
        {
            Ok(sent) => return Ok(sent.entries(entry)),
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
        Ok(vec![entry])
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
                self.arm_sla_timer(&ws, &ticket).await?;
                let team = ticket
                    .team
                    .clone()
                    .unwrap_or_else(|| ws.routing.default_team.clone());
                if !job.out_of_hours {
                    self.assign_from_queue(&ws, &team).await?;
                }
                return Ok(());
            }
            let mut decision = route(
                &ws.routing,
                &ws.teams,
                &RoutingInput {
                    reason: job.reason,
                    requested_team: job.requested_team.as_ref(),
                    menu_choice: job.menu_choice.as_deref(),
                    text: &job.text,
                    language: job.language,
                    tags: &ticket.tags,
                    intent: job.intent.as_deref(),
                },
            );
            let now = self.now();
            if job.out_of_hours {
                decision.reasons.insert(1, bot_turn::OUT_OF_HOURS.into());
            }
            ticket.priority = ticket.priority.max(decision.priority);
            ticket.record(now, None, "escalated", Some(decision.reasons.join(", ")));
            if let Err(e) = ticket.escalate(
                decision.team.clone(),
                decision.tier,
                decision.reasons.clone(),
                ws.sla.policies(),
                now,
            ) {
                warn!(workspace = %job.workspace, ticket_id = %job.ticket_id, error = %e, "escalation skipped");
                return Ok(());
            }
            match store.save_ticket(&mut ticket).await {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            info!(
                workspace = %job.workspace, ticket_id = %ticket.id, team = %decision.team,
                tier = ?decision.tier, reasons = ?decision.reasons, "ticket escalated"
            );
            self.arm_sla_timer(&ws, &ticket).await?;
            self.publish(&[DomainEvent::Escalated {
                workspace: job.workspace.clone(),
                ticket_id: ticket.id.clone(),
                team: decision.team.clone(),
                tier: ticket.tier,
                reasons: decision.reasons,
                at: now,
            }])
            .await;
            if job.out_of_hours {
                // Nobody is expected now: it waits in the queue for the next shift, and the
                // customer was told when to expect an answer.
                return Ok(());
            }
            self.assign_from_queue(&ws, &decision.team).await?;
            self.tell_to_wait(&ws, &ticket.id).await?;
            return Ok(());
        }
        Err(JobError::retry(anyhow::anyhow!(
            "ticket kept changing; will retry"
        )))
    }

    /// Tells a customer whose ticket nobody could take at once where they stand in the queue,
    /// once per handoff. The notice is claimed before it is sent, so a redelivered job does
    /// not say it twice (a send that fails after the claim is logged, not retried).
    async fn tell_to_wait(&self, ws: &WorkspaceConfig, id: &TicketId) -> Result<(), JobError> {
        let Some(text) = &ws.bot.queued else {
            return Ok(());
        };
        let store = &self.ports.store;
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = store.ticket(&ws.id, id).await? else {
                return Ok(());
            };
            if ticket.status != TicketStatus::Queued || ticket.wait_notice_at.is_some() {
                return Ok(());
            }
            let Some(team) = ticket.team.clone() else {
                return Ok(());
            };
            let queue = store.queued_tickets(&ws.id, &team, 500).await?;
            let position = queue
                .iter()
                .position(|t| t.id == ticket.id)
                .map_or(queue.len() + 1, |p| p + 1);
            let now = self.now();
            ticket.wait_notice_at = Some(now);
            ticket.record(
                now,
                None,
                "told_to_wait",
                Some(format!("position {position}")),
            );
            match store.save_ticket(&mut ticket).await {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            let message = Outbound::text(
                text.get(ticket.language)
                    .replace("{position}", &position.to_string()),
            );
            match self
                .send_or_re_engage(ws, &ticket.customer, Some(&ticket.id), &message)
                .await
            {
                Ok(sent) => {
                    let entry = TranscriptEntry {
                        workspace: ws.id.clone(),
                        ticket_id: ticket.id.clone(),
                        message_id: MessageId::local(),
                        customer: ticket.customer.clone(),
                        author: Author::Bot,
                        at: now,
                        body: Body::Outbound { message },
                        delivery: None,
                        delivery_error: None,
                    };
                    let writes = sent
                        .entries(entry)
                        .into_iter()
                        .map(|entry| TicketWrite::Append { entry }.envelope())
                        .collect();
                    self.ports.queue.send(writes).await?;
                }
                Err(e) => {
                    warn!(workspace = %ws.id, ticket_id = %id, error = %e, "queue position notice not sent")
                }
            }
            return Ok(());
        }
        Ok(())
    }

    /// Arms a timer for the ticket's next SLA event (a warning, a deadline, a notice to
    /// retry). Extra timers are harmless: enforcement is idempotent.
    async fn arm_sla_timer(&self, ws: &WorkspaceConfig, ticket: &Ticket) -> Result<(), JobError> {
        let Some((clock, due_at)) = ticket.sla.next_event_with_clock() else {
            return Ok(());
        };
        let timer = SlaTimer {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            clock,
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
            ticket.record(
                now,
                None,
                "assigned",
                Some(format!("to {agent_id} from the queue")),
            );
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
        self.enforce(&ws, &timer.ticket_id).await?;
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
            let Some(cfg) = self.config(&ws) else {
                continue;
            };
            report.breaches += self.enforce(&cfg, &id).await?;
        }
        Ok(report)
    }

    /// Records the SLA warnings and breaches that are due, each exactly once (a conditional
    /// write only one worker wins), applies the policy's breach actions, announces them and
    /// arms the next timer. Returns how many breaches this call recorded. A timer that finds
    /// nothing due (the ticket changed since it was armed) is simply dropped.
    async fn enforce(&self, ws: &WorkspaceConfig, id: &TicketId) -> Result<usize, JobError> {
        let store = &self.ports.store;
        let policies = ws.sla.policies();
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = store.ticket(&ws.id, id).await? else {
                warn!(workspace = %ws.id, ticket_id = %id, "timer for a ticket that does not exist; dropped");
                return Ok(0);
            };
            let now = self.now();
            if ticket.wake_if_due(policies, now) {
                match store.save_ticket(&mut ticket).await {
                    Ok(()) => info!(workspace = %ws.id, ticket_id = %id, "snoozed ticket woke up"),
                    Err(StoreError::Conflict) => continue,
                    Err(e) => return Err(e.into()),
                }
                self.arm_sla_timer(ws, &ticket).await?;
            }
            let recorded = ticket.sla.check(now);
            let reclaimed = ticket.sla.reclaim_stale_notices(now);
            if recorded.is_empty() && reclaimed.is_empty() {
                return Ok(0);
            }
            // Deadlines as they were when the events fell due, before breach actions change
            // the policy.
            let deadlines: Vec<(ClockKind, Option<Timestamp>)> = ClockKind::ALL
                .iter()
                .map(|k| (*k, ticket.sla.clock(*k).and_then(|c| c.due_at)))
                .collect();
            let actions = ticket
                .sla
                .applied(policies)
                .map(|p| (p.config.on_breach.clone(), p.config.escalation_team.clone()))
                .unwrap_or_else(|| {
                    (
                        BreachActions {
                            notify: true,
                            ..BreachActions::default()
                        },
                        None,
                    )
                });
            let (on_breach, escalation_team) = actions;
            let mut released = None;
            let mut bumped = false;
            let mut to_supervisor = false;
            for (kind, event) in &recorded {
                let what = match event {
                    SlaEventKind::Warning => "sla_warning",
                    SlaEventKind::Breach => "sla_breached",
                };
                ticket.record(now, None, what, Some(kind.code().into()));
                if *event != SlaEventKind::Breach {
                    continue;
                }
                if on_breach.raise_priority {
                    ticket.priority = ticket.priority.raised();
                }
                let bump = *kind == ClockKind::EscalateAfter || on_breach.bump_tier;
                if bump
                    && !bumped
                    && let Some(next) = ticket.tier.next()
                {
                    bumped = true;
                    ticket.tier = next;
                    if let Some(team) = &escalation_team {
                        ticket.team = Some(team.clone());
                    }
                    ticket.reasons.push(format!("sla:{}", kind.code()));
                    ticket.record(
                        now,
                        None,
                        "tier_bumped",
                        Some(format!("{} breached; now {:?}", kind.code(), next)),
                    );
                    if ticket.assignee.is_some() && ticket.status.is_human() {
                        released = Some(ticket.unassign(now).map_err(JobError::permanent)?);
                    }
                }
                to_supervisor |= on_breach.reassign_to_supervisor;
            }
            ticket.refresh_sla(policies, now);
            let saved = match &released {
                Some(agent) => store.release_ticket(&mut ticket, agent).await,
                None => store.save_ticket(&mut ticket).await,
            };
            match saved {
                Ok(()) => {}
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            let breaches = recorded
                .iter()
                .filter(|(_, e)| *e == SlaEventKind::Breach)
                .count();
            let findings = SlaFindings {
                recorded,
                reclaimed,
                deadlines,
            };
            self.announce_sla(ws, &ticket, &findings, on_breach.notify, now)
                .await?;
            if bumped && let Some(team) = ticket.team.clone() {
                info!(workspace = %ws.id, ticket_id = %id, tier = ?ticket.tier, team = %team, "tier bumped on SLA breach");
                self.assign_from_queue(ws, &team).await?;
            }
            if to_supervisor {
                self.reassign_to_supervisor(ws, id).await?;
            }
            if let Some(latest) = store.ticket(&ws.id, id).await? {
                self.arm_sla_timer(ws, &latest).await?;
            }
            return Ok(breaches);
        }
        Err(JobError::retry(anyhow::anyhow!(
            "ticket kept changing; will retry"
        )))
    }

    /// Publishes the newly recorded events, sends the notices (new and reclaimed) and marks
    /// them sent.
    async fn announce_sla(
        &self,
        ws: &WorkspaceConfig,
        ticket: &Ticket,
        findings: &SlaFindings,
        notify: bool,
        now: Timestamp,
    ) -> Result<(), JobError> {
        let SlaFindings {
            recorded,
            reclaimed,
            deadlines,
        } = findings;
        let due = |k: ClockKind| {
            deadlines
                .iter()
                .find(|(c, _)| *c == k)
                .and_then(|(_, d)| *d)
        };
        let mut events = Vec::new();
        for (kind, event) in recorded {
            let due_at = due(*kind).unwrap_or(now);
            match event {
                SlaEventKind::Warning => {
                    info!(workspace = %ws.id, ticket_id = %ticket.id, clock = kind.code(), "SLA warning");
                    events.push(DomainEvent::SlaWarning {
                        workspace: ws.id.clone(),
                        ticket_id: ticket.id.clone(),
                        clock: kind.code().into(),
                        due_at,
                        at: now,
                    });
                }
                SlaEventKind::Breach => {
                    let late_ms = now.duration_since(due_at).as_millis();
                    warn!(workspace = %ws.id, ticket_id = %ticket.id, clock = kind.code(), late_ms, "SLA breached");
                    events.push(DomainEvent::SlaBreached {
                        workspace: ws.id.clone(),
                        ticket_id: ticket.id.clone(),
                        clock: kind.code().into(),
                        due_at,
                        at: now,
                    });
                }
            }
        }
        if !events.is_empty() {
            self.publish(&events).await;
        }
        let all: Vec<(ClockKind, SlaEventKind)> =
            recorded.iter().chain(reclaimed).copied().collect();
        if notify {
            for (kind, event) in &all {
                let (what, kind_note) = match event {
                    SlaEventKind::Warning => {
                        ("is close to breaching", NotificationKind::SlaWarning)
                    }
                    SlaEventKind::Breach => ("breached", NotificationKind::SlaBreached),
                };
                let due = due(*kind);
                let note = Notification {
                    workspace: ws.id.clone(),
                    kind: kind_note,
                    ticket_id: ticket.id.clone(),
                    agent: ticket.assignee.clone(),
                    text: format!(
                        "SLA {what}: {} on ticket {} (team {}, tier {:?}, due {})",
                        kind.code().replace('_', " "),
                        ticket.id,
                        ticket.team.as_ref().map_or("none", |t| t.as_str()),
                        ticket.tier,
                        due.map_or_else(|| "-".to_owned(), |d| d.to_string()),
                    ),
                };
                self.ports
                    .notifier
                    .notify(&note)
                    .await
                    .map_err(|e| JobError::retry(e.context("SLA notice not sent")))?;
            }
        }
        self.mark_notices_sent(&ws.id, &ticket.id, &all).await?;
        Ok(())
    }

    async fn mark_notices_sent(
        &self,
        ws: &WorkspaceId,
        id: &TicketId,
        notices: &[(ClockKind, SlaEventKind)],
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(mut ticket) = self.ports.store.ticket(ws, id).await? else {
                return Ok(());
            };
            let now = self.now();
            for (kind, event) in notices {
                ticket.sla.notice_sent(*kind, *event, now);
            }
            match self.ports.store.save_ticket(&mut ticket).await {
                Err(StoreError::Conflict) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }

    /// Hands a breached ticket to a supervisor of its team (online, least busy), within
    /// capacity; if none can take it, it stays where it is.
    async fn reassign_to_supervisor(
        &self,
        ws: &WorkspaceConfig,
        id: &TicketId,
    ) -> Result<(), JobError> {
        let store = &self.ports.store;
        let Some(mut ticket) = store.ticket(&ws.id, id).await? else {
            return Ok(());
        };
        let Some(team) = ticket.team.clone() else {
            return Ok(());
        };
        let agents = store.agents(&ws.id).await?;
        let Some(supervisor) = agents
            .iter()
            .filter(|a| a.role >= Role::Supervisor && a.can_take(&team))
            .min_by_key(|a| (a.load, a.last_assigned_at))
        else {
            warn!(workspace = %ws.id, ticket_id = %id, "no supervisor of the team can take the breached ticket");
            return Ok(());
        };
        if ticket.assignee.as_ref() == Some(&supervisor.id) {
            return Ok(());
        }
        let now = self.now();
        let previous = match ticket.status {
            TicketStatus::Queued => None,
            TicketStatus::Assigned | TicketStatus::Pending | TicketStatus::Snoozed => {
                Some(ticket.unassign(now).map_err(JobError::permanent)?)
            }
            _ => return Ok(()),
        };
        ticket
            .assign(supervisor.id.clone(), now)
            .map_err(JobError::permanent)?;
        match store
            .assign_ticket(&mut ticket, &supervisor.id, previous.as_ref(), now)
            .await
        {
            Ok(()) => {
                self.announce_assignment(&ticket, &supervisor.id, now).await;
                Ok(())
            }
            Err(StoreError::Conflict | StoreError::AtCapacity) => Ok(()),
            Err(e) => Err(e.into()),
        }
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
            window: crate::channel::WindowState::of(conversation.as_ref(), self.now()),
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
        let body = text.trim();
        // A link shows its preview, as it would had the agent typed it in WhatsApp.
        let message = Outbound::Text {
            body: body.to_owned(),
            preview_url: body.contains("https://") || body.contains("http://"),
        };
        self.agent_send(actor, id, message).await
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

    /// Transfers a ticket to an agent (within capacity) or to another team's queue, with a
    /// note for the audit trail.
    pub async fn transfer(
        &self,
        actor: &Actor,
        id: &TicketId,
        t: Transfer,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        let note = t
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            return Err(AppError::Invalid(
                "the note is longer than 1000 characters".into(),
            ));
        }
        match (t.agent_id, t.team_id) {
            (Some(agent), None) => {
                self.assign(actor, id, &agent).await?;
                let detail = Some(match &note {
                    Some(n) => format!("to {agent}: {n}"),
                    None => format!("to {agent}"),
                });
                self.update_ticket(&actor.workspace, id, |t| {
                    t.record(
                        self.now(),
                        Some(&actor.agent),
                        "transferred",
                        detail.clone(),
                    );
                    Ok(())
                })
                .await?;
                self.visible_ticket(actor, id).await
            }
            (None, Some(team)) => {
                let tier = ws
                    .teams
                    .iter()
                    .find(|x| x.id == team)
                    .map(|x| x.tier)
                    .ok_or_else(|| {
                        AppError::Invalid(format!("there is no team {team} in this workspace"))
                    })?;
                for _ in 0..MAX_CONFLICT_RETRIES {
                    let mut ticket = self.visible_ticket(actor, id).await?;
                    let now = self.now();
                    let released =
                        ticket.transfer_to_team(team.clone(), tier, ws.sla.policies(), now)?;
                    let detail = match &note {
                        Some(n) => format!("to team {team}: {n}"),
                        None => format!("to team {team}"),
                    };
                    ticket.record(now, Some(&actor.agent), "transferred", Some(detail));
                    let saved = match &released {
                        Some(agent) => self.ports.store.release_ticket(&mut ticket, agent).await,
                        None => self.ports.store.save_ticket(&mut ticket).await,
                    };
                    match saved {
                        Ok(()) => {}
                        Err(StoreError::Conflict) => continue,
                        Err(e) => return Err(e.into()),
                    }
                    info!(workspace = %actor.workspace, ticket_id = %id, team = %team, "ticket transferred to a team");
                    self.arm_sla_timer(&ws, &ticket)
                        .await
                        .map_err(|e| AppError::Unexpected(e.source))?;
                    self.assign_from_queue(&ws, &team).await?;
                    // The agent who let it go has room for the old team's next ticket.
                    for old in ws.teams.iter().filter(|x| x.id != team) {
                        self.assign_from_queue(&ws, &old.id).await?;
                    }
                    return Ok(ticket);
                }
                Err(StoreError::Conflict.into())
            }
            _ => Err(AppError::Invalid(
                "name exactly one of agent_id or team_id".into(),
            )),
        }
    }

    pub async fn change_status(
        &self,
        actor: &Actor,
        id: &TicketId,
        change: StatusChange,
        until: Option<Timestamp>,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        if change == StatusChange::Snoozed && until.is_none() {
            return Err(AppError::Invalid(
                "snoozing needs `until`, e.g. \"2026-11-22T09:00:00Z\"".into(),
            ));
        }
        if change != StatusChange::Snoozed && until.is_some() {
            return Err(AppError::Invalid(
                "`until` goes only with the snoozed status".into(),
            ));
        }
        for _ in 0..MAX_CONFLICT_RETRIES {
            let mut ticket = self.visible_ticket(actor, id).await?;
            let now = self.now();
            let released = match change {
                StatusChange::Pending => {
                    ticket.set_pending(ws.sla.policies(), now)?;
                    None
                }
                StatusChange::Snoozed => {
                    ticket.snooze(ws.sla.policies(), until.unwrap_or(now), now)?;
                    None
                }
                StatusChange::Closed => {
                    ticket.close(now)?;
                    None
                }
                StatusChange::Resolved => ticket.resolve(ws.sla.policies(), now)?,
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
                            ws.sla.policies(),
                            now,
                        )?;
                        None
                    }
                    _ => Some(ticket.unassign(now)?),
                },
            };
            let detail = until.map(|u| format!("until {u}"));
            ticket.record(
                now,
                Some(&actor.agent),
                &format!("status:{}", change.code()),
                detail,
            );
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
            // Paused clocks have no timer; resumed or restarted ones need one.
            self.arm_sla_timer(&ws, &ticket)
                .await
                .map_err(|e| AppError::Unexpected(e.source))?;
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

/// What one enforcement pass found: newly recorded events, notices to send again, and each
/// clock's deadline as it was when they fell due.
struct SlaFindings {
    recorded: Vec<(ClockKind, SlaEventKind)>,
    reclaimed: Vec<(ClockKind, SlaEventKind)>,
    deadlines: Vec<(ClockKind, Option<Timestamp>)>,
}

/// The transcript entries a turn's commit writes: its leading `Record` effects, the ones
/// counted done from the start.
fn committed_entries(record: &TurnRecord) -> Vec<TranscriptEntry> {
    record.effects[..record.done.min(record.effects.len())]
        .iter()
        .filter_map(|e| match e {
            Effect::Record { entry } => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

struct DecidedTurn {
    conversation: Conversation,
    ticket: Option<Ticket>,
    ticket_created: bool,
    record: TurnRecord,
}
