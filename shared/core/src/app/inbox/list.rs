//! The ticket list: a view of the store's indexes (status scope, the sources the caller may
//! see, search), paged by a keyset cursor, with counts the store keeps.

use std::collections::BTreeMap;

use super::{
    AssigneeFilter, ListPage, ListParams, ListView, SlaSummary, TicketSummary, waiting_since,
};
use crate::app::{Actor, AppError, Turno};
use crate::desk::agent::Role;
use crate::desk::ticket::{Ticket, VIP_TAG};
use crate::kernel::ids::{TicketId, WaId};
use crate::ports::{
    AssigneeKey, NAME_PREFIX_MIN, StatusCounts, StatusGroup, StatusScope, TicketCursor,
    TicketQuery, TicketSource, name_key,
};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// With a priority or SLA filter (not indexed), how many store pages one request reads at
/// most to fill its page; the cursor then resumes where the reading stopped.
const MAX_FILTERED_READS: u32 = 5;

fn cursor_text(c: &TicketCursor) -> String {
    format!("{}.{}", c.updated_at.as_nanosecond(), c.id)
}

fn parse_cursor(c: &str) -> Result<TicketCursor, AppError> {
    let bad = || AppError::Invalid("the cursor is not one this list returned".into());
    let (n, id) = c.split_once('.').ok_or_else(bad)?;
    let nanos: i128 = n.parse().map_err(|_| bad())?;
    Ok(TicketCursor {
        updated_at: jiff::Timestamp::from_nanosecond(nanos).map_err(|_| bad())?,
        id: TicketId::parse(id).map_err(|_| bad())?,
    })
}

fn status_scope(p: &ListParams) -> StatusScope {
    match (p.status, p.view) {
        (Some(s), _) => StatusScope::Only(s),
        (None, ListView::All) => StatusScope::All,
        (None, ListView::Open) => StatusScope::Group(StatusGroup::Open),
        (None, ListView::Bot) => StatusScope::Group(StatusGroup::Bot),
        (None, ListView::Done) => StatusScope::Group(StatusGroup::Done),
    }
}

/// What the search text asks for.
enum Search {
    None,
    Ticket(TicketId),
    Customer(WaId),
    Name(String),
    /// Words too short to start a name with (one letter): nothing matches.
    TooShort,
}

fn search(q: Option<&str>) -> Search {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Search::None;
    };
    let digits = q.trim_start_matches('+');
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && let Ok(wa) = WaId::parse(digits)
    {
        return Search::Customer(wa);
    }
    // Ticket ids are `T` and letters and digits (generated ones: 32 hex digits); names
    // rarely hold a digit.
    if q.starts_with('T')
        && q.chars().all(|c| c.is_ascii_alphanumeric())
        && q.chars().any(|c| c.is_ascii_digit())
        && let Ok(id) = TicketId::parse(q)
    {
        return Search::Ticket(id);
    }
    let key = name_key(q);
    if key.chars().count() < NAME_PREFIX_MIN {
        return Search::TooShort;
    }
    Search::Name(key)
}

