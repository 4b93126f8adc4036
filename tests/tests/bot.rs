//! The level-1 bot's understanding end to end: intents answered, sensitive topics and
//! frustration handed to a person with their reason codes.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::time::Duration;

use serde_json::{Value, json};
use turno_tests::{TestApp, eventually, text_webhook, wamid};

const WAIT: Duration = Duration::from_secs(10);

async fn say(app: &TestApp, customer: &str, text: &str) {
    let r = app
        .post_webhook(&text_webhook(customer, "Cliente", &wamid(), text))
        .await;
    assert_eq!(r.status(), 200);
}

async fn replies(app: &TestApp, customer: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} replies"), WAIT, || async {
        let t = app.graph.texts_to(customer).await;
        (t.len() >= n).then_some(t)
    })
    .await
}

async fn handed_off(app: &TestApp, customer: &str) -> Value {
    eventually("the handoff", WAIT, || async {
        let t = app.ticket_of(customer).await?;
        t["status"]
            .as_str()
            .is_some_and(|s| s != "bot")
            .then_some(t)
    })
    .await
}

#[tokio::test]
async fn two_ways_of_asking_for_a_parcel_get_the_same_order_status_answer() {
    let app = TestApp::spawn().await;

    say(&app, "34690000001", "¿Dónde está mi paquete?").await;
    say(&app, "34690000002", "Seguimiento de mi pedido").await;

    let a = replies(&app, "34690000001", 1).await;
    let b = replies(&app, "34690000002", 1).await;
    assert!(a[0].contains("lumen.example/pedidos"), "{a:?}");
    assert_eq!(a[0], b[0]);
    app.stop().await;
}

#[tokio::test]
async fn a_refund_request_goes_to_a_person_as_a_sensitive_topic_routed_to_specialists() {
    let app = TestApp::spawn().await;
    let customer = "34690000003";

    say(
        &app,
        customer,
        "quiero que me devuelvan el dinero de mi compra",
    )
    .await;

    let t = handed_off(&app, customer).await;
    let reasons = t["reasons"].as_array().unwrap();
    assert!(reasons.contains(&json!("sensitive_topic")), "{t}");
    assert!(reasons.contains(&json!("rule:money_matters")), "{t}");
    assert_eq!(t["team"], "specialists");
    app.stop().await;
}

#[tokio::test]
async fn a_frustrated_customer_is_handed_to_a_person() {
    let app = TestApp::spawn().await;
    let customer = "34690000004";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;

    say(
        &app,
        customer,
        "ESTO ES UNA VERGÜENZA, LLEVO DOS SEMANAS ESPERANDO!!!",
    )
    .await;

    let t = handed_off(&app, customer).await;
    assert!(
        t["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("frustration")),
        "{t}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_english_question_is_answered_in_english() {
    let app = TestApp::spawn().await;

    say(&app, "447700900001", "what payment methods do you accept?").await;

    let r = replies(&app, "447700900001", 1).await;
    assert!(r[0].starts_with("We take cards"), "{r:?}");
    app.stop().await;
}
