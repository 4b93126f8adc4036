//! What an escalated message costs on AWS, alone and ten at once: every request of
//! webhook-ingress and bot-turn (the handoff's turn, then its routing, clocks and assignment in
//! the same invocation), of ticket-writer (the transcript entries that follow) and of
//! ticket-counts (the counters and rollups, from the table's stream), per message.
//! Ten handoffs of one batch must not cost more each than one alone: the batch's assignments
//! take their turn instead of racing for the same agents, and ticket-counts adds up their
//! counter moves.

use axum::http::StatusCode;
use turno_core::bot::conversation::Conversation;
use turno_core::desk::agent::Availability;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TeamId, WorkspaceId};
use turno_core::ports::{AgentStore, TicketStore};
use turno_tests::{WORKSPACE, text_webhook, wamid};

use super::Topology;
use super::topology::per_queue;

/// AWS requests one escalated message may cost, alone: webhook-ingress's SendMessageBatch;
/// bot-turn's conversation read, the customer's profile, the agents and the queue's head (one
/// read each), then the turn's commit carrying the handoff: one transaction of the
/// conversation, the turn record, the new ticket routed and assigned (2.5 KB with the rollup
/// deltas it carries: 6 write units), the agent's load and the turn's entries in one item (15
/// write units with the change-feed entry); then the SLA timer and the events (one PutEvents
/// for the invocation). No escalation job, no second write of the ticket, no read of it or of
/// its transcript, no progress write, no bot-inactivity timer. Then ticket-counts' batch,
/// which holds this ticket's change alone: one transaction of its marker, the status counter
/// and three rollup items (a channel's counters ride on the day's `all` item), 10 write units
/// that a batch of many changes shares.
const ALONE_REQUESTS: f64 = 10.0;
const ALONE_WRITE_UNITS: f64 = 25.0;
/// The same per message when ten customers hand off in one batch: the shared requests
/// (SendMessageBatch, PutEvents, ticket-counts' transaction) and counter items spread over
/// ten, and the handoffs nobody had room for add their queue notice (17.3 write units
/// measured; one more for the order the ten land in).
const TEN_REQUESTS: f64 = 8.5;
const TEN_WRITE_UNITS: f64 = 18.5;

const HANDOFF: &str = "quiero hablar con un agente";

/// The items a round wrote, one line each (request, kind, key with the workspace left out,
/// size, write units), and their total: where an escalation's write units go.
pub(super) fn item_breakdown(writes: &[turno_aws::ItemWrite], messages: f64) -> String {
    let mut lines: Vec<String> = writes
        .iter()
        .map(|w| {
            let key = w.key.replace(&format!("WS#{WORKSPACE}#"), "");
            format!(
                "  {:<18} {:<14} {:<70} {:>5} B {:>4.0} WCU {:>4.0} in indexes",
                w.operation, w.kind, key, w.bytes, w.units, w.index_units
            )
        })
        .collect();
    let total: f64 = writes.iter().map(|w| w.units).sum();
    let indexes = writes.iter().fold(0.0, |sum, w| sum + w.index_units);
    lines.push(format!(
        "  {} items, {total:.0} WCU, {:.1} per message; in the indexes {indexes:.0} WCU at least, \
         {:.1} per message",
        writes.len(),
        total / messages,
        indexes / messages
    ));
    lines.join("\n")
}

/// The customer's conversation and its ticket, as stored.
async fn conversation_and_ticket(t: &Topology, customer: &str) -> (Conversation, Ticket) {
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let conversation = t.conversation_of(customer).await;
    let ticket = t
        .store
        .ticket(&ws, conversation.ticket_id.as_ref().expect("a ticket"))
        .await
        .unwrap()
        .expect("ticket");
    (conversation, ticket)
}

