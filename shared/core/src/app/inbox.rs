//! What the agent console lists and opens: ticket summaries with filters, counts and paging,
//! a ticket with everything beside it, tags, escalation by hand, and reopening.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::app::customers::CustomerView;
use crate::app::desk::TicketView;
use crate::channel::message::{Author, Body, Content, TranscriptEntry};
use crate::desk::agent::Role;
use crate::desk::ticket::{Ticket, TicketStatus, VIP_TAG};
use crate::kernel::ids::{AgentId, TeamId, TicketId};
use crate::kernel::levels::Priority;
use crate::ports::TicketFilter;
use crate::sla::ClockKind;

/// The most tickets one list request looks at (filters, counts and paging run over them).
pub const LIST_SCAN_LIMIT: u32 = 2000;
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
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

/// The latest message of a conversation, shortened for a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessagePreview {
    pub at: Timestamp,
    pub author: Author,
    pub text: String,
}

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

/// The ticket list's filters and page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    pub status: Option<TicketStatus>,
    pub team: Option<TeamId>,
    pub assignee: Option<AssigneeFilter>,
    pub priority: Option<Priority>,
    pub sla: Option<SlaState>,
    /// Matches the customer's name or number, the ticket id, or a tag (case-insensitive).
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
    /// How many tickets each status has under the same filters (the status filter aside).
    pub counts: BTreeMap<String, u32>,
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

fn page_key(t: &Ticket) -> String {
    format!("{:020}.{}", t.updated_at.as_nanosecond().max(0), t.id)
}

fn parse_cursor(c: &str) -> Result<(i128, String), AppError> {
    let bad = || AppError::Invalid("the cursor is not one this list returned".into());
    let (n, id) = c.split_once('.').ok_or_else(bad)?;
    Ok((n.parse().map_err(|_| bad())?, id.to_owned()))
}

fn preview(entry: &TranscriptEntry) -> Option<MessagePreview> {
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

fn waiting_since(t: &Ticket) -> Option<Timestamp> {
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

fn matches_text(t: &Ticket, q: &str) -> bool {
    let q = q.to_lowercase();
    t.id.as_str().to_lowercase().contains(&q)
        || t.customer.as_str().contains(&q)
        || t.customer_name
            .as_ref()
            .is_some_and(|n| n.to_lowercase().contains(&q))
        || t.tags.iter().any(|x| x.contains(&q))
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
    /// The tickets the caller may see, filtered, counted by status and paged newest activity
    /// first. Looks at up to [`LIST_SCAN_LIMIT`] tickets.
    pub async fn ticket_page(&self, actor: &Actor, p: ListParams) -> Result<ListPage, AppError> {
        let agent = self.actor_agent(actor).await?;
        let mut filter = TicketFilter {
            team: p.team.clone(),
            assignee: match &p.assignee {
                Some(AssigneeFilter::Me) => Some(actor.agent.clone()),
                Some(AssigneeFilter::Agent(a)) => Some(a.clone()),
                _ => None,
            },
            limit: Some(LIST_SCAN_LIMIT),
            ..TicketFilter::default()
        };
        if actor.role < Role::Supervisor {
            filter.teams = Some(agent.teams.clone());
            filter.visible_to_agent = Some(actor.agent.clone());
        }
        let limit = p.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::Invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let after = p.cursor.as_deref().map(parse_cursor).transpose()?;
        let now = self.now();
        let mut tickets: Vec<(Ticket, SlaSummary)> = self
            .ports
            .store
            .list_tickets(&actor.workspace, &filter)
            .await?
            .into_iter()
            .filter(|t| p.assignee != Some(AssigneeFilter::Nobody) || t.assignee.is_none())
            .filter(|t| p.priority.is_none_or(|x| t.priority == x))
            .filter(|t| p.q.as_deref().is_none_or(|q| matches_text(t, q.trim())))
            .map(|t| {
                let sla = SlaSummary::of(&t, now);
                (t, sla)
            })
            .filter(|(_, sla)| p.sla.is_none_or(|x| sla.state == x))
            .collect();
        let mut counts: BTreeMap<String, u32> = [
            TicketStatus::Bot,
            TicketStatus::Queued,
            TicketStatus::Assigned,
            TicketStatus::Pending,
            TicketStatus::Snoozed,
            TicketStatus::Resolved,
            TicketStatus::Closed,
        ]
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
        for (t, _) in &tickets {
            *counts.entry(t.status.as_str().to_owned()).or_insert(0) += 1;
        }
        tickets.retain(|(t, _)| p.status.is_none_or(|s| t.status == s));
        tickets.sort_by_key(|(t, _)| std::cmp::Reverse(page_key(t)));
        if let Some((n, id)) = &after {
            let key = format!("{n:020}.{id}");
            tickets.retain(|(t, _)| page_key(t) < key);
        }
        let more = tickets.len() > limit as usize;
        tickets.truncate(limit as usize);
        let next_cursor = more
            .then(|| tickets.last().map(|(t, _)| page_key(t)))
            .flatten();
        let transcripts = futures::future::join_all(
            tickets
                .iter()
                .map(|(t, _)| self.transcript_view(&actor.workspace, &t.id)),
        )
        .await;
        let mut items = Vec::with_capacity(tickets.len());
        for ((t, sla), transcript) in tickets.into_iter().zip(transcripts) {
            let last_message = transcript?.iter().rev().find_map(preview);
            items.push(TicketSummary {
                vip: t.tags.iter().any(|x| x == VIP_TAG),
                waiting_since: waiting_since(&t),
                id: t.id,
                status: t.status,
                priority: t.priority,
                tier: t.tier,
                team: t.team,
                assignee: t.assignee,
                customer: t.customer,
                customer_name: t.customer_name,
                tags: t.tags,
                reasons: t.reasons,
                created_at: t.created_at,
                updated_at: t.updated_at,
                queued_at: t.queued_at,
                resolved_at: t.resolved_at,
                previous_ticket: t.previous_ticket,
                last_message,
                sla,
            });
        }
        Ok(ListPage {
            items,
            next_cursor,
            counts,
        })
    }

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
