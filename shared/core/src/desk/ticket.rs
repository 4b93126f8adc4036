//! The ticket and its state machine.
//!
//! ```text
//! Bot ──escalate──► Queued ──assign──► Assigned ──► Pending / Snoozed ──► Resolved ──reopen──► Queued
//!  │                  ▲                  │   ▲             │                  ▲
//!  └──resolve─────────┼──────────────────┼───┴──customer───┘                  │
//!                     └─────unassign─────┘        writes        resolve ──────┘
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::channel::message::Author;
use crate::kernel::ids::{AgentId, TeamId, TicketId, WaId, WorkspaceId};
use crate::kernel::lang::Lang;
use crate::kernel::levels::{Priority, Tier};
use crate::sla::{ClockKind, Policies, TicketSla};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// The level-1 bot is handling the conversation.
    Bot,
    /// Waiting in a team's queue for an agent.
    Queued,
    /// An agent owns it.
    Assigned,
    /// Waiting on the customer.
    Pending,
    /// Put aside by the agent until a time.
    Snoozed,
    Resolved,
    /// Final: a later message from the customer opens a new ticket, linked to this one.
    Closed,
}

impl TicketStatus {
    /// Whether a human (or a human queue) owns the conversation: the bot stays silent.
    pub fn is_human(self) -> bool {
        matches!(
            self,
            TicketStatus::Queued
                | TicketStatus::Assigned
                | TicketStatus::Pending
                | TicketStatus::Snoozed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Bot => "bot",
            TicketStatus::Queued => "queued",
            TicketStatus::Assigned => "assigned",
            TicketStatus::Pending => "pending",
            TicketStatus::Snoozed => "snoozed",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }
}

impl std::str::FromStr for TicketStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "bot" => TicketStatus::Bot,
            "queued" => TicketStatus::Queued,
            "assigned" => TicketStatus::Assigned,
            "pending" => TicketStatus::Pending,
            "snoozed" => TicketStatus::Snoozed,
            "resolved" => TicketStatus::Resolved,
            "closed" => TicketStatus::Closed,
            other => return Err(format!("unknown ticket status {other:?}")),
        })
    }
}

/// How a ticket ended, for the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOutcome {
    /// The bot alone handled the conversation, and the customer went quiet: deflected.
    ResolvedByBot,
}

/// Why a conversation went to a human; kept on the ticket for the agent and the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The customer asked for a person in words ("agente", "human", ...).
    ExplicitRequest,
    /// The customer picked the menu's "talk to a person".
    MenuChoice,
    /// The bot did not understand the customer several times in a row.
    FailedAttempts,
    /// An agent or supervisor moved it by hand.
    Manual,
    /// The customer wrote again within the thread window of a resolved ticket.
    Reopened,
    /// The customer sounded frustrated (negative words, ALL CAPS, "!!!").
    Frustration,
    /// A topic configured to always go to a person (refunds, billing, cancellations).
    SensitiveTopic,
    /// The business's API failed (timeout, 5xx) while the bot looked something up.
    IntegrationFailed,
    /// The customer wrote one of the bot's keyword triggers (a lawyer, fraud, a regulator).
    Keyword,
}