/// Sends `customers`' handoff requests as one round and runs the functions; returns the AWS
/// requests and DynamoDB write units per message, and what each queue's consumer did.
async fn escalation_round(t: &Topology, customers: &[String]) -> (f64, f64, String) {
    t.counter.log_writes();
    t.counter.take_writes();
    let (before, units_before) = (t.counter.count(), t.counter.write_units());
    let ingress_ops = t.counter.by_operation();
    for c in customers {
        let status = t
            .webhook(text_webhook(c, "Cliente", &wamid(), HANDOFF))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let ingress: Vec<String> = t
        .counter
        .by_operation()
        .into_iter()
        .filter_map(|(op, n)| {
            let new = n - ingress_ops.get(&op).copied().unwrap_or(0);
            (new > 0).then(|| format!("{op} {new}"))
        })
        .collect();
    let handled = t.run_functions().await;
    let messages = customers.len() as f64;
    let requests = (t.counter.count() - before) as f64 / messages;
    let units = (t.counter.write_units() - units_before) / messages;
    let mut detail = per_queue(&handled);
    detail.insert(0, format!("webhook-ingress {ingress:?}"));
    eprintln!(
        "items written for {messages} escalated messages:\n{}",
        item_breakdown(&t.counter.take_writes(), messages)
    );
    (requests, units, detail.join("; "))
}

#[tokio::test]
async fn an_escalated_message_alone_and_ten_at_once_stay_within_their_aws_budget() {
    let t = Topology::deploy().await;
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();

    let alone = vec!["34600330000".to_owned()];
    let (requests, units, detail) = escalation_round(&t, &alone).await;
    eprintln!(
        "per escalated message, alone: {requests:.1} AWS requests, {units:.1} WCU ({detail})"
    );
    assert!(
        requests <= ALONE_REQUESTS && units <= ALONE_WRITE_UNITS,
        "an escalated message alone cost {requests:.1} requests and {units:.1} WCU, over its \
         budget of {ALONE_REQUESTS} and {ALONE_WRITE_UNITS}: {detail}"
    );

    let ten: Vec<String> = (0..10).map(|i| format!("346003310{i:02}")).collect();
    let (requests, units, detail) = escalation_round(&t, &ten).await;
    eprintln!(
        "per escalated message, ten at once: {requests:.1} AWS requests, {units:.1} WCU ({detail})"
    );
    assert!(
        requests <= TEN_REQUESTS && units <= TEN_WRITE_UNITS,
        "ten escalated messages at once cost {requests:.1} requests and {units:.1} WCU each, \
         over their budget of {TEN_REQUESTS} and {TEN_WRITE_UNITS}: {detail}"
    );

    // Every handoff went to an agent with room, or waits in the queue; nobody is over capacity
    // and the loads count exactly the tickets held.
    let mut statuses = Vec::new();
    for c in alone.iter().chain(&ten) {
        let (_, ticket) = conversation_and_ticket(&t, c).await;
        statuses.push((ticket.status, ticket.assignee));
    }
    let agents = t.store.agents(&ws).await.unwrap();
    let support = TeamId::parse("support").unwrap();
    let room: u32 = agents
        .iter()
        .filter(|a| a.availability == Availability::Online && a.teams.contains(&support))
        .map(|a| a.capacity)
        .sum();
    for a in &agents {
        let held = statuses
            .iter()
            .filter(|(s, who)| *s == TicketStatus::Assigned && who.as_ref() == Some(&a.id))
            .count();
        assert_eq!(a.load as usize, held, "{}'s load counts its tickets", a.id);
        assert!(a.load <= a.capacity, "{} is over capacity", a.id);
    }
    let assigned = statuses
        .iter()
        .filter(|(s, _)| *s == TicketStatus::Assigned)
        .count();
    let queued = statuses
        .iter()
        .filter(|(s, _)| *s == TicketStatus::Queued)
        .count();
    assert_eq!(assigned + queued, 11, "{statuses:?}");
    assert_eq!(assigned, 11.min(room as usize), "{statuses:?}");
}

/// What a handoff costs when the bot already holds the customer's ticket (the customer greeted
/// first): one more read than a first message's handoff (the ticket, which the conversation
/// keeps unread for the bot's turns) and one more counter in ticket-counts' batch (out of the
/// bot's status, into the team's), with no count of writes to bot-held tickets (the
/// conversation written with it keeps none).
const FOLLOW_UP_REQUESTS: f64 = 11.0;
const FOLLOW_UP_WRITE_UNITS: f64 = 27.0;

#[tokio::test]
async fn a_handoff_after_a_bot_turn_stays_within_its_aws_budget() {
    let t = Topology::deploy().await;
    let customer = vec!["34600332000".to_owned()];
    let status = t
        .webhook(text_webhook(&customer[0], "Cliente", &wamid(), "hola"))
        .await;
    assert_eq!(status, StatusCode::OK);
    t.run_functions().await;

    let (requests, units, detail) = escalation_round(&t, &customer).await;
    eprintln!(
        "per escalated message after a bot turn: {requests:.1} AWS requests, {units:.1} WCU ({detail})"
    );
    assert!(
        requests <= FOLLOW_UP_REQUESTS && units <= FOLLOW_UP_WRITE_UNITS,
        "a handoff after a bot turn cost {requests:.1} requests and {units:.1} WCU, over its \
         budget of {FOLLOW_UP_REQUESTS} and {FOLLOW_UP_WRITE_UNITS}: {detail}"
    );
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let (conversation, ticket) = conversation_and_ticket(&t, &customer[0]).await;
    assert_eq!(ticket.status, TicketStatus::Assigned);
    assert!(
        conversation.bot_ticket.is_none(),
        "the bot holds it no more"
    );
    let agent = ticket.assignee.expect("an agent");
    let holder = t.store.agent(&ws, &agent).await.unwrap().expect("agent");
    assert_eq!(holder.load, 1, "one unit taken");
}
