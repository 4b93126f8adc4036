//! A customer's change of phone number on the harness: what moves, what the next message from
//! the new number finds, and that a repeated or interrupted move converges.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{
    Actor, AppError, CustomerPatch, NUMBER_CHANGED_ACTION, NumberChange, WebhookBatch,
};
use turno_core::channel::message::{Content, InboundMessage, SystemKind};
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::{AgentId, MessageId, TicketId, WaId};
use turno_core::ports::domain_events::DomainEvent;
use turno_core::ports::records::RecordKind;
use turno_core::ports::{Clock, ConversationStore, RecordStore, TicketStore, TranscriptStore};
use turno_testkit::harness::{TestTurno, demo_workspace};

const OLD: &str = "34600111222";
const NEW: &str = "34699888777";

fn start() -> Timestamp {
    Timestamp::from_second(1_748_876_667).unwrap()
}

fn wa(n: &str) -> WaId {
    WaId::parse(n).unwrap()
}

fn bruno() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse("bruno").unwrap(),
        role: Role::Supervisor,
    }
}

/// A text from `from`, accepted as the webhook would, and everything it causes run.
async fn customer_writes(t: &TestTurno, from: &str, id: &str, text: &str) {
    let content = Content::Text { body: text.into() };
    t.customer_sends(from, id, content).await;
}

/// Lucía asks for a person from her old number (a ticket an agent holds) and agents keep a
/// profile for her; her new number wrote once before, long ago (a resolved ticket, a profile
/// with one attribute of its own).
async fn lucia_before_the_change(t: &TestTurno) -> TicketId {
    let ws = demo_workspace();
    let earlier = t
        .seed_bot_ticket(&ws, &TicketId::generate(), &wa(NEW))
        .await;
    let mut earlier = t.ticket(&ws, &earlier.id).await;
    earlier.status = TicketStatus::Resolved;
    t.store.save_ticket(&mut earlier).await.unwrap();
    t.turno
        .update_customer(
            &bruno(),
            &wa(NEW),
            CustomerPatch {
                attributes: Some(BTreeMap::from([("city".into(), Some("Lugo".into()))])),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();

    t.advance(SignedDuration::from_mins(5));
    customer_writes(t, OLD, "wamid.old1", "quiero hablar con un agente").await;
    let conversation = t.store.conversation(&ws, &wa(OLD)).await.unwrap().unwrap();
    let open = conversation.ticket_id.expect("the handoff opened a ticket");
    assert!(t.ticket(&ws, &open).await.status.is_human());
    t.turno
        .update_customer(
            &bruno(),
            &wa(OLD),
            CustomerPatch {
                tags: Some(vec!["vip".into()]),
                attributes: Some(BTreeMap::from([
                    ("plan".into(), Some("oro".into())),
                    ("city".into(), Some("Vigo".into())),
                ])),
                marketing_consent: Some(true),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();
    open
}

async fn change(t: &TestTurno) -> NumberChange {
    t.turno
        .change_customer_number(&demo_workspace(), &wa(OLD), &wa(NEW))
        .await
        .unwrap()
}

#[tokio::test]
async fn everything_moves_to_the_new_number_and_its_next_message_continues_the_ticket() {
    let t = TestTurno::demo(start()).await;
    let ws = demo_workspace();
    let open = lucia_before_the_change(&t).await;
    let window = t
        .store
        .conversation(&ws, &wa(OLD))
        .await
        .unwrap()
        .unwrap()
        .last_customer_message_at;

    t.advance(SignedDuration::from_mins(1));
    let moved = change(&t).await;
    assert_eq!(moved.tickets.len(), 2, "both numbers' tickets: {moved:?}");
    assert!(moved.tickets.contains(&open));
    assert_eq!(moved.tickets_moved, 1);
    assert!(moved.profile_moved && moved.conversation_moved && moved.merged);

    let ticket = t.ticket(&ws, &open).await;
    assert_eq!(ticket.customer, wa(NEW));
    assert_eq!(
        ticket
            .audit
            .iter()
            .filter(|a| a.action == NUMBER_CHANGED_ACTION)
            .count(),
        1
    );
    assert!(t.store.conversation(&ws, &wa(OLD)).await.unwrap().is_none());
    let conversation = t.store.conversation(&ws, &wa(NEW)).await.unwrap().unwrap();
    assert_eq!(conversation.ticket_id.as_ref(), Some(&open));
    assert_eq!(
        conversation.last_customer_message_at, window,
        "the window moves"
    );

    let view = t.turno.customer(&bruno(), &wa(NEW)).await.unwrap();
    assert!(view.vip);
    assert_eq!(
        view.attributes["city"], "Lugo",
        "the new number's own value stays"
    );
    assert_eq!(view.attributes["plan"], "oro");
    assert_eq!(view.marketing_consent, Some(true));
    assert_eq!(view.tickets.len(), 2, "agents see one customer");
    assert!(matches!(
        t.turno.customer(&bruno(), &wa(OLD)).await,
        Err(AppError::NotFound(_))
    ));
    let pointer = t
        .store
        .record(&ws, RecordKind::NumberChange, OLD)
        .await
        .unwrap()
        .expect("the old number points to the new one");
    assert_eq!(pointer.value["to"], NEW);
    assert!(pointer.value["done_at"].is_string());
    let events = t.events.events(&ws).unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        DomainEvent::CustomerNumberChanged { from, to, tickets, .. }
            if from == &wa(OLD) && to == &wa(NEW) && tickets.len() == 2
    )));

    t.advance(SignedDuration::from_mins(1));
    customer_writes(&t, NEW, "wamid.new1", "sigo aquí, ¿alguna novedad?").await;
    let transcript = t.store.transcript(&ws, &open).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.message_id.as_str() == "wamid.new1"),
        "the new number's message joins the open ticket"
    );
    assert_eq!(
        t.store.customer_tickets(&ws, &wa(NEW)).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn whatsapps_notice_of_a_new_number_moves_the_customer_with_the_notice_on_their_ticket() {
    let t = TestTurno::demo(start()).await;
    let ws = demo_workspace();
    let open = lucia_before_the_change(&t).await;
    let sent = |t: &TestTurno| {
        t.whatsapp
            .messages(&demo_workspace(), None, 0)
            .unwrap()
            .len()
    };
    let replies_before = sent(&t);

    t.advance(SignedDuration::from_mins(1));
    let notice = InboundMessage {
        workspace: ws.clone(),
        id: MessageId::parse("wamid.system1").unwrap(),
        from: wa(OLD),
        profile_name: None,
        at: t.clock.now(),
        content: Content::System {
            kind: SystemKind::UserChangedNumber,
            new_wa_id: Some(wa(NEW)),
            body: Some("User A changed from 34600111222 to 34699888777".into()),
        },
        context: None,
    };
    for _ in 0..2 {
        // Delivered twice, as WhatsApp may: the second changes nothing.
        t.turno
            .accept_webhook(WebhookBatch {
                messages: vec![notice.clone()],
                ..WebhookBatch::default()
            })
            .await
            .unwrap();
        t.drain().await;
    }

    assert_eq!(t.ticket(&ws, &open).await.customer, wa(NEW));
    assert!(t.store.conversation(&ws, &wa(OLD)).await.unwrap().is_none());
    let transcript = t.store.transcript(&ws, &open).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|e| e.message_id.as_str() == "wamid.system1"),
        "the notice is a line on the ticket that moved"
    );
    assert_eq!(sent(&t), replies_before, "a notice is not answered");
    let moves = t
        .events
        .events(&ws)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e, DomainEvent::CustomerNumberChanged { .. }))
        .count();
    assert_eq!(
        moves, 1,
        "the redelivered notice is recognised and moves nothing more"
    );
}

