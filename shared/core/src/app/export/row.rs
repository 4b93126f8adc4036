//! One exported conversation: a ticket, read with its customer's profile, as a flat row.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::desk::ticket::{Ticket, TicketOutcome, TicketStatus};
use crate::kernel::ids::{AgentId, TeamId, TicketId, WaId};
use crate::kernel::lang::Lang;
use crate::sla::{ClockKind, Policies, SlaClock};

/// How a ticket ended against one SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaResult {
    /// Stopped by what it waited for, before its deadline.
    Met,
    /// Passed its deadline (met late or not at all).
    Breached,
    /// Still counting.
    Open,
}

impl SlaResult {
    fn of(clock: Option<&SlaClock>) -> Option<Self> {
        let c = clock?;
        Some(if c.breached_at.is_some() {
            SlaResult::Breached
        } else if c.met_at.is_some() {
            SlaResult::Met
        } else {
            SlaResult::Open
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SlaResult::Met => "met",
            SlaResult::Breached => "breached",
            SlaResult::Open => "open",
        }
    }
}

/// One conversation (ticket) as the export shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationRow {
    pub id: TicketId,
    pub customer: WaId,
    pub customer_name: Option<String>,
    pub team: Option<TeamId>,
    /// The assignee, or the last agent who held the ticket.
    pub agent: Option<AgentId>,
    pub status: TicketStatus,
    pub outcome: Option<TicketOutcome>,
    pub tags: Vec<String>,
    /// The customer profile's custom attributes.
    pub attributes: BTreeMap<String, String>,
    pub language: Lang,
    pub created_at: Timestamp,
    /// When the conversation was (last) handed to people.
    pub queued_at: Option<Timestamp>,
    /// A person's first public reply.
    pub first_response_at: Option<Timestamp>,
    /// From the handoff to the first reply, wall-clock seconds.
    pub first_response_secs: Option<i64>,
    pub resolved_at: Option<Timestamp>,
    /// From creation to resolution, wall-clock seconds.
    pub resolution_secs: Option<i64>,
    /// The same span in the business hours of the ticket's SLA policy.
    pub resolution_business_secs: Option<i64>,
    pub sla_first_response: Option<SlaResult>,
    pub sla_next_response: Option<SlaResult>,
    pub sla_resolution: Option<SlaResult>,
    /// How many times a resolved ticket came back to the queue.
    pub reopened: u32,
    pub escalation_reasons: Vec<String>,
    pub csat_score: Option<u8>,
    pub csat_comment: Option<String>,
}

/// The last agent named by an `assigned`/`transferred` audit line ("to <agent> ...", not a
/// transfer "to team <team>").
fn last_assignee(t: &Ticket) -> Option<AgentId> {
    t.audit
        .iter()
        .rev()
        .filter(|a| a.action == "assigned" || a.action == "transferred")
        .find_map(|a| {
            let rest = a.detail.as_deref()?.strip_prefix("to ")?;
            if rest.starts_with("team ") {
                return None;
            }
            AgentId::parse(rest.split_whitespace().next()?).ok()
        })
}

/// Returns to the queue after a resolution: the customer writing back (`reopened`) or a
/// person setting a resolved ticket back to queued.
fn reopen_count(t: &Ticket) -> u32 {
    let mut resolved = false;
    let mut count = 0;
    for a in &t.audit {
        match a.action.as_str() {
            "reopened" => {
                count += 1;
                resolved = false;
            }
            "status:queued" if resolved => {
                count += 1;
                resolved = false;
            }
            "status:resolved" => resolved = true,
            other if other.starts_with("status:") => resolved = false,
            _ => {}
        }
    }
    count
}

impl ConversationRow {
    pub fn of(t: Ticket, attributes: BTreeMap<String, String>, policies: &Policies) -> Self {
        let first_response_at = t.sla.clock(ClockKind::FirstResponse).and_then(|c| c.met_at);
        let secs = |from: Option<Timestamp>, to: Option<Timestamp>| match (from, to) {
            (Some(f), Some(t)) if t >= f => Some(t.duration_since(f).as_secs()),
            _ => None,
        };
        let resolution_business_secs = t.resolved_at.map(|r| {
            let calendar = t
                .sla
                .policy
                .as_deref()
                .and_then(|p| policies.by_name(p))
                .map(|p| p.calendar.clone());
            match calendar {
                Some(c) => c.business_between(t.created_at, r).as_secs(),
                None => r.duration_since(t.created_at).as_secs().max(0),
            }
        });
        let reopened = reopen_count(&t);
        let agent = t
            .assignee
            .clone()
            .or_else(|| t.csat.as_ref().and_then(|c| c.agent.clone()))
            .or_else(|| last_assignee(&t));
        ConversationRow {
            first_response_secs: secs(t.queued_at, first_response_at),
            resolution_secs: secs(Some(t.created_at), t.resolved_at),
            resolution_business_secs,
            sla_first_response: SlaResult::of(t.sla.clock(ClockKind::FirstResponse)),
            sla_next_response: SlaResult::of(t.sla.clock(ClockKind::NextResponse)),
            sla_resolution: SlaResult::of(t.sla.clock(ClockKind::Resolution)),
            reopened,
            agent,
            csat_score: t.csat.as_ref().and_then(|c| c.score),
            csat_comment: t.csat.as_ref().and_then(|c| c.comment.clone()),
            first_response_at,
            attributes,
            id: t.id,
            customer: t.customer,
            customer_name: t.customer_name,
            team: t.team,
            status: t.status,
            outcome: t.outcome,
            tags: t.tags,
            language: t.language,
            created_at: t.created_at,
            queued_at: t.queued_at,
            resolved_at: t.resolved_at,
            escalation_reasons: t.reasons,
        }
    }
}
