//! The contract of [`TicketStore`](turno_core::ports::TicketStore): versioned tickets and the
//! views the desk reads them through here, assignment and capacity in [`assignment`].

mod assignment;
mod created;
mod views;

pub use assignment::*;
pub use created::*;
pub use views::*;

use jiff::{SignedDuration, Timestamp};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::kernel::levels::{Priority, Tier};
use turno_core::ports::{Store, TicketFilter};

use super::{assert_conflict, ids, save, stored};
use crate::builders::*;

pub async fn new_ticket_is_stored_at_version_one_and_reads_back_unchanged(store: &dyn Store) {
    let ws = workspace();
    let mut t = queued_ticket(&ws, &customer(1), "support", Priority::High, at(10));
    t.customer_name = Some("Ana Souza".into());
    store.save_ticket(&mut t).await.expect("insert");
    assert_eq!(t.version, 1, "the caller's copy takes the stored version");
    assert_eq!(
        stored(store, &t).await,
        t,
        "every field reads back as written"
    );
}

pub async fn stale_ticket_write_conflicts_and_changes_nothing(store: &dyn Store) {
    let ws = workspace();
    let first = save(store, ticket(&ws, &customer(1))).await;
    let mut winner = first.clone();
    let mut loser = first.clone();

    winner.priority = Priority::Urgent;
    store
        .save_ticket(&mut winner)
        .await
        .expect("first writer wins");
    assert_eq!(winner.version, 2);

    loser.priority = Priority::Low;
    assert_conflict(store.save_ticket(&mut loser).await, "write of a stale copy");
    assert_eq!(
        loser.version, 1,
        "a failed write leaves the caller's version alone"
    );
    assert_eq!(
        stored(store, &first).await,
        winner,
        "the stale write changed nothing"
    );

    let mut again = first.clone();
    again.version = 0;
    assert_conflict(
        store.save_ticket(&mut again).await,
        "insert of an existing ticket",
    );

    let mut ghost = ticket(&ws, &customer(2));
    ghost.version = 3;
    assert_conflict(
        store.save_ticket(&mut ghost).await,
        "update of a missing ticket",
    );
    assert!(
        store.ticket(&ws, &ghost.id).await.unwrap().is_none(),
        "nothing was inserted"
    );
}

pub async fn tickets_are_scoped_by_workspace(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let t = save(store, ticket(&ws, &customer(1))).await;
    assert_eq!(stored(store, &t).await, t);

    assert!(store.ticket(&other, &t.id).await.unwrap().is_none());
    assert!(
        store
            .list_tickets(&other, &TicketFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn list_tickets_honours_every_filter_most_recently_updated_first(store: &dyn Store) {
    let ws = workspace();
    let at_time = |t: Ticket, secs: i64| {
        let mut t = t;
        t.updated_at = at(secs);
        t
    };
    let assigned = |team_id: &str, agent: &str, secs: i64| {
        let mut t = queued_ticket(
            &ws,
            &customer(secs as u32),
            team_id,
            Priority::Normal,
            at(1),
        );
        t.assign(agent_id(agent), at(secs)).unwrap();
        t
    };
    let t1 = save(
        store,
        at_time(
            queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
            10,
        ),
    )
    .await;
    let t2 = save(store, assigned("support", "ana", 20)).await;
    let t3 = save(
        store,
        at_time(
            queued_ticket(&ws, &customer(3), "billing", Priority::Normal, at(1)),
            30,
        ),
    )
    .await;
    let t4 = save(store, assigned("billing", "ana", 40)).await;
    let t5 = save(store, at_time(ticket(&ws, &customer(5)), 50)).await;
    let t6 = save(store, assigned("billing", "bruno", 60)).await;
    save(store, at_time(ticket(&workspace(), &customer(7)), 70)).await;

    let ws_ref = &ws;
    let list = |filter: TicketFilter| async move {
        ids(&store.list_tickets(ws_ref, &filter).await.unwrap())
    };
    let all = TicketFilter::default();
    assert_eq!(
        list(all.clone()).await,
        ids(&[
            t6.clone(),
            t5.clone(),
            t4.clone(),
            t3.clone(),
            t2.clone(),
            t1.clone()
        ])
    );
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Queued),
            ..all.clone()
        })
        .await,
        ids(&[t3.clone(), t1.clone()]),
        "by status"
    );
    assert_eq!(
        list(TicketFilter {
            team: Some(team("support")),
            ..all.clone()
        })
        .await,
        ids(&[t2.clone(), t1.clone()]),
        "by team"
    );
    assert_eq!(
        list(TicketFilter {
            assignee: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone()]),
        "by assignee"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![team("support")]),
            ..all.clone()
        })
        .await,
        ids(&[t2.clone(), t1.clone()]),
        "by a set of teams"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![team("support")]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone(), t1.clone()]),
        "an agent sees their teams' tickets and their own"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone()]),
        "an agent with no teams sees only their own"
    );
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Assigned),
            teams: Some(vec![team("billing")]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t6.clone(), t4.clone(), t2.clone()]),
        "filters combine"
    );
    assert_eq!(
        list(TicketFilter {
            limit: Some(2),
            ..all.clone()
        })
        .await,
        ids(&[t6, t5]),
        "limit"
    );

    // Updating a ticket moves it to the front.
    let mut t1 = stored(store, &t1).await;
    t1.updated_at = at(100);
    let t1 = save(store, t1).await;
    assert_eq!(
        list(TicketFilter {
            limit: Some(1),
            ..all
        })
        .await,
        ids(&[t1])
    );
}