impl EscalationReason {
    pub fn code(self) -> &'static str {
        match self {
            EscalationReason::ExplicitRequest => "explicit_request",
            EscalationReason::MenuChoice => "menu_choice",
            EscalationReason::FailedAttempts => "failed_attempts",
            EscalationReason::Manual => "manual",
            EscalationReason::Reopened => "reopened",
            EscalationReason::Frustration => "frustration",
            EscalationReason::SensitiveTopic => "sensitive_topic",
            EscalationReason::IntegrationFailed => "integration_failed",
            EscalationReason::Keyword => "keyword",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub workspace: WorkspaceId,
    pub customer: WaId,
    pub customer_name: Option<String>,
    pub language: Lang,
    pub status: TicketStatus,
    pub priority: Priority,
    pub tier: Tier,
    pub team: Option<TeamId>,
    pub assignee: Option<AgentId>,
    /// Reason codes of the escalation and of the routing decision.
    pub reasons: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub queued_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Customer and agent labels (`vip`, ...): routing and SLA policies match on them.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The SLA policy that applies and its clocks.
    #[serde(default)]
    pub sla: TicketSla,
    /// The customer's previous ticket, when this one started after its thread window.
    #[serde(default)]
    pub previous_ticket: Option<TicketId>,
    /// When the customer was told to wait for a free agent (once per handoff).
    #[serde(default)]
    pub wait_notice_at: Option<Timestamp>,
    /// When a snoozed ticket wakes up by itself.
    #[serde(default)]
    pub snoozed_until: Option<Timestamp>,
    /// How the ticket ended, when that is more than its status says (a bot-only conversation
    /// closed for inactivity is `resolved_by_bot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<TicketOutcome>,
    /// The satisfaction survey sent after the ticket was resolved, and the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<crate::desk::csat::TicketCsat>,
    /// Agents @mentioned in its notes: they may open it though it is not their team's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<AgentId>,
    /// Every change, who made it and why, oldest first.
    #[serde(default)]
    pub audit: Vec<AuditEntry>,
    /// The latest message of the conversation while people handle it, shortened for lists.
    #[serde(default)]
    pub last_message: Option<MessagePreview>,
    /// What the reports need of the ticket, and which of its facts the rollups already count.
    #[serde(default)]
    pub report: crate::desk::report::ReportTrack,
    /// The rollup deltas the next write applies with the ticket, in the same transaction; set
    /// by the store's decorator just before the write, never stored.
    #[serde(skip)]
    pub rollup: Vec<crate::desk::report::rollup::RollupDelta>,
    /// When the stored ticket expires under the workspace's retention (none: kept); set by the
    /// store's decorator just before each write, stored by the adapter beside the ticket (a
    /// column, an item attribute), not in it.
    #[serde(skip)]
    pub expires_at: Option<Timestamp>,
    /// Optimistic concurrency: the version this copy was read at (0 = not stored yet).
    pub version: u64,
}

/// The latest message of a conversation, shortened for a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePreview {
    pub at: Timestamp,
    pub author: Author,
    pub text: String,
}

/// One line of a ticket's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The agent who made the change; `None` for turno itself (bot, routing, SLA).
    pub actor: Option<AgentId>,
    /// What happened: `escalated`, `assigned`, `transferred`, `status:pending`, ...
    pub action: String,
    /// Reason codes, the note of a transfer, the agent assigned.
    pub detail: Option<String>,
}

/// The audit trail keeps this many entries; older ones are dropped first, so a ticket stays
/// well inside a DynamoDB item.
pub const AUDIT_LIMIT: usize = 300;

