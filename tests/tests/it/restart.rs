//! A restart in the middle of a burst loses no accepted message: the runner runs as a child
//! process, is killed with SIGKILL while webhooks are arriving, and is started again over the
//! same data directory.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use turno_tests::{
    APP_SECRET, EVENTUALLY, FakeGraph, eventually, eventually_within, sign, text_webhook, wamid,
};

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn spawn_runner(port: u16, data: &std::path::Path, graph: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_turno-under-test"))
        .env("TURNO_ADDR", format!("127.0.0.1:{port}"))
        .env("TURNO_DATA_DIR", data)
        .env("WHATSAPP_APP_SECRET", APP_SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", "test-access-token")
        .env("WHATSAPP_API_BASE_URL", graph)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the runner starts")
}

async fn wait_up(http: &reqwest::Client, port: u16) {
    eventually("the runner to listen", || async {
        let r = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .ok()?;
        r.status().is_success().then_some(())
    })
    .await;
}

#[tokio::test]
async fn kill_and_restart_mid_burst_loses_no_accepted_message() {
    // A slow Graph API keeps most turns half-done when the kill lands.
    let graph = FakeGraph::start_with_latency(Duration::from_millis(40)).await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let http = reqwest::Client::new();
    let mut child = spawn_runner(port, data.path(), &graph.server.uri());
    wait_up(&http, port).await;

    // 300 customers each say "hola"; the runner is killed once a third are accepted.
    let customers: Vec<String> = (0..300)
        .map(|i| format!("3460{:07}", 1_000_000 + i))
        .collect();
    let bodies: Vec<(String, String)> = customers
        .iter()
        .map(|c| (c.clone(), text_webhook(c, "Cliente", &wamid(), "hola")))
        .collect();
    let url = format!("http://127.0.0.1:{port}/webhook/whatsapp");
    let post = |body: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            http.post(&url)
                .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    };
    // The first 100 arrive at once; the runner dies as soon as it has answered them.
    let first = futures::future::join_all(bodies[..100].iter().map(|(_, b)| post(b.clone()))).await;
    let replies_at_kill = graph.sent().await.len();
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let mut accepted = HashSet::new();
    let mut refused = Vec::new();
    for (ok, (customer, body)) in first.into_iter().zip(&bodies[..100]) {
        if ok {
            accepted.insert(customer.clone());
        } else {
            refused.push((customer.clone(), body.clone()));
        }
    }
    for (customer, body) in &bodies[100..] {
        if post(body.clone()).await {
            accepted.insert(customer.clone());
        } else {
            refused.push((customer.clone(), body.clone()));
        }
    }
    assert_eq!(accepted.len(), 100, "accepted before the kill");
    assert_eq!(
        refused.len(),
        200,
        "refused while down (Meta delivers these again)"
    );
    eprintln!("replies sent before the kill: {replies_at_kill} of 200");
    assert!(
        replies_at_kill < 150,
        "the kill must land mid-work, {replies_at_kill} of 200 replies were out"
    );

    let mut child = spawn_runner(port, data.path(), &graph.server.uri());
    wait_up(&http, port).await;
    // Meta redelivers what was not answered 200.
    for (_, body) in &refused {
        let r = http
            .post(&url)
            .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
            .body(body.clone())
            .send()
            .await
            .expect("runner is up");
        assert_eq!(r.status(), 200);
    }

    let sent = eventually_within(
        "every customer to get the greeting and the menu",
        // A killed runner's backlog is redelivered and worked through from the start.
        EVENTUALLY * 3,
        || async {
            let sent = graph.sent().await;
            let got = |needle: &str| -> HashSet<String> {
                sent.iter()
                    .filter(|m| {
                        m["text"]["body"]
                            .as_str()
                            .is_some_and(|b| b.contains(needle))
                    })
                    .filter_map(|m| m["to"].as_str().map(str::to_owned))
                    .collect()
            };
            let (greeted, menus) = (got("Hola"), got("1. Estado de mi pedido"));
            customers
                .iter()
                .all(|c| greeted.contains(c) && menus.contains(c))
                .then_some(sent)
        },
    )
    .await;
    let duplicates = sent.len() - 2 * customers.len();
    eprintln!(
        "replies after restart: {} ({duplicates} sent twice)",
        sent.len()
    );
    // Graph has no idempotency key: a turn cut off by the kill after a send but before it
    // recorded its progress sends again on redelivery. At most the turns in flight at the
    // kill can do so, each at most its two replies; a redelivery that repeated finished
    // turns would exceed this.
    let bound = 2 * turno_local::TURN_CONCURRENCY;
    assert!(
        duplicates <= bound,
        "{duplicates} replies were sent twice, more than the {bound} the turns in flight allow"
    );
    child.kill().ok();
    child.wait().ok();
}
