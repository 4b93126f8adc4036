//! The agent's actions on the harness: tags and VIP kept on a customer's profile count for
//! routing, the SLA and the queue as configured ones do; a ticket's priority by hand; the
//! handoff summary built from the bot's turn records.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::Timestamp;
use turno_core::app::{Actor, CustomerPatch};
use turno_core::bot::turn::LookupOutcome;
use turno_core::channel::message::Content;
use turno_core::desk::agent::{Availability, Role};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, TeamId, TicketId, WaId};
use turno_core::kernel::lang::Lang;
use turno_core::kernel::levels::Priority;
use turno_core::ports::{AgentStore, TicketStore};
use turno_testkit::harness::{TestTurno, demo_workspace};

fn start() -> Timestamp {
    Timestamp::from_second(1_748_876_667).unwrap()
}

fn bruno() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse("bruno").unwrap(),
        role: Role::Supervisor,
    }
}

async fn everyone_offline(t: &TestTurno) {
    let ws = demo_workspace();
    for a in t.store.agents(&ws).await.unwrap() {
        t.store
            .set_availability(&ws, &a.id, Availability::Offline)
            .await
            .unwrap();
    }
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

async fn make_vip(t: &TestTurno, customer: &str) {
    t.turno
        .update_customer(
            &bruno(),
            &WaId::parse(customer).unwrap(),
            CustomerPatch {
                tags: Some(vec!["vip".into()]),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();
}

async fn queue_order(t: &TestTurno) -> Vec<TicketId> {
    let team = TeamId::parse("support").unwrap();
    t.store
        .queued_tickets(&demo_workspace(), &team, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|x: Ticket| x.id)
        .collect()
}

#[tokio::test]
async fn a_vip_made_on_the_profile_is_routed_and_timed_as_a_configured_one_at_escalation() {
    let t = TestTurno::demo(start()).await;
    everyone_offline(&t).await;
    let job = t.bot_handoff("34600100011").await;
    make_vip(&t, "34600100011").await;
    t.turno.handle_escalation(job.clone()).await.unwrap();
    let ticket = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(ticket.status, TicketStatus::Queued);
    assert!(ticket.is_vip(), "{:?}", ticket.tags);
    // The demo's vip routing rule raises the priority; the vip SLA policy applies.
    assert_eq!(ticket.priority, Priority::High);
    assert_eq!(ticket.sla.policy.as_deref(), Some("vip"));

    // Without the profile tag, the same handoff is an ordinary one.
    let plain = t.bot_handoff("34600100012").await;
    t.turno.handle_escalation(plain.clone()).await.unwrap();
    let plain = t.ticket(&plain.workspace, &plain.ticket_id).await;
    assert!(!plain.is_vip());
    assert_eq!(plain.priority, Priority::Normal);
}

#[tokio::test]
async fn a_customer_made_vip_while_waiting_goes_ahead_in_the_queue_and_is_assigned_first() {
    let t = TestTurno::demo(start()).await;
    everyone_offline(&t).await;
    let first = t.bot_handoff("34600100021").await;
    t.turno.handle_escalation(first.clone()).await.unwrap();
    t.advance(jiff::SignedDuration::from_secs(60));
    let second = t.bot_handoff("34600100022").await;
    t.turno.handle_escalation(second.clone()).await.unwrap();
    assert_eq!(
        queue_order(&t).await,
        vec![first.ticket_id.clone(), second.ticket_id.clone()],
        "oldest first while both are alike"
    );

    make_vip(&t, "34600100022").await;
    let waiting = t.ticket(&second.workspace, &second.ticket_id).await;
    assert!(waiting.is_vip(), "{:?}", waiting.tags);
    assert_eq!(waiting.sla.policy.as_deref(), Some("vip"));
    assert!(waiting.audit.iter().any(|a| a.action == "tags"));
    assert_eq!(
        queue_order(&t).await,
        vec![second.ticket_id.clone(), first.ticket_id.clone()],
        "the VIP went ahead"
    );

    // Dropping the tag from the profile takes it off the waiting ticket again.
    t.turno
        .update_customer(
            &bruno(),
            &WaId::parse("34600100022").unwrap(),
            CustomerPatch {
                tags: Some(vec![]),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();
    let plain = t.ticket(&second.workspace, &second.ticket_id).await;
    assert!(!plain.is_vip());
    assert_eq!(queue_order(&t).await[0], first.ticket_id);
}

#[tokio::test]
async fn a_priority_set_by_hand_re_ranks_the_queue() {
    let t = TestTurno::demo(start()).await;
    everyone_offline(&t).await;
    let first = t.bot_handoff("34600100031").await;
    t.turno.handle_escalation(first.clone()).await.unwrap();
    let second = t.bot_handoff("34600100032").await;
    t.turno.handle_escalation(second.clone()).await.unwrap();
    let urgent = t
        .turno
        .set_priority(&bruno(), &second.ticket_id, Priority::Urgent)
        .await
        .unwrap();
    assert_eq!(urgent.priority, Priority::Urgent);
    assert!(urgent.audit.iter().any(|a| a.action == "priority"));
    assert_eq!(queue_order(&t).await[0], second.ticket_id);
}

#[tokio::test]
async fn the_handoff_summary_keeps_the_order_number_the_bot_was_given() {
    let t = TestTurno::demo(start()).await;
    let customer = "34600100041";
    t.customer_sends(customer, "wamid.h1", text("¿Dónde está mi paquete?"))
        .await;
    t.customer_sends(customer, "wamid.h2", text("es el 456789"))
        .await;
    t.customer_sends(customer, "wamid.h3", text("quiero hablar con un agente"))
        .await;
    let list = t
        .store
        .ticket_page(
            &demo_workspace(),
            &turno_core::ports::TicketQuery {
                customer: Some(WaId::parse(customer).unwrap()),
                ..turno_core::ports::TicketQuery::workspace(turno_core::ports::StatusScope::All)
            },
            None,
            10,
        )
        .await
        .unwrap()
        .0;
    let ticket = list.iter().find(|x| x.status.is_human()).unwrap();
    let s = t.turno.handoff_summary(&bruno(), &ticket.id).await.unwrap();
    assert_eq!(
        s.slots.get("order_number").map(String::as_str),
        Some("456789"),
        "{s:?}"
    );
    assert_eq!(s.lookups.len(), 1, "{s:?}");
    assert_eq!(s.lookups[0].action, "order_status");
    assert_ne!(
        s.lookups[0].outcome,
        LookupOutcome::Found,
        "no shop API on the harness"
    );
    assert!(s.asked.contains(&"order_status".to_owned()), "{s:?}");
    assert!(!s.reasons.is_empty());
    assert!(s.bot_turns >= 2, "{s:?}");
    assert_eq!(s.language, Lang::Es);
}
