//! Web Push on the local runner: an agent's browser subscribes through the API; an
//! assignment and a mention then reach a pretend push service as messages only that browser
//! can open, each with a VAPID token that verifies against the key the API hands out. A
//! subscription the push service says is gone (410) is forgotten, and one whose push service
//! hangs delays neither the others nor the request that caused the notification.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use turno_core::app::push_subscriptions;
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_notify::push::PushPayload;
use turno_notify::push::testing::{TestBrowser, verify_vapid};
use turno_tests::{TestApp, eventually, text_webhook, wamid};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CUSTOMER: &str = "34600111333";

async fn subscribe(app: &TestApp, agent: &str, browser: &TestBrowser, endpoint: &str) -> u16 {
    let (p256dh, auth) = browser.keys();
    let (status, _) = app
        .api_post(
            agent,
            "/api/v1/push/subscriptions",
            json!({ "endpoint": endpoint, "keys": { "p256dh": p256dh, "auth": auth } }),
        )
        .await;
    status
}

/// The payloads `browser` received at `route`, opened with its keys.
async fn opened(server: &MockServer, route: &str, browser: &TestBrowser) -> Vec<PushPayload> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .map(|r| {
            let plain = browser
                .decrypt(&r.body)
                .expect("the push opens with the browser's keys");
            serde_json::from_slice(&plain).expect("the payload is JSON")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignments_and_mentions_reach_the_agents_browsers_encrypted_and_signed() {
    let app = TestApp::spawn().await;
    let (status, key) = app.api_get("ana", "/api/v1/push/key").await;
    assert_eq!(status, 200);
    let public_key = key["public_key"].as_str().expect("a public key").to_owned();

    let push = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ok"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&push)
        .await;
    Mock::given(method("POST"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(410))
        .mount(&push)
        .await;
    Mock::given(method("POST"))
        .and(path("/hangs"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(30)))
        .mount(&push)
        .await;
    let laptop = TestBrowser::new(1);
    let phone = TestBrowser::new(2);
    let old = TestBrowser::new(3);
    for (browser, route) in [(&laptop, "/hangs"), (&phone, "/ok"), (&old, "/gone")] {
        let endpoint = format!("{}{route}", push.uri());
        assert_eq!(subscribe(&app, "ana", browser, &endpoint).await, 201);
    }

    // A handoff assigns the ticket to ana: her phone hears of it.
    let r = app
        .post_webhook(&text_webhook(
            CUSTOMER,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
    let assigned = eventually("ana's phone gets the assignment", || async {
        let got = opened(&push, "/ok", &phone).await;
        got.into_iter().find(|p| p.kind == "assigned")
    })
    .await;
    let ticket = assigned.ticket.clone();
    assert_eq!(assigned.workspace, turno_tests::WORKSPACE);

    // The push service said the old browser is gone: it is forgotten, and asked no more.
    let ws = WorkspaceId::parse(turno_tests::WORKSPACE).unwrap();
    let ana = AgentId::parse("ana").unwrap();
    let left = eventually("the gone subscription is forgotten", || async {
        let store = app.running.turno.store();
        let subs = push_subscriptions(store.as_ref(), &ws, &ana).await.ok()?;
        (subs.len() == 2).then_some(subs)
    })
    .await;
    assert!(left.iter().all(|s| !s.endpoint.ends_with("/gone")));
    assert_eq!(count(&push, "/gone").await, 1);

    // Bruno mentions her in a note: the request does not wait for the hanging push service.
    let started = Instant::now();
    let (status, _) = app
        .api_post(
            "bruno",
            &format!("/api/v1/tickets/{ticket}/notes"),
            json!({ "text": "@ana mira este pedido" }),
        )
        .await;
    assert_eq!(status, 201);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the note waited for a push service: {:?}",
        started.elapsed()
    );
    let mention = eventually("ana's phone gets the mention", || async {
        let got = opened(&push, "/ok", &phone).await;
        got.into_iter().find(|p| p.kind == "mention")
    })
    .await;
    assert_eq!(
        mention,
        PushPayload {
            kind: "mention".into(),
            workspace: turno_tests::WORKSPACE.into(),
            ticket: ticket.clone(),
        }
    );
    assert_eq!(
        count(&push, "/gone").await,
        1,
        "a gone subscription was pushed to again"
    );

    // Every push carried a VAPID token for the push service's origin, signed by the key the
    // API hands browsers; and the payload never holds the note's words.
    for r in push.received_requests().await.unwrap_or_default() {
        let auth = r.headers["authorization"].to_str().unwrap();
        verify_vapid(auth, &public_key, &push.uri()).expect("the VAPID token verifies");
        assert_eq!(r.headers["content-encoding"], "aes128gcm");
    }
    let bodies: Vec<Value> = opened(&push, "/ok", &phone)
        .await
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap())
        .collect();
    assert!(!format!("{bodies:?}").contains("pedido"), "{bodies:?}");
}

async fn count(server: &MockServer, route: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_checked_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let browser = TestBrowser::new(9);
    // Not a push service URL: refused with what is wrong.
    assert_eq!(
        subscribe(&app, "ana", &browser, "ftp://push.example/x").await,
        422
    );
    assert_eq!(
        subscribe(&app, "ana", &browser, "http://push.example/x").await,
        422
    );
    let (status, body) = app
        .api_post(
            "ana",
            "/api/v1/push/subscriptions",
            json!({ "endpoint": "https://push.example/x", "keys": { "p256dh": "short", "auth": "x" } }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        subscribe(&app, "ana", &browser, "https://push.example/x").await,
        201
    );
    let delete = |endpoint: &str| {
        app.http
            .delete(app.url(&format!(
                "/api/v1/push/subscriptions?endpoint={}",
                urlencode(endpoint)
            )))
            .bearer_auth(app.token("ana"))
            .send()
    };
    assert_eq!(
        delete("https://push.example/x").await.unwrap().status(),
        204
    );
    assert_eq!(
        delete("https://push.example/x").await.unwrap().status(),
        404
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
