//! What the agent console lists and opens: ticket summaries with filters, counts and paging,
//! a ticket with everything beside it, tags, escalation by hand, and reopening.

use std::collections::BTreeMap;

use jiff::Timestamp;

mod changed;
mod list;
pub use changed::{ChangedTickets, MAX_CHANGED};
use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::app::customers::CustomerView;
use crate::app::desk::TicketView;
use crate::channel::message::{Body, Content, TranscriptEntry};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, TeamId, TicketId};
use crate::kernel::levels::Priority;
use crate::sla::ClockKind;

const PREVIEW_CHARS: usize = 120;
const MAX_TAGS: usize = 20;

/// Where a ticket stands against its SLA clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// No clock is running or breached.
    None,
    Ok,
    /// A running clock passed its warning point.
    Warning,
    /// A clock passed its deadline and was not met.
    Breached,
}

impl std::str::FromStr for SlaState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => SlaState::None,
            "ok" => SlaState::Ok,
            "warning" => SlaState::Warning,
            "breached" => SlaState::Breached,
            other => {
                return Err(format!(
                    "unknown SLA state {other:?}: use none, ok, warning or breached"
                ));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaSummary {
    pub state: SlaState,
    /// The policy in force.
    pub policy: Option<String>,
    /// The running clock due soonest.
    pub clock: Option<ClockKind>,
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
}

impl SlaSummary {
    pub fn of(ticket: &Ticket, now: Timestamp) -> Self {
        let open = ticket.sla.clocks.iter().filter(|(_, c)| c.met_at.is_none());
        let mut state = SlaState::None;
        let mut next: Option<(ClockKind, Timestamp)> = None;
        let mut warn_at: Option<Timestamp> = None;
        for (kind, c) in open {
            let clock_state = if c.breached_at.is_some() {
                SlaState::Breached
            } else if c.warned_at.is_some() || c.warn_at.is_some_and(|w| w <= now) {
                SlaState::Warning
            } else if c.is_running() {
                SlaState::Ok
            } else {
                SlaState::None
            };
            state = state.max_by_severity(clock_state);
            if let Some(due) = c.due_at.filter(|_| c.is_running())
                && next.is_none_or(|(_, d)| due < d)
            {
                next = Some((*kind, due));
            }
            if let Some(w) = c.warn_at.filter(|_| c.is_running()) {
                warn_at = Some(warn_at.map_or(w, |x: Timestamp| x.min(w)));
            }
        }
        SlaSummary {
            state,
            policy: ticket.sla.policy.clone(),
            clock: next.map(|(k, _)| k),
            due_at: next.map(|(_, d)| d),
            warn_at,
        }
    }
}

impl SlaState {
    fn severity(self) -> u8 {
        match self {
            SlaState::None => 0,
            SlaState::Ok => 1,
            SlaState::Warning => 2,
            SlaState::Breached => 3,
        }
    }

    fn max_by_severity(self, other: SlaState) -> SlaState {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

pub use crate::desk::ticket::MessagePreview;

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketSummary {
    pub id: TicketId,
    pub status: TicketStatus,
    pub priority: Priority,
    pub tier: crate::kernel::levels::Tier,
    pub team: Option<TeamId>,
    pub assignee: Option<AgentId>,
    pub customer: crate::kernel::ids::WaId,
    pub customer_name: Option<String>,
    pub vip: bool,
    pub tags: Vec<String>,
    pub reasons: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub queued_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub previous_ticket: Option<TicketId>,
    /// Since when the customer waits for a person: in the queue, or for an answer.
    pub waiting_since: Option<Timestamp>,
    pub last_message: Option<MessagePreview>,
    pub sla: SlaSummary,
}

/// Who a list asks for by assignee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Nobody,
    Agent(AgentId),
}

impl std::str::FromStr for AssigneeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "me" => Ok(AssigneeFilter::Me),
            "none" => Ok(AssigneeFilter::Nobody),
            other => AgentId::parse(other)
                .map(AssigneeFilter::Agent)
                .map_err(|e| format!("assignee: {e} (or use `me` or `none`)")),
        }
    }
}

/// Which statuses a list shows when it names no single status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListView {
    /// Every status.
    #[default]
    All,
    /// Tickets people work on: queued, assigned, pending, snoozed.
    Open,
    /// Tickets only the bot has handled.
    Bot,
    /// Resolved and closed tickets.
    Done,
}

impl std::str::FromStr for ListView {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "all" => ListView::All,
            "open" => ListView::Open,
            "bot" => ListView::Bot,
            "done" => ListView::Done,
            other => {
                return Err(format!(
                    "unknown view {other:?}: use all, open, bot or done"
                ));
            }
        })
    }
}

/// The ticket list's filters and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    /// One status; when set, `view` is not used.
    pub status: Option<TicketStatus>,
    pub view: ListView,
    pub team: Option<TeamId>,
    pub assignee: Option<AssigneeFilter>,
    pub priority: Option<Priority>,
    pub sla: Option<SlaState>,
    /// A ticket id (exact), a customer's number (exact, digits only) or the start of a
    /// customer's name (case-insensitive, at least two letters).
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListPage {
    pub items: Vec<TicketSummary>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many tickets each status has in what the caller may see: the workspace, the
    /// `team` asked for, or (below supervisor) the caller's teams. Kept by the store as
    /// tickets move; the other filters do not narrow them.
    pub counts: BTreeMap<String, u64>,
}

