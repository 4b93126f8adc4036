//! The contract of [`TicketStore`](turno_core::ports::TicketStore) on assignment: a ticket and
//! the capacity of the agents it moves between change together or not at all.

use std::sync::Arc;

use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::levels::Priority;
use turno_core::ports::{Store, StoreError, TicketFilter};

use crate::builders::*;
use crate::store::{assert_conflict, load_of, save, stored};

pub async fn assign_takes_one_unit_of_capacity_and_records_the_time(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(7)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(7))
        .await
        .expect("assign");
    assert_eq!(t.version, 2);
    assert_eq!(stored(store, &t).await, t);
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!((ana.load, ana.last_assigned_at), (1, Some(at(7))));
}

pub async fn assign_at_capacity_fails_and_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 1))
        .await
        .unwrap();
    let mut first = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    first.assign(agent_id("ana"), at(5)).unwrap();
    store
        .assign_ticket(&mut first, &agent_id("ana"), None, at(5))
        .await
        .unwrap();

    let queued = save(
        store,
        queued_ticket(&ws, &customer(2), "support", Priority::Normal, at(2)),
    )
    .await;
    let mut second = queued.clone();
    second.assign(agent_id("ana"), at(9)).unwrap();
    let result = store
        .assign_ticket(&mut second, &agent_id("ana"), None, at(9))
        .await;
    assert!(
        matches!(result, Err(StoreError::AtCapacity)),
        "expected AtCapacity, got {result:?}"
    );
    assert_eq!(second.version, 1, "caller's copy untouched");
    assert_eq!(stored(store, &queued).await, queued, "ticket unchanged");
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!(
        (ana.load, ana.last_assigned_at),
        (1, Some(at(5))),
        "agent unchanged"
    );
}

pub async fn assign_with_a_stale_ticket_conflicts_and_takes_no_capacity(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 3))
        .await
        .unwrap();
    let t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    let mut stale = t.clone();
    let mut newer = t.clone();
    newer.priority = Priority::High;
    store.save_ticket(&mut newer).await.unwrap();

    stale.assign(agent_id("ana"), at(5)).unwrap();
    assert_conflict(
        store
            .assign_ticket(&mut stale, &agent_id("ana"), None, at(5))
            .await,
        "stale assign",
    );
    assert_eq!(stale.version, 1);
    assert_eq!(load_of(store, &ws, "ana").await, 0, "no capacity taken");
    assert_eq!(stored(store, &t).await, newer);
}

pub async fn transfer_gives_the_previous_agent_a_unit_back(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();

    let previous = t.unassign(at(3)).unwrap();
    t.assign(agent_id("bruno"), at(3)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("bruno"), Some(&previous), at(3))
        .await
        .expect("transfer");
    assert_eq!(load_of(store, &ws, "ana").await, 0);
    assert_eq!(load_of(store, &ws, "bruno").await, 1);
    assert_eq!(stored(store, &t).await.assignee, Some(agent_id("bruno")));
}

pub async fn transfer_to_a_full_agent_fails_and_keeps_the_previous_assignee(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 0))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();
    let before = t.clone();

    let previous = t.unassign(at(3)).unwrap();
    t.assign(agent_id("bruno"), at(3)).unwrap();
    let result = store
        .assign_ticket(&mut t, &agent_id("bruno"), Some(&previous), at(3))
        .await;
    assert!(
        matches!(result, Err(StoreError::AtCapacity)),
        "expected AtCapacity, got {result:?}"
    );
    assert_eq!(
        load_of(store, &ws, "ana").await,
        1,
        "previous agent keeps the ticket"
    );
    assert_eq!(load_of(store, &ws, "bruno").await, 0);
    assert_eq!(stored(store, &before).await, before);
}

