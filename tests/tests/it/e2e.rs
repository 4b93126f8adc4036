//! End to end on the local runner: signed webhooks in, replies at a fake Graph API, tickets
//! through the agent API, SLA breaches at a fake notification webhook.

use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Value, json};
use turno_tests::{
    APP_SECRET, Options, TestApp, VERIFY_TOKEN, demo_config_with_first_response, eventually, sign,
    text_webhook, text_webhook_at, wamid,
};

async fn wait_for_texts(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} messages to {to}"), || async {
        let t = app.graph.texts_to(to).await;
        (t.len() >= n).then_some(t)
    })
    .await
}

async fn escalate(app: &TestApp, customer: &str) -> Value {
    let r = app
        .post_webhook(&text_webhook(
            customer,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
    eventually("the ticket to be assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await
}

#[tokio::test]
async fn when_customer_says_hola_should_get_greeting_and_menu() {
    let app = TestApp::spawn().await;

    let r = app
        .post_webhook(&text_webhook("34600111222", "Lucía", &wamid(), "hola"))
        .await;

    assert_eq!(r.status(), 200);
    let texts = wait_for_texts(&app, "34600111222", 2).await;
    assert!(texts[0].contains("Hola"), "greeting: {texts:?}");
    assert!(
        texts[1].contains("1. Estado de mi pedido"),
        "menu: {texts:?}"
    );
    assert!(
        texts[1].contains("4. Hablar con una persona"),
        "menu: {texts:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn when_customer_asks_for_agent_should_queue_assign_arm_sla_and_agent_reply_stops_clock() {
    let app = TestApp::spawn().await;
    let customer = "5215512345678";

    let ticket = escalate(&app, customer).await;

    let texts = wait_for_texts(&app, customer, 1).await;
    assert!(
        texts[0].contains("Te paso con una persona"),
        "handoff text: {texts:?}"
    );
    assert_eq!(ticket["team"], "support");
    assert_eq!(ticket["tier"], "L2");
    assert_eq!(
        ticket["assignee"], "ana",
        "least busy, never assigned, first by id"
    );
    assert!(
        ticket["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("explicit_request"))
    );
    assert!(
        ticket["sla_due_at"].is_string(),
        "first-response clock armed: {ticket}"
    );
    let id = ticket["id"].as_str().unwrap().to_owned();
    eventually("the assignment notification", || async {
        let n = app.notify.of_kind("ticket_assigned").await;
        (n.len() == 1 && n[0]["turno"]["agent"] == "ana").then_some(())
    })
    .await;

    let (status, entry) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"text": "Hola Lucía, soy Ana. ¿En qué te ayudo?"}),
        )
        .await;

    assert_eq!(status, 201, "{entry}");
    let texts = wait_for_texts(&app, customer, 2).await;
    assert_eq!(texts[1], "Hola Lucía, soy Ana. ¿En qué te ayudo?");
    let (_, after) = app.api_get("ana", &format!("/api/v1/tickets/{id}")).await;
    assert!(
        after["sla"]["clocks"]["first_response"]["met_at"].is_string(),
        "{after}"
    );
    assert!(after["sla_due_at"].is_null(), "clock stopped: {after}");
    let transcript = after["transcript"].as_array().unwrap();
    assert_eq!(transcript.last().unwrap()["author"]["kind"], "agent");
    app.stop().await;
}

#[tokio::test]
async fn unanswered_ticket_past_its_deadline_breaches_once_with_one_notification() {
    let app = TestApp::spawn_with(Options {
        config: demo_config_with_first_response(2),
        manual_clock: true,
        ..Options::default()
    })
    .await;
    let customer = "34600999888";
    let ticket = escalate(&app, customer).await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let first_response = |t: &Value| t["sla"]["clocks"]["first_response"].clone();

    // The 80 % warning first, then the deadline: the timer's two hops.
    app.advance(SignedDuration::from_millis(1700));
    eventually("the warning", || async {
        let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
        first_response(&t)["warned_at"].is_string().then_some(())
    })
    .await;
    app.advance(SignedDuration::from_secs(1));
    let breached = eventually("the breach", || async {
        let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
        first_response(&t)["breached_at"].is_string().then_some(t)
    })
    .await;
    // Both the timer and the sweeps look at the ticket; only one notice goes out.
    for _ in 0..3 {
        app.advance(SignedDuration::from_secs(1));
        app.sweep().await;
    }
    // The notice goes out after the breach is recorded, and is marked sent after that.
    let later = eventually("the breach notice marked sent", || async {
        let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
        (first_response(&t)["breach_notice"]["state"] == "sent").then_some(t)
    })
    .await;
    let stopped = app.stop_when_idle().await;

    let notices = stopped.notify.of_kind("sla_breached").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["turno"]["ticket_id"], id.as_str());
    assert_eq!(
        first_response(&later)["breached_at"],
        first_response(&breached)["breached_at"]
    );
    assert_eq!(first_response(&later)["breach_notice"]["state"], "sent");
    let warnings = stopped.notify.of_kind("sla_warning").await;
    assert_eq!(warnings.len(), 1, "the 80 % warning, once: {warnings:?}");
    let events = stopped
        .events
        .events(&turno_core::kernel::ids::WorkspaceId::parse(turno_tests::WORKSPACE).unwrap())
        .unwrap();
    let breaches = events.iter().filter(|e| e.name() == "SlaBreached").count();
    assert_eq!(breaches, 1);
}

#[tokio::test]
async fn forged_signature_gets_401_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let body = text_webhook("34600111222", "Mallory", &wamid(), "hola");

    let forged = app
        .post_webhook_signed_with(&body, "not-the-app-secret")
        .await;
    let unsigned = app
        .http
        .post(app.url("/webhook/whatsapp"))
        .body(body.clone())
        .send()
        .await
        .unwrap();

    assert_eq!(forged.status(), 401);
    assert_eq!(unsigned.status(), 401);
    let err: Value = forged.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid_signature");
    assert_nothing_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn signed_bodies_turno_cannot_read_get_200_are_quarantined_and_start_nothing() {
    let app = TestApp::spawn().await;

    let bodies = [
        "{not json".to_owned(),
        json!({"object": "page", "entry": []}).to_string(),
        text_webhook("34600111222", "Lucía", &wamid(), "hola")
            .replace("34600111222", "not-a-phone"),
    ];
    for body in &bodies {
        let r = app.post_webhook(body).await;
        assert_eq!(r.status(), 200, "body {body}");
        let accepted: Value = r.json().await.unwrap();
        assert_eq!(accepted["quarantined"], 1, "{accepted}");
        assert_eq!(accepted["messages"], 0, "{accepted}");
    }
    // A redelivery is kept once.
    assert_eq!(app.post_webhook(&bodies[0]).await.status(), 200);

    assert_nothing_stored(&app).await;
    let (status, page) = app.api_get("diego", "/api/v1/admin/quarantine").await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{page}");
    let reasons: Vec<&str> = items
        .iter()
        .map(|i| i["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("not valid JSON")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("\"page\"")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("WhatsApp id")),
        "{reasons:?}"
    );
    assert!(items.iter().any(|i| i["raw"] == "{not json"), "{page}");
    // Only the bad sender's phone number id could be read; the other two are the
    // deployment's, kept once and shown here.
    let scopes: Vec<&str> = items.iter().map(|i| i["scope"].as_str().unwrap()).collect();
    assert_eq!(
        scopes.iter().filter(|s| **s == "deployment").count(),
        2,
        "{page}"
    );
    assert_eq!(
        scopes.iter().filter(|s| **s == "workspace").count(),
        1,
        "{page}"
    );
    let (status, _) = app.api_get("ana", "/api/v1/admin/quarantine").await;
    assert_eq!(status, 403, "admins only");
    app.stop().await;
}

