//! The contract of the console's views ([`TicketStore::ticket_page`]) and the status counters
//! ([`TicketStore::ticket_counts`]).
//!
//! [`TicketStore::ticket_page`]: turno_core::ports::TicketStore::ticket_page
//! [`TicketStore::ticket_counts`]: turno_core::ports::TicketStore::ticket_counts

use std::collections::BTreeMap;

use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TeamId, TicketId, WorkspaceId};
use turno_core::ports::{
    ALL_STATUSES, AssigneeKey, StatusCounts, StatusGroup, StatusScope, Store, TicketCursor,
    TicketQuery, TicketSource,
};

use super::super::save;
use crate::builders::*;

/// A small deterministic generator (the same tickets and moves on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const TEAMS: [Option<&str>; 3] = [None, Some("support"), Some("billing")];
const AGENTS: [Option<&str>; 3] = [None, Some("ana"), Some("bruno")];

/// Gives `t` a random status, team, assignee and activity time (several tickets share times).
fn shuffle(t: &mut Ticket, rng: &mut Lcg) {
    t.status = ALL_STATUSES[rng.below(ALL_STATUSES.len())];
    t.team = TEAMS[rng.below(TEAMS.len())].map(team);
    t.assignee = AGENTS[rng.below(AGENTS.len())].map(agent_id);
    t.updated_at = at(rng.below(15) as i64 * 10);
}

/// Every page of a view, `limit` at a time, asserting each page is at most `limit` long.
pub async fn read_all(
    store: &dyn Store,
    ws: &WorkspaceId,
    q: &TicketQuery,
    limit: u32,
) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut after: Option<TicketCursor> = None;
    for _ in 0..10_000 {
        let (page, next) = store
            .ticket_page(ws, q, after.as_ref(), limit)
            .await
            .expect("read a view page");
        assert!(page.len() <= limit as usize, "a page longer than its limit");
        out.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("the view never ended");
}

fn expected(all: &[Ticket], q: &TicketQuery) -> Vec<TicketId> {
    let mut hits: Vec<&Ticket> = all
        .iter()
        .filter(|t| q.status.holds(t.status))
        .filter(|t| q.customer.as_ref().is_none_or(|c| &t.customer == c))
        .filter(|t| {
            q.sources.iter().any(|s| {
                s.team.as_ref().is_none_or(|x| t.team.as_ref() == Some(x))
                    && s.assignee
                        .as_ref()
                        .is_none_or(|a| a.holds(t.assignee.as_ref()))
            })
        })
        .collect();
    hits.sort_by(|a, b| TicketCursor::of(b).cmp(&TicketCursor::of(a)));
    hits.into_iter().map(|t| t.id.clone()).collect()
}

fn recount(all: &[Ticket], team: Option<&TeamId>) -> StatusCounts {
    let mut c: StatusCounts = ALL_STATUSES.iter().map(|s| (*s, 0)).collect();
    for t in all
        .iter()
        .filter(|t| team.is_none_or(|x| t.team.as_ref() == Some(x)))
    {
        *c.entry(t.status).or_insert(0) += 1;
    }
    c
}

fn source(team: Option<&str>, assignee: Option<AssigneeKey>) -> TicketSource {
    TicketSource {
        team: team.map(crate::builders::team),
        assignee,
    }
}