impl Turno {
    /// The tickets the caller may see, filtered, paged newest activity first, with the counts
    /// by status. Each page is a bounded read of the store's indexes, at any workspace size.
    pub async fn ticket_page(&self, actor: &Actor, p: ListParams) -> Result<ListPage, AppError> {
        let agent = self.actor_agent(actor).await?;
        let limit = p.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::Invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let mut cursor = p.cursor.as_deref().map(parse_cursor).transpose()?;
        let wanted = TicketSource {
            team: p.team.clone(),
            assignee: match &p.assignee {
                Some(AssigneeFilter::Me) => Some(AssigneeKey::Agent(actor.agent.clone())),
                Some(AssigneeFilter::Agent(a)) => Some(AssigneeKey::Agent(a.clone())),
                Some(AssigneeFilter::Nobody) => Some(AssigneeKey::Nobody),
                None => None,
            },
        };
        let supervisor = actor.role >= Role::Supervisor;
        // Below supervisor: the caller's teams' tickets and those assigned to the caller.
        let visible: Vec<TicketSource> = if supervisor {
            vec![TicketSource::default()]
        } else {
            agent
                .teams
                .iter()
                .map(|t| TicketSource {
                    team: Some(t.clone()),
                    assignee: None,
                })
                .chain([TicketSource {
                    team: None,
                    assignee: Some(AssigneeKey::Agent(actor.agent.clone())),
                }])
                .collect()
        };
        let mut query = TicketQuery {
            status: status_scope(&p),
            sources: visible
                .iter()
                .filter_map(|v| v.intersect(&wanted))
                .collect(),
            customer: None,
            name_prefix: None,
        };
        let now = self.now();
        let keep = |t: &Ticket, sla: &SlaSummary| {
            p.priority.is_none_or(|x| t.priority == x) && p.sla.is_none_or(|x| sla.state == x)
        };
        let mut picked: Vec<(Ticket, SlaSummary)> = Vec::new();
        let mut next = None;
        let mut indexed = true;
        match search(p.q.as_deref()) {
            Search::Ticket(id) => {
                // One read by key: the ticket if it is in the view (only on the first page).
                let found = match cursor {
                    None => self.ports.store.ticket(&actor.workspace, &id).await?,
                    Some(_) => None,
                };
                if let Some(t) = found.filter(|t| {
                    query.status.holds(t.status)
                        && query.sources.iter().any(|s| {
                            s.team.as_ref().is_none_or(|x| t.team.as_ref() == Some(x))
                                && s.assignee
                                    .as_ref()
                                    .is_none_or(|a| a.holds(t.assignee.as_ref()))
                        })
                }) {
                    let sla = SlaSummary::of(&t, now);
                    if keep(&t, &sla) {
                        picked.push((t, sla));
                    }
                }
                indexed = false;
            }
            Search::Customer(wa) => query.customer = Some(wa),
            Search::Name(prefix) => query.name_prefix = Some(prefix),
            Search::TooShort => indexed = false,
            Search::None => {}
        }
        let filtered = p.priority.is_some() || p.sla.is_some();
        let mut reads = 0;
        while indexed && !query.sources.is_empty() {
            reads += 1;
            let (tickets, more) = self
                .ports
                .store
                .ticket_page(&actor.workspace, &query, cursor.as_ref(), limit)
                .await?;
            let mut last_seen = None;
            let mut read_all = true;
            for t in tickets {
                if picked.len() == limit as usize {
                    read_all = false;
                    break;
                }
                last_seen = Some(TicketCursor::of(&t));
                let sla = SlaSummary::of(&t, now);
                if keep(&t, &sla) {
                    picked.push((t, sla));
                }
            }
            let Some(resume) = (if read_all { more } else { last_seen }) else {
                break;
            };
            if picked.len() == limit as usize || !filtered || reads >= MAX_FILTERED_READS {
                next = Some(resume);
                break;
            }
            cursor = Some(resume);
        }
        let counts = self.visible_counts(actor, &agent, &p).await?;
        let items = picked.into_iter().map(|(t, sla)| summary(t, sla)).collect();
        Ok(ListPage {
            items,
            next_cursor: next.as_ref().map(cursor_text),
            counts,
        })
    }

    /// What every list of the caller's workspace was computed from: the newest change of its
    /// change feed (every ticket write adds one). One key read; equal answers, equal lists
    /// (for the same caller and parameters, SLA states aside until the sweep records them).
    pub async fn list_version(&self, actor: &Actor) -> Result<String, AppError> {
        Ok(self
            .ports
            .store
            .latest_change(&actor.workspace)
            .await?
            .unwrap_or_default())
    }

    /// The counters of what the caller may see: the workspace (or the team asked for), or
    /// below supervisor the caller's teams (or the one asked for, if it is one of them).
    pub(super) async fn visible_counts(
        &self,
        actor: &Actor,
        agent: &crate::desk::agent::Agent,
        p: &ListParams,
    ) -> Result<BTreeMap<String, u64>, AppError> {
        let store = &self.ports.store;
        let ws = &actor.workspace;
        let mut total = StatusCounts::new();
        let teams: Vec<Option<&crate::kernel::ids::TeamId>> = match &p.team {
            Some(t) if actor.role >= Role::Supervisor || agent.teams.contains(t) => vec![Some(t)],
            Some(_) => vec![],
            None if actor.role >= Role::Supervisor => vec![None],
            None => agent.teams.iter().map(Some).collect(),
        };
        for team in teams {
            for (status, n) in store.ticket_counts(ws, team).await? {
                *total.entry(status).or_insert(0) += n;
            }
        }
        Ok(crate::ports::ALL_STATUSES
            .iter()
            .map(|s| (s.as_str().to_owned(), total.get(s).copied().unwrap_or(0)))
            .collect())
    }
}

pub(super) fn summary(t: Ticket, sla: SlaSummary) -> TicketSummary {
    TicketSummary {
        vip: t.tags.iter().any(|x| x == VIP_TAG),
        waiting_since: waiting_since(&t),
        last_message: t.last_message.clone(),
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
        sla,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_garbage_is_refused() {
        let c = TicketCursor {
            updated_at: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            id: TicketId::parse("T0190abc").unwrap(),
        };
        assert_eq!(parse_cursor(&cursor_text(&c)).unwrap(), c);
        assert!(parse_cursor("nope").is_err());
        assert!(parse_cursor("12.").is_err());
        assert!(parse_cursor("x.T1").is_err());
    }

    #[test]
    fn search_tells_numbers_ids_and_names_apart() {
        assert!(matches!(
            search(Some(" +34600111222 ")),
            Search::Customer(_)
        ));
        assert!(matches!(search(Some("T0190abcdef0123")), Search::Ticket(_)));
        assert!(matches!(search(Some("Ana")), Search::Name(n) if n == "ana"));
        assert!(matches!(search(Some("Tatiana")), Search::Name(_)));
        assert!(matches!(search(Some("a")), Search::TooShort));
        assert!(matches!(search(Some("  ")), Search::None));
    }
}
