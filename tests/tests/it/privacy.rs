//! A customer's data on request, on both stores: a customer with a whole history (bot turns,
//! a handoff, agent replies, a note, media, a profile with consent, a survey answer, a second
//! ticket still open) is exported, then erased; afterwards a scan of everything stored (every
//! SQLite table's every column; every DynamoDB item) finds the number nowhere.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{
    Actor, AppError, CustomerPatch, QuarantineKind, QuarantinedItem, StatusChange, WebhookBatch,
};
use turno_core::channel::message::{Body, Content, MediaKind};
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, WaId, WorkspaceId};
use turno_core::ports::Store;
use turno_testkit::harness::{TestTurno, demo_workspace, demo_workspaces};

const NUMBER: &str = "34655012345";

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

fn actor(agent: &str, role: Role) -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(agent).unwrap(),
        role,
    }
}

fn wa() -> WaId {
    WaId::parse(NUMBER).unwrap()
}

async fn tickets(t: &TestTurno) -> Vec<Ticket> {
    t.turno
        .store()
        .customer_tickets(&demo_workspace(), &wa())
        .await
        .unwrap()
}

async fn load_of(t: &TestTurno, agent: &AgentId) -> u32 {
    t.turno
        .store()
        .agent(&demo_workspace(), agent)
        .await
        .unwrap()
        .unwrap()
        .load
}

/// A number the customer changed from.
const OLD_NUMBER: &str = "34655099999";

/// A webhook item naming the customer's number, set aside unread in `workspace` (`None`: the
/// deployment's scope).
fn quarantined(workspace: Option<WorkspaceId>, fingerprint: &str) -> QuarantinedItem {
    QuarantinedItem {
        workspace,
        kind: QuarantineKind::Malformed,
        field: Some("messages".into()),
        path: "entry[0].changes[0].value.messages[0]".into(),
        reason: "unknown message type".into(),
        raw: format!(r#"{{"from":"{NUMBER}","id":"wamid.q1","type":"hologram"}}"#),
        fingerprint: fingerprint.into(),
    }
}

/// Plays the customer's history; returns the agent holding the open ticket.
async fn full_history(t: &TestTurno) -> AgentId {
    t.turno
        .change_customer_number(&demo_workspace(), &WaId::parse(OLD_NUMBER).unwrap(), &wa())
        .await
        .unwrap();
    let kept = t
        .turno
        .accept_webhook(WebhookBatch {
            quarantined: vec![
                quarantined(Some(demo_workspace()), "fp-privacy-ws"),
                quarantined(None, "fp-privacy-deployment"),
            ],
            ..WebhookBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.quarantined, 2, "{kept:?}");
    t.customer_sends(NUMBER, "wamid.p1", text("hola")).await;
    t.customer_sends(NUMBER, "wamid.p2", text("quiero hablar con un agente"))
        .await;
    let first = tickets(t).await.pop().expect("a ticket");
    let agent_id = first.assignee.clone().expect("assigned to an agent");
    let agent = actor(agent_id.as_str(), Role::Agent);
    t.customer_sends(
        NUMBER,
        "wamid.p3",
        Content::Media {
            kind: MediaKind::Image,
            media_id: "media-777".into(),
            mime_type: Some("image/jpeg".into()),
            caption: Some("la factura".into()),
            filename: None,
        },
    )
    .await;
    t.turno
        .agent_reply(&agent, &first.id, "Hola Lucía, ya lo miro")
        .await
        .unwrap();
    t.turno
        .add_note(&agent, &first.id, "cliente del pedido 4521")
        .await
        .unwrap();
    let patch = CustomerPatch {
        marketing_consent: Some(true),
        attributes: Some(BTreeMap::from([(
            "city".to_owned(),
            Some("Valencia".to_owned()),
        )])),
        ..CustomerPatch::default()
    };
    t.turno
        .update_customer(&actor("bruno", Role::Supervisor), &wa(), patch)
        .await
        .unwrap();
    t.turno
        .change_status(&agent, &first.id, StatusChange::Resolved, None)
        .await
        .unwrap();
    t.advance_and_drain(SignedDuration::from_secs(301)).await;
    t.customer_sends(NUMBER, "wamid.p4", text("5")).await;
    // Past the thread window: a new ticket, not the resolved one reopened.
    t.advance_and_drain(SignedDuration::from_hours(25)).await;
    t.customer_sends(NUMBER, "wamid.p5", text("quiero hablar con un agente"))
        .await;
    let all = tickets(t).await;
    let open = all
        .iter()
        .find(|x| x.status == TicketStatus::Assigned)
        .unwrap_or_else(|| panic!("a second ticket assigned: {all:#?}"));
    open.assignee.clone().unwrap()
}

/// Exports and checks the document, then erases (refused to those who may not) and checks
/// that the second erasure finds nothing and the agent got its capacity back.
async fn export_then_erase(t: &TestTurno) {
    let holder = full_history(t).await;
    let load_before = load_of(t, &holder).await;
    assert!(load_before >= 1);

    let refused = t
        .turno
        .export_customer(&actor("ana", Role::Agent), &wa())
        .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let export = t
        .turno
        .export_customer(&actor("bruno", Role::Supervisor), &wa())
        .await
        .unwrap();
    assert_eq!(export.wa_id, wa());
    assert_eq!(export.marketing_consent, Some(true));
    let profile = export.profile.as_ref().expect("the profile");
    assert_eq!(
        profile.attributes.get("city").map(String::as_str),
        Some("Valencia")
    );
    assert!(export.conversation.is_some(), "the bot's state");
    assert_eq!(export.tickets.len(), 2, "both tickets");
    assert!(!export.truncated);
    let first = &export.tickets[0];
    assert_eq!(
        first.ticket.csat.as_ref().map(|c| c.score),
        Some(Some(5)),
        "the survey answer"
    );
    let lines: Vec<String> = first
        .transcript
        .iter()
        .map(|e| serde_json::to_string(&e.body).unwrap())
        .collect();
    for expected in [
        "hola",
        "quiero hablar con un agente",
        "Hola Lucía, ya lo miro",
        "cliente del pedido 4521",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(&format!("\"{expected}\""))),
            "{expected:?} in {lines:#?}"
        );
    }
    assert!(
        first
            .transcript
            .iter()
            .any(|e| matches!(e.body, Body::Note { .. })),
        "the note"
    );
    assert_eq!(export.media.len(), 1, "{:#?}", export.media);
    assert_eq!(export.media[0].media["media_id"], "media-777");
    let json = serde_json::to_string(&export).unwrap();
    assert!(json.contains("cliente del pedido 4521"));

    let refused = t
        .turno
        .erase_customer(&actor("bruno", Role::Supervisor), &wa())
        .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let admin = actor("diego", Role::Admin);
    let erased = t.turno.erase_customer(&admin, &wa()).await.unwrap();
    assert_eq!((erased.tickets, erased.open_tickets), (2, 1), "{erased:?}");
    assert!(erased.profile && erased.conversation, "{erased:?}");
    assert_eq!(erased.quarantined, 2, "{erased:?}");
    assert!(erased.transcript_entries >= 6, "{erased:?}");
    assert_eq!(
        load_of(t, &holder).await,
        load_before - 1,
        "the open ticket's agent got its capacity back"
    );
    let again = t.turno.erase_customer(&admin, &wa()).await.unwrap();
    assert_eq!(
        (again.tickets, again.profile, again.conversation),
        (0, false, false),
        "nothing left the second time"
    );
    assert!(matches!(
        t.turno.export_customer(&admin, &wa()).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        t.turno.customer(&admin, &wa()).await,
        Err(AppError::NotFound(_))
    ));
}

