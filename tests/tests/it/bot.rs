//! The level-1 bot end to end on the local runner: intents answered, the order-status flow
//! on the business's API (a fake at the network edge), the optional LLM (a fake too), and
//! every escalation trigger with its reason code, including the out-of-hours path.

use std::time::Duration;

use serde_json::{Value, json};
use turno_core::ports::QueueName;
use turno_tests::{Options, TestApp, eventually, text_webhook, wamid};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn say(app: &TestApp, customer: &str, text: &str) {
    let r = app
        .post_webhook(&text_webhook(customer, "Cliente", &wamid(), text))
        .await;
    assert_eq!(r.status(), 200);
}

async fn replies(app: &TestApp, customer: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} replies"), || async {
        let t = app.graph.texts_to(customer).await;
        (t.len() >= n).then_some(t)
    })
    .await
}

async fn handed_off(app: &TestApp, customer: &str) -> Value {
    eventually("the handoff", || async {
        let t = app.ticket_of(customer).await?;
        t["status"]
            .as_str()
            .is_some_and(|s| s != "bot")
            .then_some(t)
    })
    .await
}

/// The demo configuration with the shop's API at `shop` (and a fixed test token in place of
/// the one the demo reads from the environment).
fn config_with_shop(shop: &MockServer) -> String {
    turno_local::config::DEMO_CONFIG
        .replace("http://{runner_address}/demo/shop", &shop.uri())
        .replace(
            r#"Authorization: { env: LUMEN_API_TOKEN, prefix: "Bearer " }"#,
            r#"Authorization: "Bearer shop-test-token""#,
        )
}

async fn shop() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/orders/123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": "123456", "status": "en reparto", "delivery": { "eta": "mañana antes de las 14 h" }
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orders/654321"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "number": "654321", "status": "preparando", "delivery": { "eta": "el lunes" }
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orders/777777"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "status": "tarde" }))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    server
}

async fn app_with(config: String) -> TestApp {
    TestApp::spawn_with(Options {
        config,
        ..Options::default()
    })
    .await
}

