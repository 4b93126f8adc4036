//! An operator onboarding a WhatsApp number while the deployment runs, through the API: the
//! new workspace's webhooks are accepted (checked with its own app secret) and answered by the
//! bot with its own Graph token, without a restart; its admin, agents and data stay apart
//! from the first workspace's, on the local runner (SQLite) and on the AWS topology
//! (DynamoDB Local), where the functions learn of the number from the index they check.

use reqwest::Method;
use serde_json::{Value, json};
use turno_http::Auth;
use turno_tests::{APP_SECRET, TestApp, WORKSPACE, eventually, text_webhook, wamid};

mod on_dynamodb;

/// The onboarded workspace's phone number id.
pub(crate) const NEW: &str = "700800900100200";
pub(crate) const NEW_TOKEN: &str = "token-of-the-onboarded-business";
pub(crate) const NEW_SECRET: &str = "app-secret-of-the-onboarded-business";

/// The new workspace as an operator submits it (the rest from the first workspace, its
/// template): its admin `nora` and its credentials.
pub(crate) fn new_workspace(credentials: Value) -> Value {
    json!({
        "id": NEW,
        "name": "Tienda Nueva",
        "agents": [
            { "id": "nora", "name": "Nora Vidal", "email": "nora@nueva.example", "role": "admin", "teams": ["support"], "capacity": 5, "online": true }
        ],
        "credentials": credentials
    })
}

/// A text message from `from` to workspace `ws`.
pub(crate) fn message_to(ws: &str, from: &str, text: &str) -> String {
    text_webhook(from, "Cliente", &wamid(), text).replace(WORKSPACE, ws)
}

/// The `Authorization` headers of the messages the fake Graph API got from workspace `ws`.
pub(crate) fn authorizations(received: &[wiremock::Request], ws: &str) -> Vec<String> {
    let path = format!("/{ws}/messages");
    received
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

/// The runner's own token issuer (its secret is kept in the data directory): tokens for
/// agents the runner did not print one for, such as the onboarded workspace's.
fn issuer(app: &TestApp) -> Auth {
    let secret = std::fs::read_to_string(app.data_dir.path().join("data/jwt-secret")).unwrap();
    Auth::hs256(secret.trim().as_bytes()).unwrap()
}

fn token(auth: &Auth, ws: &str, agent: &str, role: &str) -> String {
    let ws = turno_core::kernel::ids::WorkspaceId::parse(ws).unwrap();
    let agent = turno_core::kernel::ids::AgentId::parse(agent).unwrap();
    let role = serde_json::from_value(role.into()).unwrap();
    auth.issue(&ws, &agent, role, 600).unwrap()
}

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut req = app
        .http
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, r.json().await.unwrap_or(Value::Null), location)
}

#[tokio::test]
async fn an_operator_onboards_a_number_that_is_answered_with_its_own_token_without_a_restart() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let (token_file, secret_file) = (
        dir.path().join("graph-token"),
        dir.path().join("app-secret"),
    );
    std::fs::write(&token_file, NEW_TOKEN).unwrap();
    std::fs::write(&secret_file, NEW_SECRET).unwrap();
    let body = new_workspace(json!({
        "graph_token": format!("file:{}", token_file.display()),
        "app_secret": format!("file:{}", secret_file.display()),
    }));
    let operator = app
        .running
        .operator_tokens
        .iter()
        .find(|t| t.agent.as_str() == "diego")
        .map(|t| t.token.clone())
        .unwrap();
    let admin = app.token("diego");
    let path = format!("/admin/workspaces?template={WORKSPACE}");

    // Before: the number is nobody's, and its webhooks are checked with the deployment's secret.
    let before = app
        .post_webhook_signed_with(&message_to(NEW, "34600000031", "hola"), NEW_SECRET)
        .await;
    assert_eq!(before.status(), 401);

    // A workspace's admin is no operator.
    let (status, refused, _) = call(&app, &admin, Method::POST, &path, Some(body.clone())).await;
    assert_eq!(status, 403, "{refused}");
    let (status, _, _) = call(&app, &admin, Method::GET, "/admin/workspaces", None).await;
    assert_eq!(status, 403);

    let (status, created, location) =
        call(&app, &operator, Method::POST, &path, Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["id"], NEW);
    assert_eq!(created["onboarded"], true);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/admin/workspaces/{NEW}").as_str())
    );
    let (status, _, _) = call(&app, &operator, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 409, "onboarded once");
    let (status, list, _) = call(&app, &operator, Method::GET, "/admin/workspaces", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["id"].as_str())
        .collect();
    assert_eq!(ids, [WORKSPACE, NEW], "{list}");
    let (status, page, _) = call(
        &app,
        &operator,
        Method::GET,
        "/admin/workspaces?limit=1",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["next"], WORKSPACE, "{page}");

    // The new number's webhooks: its own app's secret signs them, not the deployment's.
    let forged = app
        .post_webhook_signed_with(&message_to(NEW, "34600000032", "hola"), APP_SECRET)
        .await;
    assert_eq!(forged.status(), 401);
    let accepted = app
        .post_webhook_signed_with(&message_to(NEW, "34600000033", "hola"), NEW_SECRET)
        .await;
    assert_eq!(accepted.status(), 200);
    let answers = eventually("the bot's answer from the new number", || async {
        let received = app
            .graph
            .server
            .received_requests()
            .await
            .unwrap_or_default();
        let a = authorizations(&received, NEW);
        (!a.is_empty()).then_some(a)
    })
    .await;
    assert!(
        answers.iter().all(|h| *h == format!("Bearer {NEW_TOKEN}")),
        "{answers:?}"
    );
}