#[tokio::test]
async fn a_redelivered_notice_changes_nothing_more() {
    let t = TestTurno::demo(start()).await;
    let ws = demo_workspace();
    let open = lucia_before_the_change(&t).await;
    let first = change(&t).await;
    let ticket = t.ticket(&ws, &open).await;
    let conversation = t.store.conversation(&ws, &wa(NEW)).await.unwrap();
    let profile = t
        .store
        .record(&ws, RecordKind::Customer, NEW)
        .await
        .unwrap();

    let again = change(&t).await;
    assert_eq!(again.tickets, first.tickets);
    assert_eq!(again.tickets_moved, 0);
    assert!(!again.profile_moved && !again.conversation_moved);
    assert_eq!(t.ticket(&ws, &open).await, ticket, "no second audit line");
    assert_eq!(
        t.store.conversation(&ws, &wa(NEW)).await.unwrap(),
        conversation
    );
    assert_eq!(
        t.store
            .record(&ws, RecordKind::Customer, NEW)
            .await
            .unwrap(),
        profile
    );
}

#[tokio::test]
async fn a_move_interrupted_half_way_finishes_when_the_notice_comes_again() {
    let t = TestTurno::demo(start()).await;
    let ws = demo_workspace();
    let open = lucia_before_the_change(&t).await;
    // As a run that stopped after writing the new number's conversation: the old one is
    // still there, the ticket and the profile not moved yet.
    let old = t.store.conversation(&ws, &wa(OLD)).await.unwrap().unwrap();
    let mut copied = old.clone();
    copied.customer = wa(NEW);
    copied.version = 0;
    // The move keeps no bot-held ticket: under the new number the next turn reads the ticket.
    copied.bot_ticket = None;
    t.store.save_conversation(&mut copied).await.unwrap();

    let finished = change(&t).await;
    assert_eq!(finished.tickets_moved, 1);
    assert!(finished.conversation_moved);
    assert!(t.store.conversation(&ws, &wa(OLD)).await.unwrap().is_none());
    let conversation = t.store.conversation(&ws, &wa(NEW)).await.unwrap().unwrap();
    assert_eq!(conversation.ticket_id.as_ref(), Some(&open));
    assert_eq!(
        conversation.version, copied.version,
        "the copy was already right"
    );
    assert_eq!(t.ticket(&ws, &open).await.customer, wa(NEW));
    assert!(
        t.store
            .record(&ws, RecordKind::Customer, OLD)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_number_cannot_move_onto_itself_or_in_a_workspace_not_served() {
    let t = TestTurno::demo(start()).await;
    assert!(matches!(
        t.turno
            .change_customer_number(&demo_workspace(), &wa(OLD), &wa(OLD))
            .await,
        Err(AppError::Invalid(_))
    ));
    let elsewhere = turno_core::kernel::ids::WorkspaceId::parse("not-served").unwrap();
    assert!(matches!(
        t.turno
            .change_customer_number(&elsewhere, &wa(OLD), &wa(NEW))
            .await,
        Err(AppError::NotFound(_))
    ));
}
