//! What agents do to tickets: read one, transfer it, change its status.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::effects::Updated;
use super::inbox::normalise_tags;
use super::{Actor, AppError, Turno};
use crate::channel::message::TranscriptEntry;
use crate::desk::ticket::{EscalationReason, Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, TeamId, TicketId};
use crate::kernel::levels::Priority;
use crate::ports::domain_events::DomainEvent;

/// A ticket with what the console shows beside it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub sla_due_at: Option<Timestamp>,
    pub window_closes_at: Option<Timestamp>,
    /// The 24-hour window: while closed, only a template can be sent.
    pub window: crate::channel::window::WindowState,
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

impl Turno {
    pub async fn ticket_view(&self, actor: &Actor, id: &TicketId) -> Result<TicketView, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let transcript = self.transcript_view(&actor.workspace, id).await?;
        let conversation = self
            .ports
            .store
            .conversation(&actor.workspace, &ticket.customer)
            .await?;
        Ok(TicketView {
            sla_due_at: ticket.sla_due_at(),
            window: crate::channel::window::WindowState::at(
                conversation
                    .as_ref()
                    .and_then(|c| c.last_customer_message_at),
                self.now(),
            ),
            window_closes_at: conversation.and_then(|c| c.window_closes_at()),
            ticket,
            transcript,
        })
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
            .await
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
                    Ok::<_, AppError>(None)
                })
                .await?
                .ok_or(AppError::NotFound("ticket"))?;
                self.visible_ticket(actor, id).await
            }
            (None, Some(team)) => {
                let tier = ws
                    .teams
                    .iter()
                    .find(|x| x.id == team)
                    .map(|x| x.tier)
                    .ok_or(AppError::NotFound("team"))?;
                let updated = self
                    .update_visible_ticket(actor, id, |ticket| {
                        let now = self.now();
                        let released =
                            ticket.transfer_to_team(team.clone(), tier, ws.sla.policies(), now)?;
                        let detail = match &note {
                            Some(n) => format!("to team {team}: {n}"),
                            None => format!("to team {team}"),
                        };
                        ticket.record(now, Some(&actor.agent), "transferred", Some(detail));
                        Ok(released)
                    })
                    .await?;
                let Updated { ticket, sla_before } = updated;
                info!(workspace = %actor.workspace, ticket_id = %id, team = %team, "ticket transferred to a team");
                // The new team's queue first; then the old teams', where the agent who let it
                // go has room for the next ticket.
                let mut pull = vec![team.clone()];
                pull.extend(ws.teams.iter().map(|x| x.id.clone()).filter(|x| *x != team));
                self.after_change(&ws, &ticket, sla_before, &pull).await?;
                Ok(ticket)
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
            .await
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
        let now = self.now();
        let updated = self
            .update_visible_ticket(actor, id, |ticket| {
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
                            ticket.reopen(&ws.routing.default_team, ws.sla.policies(), now)?;
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
                Ok(released)
            })
            .await?;
        if change == StatusChange::Resolved {
            self.publish(&[DomainEvent::Resolved {
                workspace: actor.workspace.clone(),
                ticket_id: id.clone(),
                at: now,
            }])
            .await;
        }
        // Freed capacity or a newly queued ticket: pull from the queue now.
        let Updated { ticket, sla_before } = updated;
        if change == StatusChange::Resolved {
            self.schedule_csat(&ws, &ticket).await;
        }
        self.after_change(&ws, &ticket, sla_before, ticket.team.as_slice())
            .await?;
        self.visible_ticket(actor, id).await
    }

    /// Replaces a ticket's tags; the SLA policy is chosen again (a `vip` tag may change it).
    pub async fn set_tags(
        &self,
        actor: &Actor,
        id: &TicketId,
        tags: &[String],
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let tags = normalise_tags(tags)?;
        self.visible_ticket(actor, id).await?;
        let now = self.now();
        let Updated { ticket, sla_before } = self
            .update_ticket(&actor.workspace, id, |t| {
                t.tags = tags.clone();
                t.updated_at = now;
                t.refresh_sla(ws.sla.policies(), now);
                t.record(now, Some(&actor.agent), "tags", Some(tags.join(", ")));
                Ok::<_, AppError>(None)
            })
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        self.arm_sla_timer(&ws, &ticket, sla_before).await?;
        Ok(ticket)
    }

    /// Sets a ticket's priority by hand: the SLA policy is chosen again and the queue re-ranks
    /// the ticket.
    pub async fn set_priority(
        &self,
        actor: &Actor,
        id: &TicketId,
        priority: Priority,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let now = self.now();
        let Updated { ticket, sla_before } = self
            .update_visible_ticket(actor, id, |t| {
                if t.priority != priority {
                    t.priority = priority;
                    t.updated_at = now;
                    t.refresh_sla(ws.sla.policies(), now);
                    t.record(
                        now,
                        Some(&actor.agent),
                        "priority",
                        Some(format!("{priority:?}").to_lowercase()),
                    );
                }
                Ok(None)
            })
            .await?;
        self.after_change(&ws, &ticket, sla_before, ticket.team.as_slice())
            .await?;
        self.visible_ticket(actor, id).await
    }

    /// Moves a ticket up a tier by hand: into the queue of the first team of the next tier
    /// (or its own team's, if none), with the reason in the audit trail.
    pub async fn escalate_by_hand(
        &self,
        actor: &Actor,
        id: &TicketId,
        reason: Option<String>,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(AppError::Invalid(
                "the reason is longer than 500 characters".into(),
            ));
        }
        let updated = self
            .update_visible_ticket(actor, id, |ticket| {
                let next = ticket.tier.next().ok_or_else(|| {
                    AppError::Conflict("the ticket is already at the top tier (L3)".into())
                })?;
                let team = ws
                    .teams
                    .iter()
                    .find(|t| t.tier == next)
                    .map(|t| t.id.clone())
                    .or_else(|| ticket.team.clone())
                    .unwrap_or_else(|| ws.routing.default_team.clone());
                let now = self.now();
                let released =
                    ticket.transfer_to_team(team.clone(), next, ws.sla.policies(), now)?;
                let code = EscalationReason::Manual.code().to_owned();
                if !ticket.reasons.contains(&code) {
                    ticket.reasons.push(code);
                }
                let detail = match &reason {
                    Some(r) => format!("to {next:?} ({team}): {r}"),
                    None => format!("to {next:?} ({team})"),
                };
                ticket.record(now, Some(&actor.agent), "escalated", Some(detail));
                Ok(released)
            })
            .await?;
        let Updated { ticket, sla_before } = updated;
        let team = ticket.team.as_ref().map_or("-", |t| t.as_str());
        info!(workspace = %actor.workspace, ticket_id = %id, team = %team, "ticket escalated by hand");
        let all: Vec<TeamId> = ws.teams.iter().map(|t| t.id.clone()).collect();
        self.after_change(&ws, &ticket, sla_before, &all).await?;
        Ok(self
            .ports
            .store
            .ticket(&actor.workspace, id)
            .await?
            .unwrap_or(ticket))
    }

    /// Reopens a resolved ticket into its team's queue.
    pub async fn reopen(&self, actor: &Actor, id: &TicketId) -> Result<Ticket, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        if ticket.status != TicketStatus::Resolved {
            return Err(AppError::Conflict(format!(
                "only a resolved ticket can be reopened; this one is {}",
                ticket.status.as_str()
            )));
        }
        self.change_status(actor, id, StatusChange::Queued, None)
            .await
    }
}