async fn assert_nothing_stored(app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let h: Value = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for q in h["queues"].as_array().unwrap() {
        assert_eq!(q["depth"], 0, "{q}");
        assert_eq!(q["dead_letters"], 0, "{q}");
    }
    let (_, list) = app.api_get("bruno", "/api/v1/tickets").await;
    assert_eq!(list["items"], json!([]));
    assert!(app.graph.sent().await.is_empty());
}

#[tokio::test]
async fn same_webhook_delivered_three_times_yields_one_stored_message_and_one_reply() {
    let app = TestApp::spawn().await;
    let customer = "351912345678";
    let body = text_webhook(customer, "João", &wamid(), "olá, bom dia");

    for _ in 0..3 {
        assert_eq!(app.post_webhook(&body).await.status(), 200);
    }

    wait_for_texts(&app, customer, 2).await;
    app.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let texts = app.graph.texts_to(customer).await;
    assert_eq!(texts.len(), 2, "one greeting and one menu, once: {texts:?}");
    assert!(
        texts[0].contains("Olá"),
        "answered in Portuguese: {texts:?}"
    );
    let ticket = app.ticket_of(customer).await;
    // Bot-only conversations are tickets in the `bot` status; supervisors see them.
    let ticket = ticket.expect("the conversation's ticket");
    let inbound = ticket["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"]["kind"] == "customer")
        .count();
    assert_eq!(inbound, 1);
    app.stop().await;
}

