//! escalation: route a handoff to a team and tier, start its clocks, hand it to an agent with
//! room (or queue it), and tell the customer where they stand.

use jiff::Timestamp;
use tracing::{info, warn};

use super::effects::{Retry, SlaTarget, assigned_to, found_full, retry_on_conflict};
use super::{JobError, Turno};
use crate::channel::message::{Author, Body, Outbound, TranscriptEntry};
use crate::config::WorkspaceConfig;
use crate::desk::agent::{Agent, pick_agent};
use crate::desk::escalation::EscalationJob;
use crate::desk::routing::{RoutingDecision, RoutingInput, route};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, MessageId, TeamId, TicketId};
use crate::ports::StoreError;
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::TranscriptWrite;

impl Turno {
    /// Routes the ticket to a team, starts its first-response clock, hands it to an agent with
    /// room in the same write (or queues it) and arms the timer. Safe to run again for the
    /// same job: a redelivery finds it escalated and only makes sure of the timer and the
    /// queue's pull.
    pub async fn handle_escalation(&self, job: EscalationJob) -> Result<(), JobError> {
        self.escalate(job, None).await
    }

    /// [`handle_escalation`](Self::handle_escalation) starting from `known`, the ticket as the
    /// caller just wrote or read it (versioned): the handoff turn escalates its own ticket
    /// without reading it again. A write that loses a race reads it afresh, and so does a
    /// `known` never stored (version 0: the bot's ticket as the conversation keeps it).
    pub(super) async fn escalate(
        &self,
        job: EscalationJob,
        known: Option<Ticket>,
    ) -> Result<(), JobError> {
        let Some(ws) = self.config(&job.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                job.workspace
            )));
        };
        let store = &self.ports.store;
        let (ws, job, known) = (&ws, &job, &known);
        let escalated = retry_on_conflict(|attempt| async move {
            let read = match known.clone().filter(|t| attempt == 0 && t.version > 0) {
                Some(ticket) => Some(ticket),
                None => store.ticket(&job.workspace, &job.ticket_id).await?,
            };
            let mut ticket = read.ok_or_else(|| {
                JobError::permanent(anyhow::anyhow!("ticket {} does not exist", job.ticket_id))
            })?;
            if ticket.status.is_human() {
                return Ok(Escalated::Before(ticket));
            }
            // Boxed: each attempt's future stays small on a debug build's stack.
            let Some(routed) = Box::pin(self.route_handoff(ws, job, &mut ticket)).await? else {
                return Ok(Escalated::Skipped);
            };
            let placed =
                Box::pin(self.place_escalated(ws, &mut ticket, routed.now, !job.out_of_hours))
                    .await?;
            Ok(Escalated::Now(ticket, routed, placed))
        })
        .await?;
        let (ticket, routed, placed) = match escalated {
            Escalated::Skipped => return Ok(()),
            Escalated::Before(ticket) => {
                // A redelivery: make sure the timer and assignment happened.
                let team = ticket
                    .team
                    .clone()
                    .unwrap_or_else(|| ws.routing.default_team.clone());
                let pull = if job.out_of_hours { vec![] } else { vec![team] };
                return self.after_change(ws, &ticket, None, &pull).await;
            }
            Escalated::Now(ticket, routed, placed) => (ticket, routed, placed),
        };
        Box::pin(self.after_escalation(ws, job, ticket, routed, placed)).await
    }

    /// Routes `ticket`, which the bot holds, for `job`: the customer's profile tags join its
    /// own, the routing rules pick its team, tier and priority, its clocks start and the list
    /// gets its latest message. `None`: it cannot be escalated as it is (closed, say), logged.
    pub(super) async fn route_handoff(
        &self,
        ws: &WorkspaceConfig,
        job: &EscalationJob,
        ticket: &mut Ticket,
    ) -> Result<Option<Routed>, Retry<JobError>> {
        // The tags agents keep on the customer's profile (a VIP made in the console) count
        // for routing and the SLA as the configured ones do.
        let profile_tags = self
            .customer_tags(&job.workspace, &ticket.customer)
            .await
            .map_err(|e| Retry::Fail(JobError::retry(e)))?;
        for t in profile_tags {
            if !ticket.tags.contains(&t) {
                ticket.tags.push(t);
            }
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
                keyword: job.keyword.as_deref(),
                priority: job.priority,
            },
        );
        let now = self.now();
        if job.out_of_hours {
            decision
                .reasons
                .insert(1, super::bot_io::OUT_OF_HOURS.into());
        }
        ticket.priority = ticket.priority.max(decision.priority);
        ticket.record(now, None, "escalated", Some(decision.reasons.join(", ")));
        let sla_before = ticket.sla.next_event_with_clock();
        if let Err(e) = ticket.escalate(
            decision.team.clone(),
            decision.tier,
            decision.reasons.clone(),
            ws.sla.policies(),
            now,
        ) {
            warn!(workspace = %job.workspace, ticket_id = %job.ticket_id, error = %e, "escalation skipped");
            return Ok(None);
        }
        // People now handle it: the list shows its latest message from here on (kept on
        // the ticket as messages arrive; read from the transcript this once).
        if ticket.last_message.is_none() {
            let transcript = self
                .ports
                .store
                .transcript(&job.workspace, &job.ticket_id)
                .await?;
            ticket.last_message = transcript.iter().rev().find_map(super::inbox::preview);
        }
        Ok(Some(Routed {
            decision,
            now,
            sla_before,
        }))
    }

    /// What follows an escalated ticket's write: its timer, the event, and the agent told of
    /// it, or the customer told to wait (and the queue run, when it waits behind others while
    /// somebody has room).
    pub(super) async fn after_escalation(
        &self,
        ws: &WorkspaceConfig,
        job: &EscalationJob,
        ticket: Ticket,
        routed: Routed,
        placed: Placed,
    ) -> Result<(), JobError> {
        let Routed {
            decision,
            now,
            sla_before,
        } = routed;
        info!(
            workspace = %job.workspace, ticket_id = %ticket.id, team = %decision.team,
            tier = ?decision.tier, reasons = ?decision.reasons, "ticket escalated"
        );
        self.arm_sla_timer(ws, &ticket, sla_before).await?;
        self.publish(&[DomainEvent::Escalated {
            workspace: job.workspace.clone(),
            ticket_id: ticket.id.clone(),
            team: decision.team.clone(),
            tier: ticket.tier,
            reasons: decision.reasons,
            at: now,
        }])
        .await;
        match placed {
            Placed::Assigned(agent) => {
                info!(workspace = %job.workspace, ticket_id = %ticket.id, agent = %agent, "ticket assigned");
                self.announce_assignment(&ticket, &agent, now).await;
                Ok(())
            }
            // Nobody is expected now: it waits in the queue for the next shift, and the
            // customer was told when to expect an answer.
            Placed::Queued { .. } if job.out_of_hours => Ok(()),
            Placed::Queued { ahead: true } => {
                self.assign_from_queue(ws, &decision.team).await?;
                self.tell_to_wait(ws, &ticket.id, None).await
            }
            // Nobody had room: it waits, as written.
            Placed::Queued { ahead: false } => {
                let id = ticket.id.clone();
                self.tell_to_wait(ws, &id, Some(ticket)).await
            }
        }
    }

    /// A redelivered turn that was committed complete with its handoff (run right after the
    /// commit) runs the handoff again, in case the first delivery stopped before it: a ticket
    /// already with people only has its timer and queue seen to, and one that has left the
    /// bot otherwise (resolved, closed) is left as it is.
    pub(super) async fn escalate_again(&self, job: EscalationJob) -> Result<(), JobError> {
        let ticket = self
            .ports
            .store
            .ticket(&job.workspace, &job.ticket_id)
            .await?;
        match ticket {
            Some(t) if t.status == TicketStatus::Bot || t.status.is_human() => {
                self.escalate(job, Some(t)).await
            }
            _ => Ok(()),
        }
    }

    /// Writes an escalated ticket (`assign`: if people are expected now). When an agent of its
    /// team has room and no queued ticket of the team ranks ahead of it, it goes straight to
    /// that agent: the ticket, the agent's load and the counters in one write, from one read
    /// of the agents and of the queue's head. An agent found full is passed over without
    /// reading again; when nobody is left it is saved queued, for the next assignment run.
    /// `Conflict`: the ticket changed since it was read.
    async fn place_escalated(
        &self,
        ws: &WorkspaceConfig,
        ticket: &mut Ticket,
        now: Timestamp,
        assign: bool,
    ) -> Result<Placed, StoreError> {
        let store = &self.ports.store;
        let _turn = self.assign_gate.enter(&ws.id).await;
        let team = match (&ticket.team, assign) {
            (Some(team), true) => team.clone(),
            _ => {
                store.save_ticket(ticket).await?;
                return Ok(Placed::Queued { ahead: false });
            }
        };
        let mut agents = match self.seats(ws, &team, ticket).await? {
            Seats::Agents(agents) => agents,
            Seats::Queue { ahead } => {
                store.save_ticket(ticket).await?;
                return Ok(Placed::Queued { ahead });
            }
        };
        while let Some(agent_id) = pick_agent(&agents, &team).map(|a| a.id.clone()) {
            let Some(mut assigned) = assigned_to(ticket, &agent_id, now, "at the handoff") else {
                break;
            };
            match store
                .assign_ticket(&mut assigned, &agent_id, None, now)
                .await
            {
                Ok(()) => {
                    *ticket = assigned;
                    return Ok(Placed::Assigned(agent_id));
                }
                Err(StoreError::AtCapacity) => found_full(&mut agents, &agent_id),
                Err(e) => return Err(e),
            }
        }
        store.save_ticket(ticket).await?;
        Ok(Placed::Queued { ahead: false })
    }

    /// Where a routed ticket of `team` may go, from one read of the workspace's agents and of
    /// the team's queue head: to one of the agents (some has room and no queued ticket ranks
    /// ahead of it), or into the queue. Shared by the handoff written after a turn's commit
    /// and the one its commit carries.
    pub(super) async fn seats(
        &self,
        ws: &WorkspaceConfig,
        team: &TeamId,
        ticket: &Ticket,
    ) -> Result<Seats, StoreError> {
        let store = &self.ports.store;
        let (agents, head) =
            futures::try_join!(store.agents(&ws.id), store.queued_tickets(&ws.id, team, 1))?;
        // Queued tickets of the same rank or higher waited longer: the queue's order holds.
        let ahead = head
            .first()
            .is_some_and(|h| h.id != ticket.id && h.queue_rank() >= ticket.queue_rank());
        let room = pick_agent(&agents, team).is_some();
        if ahead || !room {
            // Behind others while somebody has room: a run of the queue takes them in order.
            return Ok(Seats::Queue {
                ahead: ahead && room,
            });
        }
        Ok(Seats::Agents(agents))
    }

    /// Tells a customer whose ticket nobody could take at once where they stand in the queue,
    /// once per handoff. The notice is claimed before it is sent, so a redelivered job does
    /// not say it twice (a send that fails after the claim is logged, not retried).
    /// `known`: the ticket as just written, to start from without reading it.
    async fn tell_to_wait(
        &self,
        ws: &WorkspaceConfig,
        id: &TicketId,
        known: Option<Ticket>,
    ) -> Result<(), JobError> {
        let Some(text) = &ws.bot.queued else {
            return Ok(());
        };
        let store = &self.ports.store;
        let known = &known;
        let claimed = retry_on_conflict::<_, JobError, _>(|attempt| async move {
            let read = match known.clone().filter(|_| attempt == 0) {
                Some(ticket) => Some(ticket),
                None => store.ticket(&ws.id, id).await?,
            };
            let Some(mut ticket) = read else {
                return Ok(None);
            };
            if ticket.status != TicketStatus::Queued || ticket.wait_notice_at.is_some() {
                return Ok(None);
            }
            let Some(team) = ticket.team.clone() else {
                return Ok(None);
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
            store.save_ticket(&mut ticket).await?;
            Ok(Some((ticket, position, now)))
        })
        .await?;
        let Some((ticket, position, now)) = claimed else {
            return Ok(());
        };
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
                    amended: None,
                };
                let writes = sent
                    .entries(entry)
                    .into_iter()
                    .map(|entry| TranscriptWrite::Append { entry }.envelope())
                    .collect();
                self.ports.queue.send(writes).await?;
            }
            Err(e) => {
                warn!(workspace = %ws.id, ticket_id = %id, error = %e, "queue position notice not sent")
            }
        }
        Ok(())
    }
}

