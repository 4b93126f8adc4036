//! Retention per workspace, on both stores. On SQLite the sweep deletes a done ticket (with
//! its transcript) and a conversation once their period has passed, and leaves younger ones
//! and open tickets. On DynamoDB (DynamoDB Local does not expire items) every item that
//! should expire carries `expires_at`, the one the table's time to live reads, and a reopened
//! ticket's items lose it.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use turno_aws::testing::AttributeValue;
use turno_core::app::{Actor, StatusChange};
use turno_core::channel::message::Content;
use turno_core::config::Workspaces;
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, WaId};
use turno_core::ports::{Clock, Store};
use turno_testkit::harness::{DEMO_CONFIG_YAML, TestTurno, demo_workspace, workspaces_from_yaml};

const TICKETS_DAYS: i64 = 30;
const CONVERSATIONS_DAYS: i64 = 40;
const DONE: &str = "34655000001";
const OPEN: &str = "34655000002";

fn start() -> Timestamp {
    Timestamp::from_second(1_780_000_000).unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// The demo workspace keeping done tickets 30 days and conversations 40.
fn retained() -> Workspaces {
    let yaml = DEMO_CONFIG_YAML.replacen(
        "    name: Tienda Lumen\n",
        &format!(
            "    name: Tienda Lumen\n    retention:\n      tickets_days: {TICKETS_DAYS}\n      conversations_days: {CONVERSATIONS_DAYS}\n"
        ),
        1,
    );
    assert_ne!(yaml, DEMO_CONFIG_YAML, "the demo names its workspace");
    workspaces_from_yaml(&yaml)
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

fn wa(n: &str) -> WaId {
    WaId::parse(n).unwrap()
}

async fn tickets_of(t: &TestTurno, customer: &str) -> Vec<Ticket> {
    t.turno
        .store()
        .customer_tickets(&demo_workspace(), &wa(customer))
        .await
        .unwrap()
}

/// A customer handed to an agent who replies; returns the ticket and its agent.
async fn handed_off(t: &TestTurno, customer: &str, prefix: &str) -> (Ticket, Actor) {
    t.customer_sends(customer, &format!("wamid.{prefix}1"), text("hola"))
        .await;
    t.customer_sends(
        customer,
        &format!("wamid.{prefix}2"),
        text("quiero hablar con un agente"),
    )
    .await;
    let ticket = tickets_of(t, customer).await.pop().expect("a ticket");
    let agent = Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(ticket.assignee.as_ref().expect("assigned").as_str()).unwrap(),
        role: Role::Agent,
    };
    t.turno
        .agent_reply(&agent, &ticket.id, "Hola, ya lo miro")
        .await
        .unwrap();
    (ticket, agent)
}

/// One customer's ticket resolved (its survey sent and answered after), another's left
/// open; returns both tickets as they are at the end.
async fn one_done_one_open(t: &TestTurno) -> (Ticket, Ticket) {
    let (done, agent) = handed_off(t, DONE, "d").await;
    t.turno
        .change_status(&agent, &done.id, StatusChange::Resolved, None)
        .await
        .unwrap();
    t.advance_and_drain(SignedDuration::from_secs(301)).await;
    t.customer_sends(DONE, "wamid.d3", text("5")).await;
    let (open, _) = handed_off(t, OPEN, "o").await;
    let done = t.turno.store().ticket(&demo_workspace(), &done.id).await;
    let open = t.turno.store().ticket(&demo_workspace(), &open.id).await;
    let (done, open) = (done.unwrap().unwrap(), open.unwrap().unwrap());
    assert_eq!(done.status, TicketStatus::Resolved, "{done:#?}");
    assert!(done.csat.is_some(), "the survey was sent: {done:#?}");
    assert!(open.status.is_human(), "{open:#?}");
    (done, open)
}

async fn conversation_exists(t: &TestTurno, customer: &str) -> bool {
    t.turno
        .store()
        .conversation(&demo_workspace(), &wa(customer))
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn the_sqlite_sweep_deletes_what_expired_and_keeps_younger_items_and_open_tickets() {
    let t = TestTurno::configured(retained(), start()).await;
    let (done, open) = one_done_one_open(&t).await;
    let ws = demo_workspace();
    let store = t.turno.store();
    assert!(!store.transcript(&ws, &done.id).await.unwrap().is_empty());

    // A day short of the period: nothing goes.
    t.advance(days(TICKETS_DAYS - 1));
    let report = t.turno.retention_sweep().await.unwrap();
    assert_eq!((report.tickets, report.conversations), (0, 0), "{report:?}");
    assert!(store.ticket(&ws, &done.id).await.unwrap().is_some());

    // Past it: the done ticket and its transcript go; the open one and both conversations
    // (younger) stay.
    t.advance(days(2));
    let report = t.turno.retention_sweep().await.unwrap();
    assert_eq!(report.tickets, 1, "{report:?}");
    assert!(report.transcript_entries >= 4, "{report:?}");
    assert!(store.ticket(&ws, &done.id).await.unwrap().is_none());
    assert!(store.transcript(&ws, &done.id).await.unwrap().is_empty());
    let kept = store.ticket(&ws, &open.id).await.unwrap().expect("open");
    assert!(kept.status.is_human());
    assert!(!store.transcript(&ws, &open.id).await.unwrap().is_empty());
    assert!(conversation_exists(&t, DONE).await && conversation_exists(&t, OPEN).await);
    let counts = store.ticket_counts(&ws, None).await.unwrap();
    assert_eq!(
        counts.get(&TicketStatus::Resolved).copied().unwrap_or(0),
        0,
        "{counts:?}"
    );

    // Past the conversations' period: they go too; the open ticket still stays.
    t.advance(days(CONVERSATIONS_DAYS - TICKETS_DAYS));
    let report = t.turno.retention_sweep().await.unwrap();
    assert_eq!((report.tickets, report.conversations), (0, 2), "{report:?}");
    assert!(!conversation_exists(&t, DONE).await && !conversation_exists(&t, OPEN).await);
    assert!(store.ticket(&ws, &open.id).await.unwrap().is_some());
    let again = t.turno.retention_sweep().await.unwrap();
    assert_eq!((again.tickets, again.conversations), (0, 0), "{again:?}");
}

#[tokio::test]
async fn with_no_retention_nothing_expires_on_sqlite() {
    let t = TestTurno::demo(start()).await;
    let (done, _) = one_done_one_open(&t).await;
    t.advance(days(4000));
    let report = t.turno.retention_sweep().await.unwrap();
    assert_eq!((report.tickets, report.conversations), (0, 0), "{report:?}");
    let kept = t.turno.store().ticket(&demo_workspace(), &done.id).await;
    assert!(kept.unwrap().is_some());
}

#[tokio::test]
async fn the_sweep_reads_expiring_rows_through_their_indexes() {
    let t = TestTurno::demo(start()).await;
    let path = t.store.db().path().expect("a database file").to_owned();
    let conn = rusqlite::Connection::open(path).unwrap();
    for (table, index) in [
        ("tickets", "tickets_by_expiry"),
        ("conversations", "conversations_by_expiry"),
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE expires_at <= 5 ORDER BY expires_at LIMIT 10"
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains(index)), "{table}: {plan:?}");
    }
}

