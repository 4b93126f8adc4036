//! How bot-only conversations end on the harness: after the configured quiet time they close
//! as resolved by the bot (a stale inactivity job is dropped), the next message starts a new
//! ticket, and an escalated conversation is left as it is.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::{SignedDuration, Timestamp};
use turno_core::channel::message::Content;
use turno_core::desk::ticket::{Ticket, TicketOutcome, TicketStatus};
use turno_core::kernel::ids::WaId;
use turno_core::ports::ConversationStore;
use turno_core::ports::domain_events::DomainEvent;
use turno_testkit::harness::{TestTurno, demo_workspace};

fn start() -> Timestamp {
    Timestamp::from_second(1_748_876_667).unwrap()
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

async fn customer_writes(t: &TestTurno, from: &str, id: &str, text: &str) {
    let content = Content::Text { body: text.into() };
    t.customer_sends(from, id, content).await;
}

async fn current(t: &TestTurno, customer: &str) -> Ticket {
    let ws = demo_workspace();
    let c = t
        .store
        .conversation(&ws, &WaId::parse(customer).unwrap())
        .await
        .unwrap();
    t.ticket(&ws, &c.unwrap().ticket_id.unwrap()).await
}

fn resolved_by_bot(t: &TestTurno) -> usize {
    let events = t.events.events(&demo_workspace()).unwrap();
    events
        .iter()
        .filter(|e| matches!(e, DomainEvent::ResolvedByBot { .. }))
        .count()
}

#[tokio::test]
async fn a_quiet_bot_conversation_ends_resolved_by_the_bot_and_the_next_message_starts_anew() {
    let t = TestTurno::demo(start()).await;
    customer_writes(&t, "34600300001", "wamid.b1", "hola").await;
    let first = current(&t, "34600300001").await;
    assert_eq!(first.status, TicketStatus::Bot);

    t.advance_and_drain(mins(29)).await;
    assert_eq!(current(&t, "34600300001").await.status, TicketStatus::Bot);
    t.advance_and_drain(mins(2)).await;
    let ended = t.ticket(&demo_workspace(), &first.id).await;
    assert_eq!(ended.status, TicketStatus::Closed);
    assert_eq!(ended.outcome, Some(TicketOutcome::ResolvedByBot));
    assert!(ended.audit.iter().any(|a| a.action == "resolved_by_bot"));
    assert_eq!(resolved_by_bot(&t), 1);

    customer_writes(&t, "34600300001", "wamid.b2", "hola").await;
    let next = current(&t, "34600300001").await;
    assert_ne!(next.id, first.id, "a new conversation");
    assert_eq!(next.status, TicketStatus::Bot);
    assert_eq!(next.previous_ticket, Some(first.id));
}

#[tokio::test]
async fn a_message_before_the_quiet_time_ran_out_keeps_the_conversation_open() {
    let t = TestTurno::demo(start()).await;
    customer_writes(&t, "34600300002", "wamid.c1", "hola").await;
    t.advance_and_drain(mins(20)).await;
    customer_writes(&t, "34600300002", "wamid.c2", "1").await;
    // The first message's job falls due now: stale, dropped.
    t.advance_and_drain(mins(15)).await;
    assert_eq!(current(&t, "34600300002").await.status, TicketStatus::Bot);
    assert_eq!(resolved_by_bot(&t), 0);
    // The second's, 30 minutes after it.
    t.advance_and_drain(mins(16)).await;
    assert_eq!(
        current(&t, "34600300002").await.status,
        TicketStatus::Closed
    );
    assert_eq!(resolved_by_bot(&t), 1);
}

#[tokio::test]
async fn an_escalated_conversation_is_not_ended_and_keeps_its_reason() {
    let t = TestTurno::demo(start()).await;
    customer_writes(&t, "34600300003", "wamid.e1", "quiero hablar con un agente").await;
    t.advance_and_drain(mins(31)).await;
    let ticket = current(&t, "34600300003").await;
    assert!(ticket.status.is_human(), "{:?}", ticket.status);
    assert_eq!(ticket.outcome, None);
    assert!(ticket.reasons.iter().any(|r| r == "explicit_request"));
    assert_eq!(resolved_by_bot(&t), 0);
}

/// A new conversation's first turn costs the database one write of its own: the commit, which
/// carries the ticket, the customer's entry, the replies already sent, the inactivity timer and
/// the ticket's creation event. The sandbox's record of each reply sent is a write of the
/// channel, not the turn's.
#[tokio::test]
async fn a_turn_that_opens_a_ticket_commits_its_timer_and_event_with_it() {
    use turno_core::channel::message::InboundMessage;
    use turno_core::kernel::ids::MessageId;
    use turno_core::ports::QueueName;

    let t = TestTurno::demo(start()).await;
    let msg = InboundMessage {
        workspace: demo_workspace(),
        id: MessageId::parse("wamid.w1").unwrap(),
        from: WaId::parse("34600300004").unwrap(),
        profile_name: Some("Lucía".into()),
        at: start(),
        content: Content::Text {
            body: "hola".into(),
        },
        context: None,
    };
    let customer = WaId::parse("34600300004").unwrap();
    let sent = || {
        t.whatsapp
            .messages(&demo_workspace(), Some(&customer), 0)
            .unwrap()
            .len()
    };
    let sends_before = sent();
    let writes_before = t.db.writes();
    t.turno.handle_inbound(msg).await.unwrap();
    let writes = t.db.writes() - writes_before;
    let sends = sent() - sends_before;
    assert!(sends >= 1, "the bot answered");
    eprintln!("writes {writes}, sends {sends}");
    assert_eq!(writes, 1 + sends as u64, "{sends} replies sent");
    let created = t.events.events(&demo_workspace()).unwrap();
    assert!(
        created
            .iter()
            .any(|e| matches!(e, DomainEvent::TicketCreated { .. })),
        "{created:?}"
    );
    let timers = t
        .queues
        .receive(QueueName::SlaTimers, 10, std::time::Duration::from_secs(60));
    assert!(timers.unwrap().is_empty(), "the timer is not due yet");
    t.advance_and_drain(mins(31)).await;
    assert_eq!(resolved_by_bot(&t), 1, "the timer fired");
}
