//! Tickets, queue-first assignment and the thread window end to end on the local runner.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};
use turno_core::ports::Clock;
use turno_tests::{Options, TestApp, eventually, text_webhook, wamid};

const ANA: &str = "      - { id: ana, name: Ana García, email: ana@lumen.example, role: agent, teams: [support], capacity: 5, online: true }\n";
const BRUNO: &str = "      - { id: bruno, name: Bruno Souza, email: bruno@lumen.example, role: supervisor, teams: [support, specialists], capacity: 5, online: true }\n";

fn demo() -> String {
    let c = turno_local::config::DEMO_CONFIG.to_owned();
    assert!(
        c.contains(ANA) && c.contains(BRUNO),
        "the demo agents are as these tests expect"
    );
    c
}

fn spawn_options(config: String) -> Options {
    Options {
        config,
        ..Options::default()
    }
}

async fn ask_for_agent(app: &TestApp, customer: &str) {
    let r = app
        .post_webhook(&text_webhook(
            customer,
            "Cliente",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
}

async fn tickets(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.api_get("bruno", "/api/v1/tickets?limit=500").await;
    list["items"].as_array().cloned().unwrap_or_default()
}

async fn loads(app: &TestApp) -> HashMap<String, (u64, u64)> {
    let (_, agents) = app.api_get("bruno", "/api/v1/agents").await;
    agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let id = a["id"].as_str().unwrap().to_owned();
            (
                id,
                (a["load"].as_u64().unwrap(), a["capacity"].as_u64().unwrap()),
            )
        })
        .collect()
}