pub async fn release_gives_capacity_back_and_load_never_goes_below_zero(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();

    let mut stale = t.clone();
    t.priority = Priority::High;
    store.save_ticket(&mut t).await.unwrap();
    let released = stale
        .resolve(&first_response_policy(3600), at(3))
        .unwrap()
        .expect("had an assignee");
    assert_conflict(
        store.release_ticket(&mut stale, &released).await,
        "stale release",
    );
    assert_eq!(stale.version, 2);
    assert_eq!(
        load_of(store, &ws, "ana").await,
        1,
        "a failed release gives nothing back"
    );
    assert_eq!(
        stored(store, &t).await,
        t,
        "a failed release writes nothing"
    );

    let released = t
        .resolve(&first_response_policy(3600), at(4))
        .unwrap()
        .expect("had an assignee");
    store
        .release_ticket(&mut t, &released)
        .await
        .expect("release");
    assert_eq!(t.version, 4);
    assert_eq!(stored(store, &t).await.status, TicketStatus::Resolved);
    assert_eq!(load_of(store, &ws, "ana").await, 0);

    let mut other = save(
        store,
        queued_ticket(&ws, &customer(2), "support", Priority::Normal, at(1)),
    )
    .await;
    store
        .release_ticket(&mut other, &agent_id("ana"))
        .await
        .expect("release at zero");
    assert_eq!(load_of(store, &ws, "ana").await, 0, "load stays at zero");
}

/// Many tasks assign different tickets to one agent at once: exactly `capacity` succeed.
pub async fn concurrent_assigns_never_exceed_capacity(store: Arc<dyn Store>) {
    const CAPACITY: u32 = 3;
    const TICKETS: u32 = 12;
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], CAPACITY))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..TICKETS {
        let t = save(
            &*store,
            queued_ticket(&ws, &customer(n), "support", Priority::Normal, at(1)),
        )
        .await;
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut t = t;
            t.assign(agent_id("ana"), at(2)).unwrap();
            store
                .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
                .await
        }));
    }
    let mut assigned = 0;
    for result in futures::future::join_all(tasks).await {
        match result.expect("task ran") {
            Ok(()) => assigned += 1,
            Err(StoreError::AtCapacity) => {}
            Err(e) => panic!("unexpected error from a concurrent assign: {e:?}"),
        }
    }
    assert_eq!(assigned, CAPACITY, "exactly capacity assigns succeed");
    assert_eq!(load_of(&*store, &ws, "ana").await, CAPACITY);
    let held = store
        .list_tickets(
            &ws,
            &TicketFilter {
                assignee: Some(agent_id("ana")),
                ..TicketFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        held.len(),
        CAPACITY as usize,
        "only successful assigns were written"
    );
}

/// Many tasks assign one ticket (each from the same read) to different agents at once: one
/// wins, the others conflict, and only the winner's load changes.
pub async fn concurrent_assigns_of_one_ticket_take_exactly_one_unit(store: Arc<dyn Store>) {
    const AGENTS: usize = 8;
    let ws = workspace();
    let names: Vec<String> = (0..AGENTS).map(|i| format!("agent{i}")).collect();
    for name in &names {
        store
            .upsert_agent_profile(&agent(&ws, name, &["support"], 5))
            .await
            .unwrap();
    }
    let t = save(
        &*store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    let mut tasks = Vec::new();
    for name in names.clone() {
        let store = Arc::clone(&store);
        let mut copy = t.clone();
        tasks.push(tokio::spawn(async move {
            copy.assign(agent_id(&name), at(2)).unwrap();
            store
                .assign_ticket(&mut copy, &agent_id(&name), None, at(2))
                .await
        }));
    }
    let mut wins = 0;
    for result in futures::future::join_all(tasks).await {
        match result.expect("task ran") {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected error from a concurrent assign: {e:?}"),
        }
    }
    assert_eq!(wins, 1, "exactly one assign of one ticket wins");
    let mut total = 0;
    for name in &names {
        total += load_of(&*store, &ws, name).await;
    }
    assert_eq!(total, 1, "one unit of capacity taken in all");
    let holder = stored(&*store, &t).await.assignee.expect("assigned");
    assert_eq!(
        load_of(&*store, &ws, holder.as_str()).await,
        1,
        "the winner holds it"
    );
}
