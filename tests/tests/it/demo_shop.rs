//! The local demo as the README runs it (`cargo run --bin turno`: the built-in demo
//! configuration, sandbox mode): a sandbox customer asks where their parcel is, and the
//! order-status flow gets a live answer from the demo shop the runner serves itself.

use serde_json::{Value, json};
use turno_core::kernel::lang::Lang;
use turno_local::{LocalConfig, Running, demo_shop};
use turno_tests::eventually;

struct Demo {
    running: Running,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Demo {
    /// The runner with the README's defaults: no TURNO_CONFIG, no WhatsApp token.
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LocalConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
        let running = turno_local::start(cfg).await.unwrap();
        assert!(running.sandbox.is_some(), "the demo runs in sandbox mode");
        Demo {
            running,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn say(&self, customer: &str, text: &str) {
        let r = self
            .http
            .post(format!("{}/sandbox/api/messages", self.running.url()))
            .json(&json!({ "customer": customer, "name": "Lucía", "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }

    /// The texts sent to `customer`, once there are at least `n`.
    async fn replies(&self, customer: &str, n: usize) -> Vec<String> {
        eventually(&format!("{n} replies to {customer}"), || async {
            let body: Value = self
                .http
                .get(format!("{}/sandbox/api/messages", self.running.url()))
                .query(&[("customer", customer)])
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let texts: Vec<String> = body["messages"]
                .as_array()?
                .iter()
                .filter_map(|m| m["message"]["body"].as_str().map(str::to_owned))
                .collect();
            (texts.len() >= n).then_some(texts)
        })
        .await
    }

    async fn ticket_status(&self, customer: &str) -> String {
        let bruno = self
            .running
            .tokens
            .iter()
            .find(|t| t.agent.as_str() == "bruno");
        let body: Value = self
            .http
            .get(format!("{}/api/v1/tickets?limit=500", self.running.url()))
            .bearer_auth(&bruno.unwrap().token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let t = body["items"]
            .as_array()
            .and_then(|all| all.iter().find(|t| t["customer"] == customer))
            .unwrap_or_else(|| panic!("no ticket for {customer} in {body}"));
        t["status"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_sandbox_customer_asks_for_their_parcel_and_gets_the_demo_order_s_status() {
    let demo = Demo::start().await;
    let customer = "34611000001";

    demo.say(customer, "¿Dónde está mi paquete?").await;
    let r = demo.replies(customer, 1).await;
    assert!(r[0].contains("número de pedido"), "{r:?}");

    let order = demo_shop::ORDERS[0];
    let (number, status, eta) = (order.number, order.status(Lang::Es), order.eta(Lang::Es));
    demo.say(customer, number).await;
    let r = demo.replies(customer, 2).await;
    assert_eq!(
        r[1],
        format!("Gracias, Lucía. Tu pedido {number} está: {status}. Entrega prevista: {eta}.")
    );
    assert_eq!(demo.ticket_status(customer).await, "bot", "no handoff");
    demo.running.stop().await;
}

#[tokio::test]
async fn a_customer_writing_in_english_or_portuguese_gets_the_status_in_their_language() {
    let demo = Demo::start().await;
    let order = demo_shop::ORDERS[3];

    let english = "34611000003";
    demo.say(
        english,
        &format!("Good afternoon, where is my order {}?", order.number),
    )
    .await;
    // The greeting, then the answer.
    let r = demo.replies(english, 2).await;
    let (status, eta) = (order.status(Lang::En), order.eta(Lang::En));
    assert!(
        r.last()
            .is_some_and(|t| t.contains(status) && t.contains(eta)),
        "{r:?}"
    );

    let portuguese = "34611000004";
    demo.say(portuguese, "Oi, cadê meu pedido?").await;
    // The greeting and the question for the number, then the answer.
    demo.replies(portuguese, 2).await;
    demo.say(portuguese, order.number).await;
    let r = demo.replies(portuguese, 3).await;
    assert_eq!(
        r[2],
        format!(
            "Obrigado, Lucía. Seu pedido {} está: {}. Entrega prevista: {}.",
            order.number,
            order.status(Lang::Pt),
            order.eta(Lang::Pt)
        )
    );
    demo.running.stop().await;
}

#[tokio::test]
async fn an_unknown_order_number_gets_the_not_found_answer() {
    let demo = Demo::start().await;
    let customer = "34611000002";

    demo.say(customer, "¿Dónde está mi paquete?").await;
    demo.replies(customer, 1).await;
    demo.say(customer, "99999").await;
    let r = demo.replies(customer, 2).await;
    assert_eq!(
        r[1],
        "No encuentro ningún pedido con el número 99999. Revísalo y escríbemelo de nuevo, por favor."
    );
    assert_eq!(demo.ticket_status(customer).await, "bot", "no handoff");
    demo.running.stop().await;
}

#[tokio::test]
async fn the_demo_shop_wants_the_bearer_token_and_answers_404_for_unknown_orders() {
    let demo = Demo::start().await;
    let url = |n: &str| format!("{}/demo/shop/orders/{n}", demo.running.url());

    let r = demo.http.get(url("123456")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = demo
        .http
        .get(url("123456"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let token = demo_shop::token_from(|n| std::env::var(n).ok().filter(|v| !v.is_empty()));
    let r = demo
        .http
        .get(url("123456"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let order: Value = r.json().await.unwrap();
    assert_eq!(order["status"], "en reparto");
    assert_eq!(order["delivery"]["eta"], "hoy antes de las 20 h");

    let r = demo
        .http
        .get(url("99999"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    demo.running.stop().await;
}