async fn set_availability(app: &TestApp, agent: &str, availability: &str) {
    let r = app
        .http
        .put(app.url("/api/v1/me/availability"))
        .bearer_auth(app.token(agent))
        .json(&json!({ "availability": availability }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_burst_of_100_escalations_over_3_agents_never_exceeds_capacity_and_skips_nobody() {
    let carla = ANA.replace(
        "id: ana, name: Ana García, email: ana@",
        "id: carla, name: Carla Ruiz, email: carla@",
    );
    let app =
        TestApp::spawn_with(spawn_options(demo().replace(ANA, &format!("{ANA}{carla}")))).await;
    let customers: Vec<String> = (0..100)
        .map(|i| format!("3470{:07}", 1_000_000 + i))
        .collect();

    for c in &customers {
        ask_for_agent(&app, c).await;
    }
    let all = eventually("15 assigned and 85 queued", || async {
        let t = tickets(&app).await;
        let count = |s: &str| t.iter().filter(|x| x["status"] == s).count();
        (count("assigned") == 15 && count("queued") == 85).then_some(t)
    })
    .await;
    assert_eq!(all.len(), 100);
    let held = loads(&app).await;
    // The demo's other agents start offline and take nothing.
    for agent in ["ana", "bruno", "carla"] {
        assert_eq!(held[agent], (5, 5), "{agent}");
    }

    // Resolve one at a time: each frees a slot that the head of the queue takes at once.
    let started = Instant::now();
    let mut resolved = 0;
    loop {
        let t = tickets(&app).await;
        // The longest-waiting tickets, by instant: the text of a timestamp drops trailing
        // zeros, so "….12Z" sorts after "….1234Z" although it is earlier.
        let queued_at =
            |x: &Value| -> jiff::Timestamp { x["queued_at"].as_str().unwrap().parse().unwrap() };
        let queued: Vec<&Value> = t.iter().filter(|x| x["status"] == "queued").collect();
        let first = queued.iter().map(|x| queued_at(x)).min();
        let heads: Vec<String> = queued
            .iter()
            .filter(|x| Some(queued_at(x)) == first)
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect();
        let Some(victim) = t.iter().find(|x| x["status"] == "assigned") else {
            break;
        };
        let id = victim["id"].as_str().unwrap();
        let (status, body) = app
            .api_post(
                "bruno",
                &format!("/api/v1/tickets/{id}/status"),
                json!({"status": "resolved"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        resolved += 1;
        if !heads.is_empty() {
            let mut taken = Vec::new();
            for head in &heads {
                let (_, h) = app
                    .api_get("bruno", &format!("/api/v1/tickets/{head}"))
                    .await;
                taken.push(h["status"] == "assigned");
            }
            // Tickets queued at the same instant are taken in the order they were made.
            assert!(
                taken.contains(&true),
                "the longest-waiting ticket is taken at once: {heads:?} {taken:?}"
            );
        }
        for (agent, (load, capacity)) in loads(&app).await {
            assert!(load <= capacity, "{agent} holds {load} of {capacity}");
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(resolved, 100);
    eprintln!(
        "resolve + pull-next: {resolved} in {} ms ({:.0} assignments/s through the API, with checks)",
        elapsed.as_millis(),
        85.0 / elapsed.as_secs_f64()
    );
    app.stop().await;
}

#[tokio::test]
async fn with_nobody_online_the_ticket_waits_and_is_taken_the_moment_an_agent_comes_online() {
    let app = TestApp::spawn_with(spawn_options(demo())).await;
    set_availability(&app, "ana", "offline").await;
    set_availability(&app, "bruno", "offline").await;
    let customer = "34680000001";

    ask_for_agent(&app, customer).await;
    let queued = eventually("the position notice", || async {
        let texts = app.graph.texts_to(customer).await;
        texts
            .iter()
            .any(|t| t.contains("número 1 en la cola"))
            .then_some(texts)
    })
    .await;
    assert!(queued[0].contains("Te paso con una persona"), "{queued:?}");
    let t = app.ticket_of(customer).await.unwrap();
    assert_eq!(t["status"], "queued");

    set_availability(&app, "ana", "online").await;

    let t = app.ticket_of(customer).await.unwrap();
    assert_eq!(
        t["status"], "assigned",
        "assigned within the availability request"
    );
    assert_eq!(t["assignee"], "ana");
    app.stop().await;
}

/// Waits until `customer`'s ticket is queued and its handoff done: the customer was told their
/// place in the queue, which is written on the ticket before it is sent (an assignment run
/// racing that write would pass the ticket over until the next run).
async fn told_to_wait(app: &TestApp, customer: &str) {
    eventually(
        "the ticket queued and the customer told to wait",
        || async {
            let t = app.ticket_of(customer).await?;
            let told = app
                .graph
                .texts_to(customer)
                .await
                .iter()
                .any(|m| ["cola", "queue", "fila"].iter().any(|w| m.contains(w)));
            (t["status"] == "queued" && told).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_vip_customer_goes_ahead_of_earlier_customers_in_the_queue() {
    let one_slot = demo().replace(ANA, &ANA.replace("capacity: 5", "capacity: 1"));
    let app = TestApp::spawn_with(spawn_options(one_slot)).await;
    set_availability(&app, "ana", "offline").await;
    set_availability(&app, "bruno", "offline").await;

    ask_for_agent(&app, "34680000002").await;
    told_to_wait(&app, "34680000002").await;
    ask_for_agent(&app, "34600000001").await; // the demo's VIP
    told_to_wait(&app, "34600000001").await;

    set_availability(&app, "ana", "online").await;

    let vip = app.ticket_of("34600000001").await.unwrap();
    let earlier = app.ticket_of("34680000002").await.unwrap();
    assert_eq!(vip["status"], "assigned");
    assert_eq!(vip["sla"]["policy"], "vip");
    assert_eq!(
        earlier["status"], "queued",
        "ana's one slot went to the VIP"
    );
    app.stop().await;
}

async fn escalate_and_resolve(app: &TestApp, customer: &str) -> String {
    ask_for_agent(app, customer).await;
    let t = eventually("assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(status, 200);
    id
}

#[tokio::test]
async fn within_the_thread_window_a_message_reopens_the_resolved_ticket() {
    let app = TestApp::spawn_with(spawn_options(demo())).await;
    let customer = "34680000003";
    let id = escalate_and_resolve(&app, customer).await;

    app.post_webhook(&text_webhook(
        customer,
        "Cliente",
        &wamid(),
        "perdona, una cosa más",
    ))
    .await;

    let t = eventually("the reopened ticket assigned again", || async {
        let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    assert!(
        t["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("reopened"))
    );
    let actions: Vec<&str> = t["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"reopened"), "{actions:?}");
    assert_eq!(tickets(&app).await.len(), 1, "no second ticket");
    app.stop().await;
}

#[tokio::test]
async fn after_the_thread_window_a_message_starts_a_new_ticket_linked_to_the_old() {
    let no_window = demo().replace("thread_window_hours: 24", "thread_window_hours: 0");
    let app = TestApp::spawn_with(spawn_options(no_window)).await;
    let customer = "34680000004";
    let old = escalate_and_resolve(&app, customer).await;

    app.post_webhook(&text_webhook(
        customer,
        "Cliente",
        &wamid(),
        "hola de nuevo",
    ))
    .await;

    let fresh = eventually("a new ticket", || async {
        let t = tickets(&app).await;
        t.into_iter()
            .find(|x| x["id"] != old.as_str() && x["customer"] == customer)
    })
    .await;
    assert_eq!(fresh["previous_ticket"], old.as_str());
    assert_eq!(fresh["status"], "bot", "the bot starts the new thread");
    let (_, old_ticket) = app
        .api_get("bruno", &format!("/api/v1/tickets/{old}"))
        .await;
    assert_eq!(old_ticket["status"], "resolved");
    app.stop().await;
}

#[tokio::test]
async fn a_transfer_to_another_team_frees_the_agent_and_keeps_the_note_in_the_audit() {
    let app = TestApp::spawn_with(spawn_options(demo())).await;
    let customer = "34680000005";
    ask_for_agent(&app, customer).await;
    let t = eventually("assigned to ana", || async {
        let t = app.ticket_of(customer).await?;
        (t["assignee"] == "ana").then_some(t)
    })
    .await;
    let id = t["id"].as_str().unwrap();

    let (status, moved) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"team_id": "specialists", "note": "pide un reembolso de 900 €"}),
        )
        .await;

    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["team"], "specialists");
    assert_eq!(moved["tier"], "L3");
    let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(
        t["assignee"], "bruno",
        "the specialists' only agent took it from the queue"
    );
    let transfer = t["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "transferred")
        .unwrap();
    assert_eq!(transfer["actor"], "ana");
    assert_eq!(
        transfer["detail"],
        "to team specialists: pide un reembolso de 900 €"
    );
    assert_eq!(loads(&app).await["ana"].0, 0);
    let (status, err) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"note": "nowhere"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    app.stop().await;
}

#[tokio::test]
async fn a_snoozed_ticket_wakes_by_itself_at_its_time() {
    let app = TestApp::spawn_with(Options {
        config: demo(),
        manual_clock: true,
        ..Options::default()
    })
    .await;
    let customer = "34680000006";
    ask_for_agent(&app, customer).await;
    let t = eventually("assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    let id = t["id"].as_str().unwrap();
    let until = (app.manual_clock().now() + jiff::SignedDuration::from_secs(2)).to_string();

    let (status, body) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "snoozed", "until": until}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "snoozed");
    let (status, err) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "snoozed"}),
        )
        .await;
    assert_eq!(status, 422, "snoozing needs a time: {err}");
    assert_eq!(err["error"]["code"], "invalid_input");
    let (status, err) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/status"),
            json!({"status": "snoozed", "until": until}),
        )
        .await;
    assert_eq!(status, 409, "already snoozed: {err}");
    let (_, t) = app.api_get("ana", &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(t["status"], "snoozed", "asleep until its time");

    app.advance(jiff::SignedDuration::from_secs(3));
    app.sweep().await;
    eventually("the ticket to wake", || async {
        let (_, t) = app.api_get("ana", &format!("/api/v1/tickets/{id}")).await;
        (t["status"] == "assigned").then_some(())
    })
    .await;
    app.stop().await;
}
