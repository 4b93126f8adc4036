//! The local runner's operational metrics at `GET /metrics` (Prometheus text): what a webhook,
//! a bot turn, an escalation and a send WhatsApp refuses move, with no customer data in them.

use turno_tests::{Fault, TestApp, eventually, text_webhook, wamid};

async fn metrics(app: &TestApp) -> String {
    let r = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    r.text().await.unwrap()
}

/// The value of the sample `line` (name with labels), if present.
fn sample(text: &str, line: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn messages_escalations_sends_queue_age_and_graph_errors_are_counted() {
    let app = TestApp::spawn().await;
    let before = metrics(&app).await;
    assert_eq!(sample(&before, "turno_inbound_messages_total"), Some(0.0));

    let r = app
        .post_webhook(&text_webhook(
            "34600111222",
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);

    let m = eventually("the escalation to be counted", || async {
        let m = metrics(&app).await;
        sample(&m, "turno_escalations_total{reason=\"explicit_request\"}")
            .is_some_and(|n| n == 1.0)
            .then_some(m)
    })
    .await;
    assert_eq!(sample(&m, "turno_inbound_messages_total"), Some(1.0));
    assert!(
        sample(&m, "turno_queue_age_seconds_count{queue=\"inbound\"}").is_some_and(|n| n >= 1.0),
        "{m}"
    );
    assert!(
        sample(&m, "turno_send_latency_seconds_count").is_some_and(|n| n >= 1.0),
        "the handoff message was sent: {m}"
    );
    assert_eq!(
        sample(&m, "turno_graph_errors_total{code=\"131026\"}"),
        None
    );

    // WhatsApp refuses the next reply: counted by its Graph error code.
    app.graph.fail_with(Fault {
        status: 400,
        code: 131_026,
        retry_after_secs: None,
    });
    app.post_webhook(&text_webhook("34600333444", "Iker", &wamid(), "hola"))
        .await;
    let m = eventually("the refused send to be counted", || async {
        let m = metrics(&app).await;
        sample(&m, "turno_graph_errors_total{code=\"131026\"}")
            .is_some_and(|n| n >= 1.0)
            .then_some(m)
    })
    .await;
    assert_eq!(sample(&m, "turno_inbound_messages_total"), Some(2.0));
    for private in ["34600111222", "34600333444", "Lucía", "Iker", "hola"] {
        assert!(!m.contains(private), "{private} in the metrics");
    }
    app.graph.recover();
    app.stop().await;
}