/// Every (table, column, value) of the database whose text holds `needle`.
fn sqlite_hits(path: &std::path::Path, needle: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.len() > 10, "the schema's tables: {tables:?}");
    let mut hits = Vec::new();
    for table in tables {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in columns {
            let sql = format!(
                "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?1) > 0"
            );
            let found: Vec<Option<String>> = conn
                .prepare(&sql)
                .unwrap()
                .query_map([needle], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for value in found {
                let value = value.unwrap_or_default();
                let cut: String = value.chars().take(300).collect();
                hits.push(format!("{table}.{column}: {cut}"));
            }
        }
    }
    hits
}

#[tokio::test]
async fn a_customer_exported_then_erased_leaves_no_row_holding_the_number_on_sqlite() {
    let t = TestTurno::demo(Timestamp::from_second(1_780_000_000).unwrap()).await;
    let path = t.store.db().path().expect("a database file").to_owned();
    export_then_erase(&t).await;
    // The scan can fail: before the erasure the number is all over the database.
    let hits = sqlite_hits(&path, NUMBER);
    assert!(
        hits.is_empty(),
        "rows still holding the number:\n{}",
        hits.join("\n")
    );
}

#[tokio::test]
async fn the_scan_finds_the_number_before_the_erasure() {
    let t = TestTurno::demo(Timestamp::from_second(1_780_000_000).unwrap()).await;
    let path = t.store.db().path().expect("a database file").to_owned();
    full_history(&t).await;
    let hits = sqlite_hits(&path, NUMBER);
    for table in ["tickets", "conversations", "transcript", "turns", "records"] {
        assert!(
            hits.iter().any(|h| h.starts_with(&format!("{table}."))),
            "{table} holds the number before: {hits:#?}"
        );
    }
}

