//! SLA clocks end to end on the local runner: pauses, breach actions, duplicate timers. The
//! runner tells time by a manual clock: a test moves it past a deadline and the due timers
//! run at once, so no test waits for a deadline in real time.

use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Value, json};
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::jobs::SlaTimer;
use turno_core::ports::{Clock, Queue};
use turno_core::sla::ClockKind;
use turno_tests::{Options, TestApp, WORKSPACE, eventually, text_webhook, wamid};

/// Longer than every target the tests set (2 s): one step of the clock past a deadline.
const PAST_THE_DEADLINE: SignedDuration = SignedDuration::from_secs(3);

async fn spawn(config: String) -> TestApp {
    TestApp::spawn_with(Options {
        config,
        manual_clock: true,
        ..Options::default()
    })
    .await
}

/// The demo configuration with one policy for the support team, written as YAML.
fn config_with_support_policy(policy: &str) -> String {
    turno_local::config::DEMO_CONFIG
        .replace("      policies:\n", &format!("      policies:\n{policy}"))
}

async fn escalate(app: &TestApp, customer: &str) -> Value {
    app.post_webhook(&text_webhook(
        customer,
        "Cliente",
        &wamid(),
        "quiero hablar con un agente",
    ))
    .await;
    eventually("the ticket to be assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await
}

async fn ticket(app: &TestApp, id: &str) -> Value {
    app.api_get("bruno", &format!("/api/v1/tickets/{id}"))
        .await
        .1
}

#[tokio::test]
async fn a_pending_ticket_does_not_breach_until_the_customer_writes_again() {
    let app = spawn(turno_tests::demo_config_with_first_response(2)).await;
    let customer = "34655000111";
    let t = escalate(&app, customer).await;
    let id = t["id"].as_str().unwrap().to_owned();

    let (status, body) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "pending"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.advance(PAST_THE_DEADLINE);
    app.sweep().await;
    app.idle().await;

    let paused = ticket(&app, &id).await;
    let clock = &paused["sla"]["clocks"]["first_response"];
    assert!(
        clock["breached_at"].is_null(),
        "no breach while pending: {clock}"
    );
    assert!(clock["running_since"].is_null());
    assert!(app.notify.of_kind("sla_breached").await.is_empty());

    app.post_webhook(&text_webhook(
        customer,
        "Cliente",
        &wamid(),
        "sigo esperando",
    ))
    .await;
    let woken = eventually("the customer's message to wake the ticket", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["first_response"]["running_since"]
            .is_string()
            .then_some(t)
    })
    .await;
    assert!(
        woken["sla"]["clocks"]["first_response"]["breached_at"].is_null(),
        "the time spent pending did not count: {woken}"
    );
    app.advance(PAST_THE_DEADLINE);
    let resumed = eventually("the breach after resuming", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["first_response"]["breached_at"]
            .is_string()
            .then_some(t)
    })
    .await;
    assert_eq!(
        resumed["status"], "assigned",
        "the customer's message woke the ticket"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_breach_with_bump_tier_moves_the_ticket_to_specialists_and_notifies_once() {
    let policy = "        - name: support_fast\n          when: { teams: [support] }\n          first_response_secs: 2\n          escalation_team: specialists\n          on_breach: { notify: true, bump_tier: true }\n";
    let app = spawn(config_with_support_policy(policy)).await;
    let t = escalate(&app, "34655000222").await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["assignee"], "ana");
    assert_eq!(t["sla"]["policy"], "support_fast");

    app.advance(PAST_THE_DEADLINE);

    let bumped = eventually("the tier bump", || async {
        let t = ticket(&app, &id).await;
        (t["tier"] == "L3" && t["status"] == "assigned").then_some(t)
    })
    .await;

    assert_eq!(bumped["team"], "specialists");
    assert_eq!(bumped["assignee"], "bruno", "the only specialist");
    assert!(
        bumped["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("sla:first_response"))
    );
    assert_eq!(
        bumped["sla"]["policy"], "specialists",
        "the specialists' policy applies now"
    );
    let (_, agents) = app.api_get("bruno", "/api/v1/agents").await;
    let load = |who: &str| {
        agents
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == who)
            .unwrap()["load"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(load("ana"), 0, "ana's capacity was given back");
    assert_eq!(load("bruno"), 1);
    app.sweep().await;
    let stopped = app.stop_when_idle().await;
    assert_eq!(stopped.notify.of_kind("sla_breached").await.len(), 1);
    let events = stopped
        .events
        .events(&WorkspaceId::parse(WORKSPACE).unwrap())
        .unwrap();
    let breaches: Vec<_> = events
        .iter()
        .filter(|e| e.name() == "SlaBreached")
        .collect();
    assert_eq!(breaches.len(), 1, "{events:?}");
}

#[tokio::test]
async fn duplicate_timers_record_warning_and_breach_once() {
    let app = spawn(turno_tests::demo_config_with_first_response(2)).await;
    let t = escalate(&app, "34655000333").await;
    let id = t["id"].as_str().unwrap().to_owned();
    let due: turno_core::Timestamp = t["sla"]["clocks"]["first_response"]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Ten extra timers for the deadline, as a redelivering queue might produce.
    let timer = SlaTimer {
        workspace: WorkspaceId::parse(WORKSPACE).unwrap(),
        ticket_id: TicketId::parse(&id).unwrap(),
        clock: ClockKind::FirstResponse,
        due_at: due,
        armed_at: None,
    };
    let now = app.manual_clock().now();
    let envelopes = (0..10)
        .map(|_| timer.envelope(now, Duration::from_secs(900)))
        .collect();
    app.running.queues.send(envelopes).await.unwrap();

    app.advance(PAST_THE_DEADLINE);
    eventually("the breach", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["first_response"]["breach_notice"]["state"]
            .as_str()
            .is_some_and(|s| s == "sent")
            .then_some(())
    })
    .await;
    app.sweep().await;
    let stopped = app.stop_when_idle().await;

    assert_eq!(stopped.notify.of_kind("sla_breached").await.len(), 1);
    assert_eq!(stopped.notify.of_kind("sla_warning").await.len(), 1);
    let events = stopped
        .events
        .events(&WorkspaceId::parse(WORKSPACE).unwrap())
        .unwrap();
    assert_eq!(
        events.iter().filter(|e| e.name() == "SlaBreached").count(),
        1
    );
    assert_eq!(
        events.iter().filter(|e| e.name() == "SlaWarning").count(),
        1
    );
}

#[tokio::test]
async fn next_response_starts_after_a_reply_pauses_while_pending_and_resolution_is_met_on_resolve()
{
    let policy = "        - name: support_clocks\n          when: { teams: [support] }\n          first_response_secs: 600\n          next_response_secs: 2\n          resolution_secs: 600\n";
    let app = spawn(config_with_support_policy(policy)).await;
    let customer = "34655000444";
    let t = escalate(&app, customer).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"text": "Hola, dime"}),
        )
        .await;
    assert_eq!(status, 201);

    app.post_webhook(&text_webhook(
        customer,
        "Cliente",
        &wamid(),
        "mi pedido 1234 no llega",
    ))
    .await;
    let started = eventually("the next-response clock", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["next_response"]["running_since"]
            .is_string()
            .then_some(t)
    })
    .await;
    assert!(started["sla"]["clocks"]["first_response"]["met_at"].is_string());
    let (status, _) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "pending"}),
        )
        .await;
    assert_eq!(status, 200);
    app.advance(PAST_THE_DEADLINE);
    app.sweep().await;
    app.idle().await;
    let paused = ticket(&app, &id).await;
    assert!(
        paused["sla"]["clocks"]["next_response"]["breached_at"].is_null(),
        "paused while pending"
    );

    app.post_webhook(&text_webhook(customer, "Cliente", &wamid(), "¿hola?"))
        .await;
    let resumed = eventually("the next-response clock to run again", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["next_response"]["running_since"]
            .is_string()
            .then_some(t)
    })
    .await;
    assert!(
        resumed["sla"]["clocks"]["next_response"]["breached_at"].is_null(),
        "the time spent pending did not count: {resumed}"
    );
    app.advance(PAST_THE_DEADLINE);
    eventually("the next-response breach once resumed", || async {
        let t = ticket(&app, &id).await;
        t["sla"]["clocks"]["next_response"]["breached_at"]
            .is_string()
            .then_some(())
    })
    .await;
    let (status, resolved) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(status, 200, "{resolved}");
    let clocks = &resolved["sla"]["clocks"];
    assert!(clocks["resolution"]["met_at"].is_string(), "{clocks}");
    assert!(clocks["resolution"]["breached_at"].is_null());
    assert!(resolved["sla_due_at"].is_null() || resolved.get("sla_due_at").is_none());
    app.stop().await;
}