pub async fn views_page_through_each_matching_ticket_once_newest_first(store: &dyn Store) {
    let ws = workspace();
    let mut rng = Lcg(7);
    let mut all = Vec::new();
    for i in 0..40 {
        let mut t = ticket(&ws, &customer(i % 13));
        shuffle(&mut t, &mut rng);
        all.push(save(store, t).await);
    }
    // Another workspace's tickets never show.
    save(store, ticket(&workspace(), &customer(1))).await;
    let ana = || Some(AssigneeKey::Agent(agent_id("ana")));
    let mut scopes = vec![
        StatusScope::All,
        StatusScope::Group(StatusGroup::Open),
        StatusScope::Group(StatusGroup::Bot),
        StatusScope::Group(StatusGroup::Done),
    ];
    scopes.extend(ALL_STATUSES.map(StatusScope::Only));
    let source_sets = vec![
        vec![source(None, None)],
        vec![source(Some("support"), None)],
        vec![source(None, ana())],
        vec![source(None, Some(AssigneeKey::Nobody))],
        vec![source(Some("billing"), ana())],
        // An agent of support and billing: their teams' tickets and their own.
        vec![
            source(Some("support"), None),
            source(Some("billing"), None),
            source(None, ana()),
        ],
    ];
    for scope in &scopes {
        for sources in &source_sets {
            let q = TicketQuery {
                status: *scope,
                sources: sources.clone(),
                customer: None,
                name_prefix: None,
            };
            let want = expected(&all, &q);
            for limit in [3, 50] {
                let got: Vec<TicketId> = read_all(store, &ws, &q, limit)
                    .await
                    .into_iter()
                    .map(|t| t.id)
                    .collect();
                assert_eq!(got, want, "{q:?} in pages of {limit}");
            }
        }
    }
    let by_customer = TicketQuery {
        customer: Some(customer(3)),
        ..TicketQuery::workspace(StatusScope::All)
    };
    let got: Vec<TicketId> = read_all(store, &ws, &by_customer, 2)
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(got, expected(&all, &by_customer), "one customer's tickets");
    assert!(!got.is_empty());
}

pub async fn name_search_finds_customers_by_the_start_of_their_name(store: &dyn Store) {
    let ws = workspace();
    let named = |n: u32, name: &str, secs: i64| {
        let mut t = ticket(&ws, &customer(n));
        t.customer_name = Some(name.into());
        t.updated_at = at(secs);
        t
    };
    let ana = save(store, named(1, "Ana Souza", 10)).await;
    let anabel = save(store, named(2, "anabel Ruiz", 20)).await;
    save(store, named(3, "Andrés", 30)).await;
    save(store, named(4, "Bruno Ana", 40)).await;
    let q = TicketQuery {
        name_prefix: Some("ana".into()),
        ..TicketQuery::workspace(StatusScope::All)
    };
    let got: Vec<TicketId> = read_all(store, &ws, &q, 1)
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(got, vec![anabel.id, ana.id]);
}

pub async fn status_counts_equal_a_recount_after_random_moves(store: &dyn Store) {
    let ws = workspace();
    let mut rng = Lcg(11);
    let mut all: Vec<Ticket> = Vec::new();
    for i in 0..30 {
        let mut t = ticket(&ws, &customer(i));
        shuffle(&mut t, &mut rng);
        all.push(save(store, t).await);
    }
    for _ in 0..120 {
        let i = rng.below(all.len());
        let mut t = all[i].clone();
        shuffle(&mut t, &mut rng);
        if rng.below(4) == 0 {
            // A stale write changes nothing, counters included.
            let mut stale = t.clone();
            stale.version += 5;
            assert!(store.save_ticket(&mut stale).await.is_err());
        }
        store.save_ticket(&mut t).await.expect("save ticket");
        all[i] = t;
    }
    let counts = store.ticket_counts(&ws, None).await.expect("count");
    assert_eq!(counts, recount(&all, None), "the workspace's counts");
    for team_id in ["support", "billing"] {
        let t = team(team_id);
        let counts = store.ticket_counts(&ws, Some(&t)).await.expect("count");
        assert_eq!(counts, recount(&all, Some(&t)), "{team_id}'s counts");
    }
    let empty = store
        .ticket_counts(&workspace(), None)
        .await
        .expect("count");
    assert!(
        empty.values().all(|n| *n == 0),
        "a new workspace counts nothing"
    );
    let total: u64 = counts_total(&store.ticket_counts(&ws, None).await.expect("count"));
    assert_eq!(total, all.len() as u64);
}

fn counts_total(c: &BTreeMap<TicketStatus, u64>) -> u64 {
    c.values().sum()
}
