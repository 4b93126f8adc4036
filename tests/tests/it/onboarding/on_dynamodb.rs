//! Onboarding on the AWS topology: the agent API's process saves the new workspace in
//! DynamoDB Local; the functions' process, started before, learns of it from the index it
//! checks at most once per check interval, reads its Meta app secret and Graph token from SSM
//! (moto) under the workspace's own path, and answers its customers with that token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use reqwest::Method;
use serde_json::{Value, json};
use tower::ServiceExt;
use turno_core::app::CHECK_EVERY;
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_http::{ApiState, Auth, api_router};
use turno_tests::WORKSPACE;

use super::{NEW, NEW_SECRET, NEW_TOKEN, authorizations, message_to, new_workspace};
use crate::aws_topology::Topology;

struct Api {
    router: axum::Router,
    auth: Auth,
}

impl Api {
    fn token(&self, ws: &str, agent: &str, role: Role, operator: bool) -> String {
        let ws = WorkspaceId::parse(ws).unwrap();
        let agent = AgentId::parse(agent).unwrap();
        if operator {
            self.auth.issue_operator(&ws, &agent, role, 600).unwrap()
        } else {
            self.auth.issue(&ws, &agent, role, 600).unwrap()
        }
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let request = Request::builder()
            .method(method.as_str())
            .uri(format!("/api/v1{path}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn on_dynamodb_an_onboarded_number_is_taken_in_by_the_functions_and_kept_apart() {
    let t = Topology::deploy_with(turno_testkit::harness::demo_workspaces()).await;
    for (name, value) in [("graph-token", NEW_TOKEN), ("app-secret", NEW_SECRET)] {
        turno_aws::testing::put_secret_at(&t.own.ssm, &format!("/turno/ws/{NEW}/{name}"), value)
            .await;
    }
    let agent_api = t
        .another_process(turno_testkit::harness::demo_workspaces())
        .await;
    agent_api.load_stored_config().await.unwrap();
    let auth = Auth::hs256(&[7u8; 32]).unwrap();
    let api = Api {
        router: api_router(ApiState {
            turno: agent_api,
            auth: Arc::new(auth.clone()),
            dev_login: false,
        }),
        auth,
    };
    let operator = api.token(WORKSPACE, "diego", Role::Admin, true);
    let admin = api.token(WORKSPACE, "diego", Role::Admin, false);
    let body = new_workspace(json!({
        "graph_token": format!("ssm:/turno/ws/{NEW}/graph-token"),
        "app_secret": format!("ssm:/turno/ws/{NEW}/app-secret"),
    }));
    let path = format!("/admin/workspaces?template={WORKSPACE}");

    let (status, _) = api
        .call(&admin, Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(status, 403, "an admin is no operator");
    let (status, created) = api
        .call(&operator, Method::POST, &path, Some(body.clone()))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, _) = api.call(&operator, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 409);

    // The functions' process did not save it: it takes it in from the index within the
    // check interval, and from then checks its webhooks with its own app's secret.
    let customer = "34600000051";
    let started = Instant::now();
    loop {
        let status = t
            .webhook_signed_with(message_to(NEW, customer, "hola"), NEW_SECRET)
            .await;
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < CHECK_EVERY.unsigned_abs() + Duration::from_secs(3),
            "the onboarded number was not taken in within the check interval ({status})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    t.run_functions().await;
    let received = t.graph.server.received_requests().await.unwrap_or_default();
    let answers = authorizations(&received, NEW);
    assert!(
        !answers.is_empty(),
        "the bot answered the new number's customer"
    );
    assert!(
        answers.iter().all(|h| *h == format!("Bearer {NEW_TOKEN}")),
        "{answers:?}"
    );

    // A customer of the new workspace asks for a person: its ticket is its workspace's only.
    let handoff = "34600000052";
    assert_eq!(
        t.webhook_signed_with(
            message_to(NEW, handoff, "quiero hablar con un agente"),
            NEW_SECRET
        )
        .await,
        200
    );
    t.run_functions().await;
    let nora = api.token(NEW, "nora", Role::Admin, false);
    let (status, list) = api
        .call(&nora, Method::GET, "/tickets?limit=500", None)
        .await;
    assert_eq!(status, 200, "{list}");
    let ticket = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["customer"] == handoff)
        .cloned()
        .unwrap_or_else(|| panic!("the new workspace's ticket: {list}"));
    let id = ticket["id"].as_str().unwrap();
    for (agent, role) in [("bruno", Role::Supervisor), ("ana", Role::Agent)] {
        let token = api.token(WORKSPACE, agent, role, false);
        for path in [
            "/tickets?limit=500".to_owned(),
            format!("/tickets?q={handoff}"),
        ] {
            let (status, list) = api.call(&token, Method::GET, &path, None).await;
            assert_eq!(status, 200);
            let items = list["items"].as_array().unwrap();
            assert!(
                items.iter().all(|i| i["customer"] != handoff),
                "{agent}: {list}"
            );
        }
        let (status, _) = api
            .call(&token, Method::GET, &format!("/tickets/{id}"), None)
            .await;
        assert_eq!(status, 404, "{agent}");
    }

    // The admins: each reads its own workspace; the first's has no agent in the new one; the
    // new one's is no operator.
    let (status, config) = api.call(&nora, Method::GET, "/admin/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["config"]["id"], NEW);
    let diego_there = api.token(NEW, "diego", Role::Admin, false);
    for path in ["/admin/config", "/agents", "/tickets", "/admin/audit"] {
        let (status, _) = api.call(&diego_there, Method::GET, path, None).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, _) = api
        .call(&nora, Method::GET, "/admin/workspaces", None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = api
        .call(
            &nora,
            Method::PUT,
            "/admin/config/credentials",
            Some(json!({
                "graph_token": format!("ssm:/turno/ws/{WORKSPACE}/graph-token"),
                "app_secret": format!("ssm:/turno/ws/{NEW}/app-secret"),
            })),
        )
        .await;
    assert_eq!(status, 422, "another workspace's path");
}