/// A VIP ticket goes ahead of others of its priority, never ahead of a higher priority.
pub async fn vip_tickets_go_ahead_within_their_priority(store: &dyn Store) {
    let ws = workspace();
    let q =
        |n: u32, p: Priority, secs: i64| queued_ticket(&ws, &customer(n), "support", p, at(secs));
    let normal_first = save(store, q(1, Priority::Normal, 10)).await;
    let mut vip = q(2, Priority::Normal, 50);
    vip.tags.push(turno_core::desk::ticket::VIP_TAG.into());
    let vip = save(store, vip).await;
    let high = save(store, q(3, Priority::High, 60)).await;

    let queue = store
        .queued_tickets(&ws, &team("support"), 10)
        .await
        .unwrap();

    assert_eq!(ids(&queue), ids(&[high, vip, normal_first]));
}

pub async fn queued_tickets_come_by_priority_then_longest_waiting(store: &dyn Store) {
    let ws = workspace();
    let q =
        |n: u32, p: Priority, secs: i64| queued_ticket(&ws, &customer(n), "support", p, at(secs));
    let normal = save(store, q(1, Priority::Normal, 10)).await;
    let high_later = save(store, q(2, Priority::High, 30)).await;
    let high_earlier = save(store, q(3, Priority::High, 20)).await;
    let urgent = save(store, q(4, Priority::Urgent, 40)).await;
    let low = save(store, q(5, Priority::Low, 5)).await;
    let mut taken = q(6, Priority::Urgent, 1);
    taken.assign(agent_id("ana"), at(2)).unwrap();
    save(store, taken).await;
    save(
        store,
        queued_ticket(&ws, &customer(7), "billing", Priority::Urgent, at(1)),
    )
    .await;
    save(
        store,
        queued_ticket(
            &workspace(),
            &customer(8),
            "support",
            Priority::Urgent,
            at(1),
        ),
    )
    .await;

    let queue = store
        .queued_tickets(&ws, &team("support"), 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&queue),
        ids(&[
            urgent.clone(),
            high_earlier.clone(),
            high_later,
            normal,
            low
        ])
    );
    let head = store
        .queued_tickets(&ws, &team("support"), 2)
        .await
        .unwrap();
    assert_eq!(ids(&head), ids(&[urgent, high_earlier]));
    assert!(
        store
            .queued_tickets(&ws, &team("nobody"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn sla_due_tickets_are_listed_soonest_first_across_workspaces(store: &dyn Store) {
    // An era of its own (1973 plus a random offset), so other tests' tickets are not due in it.
    let offset = i64::from(uuid::Uuid::new_v4().as_fields().0 % 10_000_000);
    let base = Timestamp::from_second(100_000_000 + offset).unwrap();
    let (ws1, ws2) = (workspace(), workspace());
    let due_in = |ws: &WorkspaceId, n: u32, secs: i64| {
        let mut t = ticket(ws, &customer(n));
        t.escalate(
            team("support"),
            Tier::L2,
            vec![],
            &first_response_policy(secs.unsigned_abs()),
            base,
        )
        .unwrap();
        t
    };
    let a = save(store, due_in(&ws1, 1, 60)).await;
    let b = save(store, due_in(&ws2, 2, 30)).await;
    let c = save(store, due_in(&ws1, 3, 90)).await;
    save(store, due_in(&ws1, 4, 1_000)).await;
    let mut answered = due_in(&ws2, 5, 45);
    answered
        .record_human_reply(&first_response_policy(45), base)
        .unwrap();
    save(store, answered).await;
    let mut resolved = due_in(&ws1, 6, 10);
    resolved.resolve(&first_response_policy(10), base).unwrap();
    save(store, resolved).await;
    save(store, ticket(&ws1, &customer(7))).await;

    let ours = |found: Vec<(WorkspaceId, TicketId)>| -> Vec<(WorkspaceId, TicketId)> {
        found
            .into_iter()
            .filter(|(ws, _)| *ws == ws1 || *ws == ws2)
            .collect()
    };
    let before = base + SignedDuration::from_secs(90);
    let due = ours(store.tickets_sla_due(before, 1_000).await.unwrap());
    let expected = |ts: &[&Ticket]| -> Vec<(WorkspaceId, TicketId)> {
        ts.iter()
            .map(|t| (t.workspace.clone(), t.id.clone()))
            .collect()
    };
    assert_eq!(
        due,
        expected(&[&b, &a, &c]),
        "due at or before, soonest first"
    );

    // The due time follows the ticket: a human reply stops the clock.
    let mut a = stored(store, &a).await;
    a.record_human_reply(
        &first_response_policy(60),
        base + SignedDuration::from_secs(1),
    )
    .unwrap();
    save(store, a).await;
    let due = ours(store.tickets_sla_due(before, 1_000).await.unwrap());
    assert_eq!(due, expected(&[&b, &c]));

    let first = store.tickets_sla_due(before, 1).await.unwrap();
    assert_eq!(first.len(), 1, "limit");
}
