//! The contract of [`AgentStore`](turno_core::ports::AgentStore).

use std::collections::BTreeSet;

use turno_core::desk::agent::Availability;
use turno_core::kernel::levels::Priority;
use turno_core::ports::Store;

use super::save;
use crate::builders::*;

pub async fn upserting_an_agent_profile_keeps_availability_load_and_last_assignment(
    store: &dyn Store,
) {
    let ws = workspace();
    let mut profile = agent(&ws, "ana", &["support"], 2);
    profile.availability = Availability::Offline;
    store.upsert_agent_profile(&profile).await.expect("create");
    assert_eq!(
        store.agent(&ws, &profile.id).await.unwrap(),
        Some(profile.clone())
    );

    assert!(
        store
            .set_availability(&ws, &profile.id, Availability::Online)
            .await
            .unwrap()
    );
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(profile.id.clone(), at(5)).unwrap();
    store
        .assign_ticket(&mut t, &profile.id, None, at(5))
        .await
        .unwrap();

    let mut edited = profile.clone();
    edited.name = "Ana Lima".into();
    edited.capacity = 5;
    edited.teams = vec![team("billing")];
    store.upsert_agent_profile(&edited).await.expect("update");
    let read = store
        .agent(&ws, &profile.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (read.name.as_str(), read.capacity, read.teams.clone()),
        ("Ana Lima", 5, vec![team("billing")])
    );
    assert_eq!(read.availability, Availability::Online, "availability kept");
    assert_eq!(read.load, 1, "load kept");
    assert_eq!(read.last_assigned_at, Some(at(5)), "last assignment kept");

    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 1))
        .await
        .unwrap();
    let listed: BTreeSet<String> = store
        .agents(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from(["ana".to_owned(), "bruno".to_owned()])
    );
}

pub async fn set_availability_reports_a_missing_agent(store: &dyn Store) {
    let ws = workspace();
    let found = store
        .set_availability(&ws, &agent_id("nobody"), Availability::Online)
        .await;
    assert!(!found.unwrap(), "false for an agent that does not exist");
    assert!(
        store
            .agent(&ws, &agent_id("nobody"))
            .await
            .unwrap()
            .is_none(),
        "none created"
    );
}

pub async fn agents_are_scoped_by_workspace(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 1))
        .await
        .unwrap();
    assert_eq!(store.agents(&ws).await.unwrap().len(), 1);

    assert!(
        store
            .agent(&other, &agent_id("ana"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.agents(&other).await.unwrap().is_empty());
}
