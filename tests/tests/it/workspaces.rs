//! Two workspaces on one deployment, one with the deployment's WhatsApp credentials and one
//! with its own (a Graph token, a Meta app secret and a verify token, named by reference):
//! each sends with its own token, each webhook is checked with its own app's secret, and a
//! delivery signed by one app naming the other's number is refused whole.

use std::time::Duration;

use serde_json::Value;
use turno_tests::{
    APP_SECRET, Options, TestApp, VERIFY_TOKEN, WORKSPACE, eventually, text_webhook, wamid,
};

/// The second workspace's phone number id.
const OTHER: &str = "600700800900100";
const OTHER_TOKEN: &str = "token-of-the-other-business";
const OTHER_SECRET: &str = "app-secret-of-the-other-business";
const OTHER_VERIFY: &str = "verify-token-of-the-other-business";

/// The demo configuration with a second workspace, a copy of the first on number
/// [`OTHER`], whose credentials are files in `dir`.
fn two_workspaces(dir: &std::path::Path) -> String {
    let mut config: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(turno_local::config::DEMO_CONFIG).unwrap();
    let mut other = config["workspaces"][0].clone();
    other["id"] = OTHER.into();
    other["name"] = "Otra Tienda".into();
    let mut credentials = serde_yaml_ng::Mapping::new();
    for (field, file, value) in [
        ("graph_token", "graph-token", OTHER_TOKEN),
        ("app_secret", "app-secret", OTHER_SECRET),
        ("verify_token", "verify-token", OTHER_VERIFY),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        credentials.insert(field.into(), format!("file:{}", path.display()).into());
    }
    other["credentials"] = credentials.into();
    config["workspaces"].as_sequence_mut().unwrap().push(other);
    serde_yaml_ng::to_string(&config).unwrap()
}

async fn spawn() -> (TestApp, tempfile::TempDir) {
    let secrets = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(Options {
        config: two_workspaces(secrets.path()),
        ..Options::default()
    })
    .await;
    (app, secrets)
}

/// A text message from `from` to the workspace `ws`.
fn message_to(ws: &str, from: &str) -> String {
    text_webhook(from, "Cliente", &wamid(), "hola").replace(WORKSPACE, ws)
}

