//! WhatsApp outages on the local runner: replies wait (the breaker pauses sending, jobs go
//! back to the queue without spending their attempts) and go out exactly once, in order per
//! customer, once the Graph API answers again.
//!
//! The runner runs on a manual clock: an outage of 30 s or 10 min is the fake Graph API
//! failing while the test moves the clock in steps, waiting at each step until no job is due
//! or running. Queue delays, the breaker's cool-down and `Retry-After` all read that clock,
//! so a 10-minute outage takes seconds of real time.

use std::collections::HashMap;

use jiff::SignedDuration;
use serde_json::Value;
use turno_core::ports::QueueName;
use turno_tests::{Fault, Options, TestApp, webhook_with_messages};

const DOWN: Fault = Fault {
    status: 503,
    code: 2,
    retry_after_secs: None,
};

async fn app() -> TestApp {
    TestApp::spawn_with(Options {
        manual_clock: true,
        ..Options::default()
    })
    .await
}

fn customer(i: usize) -> String {
    format!("3469100{i:04}")
}

/// Each customer writes "hola" (greeting and menu: two replies) then "1" (asks for the order
/// number), in one webhook: three replies each, the third only after the first two.
async fn customers_write(app: &TestApp, n: usize) {
    for i in 0..n {
        let c = customer(i);
        let (w1, w2) = (format!("wamid.o{i}a"), format!("wamid.o{i}b"));
        let body = webhook_with_messages(&[
            (c.as_str(), "Cliente", w1.as_str(), "hola"),
            (c.as_str(), "Cliente", w2.as_str(), "1"),
        ]);
        assert_eq!(app.post_webhook(&body).await.status(), 200);
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Figures {
    delivered: usize,
    duplicates: usize,
    order_violations: usize,
    dead_letters: usize,
}

fn text(m: &Value) -> String {
    m["text"]["body"]
        .as_str()
        .or_else(|| m["interactive"]["body"]["text"].as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn figures(app: &TestApp, n: usize) -> Figures {
    let mut per_customer: HashMap<String, Vec<String>> = HashMap::new();
    let delivered = app.graph.delivered();
    for m in &delivered {
        let to = m["to"].as_str().unwrap_or_default().to_owned();
        per_customer.entry(to).or_default().push(text(m));
    }
    let reference = per_customer.get(&customer(0)).cloned().unwrap_or_default();
    let mut duplicates = 0;
    let mut order_violations = 0;
    for i in 0..n {
        let texts = per_customer.remove(&customer(i)).unwrap_or_default();
        let mut distinct = texts.clone();
        distinct.sort();
        distinct.dedup();
        duplicates += texts.len() - distinct.len();
        let asks_for_order = texts.iter().position(|t| t.contains("número de pedido"));
        if texts.len() < 3 || asks_for_order != Some(2) || texts != reference {
            order_violations += 1;
        }
    }
    let mut dead_letters = 0;
    for q in QueueName::ALL {
        dead_letters += app.running.queues.dead_letters(q).unwrap().len();
    }
    Figures {
        delivered: delivered.len(),
        duplicates,
        order_violations,
        dead_letters,
    }
}

async fn health(app: &TestApp) -> Value {
    app.http
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Moves the clock by `step` until `secs` have passed, letting every due job run at each step.
async fn pass(app: &TestApp, secs: i64, step: i64) {
    let mut passed = 0;
    while passed < secs {
        app.quiet().await;
        app.advance(SignedDuration::from_secs(step));
        passed += step;
    }
    app.quiet().await;
}

/// After recovery, moves the clock until every reply is out (at most `limit` seconds).
async fn until_delivered(app: &TestApp, want: usize, limit: i64) -> i64 {
    let mut waited = 0;
    app.quiet().await;
    while app.graph.delivered().len() < want && waited < limit {
        app.advance(SignedDuration::from_secs(1));
        waited += 1;
        app.quiet().await;
    }
    waited
}

async fn outage(n: usize, down_secs: i64, step: i64) -> (Figures, i64) {
    let app = app().await;
    app.graph.fail_with(DOWN);
    customers_write(&app, n).await;
    pass(&app, down_secs, step).await;

    let h = health(&app).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(h["reasons"][0].as_str().unwrap().contains("paused"), "{h}");
    assert!(app.graph.delivered().is_empty());

    app.graph.recover();
    let waited = until_delivered(&app, 3 * n, 600).await;
    pass(&app, 120, 10).await;
    let f = figures(&app, n).await;
    let h = health(&app).await;
    assert_eq!(h["status"], "ok", "{h}");
    app.stop().await;
    (f, waited)
}

#[tokio::test]
async fn fifty_customers_through_a_30_second_outage_are_answered_once_and_in_order() {
    let n = 50;
    let (f, waited) = outage(n, 30, 1).await;
    println!("30 s outage, {n} customers: {f:?}; last reply {waited} s after recovery");
    assert_eq!(
        f,
        Figures {
            delivered: 3 * n,
            duplicates: 0,
            order_violations: 0,
            dead_letters: 0
        }
    );
}

#[tokio::test]
async fn a_ten_minute_outage_leaves_nothing_in_the_dead_letters() {
    let n = 20;
    let (f, waited) = outage(n, 600, 5).await;
    println!("10 min outage, {n} customers: {f:?}; last reply {waited} s after recovery");
    assert_eq!(
        f,
        Figures {
            delivered: 3 * n,
            duplicates: 0,
            order_violations: 0,
            dead_letters: 0
        }
    );
}

#[tokio::test]
async fn throttling_is_waited_out_for_as_long_as_retry_after_asks() {
    let n = 10;
    let app = app().await;
    app.graph.fail_with(Fault {
        status: 429,
        code: 130429,
        retry_after_secs: Some(20),
    });
    customers_write(&app, n).await;
    app.quiet().await;
    let first_round = app.graph.requests().await;
    assert!(first_round >= n, "every first reply was tried once");

    pass(&app, 15, 1).await;
    assert_eq!(
        app.graph.requests().await,
        first_round,
        "nothing is sent again before Retry-After has passed"
    );
    app.graph.recover();
    let waited = until_delivered(&app, 3 * n, 600).await;
    pass(&app, 60, 10).await;
    let f = figures(&app, n).await;
    println!(
        "429 Retry-After 20 s, {n} customers: {f:?}; {first_round} throttled requests; last reply {waited} s after recovery"
    );
    app.stop().await;
    assert_eq!(
        f,
        Figures {
            delivered: 3 * n,
            duplicates: 0,
            order_violations: 0,
            dead_letters: 0
        }
    );
}

#[tokio::test]
async fn a_refused_token_dead_letters_the_message_and_an_admin_redrives_it_once_fixed() {
    let app = app().await;
    app.graph.fail_with(Fault {
        status: 401,
        code: 190,
        retry_after_secs: None,
    });
    customers_write(&app, 1).await;
    // A refused token is not an outage: every attempt counts, and the fifth ends it.
    let mut dead = Vec::new();
    for _ in 0..120 {
        app.quiet().await;
        dead = app.running.queues.dead_letters(QueueName::Inbound).unwrap();
        // Its group's next message is tried once the first is given up on, and fails too:
        // redriving before both are dead would put the first behind the second.
        if dead.len() == 2 {
            break;
        }
        app.advance(SignedDuration::from_secs(1));
    }
    assert_eq!(dead.len(), 2, "both messages are dead-lettered");
    let h = health(&app).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(h["reasons"][0].as_str().unwrap().contains("redrive"), "{h}");
    let (status, listed) = app.api_get("diego", "/api/v1/admin/dead-letters").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["dead_letters"][0]["queue"], "inbound", "{listed}");
    assert!(listed["dead_letters"][0]["group"].is_string(), "{listed}");
    let (status, _) = app.api_get("bruno", "/api/v1/admin/dead-letters").await;
    assert_eq!(
        status, 403,
        "supervisors do not see the deployment's dead letters"
    );

    app.graph.recover();
    let (status, moved) = app
        .api_post(
            "diego",
            "/api/v1/admin/dead-letters/redrive?queue=inbound",
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["redriven"][0]["moved"], 2, "{moved}");
    until_delivered(&app, 3, 600).await;
    pass(&app, 60, 10).await;
    let f = figures(&app, 1).await;
    assert_eq!(
        f,
        Figures {
            delivered: 3,
            duplicates: 0,
            order_violations: 0,
            dead_letters: 0
        }
    );
    assert_eq!(health(&app).await["status"], "ok");
    app.stop().await;
}