#[tokio::test]
async fn verification_handshake_echoes_the_challenge_only_with_the_right_token() {
    let app = TestApp::spawn().await;
    let url = |token: &str| {
        app.url(&format!(
            "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
    };

    let ok = app.http.get(url(VERIFY_TOKEN)).send().await.unwrap();
    let wrong = app.http.get(url("guess")).send().await.unwrap();

    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(wrong.status(), 403);
    assert!(!wrong.text().await.unwrap().contains("1158201444"));
    app.stop().await;
}

#[tokio::test]
async fn agent_api_refuses_requests_without_a_valid_token() {
    let app = TestApp::spawn().await;

    let none = app
        .http
        .get(app.url("/api/v1/tickets"))
        .send()
        .await
        .unwrap();
    let garbage = app
        .http
        .get(app.url("/api/v1/tickets"))
        .bearer_auth("not.a.jwt")
        .send()
        .await
        .unwrap();

    assert_eq!(none.status(), 401);
    assert_eq!(garbage.status(), 401);
    let err: Value = none.json().await.unwrap();
    assert_eq!(err["error"]["code"], "unauthorized");
    app.stop().await;
}

#[tokio::test]
async fn third_unrecognised_message_hands_off_with_failed_attempts_reason() {
    let app = TestApp::spawn().await;
    let customer = "34611222333";
    app.post_webhook(&text_webhook(customer, "Eva", &wamid(), "hola"))
        .await;
    wait_for_texts(&app, customer, 2).await;

    for (i, text) in ["asdf qwer", "zzzz", "ñññ"].iter().enumerate() {
        app.post_webhook(&text_webhook(customer, "Eva", &wamid(), text))
            .await;
        // Two replies (fallback + menu) for the first two, one (handoff) for the third.
        wait_for_texts(&app, customer, 2 + 2 * (i + 1).min(2) + usize::from(i == 2)).await;
    }

    let ticket = eventually("the handoff", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    assert!(
        ticket["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("failed_attempts")),
        "{ticket}"
    );
    app.stop().await;
}

#[tokio::test]
async fn agent_reply_outside_the_24_hour_window_is_refused_with_window_closed() {
    let app = TestApp::spawn().await;
    let customer = "34622333444";
    // The customer's message is 25 hours old when it arrives (a late redelivery).
    let old = jiff::Timestamp::now().as_second() - 25 * 3600;
    let body = text_webhook_at(customer, "Old", &wamid(), "quiero un agente", old);
    app.post_webhook(&body).await;
    let ticket = eventually("the ticket", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    let id = ticket["id"].as_str().unwrap();

    let (status, err) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({"text": "hola"}),
        )
        .await;

    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "window_closed");
    app.stop().await;
}

#[tokio::test]
async fn signature_is_checked_over_the_exact_raw_bytes() {
    let app = TestApp::spawn().await;
    let body = text_webhook("34600111222", "Lucía", &wamid(), "hola");
    // Same JSON, different bytes: the signature of the compact form does not cover it.
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();

    let r = app
        .http
        .post(app.url("/webhook/whatsapp"))
        .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
        .body(pretty)
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), 401);
    app.stop().await;
}