fn reasons(ticket: &Value) -> Vec<String> {
    ticket["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_ways_of_asking_for_a_parcel_lead_to_the_same_live_order_status_flow() {
    let shop = shop().await;
    let app = app_with(config_with_shop(&shop)).await;

    // Asked for the number, then given it.
    say(&app, "34690000001", "¿Dónde está mi paquete?").await;
    say(&app, "34690000002", "Seguimiento de mi pedido").await;
    let a = replies(&app, "34690000001", 1).await;
    let b = replies(&app, "34690000002", 1).await;
    assert!(a[0].contains("número de pedido"), "{a:?}");
    assert_eq!(a[0], b[0]);

    say(&app, "34690000001", "123456").await;
    let a = replies(&app, "34690000001", 2).await;
    assert_eq!(
        a[1],
        "Gracias, Cliente. Tu pedido 123456 está: en reparto. Entrega prevista: mañana antes de las 14 h."
    );

    // The number in the first message: answered at once.
    say(&app, "34690000005", "Seguimiento de mi pedido 654321").await;
    let c = replies(&app, "34690000005", 1).await;
    assert_eq!(
        c[0],
        "Gracias, Cliente. Tu pedido 654321 está: preparando. Entrega prevista: el lunes."
    );

    let calls = shop.received_requests().await.unwrap();
    assert_eq!(calls.len(), 2, "one lookup per order number");
    assert!(calls.iter().all(|r| {
        r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some("Bearer shop-test-token")
    }));
    let t = app.ticket_of("34690000001").await.unwrap();
    assert_eq!(t["status"], "bot");
    app.stop().await;
}

#[tokio::test]
async fn an_order_the_shop_does_not_know_is_asked_for_again_and_the_third_miss_hands_off() {
    let shop = shop().await;
    let app = app_with(config_with_shop(&shop)).await;
    let customer = "34690000006";

    say(&app, customer, "¿Dónde está mi pedido 11111?").await;
    let r = replies(&app, customer, 1).await;
    assert_eq!(
        r[0],
        "No encuentro ningún pedido con el número 11111. Revísalo y escríbemelo de nuevo, por favor."
    );
    say(&app, customer, "22222").await;
    let r = replies(&app, customer, 2).await;
    assert!(r[1].contains("22222"), "{r:?}");
    assert_eq!(app.ticket_of(customer).await.unwrap()["status"], "bot");

    say(&app, customer, "33333").await;
    let t = handed_off(&app, customer).await;
    assert!(reasons(&t).contains(&"failed_attempts".to_owned()), "{t}");
    app.stop().await;
}

#[tokio::test]
async fn a_shop_api_that_times_out_gets_an_apology_and_a_handoff_as_integration_failed() {
    let shop = shop().await;
    let config = config_with_shop(&shop).replace("timeout_ms: 3000", "timeout_ms: 300");
    let app = app_with(config).await;
    let customer = "34690000007";

    say(&app, customer, "¿Dónde está mi pedido 777777?").await;

    let t = handed_off(&app, customer).await;
    assert!(
        reasons(&t).contains(&"integration_failed".to_owned()),
        "{t}"
    );
    let r = replies(&app, customer, 2).await;
    assert_eq!(
        r[0],
        "Lo siento, ahora mismo no puedo consultar los pedidos."
    );
    assert!(r[1].starts_with("Te paso con una persona"), "{r:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_order_flow_starts_from_the_menu_too() {
    let shop = shop().await;
    let app = app_with(config_with_shop(&shop)).await;
    let customer = "34690000008";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;

    say(&app, customer, "1").await;
    let r = replies(&app, customer, 3).await;
    assert!(r[2].contains("número de pedido"), "{r:?}");
    say(&app, customer, "es el 123456").await;
    let r = replies(&app, customer, 4).await;
    assert!(r[3].contains("en reparto"), "{r:?}");
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

#[tokio::test]
async fn a_recognised_message_resets_the_failed_attempts() {
    let app = TestApp::spawn().await;
    let customer = "34690000009";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;
    // Each not-understood message gets two replies (fallback and menu), an answer one.
    let mut n = 2;
    for (text, more) in [
        ("asdf qwer", 2),
        ("zzzz", 2),
        ("¿qué métodos de pago aceptan?", 1),
        ("qwerty", 2),
        ("ñññ", 2),
    ] {
        say(&app, customer, text).await;
        n += more;
        let r = replies(&app, customer, n).await;
        if more == 1 {
            // Understood: the count starts again.
            assert!(r.last().unwrap().starts_with("Aceptamos tarjeta"), "{r:?}");
        }
    }
    assert_eq!(app.ticket_of(customer).await.unwrap()["status"], "bot");

    say(&app, customer, "blablabla").await;
    let t = handed_off(&app, customer).await;
    assert!(reasons(&t).contains(&"failed_attempts".to_owned()), "{t}");
    app.stop().await;
}

#[tokio::test]
async fn asking_for_a_person_in_words_or_from_the_menu_keeps_the_reason() {
    let app = TestApp::spawn().await;
    say(&app, "34690000010", "quiero hablar con un agente").await;
    say(&app, "34690000011", "hola").await;
    replies(&app, "34690000011", 2).await;
    say(&app, "34690000011", "4").await;

    let words = handed_off(&app, "34690000010").await;
    let menu = handed_off(&app, "34690000011").await;
    assert_eq!(reasons(&words)[0], "explicit_request", "{words}");
    assert_eq!(reasons(&menu)[0], "menu_choice", "{menu}");
    assert_eq!(menu["team"], "support");
    app.stop().await;
}

#[tokio::test]
async fn a_vip_customer_is_handed_off_with_high_priority() {
    let app = TestApp::spawn().await;
    say(&app, "34600000001", "quiero hablar con un agente").await; // the demo's VIP
    say(&app, "34690000012", "quiero hablar con un agente").await;

    let vip = handed_off(&app, "34600000001").await;
    let other = handed_off(&app, "34690000012").await;
    assert_eq!(vip["priority"], "high", "{vip}");
    assert!(reasons(&vip).contains(&"rule:vip".to_owned()), "{vip}");
    assert_eq!(other["priority"], "normal", "{other}");
    app.stop().await;
}

/// The demo with business hours on a calendar that is closed today and tomorrow (UTC), so it
/// is closed whenever the test runs.
fn closed_config() -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let tomorrow = today.tomorrow().unwrap();
    turno_local::config::DEMO_CONFIG
        .replace("# business_hours: office", "business_hours: closed_now")
        .replace(
            "      calendars:\n",
            &format!(
                "      calendars:\n        closed_now:\n          timezone: UTC\n          week: {{ mon: [\"00:00-24:00\"], tue: [\"00:00-24:00\"], wed: [\"00:00-24:00\"], thu: [\"00:00-24:00\"], fri: [\"00:00-24:00\"], sat: [\"00:00-24:00\"], sun: [\"00:00-24:00\"] }}\n          holidays: [\"{today}\", \"{tomorrow}\"]\n"
            ),
        )
}

#[tokio::test]
async fn outside_business_hours_the_message_is_taken_and_queued_without_a_live_handoff() {
    let config = closed_config();
    assert!(config.contains("business_hours: closed_now"));
    let app = app_with(config).await;
    let customer = "34690000013";

    say(&app, customer, "I want to talk to a person").await;

    let t = eventually("the queued ticket", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "queued").then_some(t)
    })
    .await;
    let r = reasons(&t);
    assert_eq!(r[0], "explicit_request", "{t}");
    assert!(r.contains(&"out_of_hours".to_owned()), "{t}");
    // The escalation is done and nobody was given the ticket, though agents are online.
    eventually("the escalation to finish", || async {
        (app.running.queues.depth(QueueName::Escalations).unwrap() == 0).then_some(())
    })
    .await;
    let t = app.ticket_of(customer).await.unwrap();
    assert_eq!(t["status"], "queued", "{t}");
    assert!(t["assignee"].is_null(), "{t}");
    let said = replies(&app, customer, 1).await;
    assert_eq!(
        said.len(),
        1,
        "no handoff or queue notice besides: {said:?}"
    );
    assert!(said[0].starts_with("We're closed right now"), "{said:?}");
    assert!(said[0].contains("ayuda@lumen.example"), "{said:?}");
    app.stop().await;
}