type Item = HashMap<String, AttributeValue>;

/// Every item of a partition (a Query, consistent).
async fn partition(clients: &turno_aws::Clients, table: &str, pk: &str) -> Vec<Item> {
    clients
        .dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

fn expiry(item: &Item) -> Option<i64> {
    item.get(turno_aws::EXPIRES_AT)?.as_n().ok()?.parse().ok()
}

async fn get(clients: &turno_aws::Clients, table: &str, pk: String, sk: &str) -> Option<Item> {
    clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key("PK", AttributeValue::S(pk))
        .key("SK", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// The ticket item and the items under it (entries), and the message states of its entries.
async fn ticket_items(clients: &turno_aws::Clients, table: &str, t: &Ticket) -> (Item, Vec<Item>) {
    let ws = demo_workspace();
    let items = partition(clients, table, &format!("WS#{ws}#TICKET#{}", t.id)).await;
    let (tickets, mut under): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|i| {
        i.get("SK")
            .and_then(|v| v.as_s().ok())
            .is_some_and(|s| s == "TICKET")
    });
    let mut states = Vec::new();
    for entry in &under {
        if let Some(m) = entry.get("message_id").and_then(|v| v.as_s().ok())
            && let Some(state) = get(clients, table, format!("WS#{ws}#MSG#{m}"), "MSG").await
        {
            states.push(state);
        }
    }
    assert!(!states.is_empty(), "the entries' message states");
    under.extend(states);
    (tickets.into_iter().next().expect("the ticket item"), under)
}

#[tokio::test]
async fn on_dynamodb_items_carry_the_expiry_the_time_to_live_reads_and_a_reopened_ticket_loses_it()
{
    let clients = turno_aws::testing::dynamodb_clients().await;
    let table = turno_aws::testing::unique("turno-retention");
    turno_aws::testing::create_table_from_template(&clients.dynamodb, &table).await;
    let store: Arc<dyn Store> =
        Arc::new(turno_aws::testing::caught_up_store(clients.dynamodb.clone(), &table).await);
    let t = TestTurno::with_store(retained(), start(), move |_| store);
    t.turno.seed_agents().await.unwrap();
    let (done, open) = one_done_one_open(&t).await;

    let resolved = done.resolved_at.expect("resolved").as_second();
    let due = resolved + TICKETS_DAYS * 86_400;
    let (ticket, under) = ticket_items(&clients, &table, &done).await;
    assert_eq!(expiry(&ticket), Some(due), "the ticket item");
    assert!(under.len() >= 6, "{under:#?}");
    for item in &under {
        // The survey and its answer came after the resolution: marked all the same.
        assert_eq!(expiry(item), Some(due), "{item:#?}");
    }
    let (ticket, under) = ticket_items(&clients, &table, &open).await;
    assert_eq!(expiry(&ticket), None, "an open ticket never expires");
    assert!(under.iter().all(|i| expiry(i).is_none()), "{under:#?}");

    let ws = demo_workspace();
    for customer in [DONE, OPEN] {
        let conversation = get(&clients, &table, format!("WS#{ws}#CONV#{customer}"), "CONV")
            .await
            .expect("the conversation");
        let last = t.clock.now().as_second();
        let at = expiry(&conversation).expect("a conversation expires");
        assert!(
            at > last && at <= last + CONVERSATIONS_DAYS * 86_400,
            "{customer}: {at} after {last}"
        );
    }

    // The customer writes again within the thread window: reopened, nothing under it expires.
    // (The first text after the score is the survey's comment.)
    t.customer_sends(DONE, "wamid.d4", text("todo bien")).await;
    t.customer_sends(DONE, "wamid.d5", text("quiero hablar con un agente"))
        .await;
    let reopened = t
        .turno
        .store()
        .ticket(&ws, &done.id)
        .await
        .unwrap()
        .unwrap();
    assert!(reopened.status.is_human(), "{reopened:#?}");
    let (ticket, under) = ticket_items(&clients, &table, &reopened).await;
    assert_eq!(expiry(&ticket), None);
    assert!(under.iter().all(|i| expiry(i).is_none()), "{under:#?}");
}

#[test]
fn the_table_expires_items_by_their_expires_at() {
    let template = crate::lambda_build::template();
    let ttl = &template["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"];
    assert_eq!(
        ttl["AttributeName"].as_str(),
        Some(turno_aws::EXPIRES_AT),
        "{ttl:?}"
    );
    assert_eq!(ttl["Enabled"].as_bool(), Some(true), "{ttl:?}");
}