#[tokio::test]
async fn the_onboarded_workspaces_admin_and_the_firsts_never_reach_each_other() {
    let app = TestApp::spawn().await;
    let operator = app.running.operator_tokens[0].token.clone();
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("app-secret");
    std::fs::write(&secret_file, NEW_SECRET).unwrap();
    let body = new_workspace(json!({ "app_secret": format!("file:{}", secret_file.display()) }));
    let path = format!("/admin/workspaces?template={WORKSPACE}");
    let (status, created, _) = call(&app, &operator, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{created}");

    let auth = issuer(&app);
    let nora = token(&auth, NEW, "nora", "admin");
    // The first workspace's admin, with a token naming the new workspace: no agent there.
    let diego_there = token(&auth, NEW, "diego", "admin");
    for path in ["/admin/config", "/agents", "/tickets", "/admin/audit"] {
        let (status, _, _) = call(&app, &diego_there, Method::GET, path, None).await;
        assert_eq!(status, 403, "{path}");
    }
    // The new admin reads its own workspace, whose audit says who onboarded it.
    let (status, config, _) = call(&app, &nora, Method::GET, "/admin/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["config"]["id"], NEW);
    assert!(config["config"]["credentials"]["app_secret"].is_string());
    let (_, audit, _) = call(&app, &nora, Method::GET, "/admin/audit", None).await;
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    assert!(
        audit[0]["what"]
            .as_str()
            .unwrap()
            .contains("onboarded by operator diego")
    );
    let (_, agents, _) = call(&app, &nora, Method::GET, "/agents", None).await;
    let names: Vec<&str> = agents
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(names, ["nora"], "{agents}");
    let (status, _, _) = call(&app, &nora, Method::GET, "/admin/workspaces", None).await;
    assert_eq!(
        status, 403,
        "an admin of the new workspace is no operator either"
    );

    // Its admin edits its own credentials, only to its own SSM path or as they were.
    let section = format!("file:{}", secret_file.display());
    for (reference, expected) in [
        (format!("ssm:/turno/ws/{WORKSPACE}/app-secret"), 422),
        ("file:/etc/another-secret".to_owned(), 422),
        ("EAAGm0PX4ZCpsBAKZCZCYZD".to_owned(), 422),
        (section.clone(), 200),
        (format!("ssm:/turno/ws/{NEW}/app-secret"), 200),
    ] {
        let (status, answer, _) = call(
            &app,
            &nora,
            Method::PUT,
            "/admin/config/credentials",
            Some(json!({ "app_secret": reference })),
        )
        .await;
        assert_eq!(status, expected, "{reference}: {answer}");
        assert!(!answer.to_string().contains("EAAG"), "{answer}");
        if expected == 422 {
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("credentials.app_secret"), "{message}");
        }
    }
    let (status, _, _) = call(
        &app,
        &nora,
        Method::PUT,
        "/admin/config/credentials",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 422, "a reference in force is replaced, not removed");

    // A customer of the first workspace asks for a person: the new workspace's admin never
    // sees the ticket, in the list or a search.
    let customer = "34600000041";
    let handoff = text_webhook(customer, "Cliente", &wamid(), "quiero hablar con un agente");
    assert_eq!(app.post_webhook(&handoff).await.status(), 200);
    let ticket = eventually("the first workspace's ticket", || async {
        app.ticket_of(customer).await
    })
    .await;
    let id = ticket["id"].as_str().unwrap();
    for path in [
        "/tickets?limit=500".to_owned(),
        format!("/tickets?q={customer}"),
    ] {
        let (status, list, _) = call(&app, &nora, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}");
        let items = list["items"].as_array().unwrap();
        assert!(items.iter().all(|t| t["customer"] != customer), "{list}");
    }
    let (status, _, _) = call(&app, &nora, Method::GET, &format!("/tickets/{id}"), None).await;
    assert_eq!(status, 404);
}
