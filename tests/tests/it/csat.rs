//! The satisfaction survey on the local runner in sandbox mode: an agent resolves a sandbox
//! customer's ticket, the survey list reaches the customer after the delay, the customer types
//! their score and it is on the ticket the agent API shows.

use serde_json::{Value, json};
use turno_tests::{Options, TestApp, eventually};

/// The demo configuration with the survey one second after the resolution.
fn config() -> String {
    let demo = turno_local::config::DEMO_CONFIG;
    let quick = demo.replace("delay_secs: 300", "delay_secs: 1");
    assert_ne!(quick, demo, "the demo configures the survey delay");
    quick
}

async fn say(app: &TestApp, customer: &str, text: &str) {
    let r = app
        .http
        .post(app.url("/sandbox/api/messages"))
        .json(&json!({ "customer": customer, "name": "Lucía", "text": text }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
}

/// What the sandbox channel sent to `customer`.
async fn outbox(app: &TestApp, customer: &str) -> Option<Vec<Value>> {
    let body: Value = app
        .http
        .get(app.url("/sandbox/api/messages"))
        .query(&[("customer", customer)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some(body["messages"].as_array()?.clone())
}

#[tokio::test]
async fn a_sandbox_customer_answers_the_survey_and_the_score_is_on_the_ticket() {
    let app = TestApp::spawn_sandbox_with(Options {
        config: config(),
        ..Options::default()
    })
    .await;
    let customer = "34611000077";

    say(&app, customer, "quiero hablar con un agente").await;
    let ticket = eventually("the ticket to be assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let (status, resolved) = app
        .api_post(
            "bruno",
            &format!("/api/v1/tickets/{id}/status"),
            json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(status, 200, "{resolved}");

    let survey = eventually("the survey to reach the customer", || async {
        outbox(&app, customer).await?.into_iter().find(|m| {
            m["message"]["type"] == "list"
                && m["message"]["rows"]
                    .as_array()
                    .is_some_and(|rows| rows.len() == 5)
        })
    })
    .await;
    assert!(
        survey["message"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("1 a 5")),
        "in the customer's language: {survey}"
    );

    say(&app, customer, "4").await;
    let answered = eventually("the score on the ticket", || async {
        let (_, t) = app.api_get("bruno", &format!("/api/v1/tickets/{id}")).await;
        (t["csat"]["score"] == 4).then_some(t)
    })
    .await;
    assert_eq!(answered["status"], "resolved", "the answer does not reopen");
    assert_eq!(answered["csat"]["agent"], "ana");
    assert!(
        answered["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "csat_answered"),
        "{answered}"
    );
    let thanked = eventually("the thanks", || async {
        outbox(&app, customer).await?.into_iter().find(|m| {
            m["message"]["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("¡Gracias"))
        })
    })
    .await;
    assert_eq!(thanked["message"]["type"], "text");
    app.running.stop().await;
}
