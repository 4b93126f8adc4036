//! Two processes over one store: the admin's (which saves) and a worker's (which escalates and
//! runs the SLA timers). The worker reads the saved configuration once its check interval has
//! passed, on SQLite and on DynamoDB Local.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use turno_aws::testing as emulators;
use turno_core::app::{Actor, AgentInput, CHECK_EVERY, ConfigSection, Ports, Turno};
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::AgentId;
use turno_core::ports::{NotificationKind, Store};
use turno_core::sla::ClockKind;
use turno_testkit::harness::{TestTurno, demo_workspace, demo_workspaces};

fn start() -> Timestamp {
    "2026-06-01T10:00:00Z".parse().unwrap()
}

fn actor(agent: &str, role: Role) -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(agent).unwrap(),
        role,
    }
}

fn capacity(n: u32) -> AgentInput {
    AgentInput {
        id: None,
        name: None,
        email: None,
        role: None,
        teams: None,
        capacity: Some(n),
    }
}

/// The worker is the harness (its store replaced by `store`); the admin is another `Turno`
/// over the same store and queues, as agent-api beside the escalation function.
async fn capacity_and_sla_target_apply_without_a_restart(store: Arc<dyn Store>) {
    let shared = Arc::clone(&store);
    let worker = TestTurno::with_store(demo_workspaces(), start(), move |_| shared);
    worker.turno.seed_agents().await.unwrap();
    let admin = Turno::new(
        Ports {
            store,
            queue: worker.queues.clone(),
            whatsapp: worker.whatsapp.clone(),
            notifier: worker.notifier.clone(),
            events: worker.events.clone(),
            clock: worker.clock.clone(),
        },
        demo_workspaces(),
    );
    let diego = actor("diego", Role::Admin);
    let first_response = |t: &Turno| {
        let t = t.clone();
        let diego = diego.clone();
        async move {
            let sla = t.sla_settings(&diego).await.unwrap();
            sla.first_response_secs
        }
    };
    // The worker has read its configuration (version 0, the YAML).
    assert_eq!(first_response(&worker.turno).await, Some(900));

    let config = admin.admin_config(&diego).await.unwrap();
    assert_eq!(config.version, 0);
    let mut sla = config.config["sla"].clone();
    sla["first_response_secs"] = json!(120);
    let saved = admin
        .save_config_section(&diego, Some(0), ConfigSection::Sla, sla.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
    // Bruno takes nothing more, Ana one ticket at a time.
    for (agent, n) in [("bruno", 0), ("ana", 1)] {
        admin
            .update_agent(&diego, None, &AgentId::parse(agent).unwrap(), capacity(n))
            .await
            .unwrap();
    }
    // A stale edit is refused, naming the versions.
    let stale = admin
        .save_config_section(&diego, Some(1), ConfigSection::Sla, sla)
        .await
        .unwrap_err();
    assert!(stale.to_string().contains("version 1, now 3"), "{stale}");

    // Within the interval the worker still uses what it read; after it, the saved version.
    assert_eq!(first_response(&worker.turno).await, Some(900));
    worker.advance(CHECK_EVERY + SignedDuration::from_secs(1));
    assert_eq!(first_response(&worker.turno).await, Some(120));

    let first = worker.bot_handoff("34600555001").await;
    let second = worker.bot_handoff("34600555002").await;
    let (first_id, second_id) = (first.ticket_id.clone(), second.ticket_id.clone());
    worker.turno.handle_escalation(first).await.unwrap();
    worker.turno.handle_escalation(second).await.unwrap();
    let ws = demo_workspace();
    let assigned = worker.ticket(&ws, &first_id).await;
    assert_eq!(assigned.status, TicketStatus::Assigned);
    assert_eq!(assigned.assignee.as_ref().map(AgentId::as_str), Some("ana"));
    let clock = &assigned.sla.clocks[&ClockKind::FirstResponse];
    assert_eq!(clock.target_secs, 120, "the saved first-response target");
    let queued = worker.ticket(&ws, &second_id).await;
    assert_eq!(
        queued.assignee, None,
        "Ana is at her new capacity, Bruno has none"
    );

    // The timer armed with the new target breaches at 2 minutes, not 15.
    worker
        .advance_and_drain(SignedDuration::from_secs(121))
        .await;
    let breached = worker.ticket(&ws, &first_id).await;
    assert!(
        breached.sla.clocks[&ClockKind::FirstResponse]
            .breached_at
            .is_some(),
        "{:?}",
        breached.sla
    );
    assert!(
        !worker
            .notifier
            .of_kind(NotificationKind::SlaBreached)
            .is_empty()
    );

    // Every saved change is in the audit, newest first.
    let audit = admin.config_audit(&diego).await.unwrap();
    let versions: Vec<_> = audit
        .iter()
        .map(|a| (a.from_version, a.to_version))
        .collect();
    assert_eq!(versions, [(2, 3), (1, 2), (0, 1)]);
    assert_eq!(audit[2].what, "sla");
    assert!(audit.iter().all(|a| a.by.as_str() == "diego"));
}

#[tokio::test]
async fn admin_changes_apply_without_a_restart_on_sqlite() {
    let db = turno_embedded::Db::open_temporary().unwrap();
    capacity_and_sla_target_apply_without_a_restart(Arc::new(turno_embedded::SqliteStore::new(db)))
        .await;
}

#[tokio::test]
async fn admin_changes_apply_without_a_restart_on_dynamodb() {
    let clients = emulators::dynamodb_clients().await;
    let table = emulators::unique("turno-admin");
    emulators::create_table_from_template(&clients.dynamodb, &table).await;
    capacity_and_sla_target_apply_without_a_restart(Arc::new(
        emulators::caught_up_store(clients.dynamodb.clone(), &table).await,
    ))
    .await;
}
