//! What the local runner exposes to whoever can reach it: password-less sign-in only on a
//! loopback listener in sandbox mode and only to requests naming a loopback host.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use reqwest::header::HOST;
use serde_json::{Value, json};
use turno_local::LocalConfig;
use turno_tests::TestApp;

async fn dev_login(url: &str, host: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/dev-login"))
        .json(&json!({ "agent_id": "ana" }));
    if let Some(h) = host {
        req = req.header(HOST, h);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn sign_in_mode(url: &str) -> String {
    let v: Value = reqwest::get(format!("{url}/console/config.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["sign_in"]["mode"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn dev_login_on_loopback_in_the_sandbox_answers_only_loopback_host_names() {
    let app = TestApp::spawn_sandbox().await;
    let url = app.running.url();
    let port = app.running.addr.port();

    for host in [
        None,
        Some(format!("localhost:{port}")),
        Some(format!("127.0.0.2:{port}")),
        Some(format!("[::1]:{port}")),
    ] {
        let (status, body) = dev_login(&url, host.as_deref()).await;
        assert_eq!(status, 200, "Host {host:?}: {body}");
        assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()));
    }
    for host in [
        format!("rebound.example:{port}"),
        format!("localhost.rebound.example:{port}"),
        format!("192.168.1.10:{port}"),
    ] {
        let (status, body) = dev_login(&url, Some(&host)).await;
        assert_eq!(status, 404, "Host {host}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "Host {host}");
    }
    assert_eq!(sign_in_mode(&url).await, "dev");
    app.stop().await;
}

#[tokio::test]
async fn dev_login_does_not_exist_in_live_mode() {
    let app = TestApp::spawn().await;
    let url = app.running.url();

    let (status, body) = dev_login(&url, None).await;

    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(sign_in_mode(&url).await, "token");
    app.stop().await;
}

#[tokio::test]
async fn dev_login_does_not_exist_on_a_listener_other_machines_reach() {
    let data = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::new("0.0.0.0:0".parse().unwrap(), data.path().join("data"));
    let running = turno_local::start(cfg).await.unwrap();
    assert!(
        running.sandbox.is_some(),
        "sandbox mode, so only the address refuses"
    );
    let url = format!("http://127.0.0.1:{}", running.addr.port());

    let (status, body) = dev_login(&url, None).await;

    assert_eq!(status, 404, "{body}");
    assert_eq!(sign_in_mode(&url).await, "token");
    running.stop().await;
}