/// The `Authorization` header of every message the fake Graph API got from workspace `ws`.
async fn authorizations_from(app: &TestApp, ws: &str) -> Vec<String> {
    let path = format!("/{ws}/messages");
    app.graph
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == path)
        .filter_map(|r| {
            r.headers
                .get("authorization")?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn each_workspace_sends_with_its_own_token_and_is_verified_with_its_own_secret() {
    let (app, _secrets) = spawn().await;

    let to_first = app
        .post_webhook_signed_with(&message_to(WORKSPACE, "34600000001"), APP_SECRET)
        .await;
    assert_eq!(to_first.status(), 200);
    let to_other = app
        .post_webhook_signed_with(&message_to(OTHER, "34600000002"), OTHER_SECRET)
        .await;
    assert_eq!(to_other.status(), 200);

    // The bot greets each customer from the workspace they wrote to.
    let first = eventually("the first workspace's greeting", || async {
        let a = authorizations_from(&app, WORKSPACE).await;
        (!a.is_empty()).then_some(a)
    })
    .await;
    let other = eventually("the other workspace's greeting", || async {
        let a = authorizations_from(&app, OTHER).await;
        (!a.is_empty()).then_some(a)
    })
    .await;
    assert!(
        first.iter().all(|h| h == "Bearer test-access-token"),
        "{first:?}"
    );
    assert!(
        other.iter().all(|h| *h == format!("Bearer {OTHER_TOKEN}")),
        "{other:?}"
    );
}

#[tokio::test]
async fn a_delivery_signed_by_one_app_naming_the_others_number_is_refused_whole() {
    let (app, _secrets) = spawn().await;

    // Signed with the deployment's secret, but it names the other workspace's number.
    let forged = app
        .post_webhook_signed_with(&message_to(OTHER, "34600000003"), APP_SECRET)
        .await;
    assert_eq!(forged.status(), 401);
    // The other way round.
    let forged = app
        .post_webhook_signed_with(&message_to(WORKSPACE, "34600000004"), OTHER_SECRET)
        .await;
    assert_eq!(forged.status(), 401);
    // One delivery naming both numbers cannot be signed by both apps: refused, and neither
    // of its messages is kept.
    let mut both: Value = serde_json::from_str(&message_to(WORKSPACE, "34600000005")).unwrap();
    let other_entry: Value = serde_json::from_str(&message_to(OTHER, "34600000006")).unwrap();
    both["entry"]
        .as_array_mut()
        .unwrap()
        .push(other_entry["entry"][0].clone());
    for secret in [APP_SECRET, OTHER_SECRET] {
        let r = app
            .post_webhook_signed_with(&both.to_string(), secret)
            .await;
        assert_eq!(r.status(), 401);
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    app.settled().await;
    let received = app
        .graph
        .server
        .received_requests()
        .await
        .unwrap_or_default();
    assert!(
        received.is_empty(),
        "nothing refused reached the bot: {received:?}"
    );
    for customer in ["34600000003", "34600000004", "34600000005", "34600000006"] {
        assert!(app.ticket_of(customer).await.is_none(), "{customer}");
    }
}

#[tokio::test]
async fn the_handshake_accepts_the_deployments_and_each_workspaces_verify_token() {
    let (app, _secrets) = spawn().await;
    for (token, expected) in [
        (VERIFY_TOKEN, 200),
        (OTHER_VERIFY, 200),
        ("a-token-nobody-configured", 403),
    ] {
        let r = app
            .http
            .get(app.url(&format!(
                "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=42"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "{token}");
    }
}

/// On the AWS adapters: the second workspace's token is an SSM parameter (on moto) under its
/// own path, read through the functions' resolver; the first sends with the deployment's.
#[tokio::test]
async fn on_the_aws_topology_each_workspace_sends_with_its_own_token_from_ssm() {
    let own = turno_aws::testing::emulator_clients().await;
    let parameter = format!("/turno/ws/{OTHER}/graph-token");
    turno_aws::testing::put_secret_at(&own.ssm, &parameter, OTHER_TOKEN).await;
    let mut config: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(turno_local::config::DEMO_CONFIG).unwrap();
    let mut other = config["workspaces"][0].clone();
    other["id"] = OTHER.into();
    let mut credentials = serde_yaml_ng::Mapping::new();
    credentials.insert("graph_token".into(), format!("ssm:{parameter}").into());
    other["credentials"] = credentials.into();
    config["workspaces"].as_sequence_mut().unwrap().push(other);
    let workspaces =
        turno_testkit::harness::workspaces_from_yaml(&serde_yaml_ng::to_string(&config).unwrap());
    let t = crate::aws_topology::Topology::deploy_with(workspaces).await;

    for (ws, customer) in [(WORKSPACE, "34600000011"), (OTHER, "34600000012")] {
        assert_eq!(t.webhook(message_to(ws, customer)).await, 200);
    }
    t.run_functions().await;

    let received = t.graph.server.received_requests().await.unwrap_or_default();
    let from = |ws: &str| -> Vec<String> {
        received
            .iter()
            .filter(|r| r.url.path() == format!("/{ws}/messages"))
            .filter_map(|r| {
                r.headers
                    .get("authorization")?
                    .to_str()
                    .ok()
                    .map(str::to_owned)
            })
            .collect()
    };
    let (first, second) = (from(WORKSPACE), from(OTHER));
    assert!(!first.is_empty() && !second.is_empty(), "{received:?}");
    assert!(
        first.iter().all(|h| h == "Bearer graph-token-in-ssm"),
        "{first:?}"
    );
    assert!(
        second.iter().all(|h| *h == format!("Bearer {OTHER_TOKEN}")),
        "{second:?}"
    );
}

/// A request to the agent API as `agent` of workspace `ws`.
async fn call(
    app: &TestApp,
    ws: &str,
    agent: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = app
        .running
        .tokens
        .iter()
        .find(|t| t.workspace == ws && t.agent.as_str() == agent)
        .map(|t| t.token.clone())
        .unwrap();
    let mut req = app
        .http
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .header("if-match", "0");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_admin_or_agent_of_one_workspace_never_reads_or_changes_the_others() {
    use reqwest::Method;
    let (app, _secrets) = spawn().await;

    // Each admin reads their own configuration, and cannot save another's in its place.
    let (status, first) = call(&app, WORKSPACE, "diego", Method::GET, "/admin/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(first["config"]["id"], WORKSPACE);
    let (_, other) = call(&app, OTHER, "diego", Method::GET, "/admin/config", None).await;
    assert_eq!(other["config"]["id"], OTHER);
    let (status, _) = call(
        &app,
        WORKSPACE,
        "diego",
        Method::PUT,
        "/admin/config",
        Some(other["config"].clone()),
    )
    .await;
    assert_eq!(
        status, 422,
        "the first admin cannot save the other's configuration"
    );

    // Nor point their workspace at the other's token, nor keep a raw token in it.
    for token in [
        format!("ssm:/turno/ws/{OTHER}/graph-token"),
        "EAAGm0PX4ZCpsBAKZCZCYZD".to_owned(),
    ] {
        let mut config = first["config"].clone();
        config["credentials"] = serde_json::json!({ "graph_token": token });
        let (status, refused) = call(
            &app,
            WORKSPACE,
            "diego",
            Method::PUT,
            "/admin/config",
            Some(config),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert!(!refused.to_string().contains("EAAG"), "{refused}");
    }

    // A change in the first is in its audit only.
    let mut renamed = first["config"].clone();
    renamed["name"] = "Tienda Lumen Centro".into();
    let (status, _) = call(
        &app,
        WORKSPACE,
        "diego",
        Method::PUT,
        "/admin/config",
        Some(renamed),
    )
    .await;
    assert_eq!(status, 200);
    let (_, audit) = call(&app, WORKSPACE, "diego", Method::GET, "/admin/audit", None).await;
    let (_, other_audit) = call(&app, OTHER, "diego", Method::GET, "/admin/audit", None).await;
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(
        other_audit.as_array().map(Vec::len),
        Some(0),
        "{other_audit}"
    );
    let (_, other) = call(&app, OTHER, "diego", Method::GET, "/admin/config", None).await;
    assert_eq!(other["version"], 0);
    assert_eq!(other["config"]["name"], "Otra Tienda");

    // A customer of the other workspace asks for a person: only its agents see the ticket.
    let customer = "34600000021";
    let body = text_webhook(customer, "Cliente", &wamid(), "quiero hablar con un agente")
        .replace(WORKSPACE, OTHER);
    assert_eq!(
        app.post_webhook_signed_with(&body, OTHER_SECRET)
            .await
            .status(),
        200
    );
    let ticket = eventually("the other workspace's ticket", || async {
        let (_, list) = call(
            &app,
            OTHER,
            "bruno",
            Method::GET,
            "/tickets?limit=500",
            None,
        )
        .await;
        list["items"]
            .as_array()?
            .iter()
            .find(|t| t["customer"] == customer)
            .cloned()
    })
    .await;
    let (_, list) = call(
        &app,
        WORKSPACE,
        "bruno",
        Method::GET,
        "/tickets?limit=500",
        None,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|t| t["customer"] != customer), "{list}");
    let id = ticket["id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        WORKSPACE,
        "bruno",
        Method::GET,
        &format!("/tickets/{id}"),
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "another workspace's ticket does not exist here"
    );
}