fn config_with_llm(llm: &MockServer, mode: &str) -> String {
    turno_local::config::DEMO_CONFIG.replace(
        "      # llm:\n",
        &format!(
            "      llm:\n        enabled: true\n        base_url: {}/v1\n        model: tiny\n        timeout_ms: 2000\n        mode: {mode}\n      # (was:) llm:\n",
            llm.uri()
        ),
    )
}

async fn fake_llm(status: u16, content: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(status).set_body_json(json!({
            "choices": [{ "message": { "role": "assistant", "content": content } }]
        })))
        .mount(&server)
        .await;
    server
}

/// Words the offline classifier does not recognise.
const OBSCURE: &str = "el zorblax de la quíntuple frobnicación";

#[tokio::test]
async fn the_llm_classifies_what_the_bot_did_not_understand() {
    let llm = fake_llm(200, "payment_methods").await;
    let app = app_with(config_with_llm(&llm, "classify")).await;
    let customer = "34690000014";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;

    say(&app, customer, OBSCURE).await;

    let r = replies(&app, customer, 3).await;
    assert!(r[2].starts_with("Aceptamos tarjeta"), "{r:?}");
    let asked = llm.received_requests().await.unwrap();
    assert_eq!(
        asked.len(),
        1,
        "only the message the bot did not understand"
    );
    let body: Value = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(body["model"], "tiny");
    assert_eq!(body["messages"][1]["content"], OBSCURE);
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("payment_methods")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_llm_answers_from_the_faq_when_asked_to() {
    let llm = fake_llm(200, "Aceptamos Bizum, sí.").await;
    let app = app_with(config_with_llm(&llm, "answer")).await;
    let customer = "34690000015";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;

    say(&app, customer, OBSCURE).await;

    let r = replies(&app, customer, 3).await;
    assert_eq!(r[2], "Aceptamos Bizum, sí.");
    let body: Value =
        serde_json::from_slice(&llm.received_requests().await.unwrap()[0].body).unwrap();
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Bizum y contra reembolso")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_llm_leaves_the_bot_on_its_own() {
    let llm = fake_llm(500, "").await;
    let app = app_with(config_with_llm(&llm, "classify")).await;
    let customer = "34690000016";
    say(&app, customer, "hola").await;
    replies(&app, customer, 2).await;

    say(&app, customer, OBSCURE).await;

    let r = replies(&app, customer, 4).await;
    assert_eq!(r[2], "Perdona, no te he entendido.");
    assert_eq!(llm.received_requests().await.unwrap().len(), 1);
    app.stop().await;
}