/// A ticket with everything the console shows beside it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub view: TicketView,
    /// Named apart from the ticket's own `sla` (its policy and clocks).
    pub sla_status: SlaSummary,
    pub customer_profile: CustomerView,
    /// The escalation and routing reason codes, as on the ticket.
    pub escalation_reasons: Vec<String>,
}

/// The list preview of a transcript entry; notes have none.
pub(crate) fn preview(entry: &TranscriptEntry) -> Option<MessagePreview> {
    let text = match &entry.body {
        _ if entry
            .amended
            .as_ref()
            .is_some_and(|a| a.deleted_at.is_some()) =>
        {
            "[deleted]".to_owned()
        }
        Body::Inbound { content, .. } => match content {
            Content::Text { body } => body.clone(),
            Content::Media { caption, .. } => caption
                .clone()
                .unwrap_or_else(|| format!("[{}]", content.kind())),
            other => other
                .text_for_bot()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("[{}]", other.kind())),
        },
        Body::Outbound { message } if message.body().is_empty() => format!("[{}]", message.kind()),
        Body::Outbound { message } => message.body().to_owned(),
        Body::Note { .. } => return None,
    };
    let mut text: String = text.chars().take(PREVIEW_CHARS).collect();
    if text.chars().count() == PREVIEW_CHARS {
        text.push('…');
    }
    Some(MessagePreview {
        at: entry.at,
        author: entry.author.clone(),
        text,
    })
}

pub(super) fn waiting_since(t: &Ticket) -> Option<Timestamp> {
    match t.status {
        TicketStatus::Queued => t.queued_at,
        TicketStatus::Assigned => [ClockKind::FirstResponse, ClockKind::NextResponse]
            .iter()
            .filter_map(|k| t.sla.clock(*k))
            .filter(|c| c.met_at.is_none() && c.is_running())
            .filter_map(|c| c.started_at)
            .min(),
        _ => None,
    }
}

/// Tags as stored: trimmed, lower case, unique, in the given order.
pub(crate) fn normalise_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    if tags.len() > MAX_TAGS {
        return Err(AppError::Invalid(format!(
            "at most {MAX_TAGS} tags, got {}",
            tags.len()
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > 32
            || !tag
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        {
            return Err(AppError::Invalid(format!(
                "tag {tag:?} must be 1 to 32 letters, digits, '-', '_', ':' or '.'"
            )));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

impl Turno {
    /// A ticket with its transcript (notes included), audit trail, SLA, window and customer.
    pub async fn ticket_detail(
        &self,
        actor: &Actor,
        id: &TicketId,
    ) -> Result<TicketDetail, AppError> {
        let view = self.ticket_view(actor, id).await?;
        let now = self.now();
        let customer_profile = self
            .customer_view_unchecked(&actor.workspace, &view.ticket.customer, actor)
            .await?;
        Ok(TicketDetail {
            sla_status: SlaSummary::of(&view.ticket, now),
            escalation_reasons: view.ticket.reasons.clone(),
            customer_profile,
            view,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::SlaClock;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn ticket_with(clocks: Vec<(ClockKind, SlaClock)>) -> Ticket {
        let mut t = Ticket::new(
            crate::kernel::ids::WorkspaceId::parse("ws").unwrap(),
            crate::kernel::ids::WaId::parse("34600000001").unwrap(),
            None,
            crate::kernel::lang::Lang::Es,
            ts(0),
        );
        t.sla.clocks = clocks.into_iter().collect();
        t
    }

    fn running(warn: i64, due: i64) -> SlaClock {
        SlaClock {
            target_secs: 100,
            running_since: Some(ts(0)),
            started_at: Some(ts(0)),
            warn_at: Some(ts(warn)),
            due_at: Some(ts(due)),
            ..SlaClock::default()
        }
    }

    #[test]
    fn sla_state_is_the_worst_open_clock_and_due_is_the_soonest_running_one() {
        let t = ticket_with(vec![
            (ClockKind::FirstResponse, running(80, 100)),
            (ClockKind::Resolution, running(800, 1000)),
        ]);
        let s = SlaSummary::of(&t, ts(10));
        assert_eq!(s.state, SlaState::Ok);
        assert_eq!(s.clock, Some(ClockKind::FirstResponse));
        assert_eq!(s.due_at, Some(ts(100)));
        assert_eq!(s.warn_at, Some(ts(80)));
        assert_eq!(SlaSummary::of(&t, ts(90)).state, SlaState::Warning);

        let mut breached = running(80, 100);
        breached.breached_at = Some(ts(100));
        let mut met = running(80, 100);
        met.breached_at = Some(ts(100));
        met.met_at = Some(ts(120));
        let t = ticket_with(vec![
            (ClockKind::FirstResponse, met),
            (ClockKind::Resolution, running(800, 1000)),
        ]);
        assert_eq!(
            SlaSummary::of(&t, ts(130)).state,
            SlaState::Ok,
            "a met clock no longer counts"
        );
        let t = ticket_with(vec![(ClockKind::NextResponse, breached)]);
        assert_eq!(SlaSummary::of(&t, ts(130)).state, SlaState::Breached);
        assert_eq!(
            SlaSummary::of(&ticket_with(vec![]), ts(0)).state,
            SlaState::None
        );
    }

    #[test]
    fn tags_are_trimmed_lowercased_deduplicated_and_checked() {
        let tags = normalise_tags(&[" VIP ".into(), "vip".into(), "billing".into()]).unwrap();
        assert_eq!(tags, vec!["vip", "billing"]);
        assert!(normalise_tags(&["two words".into()]).is_err());
        assert!(normalise_tags(&[String::new()]).is_err());
        assert!(normalise_tags(&vec!["a".to_string(); 21]).is_err());
    }
}