/// The tag that marks a VIP customer: their tickets go ahead of others of the same priority.
pub const VIP_TAG: &str = "vip";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} ticket cannot {action}")]
pub struct TransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl Ticket {
    pub fn new(
        workspace: WorkspaceId,
        customer: WaId,
        name: Option<String>,
        language: Lang,
        now: Timestamp,
    ) -> Self {
        Ticket {
            id: TicketId::generate(),
            workspace,
            customer,
            customer_name: name,
            language,
            status: TicketStatus::Bot,
            priority: Priority::Normal,
            tier: Tier::L1,
            team: None,
            assignee: None,
            reasons: Vec::new(),
            created_at: now,
            updated_at: now,
            queued_at: None,
            resolved_at: None,
            tags: Vec::new(),
            sla: TicketSla::default(),
            previous_ticket: None,
            wait_notice_at: None,
            snoozed_until: None,
            outcome: None,
            csat: None,
            mentioned: Vec::new(),
            audit: Vec::new(),
            last_message: None,
            report: Default::default(),
            rollup: Vec::new(),
            expires_at: None,
            version: 0,
        }
    }

    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError {
            from: self.status.as_str(),
            action,
        }
    }

    /// Puts a resolved ticket back in its team's queue (`default_team` when it had none) at
    /// its tier, with the reopened reason: [`Ticket::escalate`] resumes its clocks.
    pub fn reopen(
        &mut self,
        default_team: &TeamId,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if self.status != TicketStatus::Resolved {
            return Err(self.refuse("be reopened"));
        }
        let team = self.team.clone().unwrap_or_else(|| default_team.clone());
        let reasons = vec![EscalationReason::Reopened.code().into()];
        self.escalate(team, self.tier, reasons, policies, now)
    }

    /// Hands the conversation to a human queue: starts the first-response, resolution and
    /// escalate-after clocks (or, for a reopened ticket, resumes what was left).
    pub fn escalate(
        &mut self,
        team: TeamId,
        tier: Tier,
        reasons: Vec<String>,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Bot | TicketStatus::Resolved) {
            return Err(self.refuse("be escalated"));
        }
        let reopened = self.status == TicketStatus::Resolved;
        self.status = TicketStatus::Queued;
        self.team = Some(team);
        self.tier = tier.max(Tier::L2);
        self.assignee = None;
        for r in reasons {
            if !self.reasons.contains(&r) {
                self.reasons.push(r);
            }
        }
        self.queued_at = Some(now);
        self.resolved_at = None;
        self.wait_notice_at = None;
        self.updated_at = now;
        self.refresh_sla(policies, now);
        let policy = self.sla.applied(policies);
        if reopened {
            self.sla.reopen(policy, now);
        } else {
            for kind in [
                ClockKind::FirstResponse,
                ClockKind::Resolution,
                ClockKind::EscalateAfter,
            ] {
                self.sla.start(kind, policy, now);
            }
        }
        Ok(())
    }

    /// Re-selects the SLA policy (priority, tier, team or tags may have changed) and runs or
    /// pauses the clocks for the current status.
    pub fn refresh_sla(&mut self, policies: &Policies, now: Timestamp) {
        let selected = policies.select(self.priority, self.tier, self.team.as_ref(), &self.tags);
        self.sla.reselect(policies, selected, now);
        let running = matches!(self.status, TicketStatus::Queued | TicketStatus::Assigned);
        self.sla.set_running(running, policies, now);
    }

    pub fn assign(&mut self, agent: AgentId, now: Timestamp) -> Result<(), TransitionError> {
        if self.status != TicketStatus::Queued {
            return Err(self.refuse("be assigned"));
        }
        self.status = TicketStatus::Assigned;
        self.assignee = Some(agent);
        self.updated_at = now;
        Ok(())
    }

    /// Puts an assigned ticket back in its team's queue (its agent went offline or let it go).
    pub fn unassign(&mut self, now: Timestamp) -> Result<AgentId, TransitionError> {
        if !matches!(
            self.status,
            TicketStatus::Assigned | TicketStatus::Pending | TicketStatus::Snoozed
        ) {
            return Err(self.refuse("be unassigned"));
        }
        let agent = self
            .assignee
            .take()
            .ok_or_else(|| self.refuse("be unassigned"))?;
        self.status = TicketStatus::Queued;
        self.queued_at = Some(now);
        self.updated_at = now;
        Ok(agent)
    }

    /// Waiting on the customer: the clocks pause.
    pub fn set_pending(
        &mut self,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Assigned | TicketStatus::Snoozed) {
            return Err(self.refuse("wait on the customer"));
        }
        self.status = TicketStatus::Pending;
        self.updated_at = now;
        self.refresh_sla(policies, now);
        Ok(())
    }

    /// Put aside until `until`: the clocks pause; the ticket wakes by itself then (or when
    /// the customer writes).
    pub fn snooze(
        &mut self,
        policies: &Policies,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Assigned | TicketStatus::Pending) {
            return Err(self.refuse("be snoozed"));
        }
        if until <= now {
            return Err(self.refuse("be snoozed until a time already past"));
        }
        self.status = TicketStatus::Snoozed;
        self.snoozed_until = Some(until);
        self.updated_at = now;
        self.refresh_sla(policies, now);
        Ok(())
    }

    /// Wakes a snoozed ticket whose time has come. Returns whether it woke.
    pub fn wake_if_due(&mut self, policies: &Policies, now: Timestamp) -> bool {
        if self.status != TicketStatus::Snoozed || self.snoozed_until.is_none_or(|u| u > now) {
            return false;
        }
        self.wake(policies, now);
        self.record(now, None, "woke", None);
        true
    }

    fn wake(&mut self, policies: &Policies, now: Timestamp) {
        self.status = if self.assignee.is_some() {
            TicketStatus::Assigned
        } else {
            TicketStatus::Queued
        };
        self.snoozed_until = None;
        self.updated_at = now;
        self.refresh_sla(policies, now);
    }

    /// Ends a conversation only the bot handled: closed, resolved by the bot. The customer's
    /// next message starts a new ticket.
    pub fn end_bot_conversation(&mut self, now: Timestamp) -> Result<(), TransitionError> {
        if self.status != TicketStatus::Bot {
            return Err(self.refuse("end as resolved by the bot"));
        }
        self.status = TicketStatus::Closed;
        self.outcome = Some(TicketOutcome::ResolvedByBot);
        self.resolved_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Closes a resolved ticket for good.
    pub fn close(&mut self, now: Timestamp) -> Result<(), TransitionError> {
        if self.status != TicketStatus::Resolved {
            return Err(self.refuse("be closed (resolve it first)"));
        }
        self.status = TicketStatus::Closed;
        self.updated_at = now;
        Ok(())
    }

    /// Moves the ticket to another team's queue (and tier), letting its agent go. Returns the
    /// agent whose capacity is freed.
    pub fn transfer_to_team(
        &mut self,
        team: TeamId,
        tier: Tier,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<Option<AgentId>, TransitionError> {
        if !self.status.is_human() {
            return Err(self.refuse("be transferred"));
        }
        let released = self.assignee.take();
        self.status = TicketStatus::Queued;
        self.team = Some(team);
        self.tier = tier.max(Tier::L2);
        self.snoozed_until = None;
        self.queued_at = Some(now);
        self.updated_at = now;
        self.refresh_sla(policies, now);
        Ok(released)
    }

    /// Appends to the audit trail.
    pub fn record(
        &mut self,
        at: Timestamp,
        actor: Option<&AgentId>,
        action: &str,
        detail: Option<String>,
    ) {
        if self.audit.len() >= AUDIT_LIMIT {
            self.audit.remove(0);
        }
        self.audit.push(AuditEntry {
            at,
            actor: actor.cloned(),
            action: action.to_owned(),
            detail,
        });
    }

    pub fn is_vip(&self) -> bool {
        self.tags.iter().any(|t| t == VIP_TAG)
    }

    /// Where the ticket stands in its team's queue: stores order a queue by this rank, highest
    /// first, then by `queued_at`, oldest first. Priority comes first, then VIP.
    pub fn queue_rank(&self) -> u8 {
        let priority = match self.priority {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        };
        priority * 2 + u8::from(self.is_vip())
    }

    /// The customer wrote while a human owns the ticket: a pending or snoozed ticket wakes up,
    /// and after a person's reply the next-response clock starts.
    pub fn customer_wrote(&mut self, policies: &Policies, now: Timestamp) {
        if matches!(self.status, TicketStatus::Pending | TicketStatus::Snoozed) {
            self.wake(policies, now);
        }
        self.updated_at = now;
        self.refresh_sla(policies, now);
        let replied = self
            .sla
            .clock(ClockKind::FirstResponse)
            .is_some_and(|c| c.met_at.is_some());
        let waiting = self
            .sla
            .clock(ClockKind::NextResponse)
            .is_some_and(|c| c.started_at.is_some() && c.met_at.is_none());
        self.customer_waits(now);
        if replied && !waiting {
            let policy = self.sla.applied(policies);
            self.sla.start(ClockKind::NextResponse, policy, now);
        }
    }

    /// For the reports: after a person's reply, a customer message starts a wait for the next
    /// one (kept from the first such message until a person replies).
    pub fn customer_waits(&mut self, now: Timestamp) {
        if self.report.first_reply_at.is_some() && self.report.awaiting_since.is_none() {
            self.report.awaiting_since = Some(now);
        }
    }

    pub fn resolve(
        &mut self,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<Option<AgentId>, TransitionError> {
        if matches!(self.status, TicketStatus::Resolved | TicketStatus::Closed) {
            return Err(self.refuse("be resolved again"));
        }
        self.status = TicketStatus::Resolved;
        self.resolved_at = Some(now);
        self.updated_at = now;
        self.sla.meet(ClockKind::Resolution, policies, now);
        self.sla.meet(ClockKind::EscalateAfter, policies, now);
        self.refresh_sla(policies, now);
        Ok(self.assignee.clone())
    }

    /// A person's public reply: meets the first-response clock (the first time) and the
    /// running next-response clock.
    pub fn record_human_reply(
        &mut self,
        policies: &Policies,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if !self.status.is_human() {
            return Err(self.refuse("take an agent's reply"));
        }
        self.sla.meet(ClockKind::FirstResponse, policies, now);
        self.sla.meet(ClockKind::NextResponse, policies, now);
        match (
            self.report.first_reply_at,
            self.report.awaiting_since.take(),
        ) {
            (None, _) => self.report.first_reply_at = Some(now),
            (Some(_), Some(since)) => self.report.next_reply = Some((since, now)),
            (Some(_), None) => {}
        }
        self.updated_at = now;
        Ok(())
    }

    /// When the SLA enforcer should next look at this ticket, if ever: a clock's warning or
    /// deadline, a notice to retry, or the end of a snooze.
    pub fn sla_due_at(&self) -> Option<Timestamp> {
        let wake = self
            .snoozed_until
            .filter(|_| self.status == TicketStatus::Snoozed);
        match (self.sla.next_event(), wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests;
