//! The ticket and its state machine.
//!
//! ```text
//! Bot ──escalate──► Queued ──assign──► Assigned ──► Pending / Snoozed ──► Resolved ──reopen──► Queued
//!  │                  ▲                  │   ▲             │                  ▲
//!  └──resolve─────────┼──────────────────┼───┴──customer───┘                  │
//!                     └─────unassign─────┘        writes        resolve ──────┘
//! ```

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, TeamId, TicketId, WaId, WorkspaceId};
use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
            other => return Err(format!("unknown ticket status {other:?}")),
        })
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum Tier {
    /// The bot.
    #[default]
    L1,
    /// Agents.
    L2,
    /// Specialists.
    L3,
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
}

impl EscalationReason {
    pub fn code(self) -> &'static str {
        match self {
            EscalationReason::ExplicitRequest => "explicit_request",
            EscalationReason::MenuChoice => "menu_choice",
            EscalationReason::FailedAttempts => "failed_attempts",
            EscalationReason::Manual => "manual",
        }
    }
}

/// How long a claimed notice may stay unsent before another worker sends it again.
pub const NOTICE_RETRY_AFTER: SignedDuration = SignedDuration::from_secs(60);

/// Whether a notice (of a breach) has gone out. `Pending` carries when it was claimed, so a
/// sender that died half-way is recognised and the notice is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Notice {
    Pending { since: Timestamp },
    Sent { at: Timestamp },
}