/// Every item of the table whose attributes hold `needle` (a Scan: tests only).
async fn dynamo_hits(clients: &turno_aws::Clients, table: &str, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut start = None;
    let mut seen = 0;
    loop {
        let page = clients
            .dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items.unwrap_or_default() {
            seen += 1;
            let text = format!("{item:?}");
            if text.contains(needle) {
                hits.push(text.chars().take(400).collect());
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => break,
        }
    }
    assert!(seen > 0, "the table holds items");
    hits
}

#[tokio::test]
async fn a_customer_exported_then_erased_leaves_no_item_holding_the_number_on_dynamodb() {
    let clients = turno_aws::testing::dynamodb_clients().await;
    let table = turno_aws::testing::unique("turno-privacy");
    turno_aws::testing::create_table_from_template(&clients.dynamodb, &table).await;
    let store: Arc<dyn Store> =
        Arc::new(turno_aws::testing::caught_up_store(clients.dynamodb.clone(), &table).await);
    let t = TestTurno::with_store(
        demo_workspaces(),
        Timestamp::from_second(1_780_000_000).unwrap(),
        move |_| store,
    );
    t.turno.seed_agents().await.unwrap();
    export_then_erase(&t).await;
    let hits = dynamo_hits(&clients, &table, NUMBER).await;
    assert!(
        hits.is_empty(),
        "items still holding the number:\n{}",
        hits.join("\n")
    );
}

/// The demo workspace with its follow-up template a marketing one.
fn marketing_follow_up() -> turno_core::config::Workspaces {
    let demo = turno_testkit::harness::DEMO_CONFIG_YAML;
    let yaml = demo.replace(
        "        name: seguimiento_ticket\n",
        "        name: seguimiento_ticket\n        category: marketing\n",
    );
    assert_ne!(yaml, demo, "the demo names its follow-up template");
    turno_testkit::harness::workspaces_from_yaml(&yaml)
}

async fn consent(t: &TestTurno) -> Option<bool> {
    t.turno
        .customer(&actor("bruno", Role::Supervisor), &wa())
        .await
        .unwrap()
        .marketing_consent
}

fn sent_to_customer(t: &TestTurno) -> Vec<String> {
    t.whatsapp
        .messages(&demo_workspace(), Some(&wa()), 0)
        .unwrap()
        .into_iter()
        .map(|m| serde_json::to_string(&m.message).unwrap())
        .collect()
}

#[tokio::test]
async fn baja_stops_marketing_templates_with_a_confirmation_and_alta_resumes_them() {
    let t = TestTurno::configured(
        marketing_follow_up(),
        Timestamp::from_second(1_780_000_000).unwrap(),
    )
    .await;
    t.customer_sends(NUMBER, "wamid.k1", text("BAJA")).await;
    assert_eq!(consent(&t).await, Some(false));
    assert!(tickets(&t).await.is_empty(), "a keyword is not a turn");
    let sent = sent_to_customer(&t);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].contains("no te enviaremos"), "{sent:#?}");

    t.customer_sends(NUMBER, "wamid.k2", text("Alta.")).await;
    assert_eq!(consent(&t).await, Some(true));

    // A sentence holding a keyword is an ordinary message.
    t.customer_sends(
        NUMBER,
        "wamid.k3",
        text("quiero hablar con un agente, stop"),
    )
    .await;
    assert_eq!(consent(&t).await, Some(true));
    let open = tickets(&t)
        .await
        .pop()
        .expect("an ordinary turn opened a ticket");
    t.customer_sends(NUMBER, "wamid.k4", text("stop")).await;
    assert_eq!(consent(&t).await, Some(false));
    let agent = actor(
        open.assignee.as_ref().expect("assigned").as_str(),
        Role::Agent,
    );
    let refused = t
        .turno
        .agent_send_template(&agent, &open.id, "follow_up")
        .await;
    match refused {
        Err(AppError::Conflict(m)) => assert!(m.contains("stopped marketing"), "{m}"),
        other => panic!("a marketing template to an opted-out customer: {other:?}"),
    }
}

#[tokio::test]
async fn a_redelivered_stop_is_confirmed_once() {
    let t = TestTurno::demo(Timestamp::from_second(1_780_000_000).unwrap()).await;
    t.customer_sends(NUMBER, "wamid.r1", text("STOP")).await;
    // Past the queue's deduplication window, as a redelivery from Meta can come.
    t.advance(SignedDuration::from_secs(3600));
    t.customer_sends(NUMBER, "wamid.r1", text("STOP")).await;
    assert_eq!(consent(&t).await, Some(false));
    let sent = sent_to_customer(&t);
    assert_eq!(sent.len(), 1, "one confirmation: {sent:#?}");
    // Another STOP (another message) is confirmed again.
    t.customer_sends(NUMBER, "wamid.r2", text("STOP")).await;
    assert_eq!(sent_to_customer(&t).len(), 2);
}
