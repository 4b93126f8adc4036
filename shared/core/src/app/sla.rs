//! sla-enforcer: per-ticket timers and the periodic sweep; warnings and breaches recorded
//! exactly once, breach actions applied, notices sent.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tracing::{debug, info, warn};

use super::effects::{SlaTarget, retry_on_conflict};
use super::{JobError, Turno};
use crate::config::WorkspaceConfig;
use crate::desk::agent::Role;
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{TeamId, TicketId, WorkspaceId};
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::SlaTimer;
use crate::ports::{Notification, NotificationKind, StoreError};
use crate::sla::{BreachActions, ClockKind, SlaEventKind};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub looked_at: usize,
    pub breaches: usize,
    /// Tickets whose enforcement failed this round (logged; the next round tries again).
    pub failed: usize,
}

/// What one enforcement pass found: newly recorded events, notices to send again, and each
/// clock's deadline as it was when they fell due.
struct SlaFindings {
    recorded: Vec<(ClockKind, SlaEventKind)>,
    reclaimed: Vec<(ClockKind, SlaEventKind)>,
    deadlines: Vec<(ClockKind, Option<Timestamp>)>,
}

/// What one enforcement wrote, for the effects that follow.
struct Enforced {
    ticket: Ticket,
    findings: SlaFindings,
    notify: bool,
    bumped: bool,
    to_supervisor: bool,
    now: Timestamp,
    /// The ticket's next SLA event when it was read, before anything was recorded.
    sla_before: Option<SlaTarget>,
}

impl Turno {
    pub async fn handle_sla_timer(&self, timer: SlaTimer) -> Result<(), JobError> {
        let Some(ws) = self.config(&timer.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                timer.workspace
            )));
        };
        let now = self.now();
        if timer.due_at > now {
            // Further out than one queue delay allows: sleep another hop, if this chain is
            // still the ticket's. A change that moved the ticket's next event armed a timer
            // of its own, so this one stops here, even when a later change moved the event
            // back: one live chain per ticket, however many edits.
            let Some(ticket) = self
                .ports
                .store
                .ticket(&timer.workspace, &timer.ticket_id)
                .await?
            else {
                return Ok(());
            };
            let stale = match timer.armed_at {
                Some(armed_at) => ticket.sla.supersedes(timer.clock, timer.due_at, armed_at),
                None => ticket.sla.next_event_with_clock() != Some((timer.clock, timer.due_at)),
            };
            if stale {
                debug!(workspace = %timer.workspace, ticket_id = %timer.ticket_id, clock = timer.clock.code(), "stale SLA timer dropped");
                return Ok(());
            }
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
    /// its timer. Each ticket on its own: one that fails is logged and left for the next
    /// round, and never keeps the others from being enforced.
    pub async fn sla_sweep(&self) -> Result<SweepReport, JobError> {
        let now = self.now();
        let due = self.ports.store.tickets_sla_due(now, 500).await?;
        let mut report = SweepReport::default();
        for (ws, id) in due {
            report.looked_at += 1;
            let Some(cfg) = self.config(&ws).await else {
                continue;
            };
            match self.enforce(&cfg, &id).await {
                Ok(breaches) => report.breaches += breaches,
                Err(e) => {
                    report.failed += 1;
                    warn!(workspace = %ws, ticket_id = %id, error = %e, "SLA enforcement failed; the next sweep tries again");
                }
            }
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
        let enforced = retry_on_conflict(|_| async move {
            let Some(mut ticket) = store.ticket(&ws.id, id).await? else {
                warn!(workspace = %ws.id, ticket_id = %id, "timer for a ticket that does not exist; dropped");
                return Ok(None);
            };
            let now = self.now();
            let sla_before = ticket.sla.next_event_with_clock();
            if ticket.wake_if_due(policies, now) {
                store.save_ticket(&mut ticket).await?;
                info!(workspace = %ws.id, ticket_id = %id, "snoozed ticket woke up");
                self.arm_sla_timer(ws, &ticket, sla_before).await?;
            }
            let recorded = ticket.sla.check(now);
            let reclaimed = ticket.sla.reclaim_stale_notices(now);
            if recorded.is_empty() && reclaimed.is_empty() {
                return Ok(None);
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
            self.save_or_release(&mut ticket, released.as_ref()).await?;
            let findings = SlaFindings {
                recorded,
                reclaimed,
                deadlines,
            };
            Ok(Some(Enforced {
                ticket,
                findings,
                notify: on_breach.notify,
                bumped,
                to_supervisor,
                now,
                sla_before,
            }))
        })
        .await?;
        let Some(Enforced {
            ticket,
            findings,
            notify,
            bumped,
            to_supervisor,
            now,
            sla_before,
        }) = enforced
        else {
            return Ok(0);
        };
        let breaches = findings
            .recorded
            .iter()
            .filter(|(_, e)| *e == SlaEventKind::Breach)
            .count();
        self.announce_sla(ws, &ticket, &findings, notify, now)
            .await?;
        let pull: Vec<TeamId> = ticket.team.iter().filter(|_| bumped).cloned().collect();
        if let Some(team) = pull.first() {
            info!(workspace = %ws.id, ticket_id = %id, tier = ?ticket.tier, team = %team, "tier bumped on SLA breach");
        }
        // The timer for what comes next, from the ticket as the notices left it; then the new
        // team's queue, where a bump put it.
        let latest = store.ticket(&ws.id, id).await?.unwrap_or(ticket.clone());
        self.after_change(ws, &latest, sla_before, &pull).await?;
        if to_supervisor {
            self.reassign_to_supervisor(ws, id).await?;
        }
        Ok(breaches)
    }

    /// Publishes the newly recorded events, sends the notices (new and reclaimed) and marks
    /// the ones that went out as sent. The events are already recorded on the ticket: a
    /// notice that cannot be sent now (the notification endpoint is down) stays claimed, and
    /// the timer or sweep that finds it stale sends it again, so it goes out once, late,
    /// without holding up the rest.
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
        let mut sent = Vec::with_capacity(all.len());
        for (kind, event) in &all {
            if !notify {
                sent.push((*kind, *event));
                continue;
            }
            let (what, kind_note) = match event {
                SlaEventKind::Warning => ("is close to breaching", NotificationKind::SlaWarning),
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
            match self.ports.notifier.notify(&note).await {
                Ok(()) => sent.push((*kind, *event)),
                Err(e) => {
                    warn!(workspace = %ws.id, ticket_id = %ticket.id, clock = kind.code(), error = %format!("{e:#}"), "SLA notice not sent; it is sent again once stale");
                }
            }
        }
        if !sent.is_empty() {
            self.mark_notices_sent(&ws.id, &ticket.id, &sent).await?;
        }
        Ok(())
    }

    async fn mark_notices_sent(
        &self,
        ws: &WorkspaceId,
        id: &TicketId,
        notices: &[(ClockKind, SlaEventKind)],
    ) -> Result<(), StoreError> {
        self.update_ticket(ws, id, |ticket| {
            let now = self.now();
            for (kind, event) in notices {
                ticket.sla.notice_sent(*kind, *event, now);
            }
            Ok::<_, StoreError>(None)
        })
        .await?;
        Ok(())
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
}