/// The first-response clock: starts when the ticket reaches a human queue, stops at the first
/// public reply by a human.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FirstResponseClock {
    pub started_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub responded_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub breach_notice: Option<Notice>,
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
    pub first_response: FirstResponseClock,
    /// Optimistic concurrency: the version this copy was read at (0 = not stored yet).
    pub version: u64,
}

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
            first_response: FirstResponseClock::default(),
            version: 0,
        }
    }

    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError {
            from: self.status.as_str(),
            action,
        }
    }

    /// Hands the conversation to a human queue and starts the first-response clock.
    pub fn escalate(
        &mut self,
        team: TeamId,
        tier: Tier,
        reasons: Vec<String>,
        first_response_target: SignedDuration,
        now: Timestamp,
    ) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Bot | TicketStatus::Resolved) {
            return Err(self.refuse("be escalated"));
        }
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
        self.first_response = FirstResponseClock {
            started_at: Some(now),
            due_at: Some(now.saturating_add(first_response_target).unwrap_or(now)),
            ..FirstResponseClock::default()
        };
        self.updated_at = now;
        Ok(())
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

    pub fn set_pending(&mut self, now: Timestamp) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Assigned | TicketStatus::Snoozed) {
            return Err(self.refuse("wait on the customer"));
        }
        self.status = TicketStatus::Pending;
        self.updated_at = now;
        Ok(())
    }

    pub fn snooze(&mut self, now: Timestamp) -> Result<(), TransitionError> {
        if !matches!(self.status, TicketStatus::Assigned | TicketStatus::Pending) {
            return Err(self.refuse("be snoozed"));
        }
        self.status = TicketStatus::Snoozed;
        self.updated_at = now;
        Ok(())
    }

    /// The customer wrote while a human owns the ticket: a pending or snoozed ticket wakes up.
    pub fn customer_wrote(&mut self, now: Timestamp) {
        if matches!(self.status, TicketStatus::Pending | TicketStatus::Snoozed) {
            self.status = if self.assignee.is_some() {
                TicketStatus::Assigned
            } else {
                TicketStatus::Queued
            };
        }
        self.updated_at = now;
    }

    pub fn resolve(&mut self, now: Timestamp) -> Result<Option<AgentId>, TransitionError> {
        if self.status == TicketStatus::Resolved {
            return Err(self.refuse("be resolved again"));
        }
        self.status = TicketStatus::Resolved;
        self.resolved_at = Some(now);
        self.updated_at = now;
        Ok(self.assignee.clone())
    }

    /// A human's public reply. The first one stops the first-response clock.
    pub fn record_human_reply(&mut self, now: Timestamp) -> Result<(), TransitionError> {
        if !self.status.is_human() {
            return Err(self.refuse("take an agent's reply"));
        }
        if self.first_response.responded_at.is_none() {
            self.first_response.responded_at = Some(now);
        }
        self.updated_at = now;
        Ok(())
    }

    /// When the SLA enforcer should next look at this ticket, if ever.
    pub fn sla_due_at(&self) -> Option<Timestamp> {
        let fr = &self.first_response;
        if !self.status.is_human() || fr.responded_at.is_some() {
            return None;
        }
        if fr.breached_at.is_none() {
            return fr.due_at;
        }
        // Breached but its notice is not out yet: look again so it gets sent.
        match fr.breach_notice {
            Some(Notice::Sent { .. }) => None,
            Some(Notice::Pending { since }) => since.checked_add(NOTICE_RETRY_AFTER).ok(),
            None => fr.breached_at,
        }
    }

    /// Records the first-response breach if it is due and not yet recorded. Returns whether this
    /// call recorded it: only that caller sends the notice.
    pub fn record_first_response_breach(&mut self, now: Timestamp) -> bool {
        let fr = &mut self.first_response;
        let due = match fr.due_at {
            Some(d) => d,
            None => return false,
        };
        if !self.status.is_human()
            || fr.responded_at.is_some()
            || fr.breached_at.is_some()
            || now < due
        {
            return false;
        }
        fr.breached_at = Some(now);
        fr.breach_notice = Some(Notice::Pending { since: now });
        self.updated_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        Ticket::new(
            WorkspaceId::parse("ws").unwrap(),
            WaId::parse("34600111222").unwrap(),
            None,
            Lang::Es,
            Timestamp::UNIX_EPOCH,
        )
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap()
    }

    fn team() -> TeamId {
        TeamId::parse("support").unwrap()
    }

    #[test]
    fn escalation_starts_the_first_response_clock_at_handoff() {
        let mut t = ticket();
        t.escalate(
            team(),
            Tier::L2,
            vec!["explicit_request".into()],
            SignedDuration::from_secs(60),
            at(100),
        )
        .unwrap();
        assert_eq!(t.status, TicketStatus::Queued);
        assert_eq!(t.first_response.started_at, Some(at(100)));
        assert_eq!(t.first_response.due_at, Some(at(160)));
        assert_eq!(t.sla_due_at(), Some(at(160)));
    }

    #[test]
    fn a_human_reply_stops_the_clock_and_no_breach_follows() {
        let mut t = ticket();
        t.escalate(
            team(),
            Tier::L2,
            vec![],
            SignedDuration::from_secs(60),
            at(100),
        )
        .unwrap();
        t.assign(AgentId::parse("ana").unwrap(), at(101)).unwrap();
        t.record_human_reply(at(130)).unwrap();
        assert_eq!(t.sla_due_at(), None);
        assert!(!t.record_first_response_breach(at(200)));
    }

    #[test]
    fn breach_is_recorded_once_and_only_after_the_deadline() {
        let mut t = ticket();
        t.escalate(
            team(),
            Tier::L2,
            vec![],
            SignedDuration::from_secs(60),
            at(100),
        )
        .unwrap();
        assert!(!t.record_first_response_breach(at(159)));
        assert!(t.record_first_response_breach(at(160)));
        assert!(!t.record_first_response_breach(at(161)));
        assert_eq!(t.first_response.breached_at, Some(at(160)));
    }

    #[test]
    fn bot_tickets_cannot_take_agent_replies_or_be_assigned() {
        let mut t = ticket();
        assert!(t.record_human_reply(at(1)).is_err());
        assert!(t.assign(AgentId::parse("ana").unwrap(), at(1)).is_err());
    }

    #[test]
    fn pending_ticket_wakes_when_customer_writes() {
        let mut t = ticket();
        t.escalate(
            team(),
            Tier::L2,
            vec![],
            SignedDuration::from_secs(60),
            at(1),
        )
        .unwrap();
        t.assign(AgentId::parse("ana").unwrap(), at(2)).unwrap();
        t.set_pending(at(3)).unwrap();
        t.customer_wrote(at(4));
        assert_eq!(t.status, TicketStatus::Assigned);
    }

    #[test]
    fn resolved_ticket_can_be_escalated_again_with_a_fresh_clock() {
        let mut t = ticket();
        t.escalate(
            team(),
            Tier::L2,
            vec![],
            SignedDuration::from_secs(60),
            at(1),
        )
        .unwrap();
        t.resolve(at(2)).unwrap();
        assert!(t.resolve(at(3)).is_err());
        t.escalate(
            team(),
            Tier::L2,
            vec![],
            SignedDuration::from_secs(60),
            at(10),
        )
        .unwrap();
        assert_eq!(t.first_response.due_at, Some(at(70)));
        assert_eq!(t.resolved_at, None);
    }
}
