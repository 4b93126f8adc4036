//! What the local runner exposes to whoever can reach it: password-less sign-in only on a
//! loopback listener in sandbox mode and only to requests naming a loopback host, and customer
//! media served so that it can never run on the console's origin.

use reqwest::header::{CONTENT_TYPE, HOST};
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
async fn dev_login_answers_an_unknown_workspace_as_an_unknown_agent() {
    // 401 either way, as documented: the answer does not tell which workspaces exist.
    let app = TestApp::spawn_sandbox().await;
    let url = app.running.url();
    for body in [
        json!({ "agent_id": "ana", "workspace": "no-such-workspace" }),
        json!({ "agent_id": "nobody" }),
    ] {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/auth/dev-login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 401, "{body}: {v}");
        assert_eq!(v["error"]["code"], "unauthorized", "{body}");
    }
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

#[tokio::test]
async fn customer_media_is_served_as_a_sandboxed_attachment() {
    let app = TestApp::spawn_sandbox().await;
    let customer = "34691900002";
    let page = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let r = app
        .http
        .post(app.url(&format!(
            "/sandbox/api/media?customer={customer}&filename=..%2F..%2Fx.html%22%0d%0a"
        )))
        .header(CONTENT_TYPE, "text/html")
        .body(page.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let media_id = r.json::<Value>().await.unwrap()["media_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = turno_tests::eventually("the media on the ticket", || async {
        let ticket = app.ticket_of(customer).await?;
        let id = ticket["id"].as_str()?;
        let r = app
            .http
            .get(app.url(&format!("/api/v1/tickets/{id}/media/{media_id}")))
            .bearer_auth(app.token("bruno"))
            .send()
            .await
            .ok()?;
        (r.status() == 200).then_some(r)
    })
    .await;

    assert_eq!(r.status(), 200);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    let csp = header("content-security-policy");
    assert!(csp.split(';').any(|d| d.trim() == "sandbox"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let disposition = header("content-disposition");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"media-{media_id}.html\""),
        "an attachment with a name made of safe characters only"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), page.as_slice());
    app.stop().await;
}