/// The handoff a turn leaves to run once it is done: its own, just committed (with the
/// ticket as written or read), or a redelivered turn's, to run again; or what follows its
/// own, written with its commit.
pub(super) enum Handoff {
    Now(EscalationJob, Box<Ticket>),
    Again(EscalationJob),
    Written(Box<WrittenHandoff>),
}

/// A handoff the turn's commit wrote: the workspace's configuration the turn ran with, the
/// ticket as committed (routed, and assigned or queued), its routing and where it went.
pub(super) struct WrittenHandoff {
    pub ws: std::sync::Arc<WorkspaceConfig>,
    pub job: EscalationJob,
    pub ticket: Ticket,
    pub routed: Routed,
    pub placed: Placed,
}

/// What one attempt at escalating found or did.
enum Escalated {
    /// The job was redelivered: the ticket was escalated before.
    Before(Ticket),
    /// The ticket cannot be escalated as it is (closed, say).
    Skipped,
    /// Escalated now, as routed, and where it went.
    Now(Ticket, Routed, Placed),
}

/// A handoff's routing: the decision, when it was made, and the SLA event the ticket had
/// before (a reopened one has some).
pub(super) struct Routed {
    pub decision: RoutingDecision,
    pub now: Timestamp,
    pub sla_before: Option<SlaTarget>,
}

/// Where an escalated ticket went when it was written.
pub(super) enum Placed {
    /// Straight to this agent.
    Assigned(AgentId),
    /// Into its team's queue; `ahead`: behind tickets that waited before it while an agent had
    /// room (an assignment run takes them in order).
    Queued { ahead: bool },
}

/// Where a routed ticket may go (see [`Turno::seats`]).
pub(super) enum Seats {
    /// To one of these agents (the workspace's, as read): some of its team has room.
    Agents(Vec<Agent>),
    /// Into its team's queue; `ahead` as in [`Placed::Queued`].
    Queue { ahead: bool },
}
