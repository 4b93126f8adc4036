//! The views the agent console pages through: which tickets (a status set, and a union of
//! team/assignee sources), newest activity first, with a keyset cursor; and the per-status
//! counts each store keeps as tickets move.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::desk::ticket::TicketStatus;
use crate::kernel::ids::{AgentId, TeamId, TicketId, WaId};

/// Which statuses a view holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusScope {
    /// Every status.
    All,
    /// The tickets of one [`StatusGroup`].
    Group(StatusGroup),
    /// One status.
    Only(TicketStatus),
}

impl StatusScope {
    pub fn holds(self, status: TicketStatus) -> bool {
        match self {
            StatusScope::All => true,
            StatusScope::Group(g) => StatusGroup::of(status) == g,
            StatusScope::Only(s) => s == status,
        }
    }
}

/// The statuses split by who has the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusGroup {
    /// People work on it: queued, assigned, pending, snoozed ([`TicketStatus::is_human`]).
    Open,
    /// Only the bot has talked to the customer.
    Bot,
    /// Resolved or closed.
    Done,
}

impl StatusGroup {
    pub const ALL: [StatusGroup; 3] = [StatusGroup::Open, StatusGroup::Bot, StatusGroup::Done];

    pub fn of(status: TicketStatus) -> Self {
        match status {
            TicketStatus::Bot => StatusGroup::Bot,
            TicketStatus::Resolved | TicketStatus::Closed => StatusGroup::Done,
            _ => StatusGroup::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusGroup::Open => "open",
            StatusGroup::Bot => "bot",
            StatusGroup::Done => "done",
        }
    }

    /// The statuses of the group.
    pub fn statuses(self) -> &'static [TicketStatus] {
        match self {
            StatusGroup::Open => &[
                TicketStatus::Queued,
                TicketStatus::Assigned,
                TicketStatus::Pending,
                TicketStatus::Snoozed,
            ],
            StatusGroup::Bot => &[TicketStatus::Bot],
            StatusGroup::Done => &[TicketStatus::Resolved, TicketStatus::Closed],
        }
    }
}

/// Every status, in the order the console shows them.
pub const ALL_STATUSES: [TicketStatus; 7] = [
    TicketStatus::Bot,
    TicketStatus::Queued,
    TicketStatus::Assigned,
    TicketStatus::Pending,
    TicketStatus::Snoozed,
    TicketStatus::Resolved,
    TicketStatus::Closed,
];

/// Whom a source asks for by assignee.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssigneeKey {
    Agent(AgentId),
    /// Tickets nobody holds.
    Nobody,
}

impl AssigneeKey {
    pub fn holds(&self, assignee: Option<&AgentId>) -> bool {
        match self {
            AssigneeKey::Agent(a) => assignee == Some(a),
            AssigneeKey::Nobody => assignee.is_none(),
        }
    }
}

/// One family of tickets: of a team, of an assignee, both, or (neither) the whole workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TicketSource {
    pub team: Option<TeamId>,
    pub assignee: Option<AssigneeKey>,
}

impl TicketSource {
    /// The tickets in both sources, or `None` if no ticket can be.
    pub fn intersect(&self, other: &TicketSource) -> Option<TicketSource> {
        fn both<T: PartialEq + Clone>(a: &Option<T>, b: &Option<T>) -> Option<Option<T>> {
            match (a, b) {
                (Some(x), Some(y)) if x != y => None,
                (Some(x), _) | (None, Some(x)) => Some(Some(x.clone())),
                (None, None) => Some(None),
            }
        }
        Some(TicketSource {
            team: both(&self.team, &other.team)?,
            assignee: both(&self.assignee, &other.assignee)?,
        })
    }
}

/// What a page holds. Search (`customer`, `name_prefix`) narrows further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    pub status: StatusScope,
    /// The union of these sources; no source at all is an empty view.
    pub sources: Vec<TicketSource>,
    /// Only this customer's tickets.
    pub customer: Option<WaId>,
    /// Only tickets whose customer name, lower case, starts with this (lower case, at least
    /// [`NAME_PREFIX_MIN`] characters).
    pub name_prefix: Option<String>,
}

/// The shortest name prefix a search takes: stores bucket names by their first two letters.
pub const NAME_PREFIX_MIN: usize = 2;

/// A customer's name as searched: lower case, trimmed.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl TicketQuery {
    /// Every ticket of the workspace in the status scope.
    pub fn workspace(status: StatusScope) -> Self {
        TicketQuery {
            status,
            sources: vec![TicketSource::default()],
            customer: None,
            name_prefix: None,
        }
    }
}

/// Where a page ended: the last ticket's activity time and id (pages run newest first, ties
/// by id, descending).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketCursor {
    pub updated_at: Timestamp,
    pub id: TicketId,
}

impl TicketCursor {
    pub fn of(t: &crate::desk::ticket::Ticket) -> Self {
        TicketCursor {
            updated_at: t.updated_at,
            id: t.id.clone(),
        }
    }
}

/// Tickets by status, as the store counts them.
pub type StatusCounts = BTreeMap<TicketStatus, u64>;

/// Merges per-source pages (each newest first, each at most `limit + 1` long) into one page of
/// at most `limit`, each ticket once, and the cursor for the next page if there is more.
pub fn merge_pages(
    pages: Vec<Vec<crate::desk::ticket::Ticket>>,
    limit: usize,
) -> (Vec<crate::desk::ticket::Ticket>, Option<TicketCursor>) {
    let mut all: Vec<crate::desk::ticket::Ticket> = pages.into_iter().flatten().collect();
    all.sort_by(|a, b| TicketCursor::of(b).cmp(&TicketCursor::of(a)));
    let mut seen = std::collections::HashSet::new();
    all.retain(|t| seen.insert(t.id.clone()));
    let more = all.len() > limit;
    all.truncate(limit);
    let next = more.then(|| all.last().map(TicketCursor::of)).flatten();
    (all, next)
}
