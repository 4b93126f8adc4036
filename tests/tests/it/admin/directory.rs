//! Agents' sign-in accounts kept in step with their records, on the AWS adapters: an admin
//! invites, promotes and deactivates an agent through the API over DynamoDB Local with the
//! accounts in a Cognito user pool on moto; the API takes each caller's role from its agent
//! record and refuses a deactivated agent whatever its token says.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use turno_aws::CognitoDirectory;
use turno_aws::testing as emulators;
use turno_core::Timestamp;
use turno_http::{ApiState, Auth, AuthorizerClaims, api_router};
use turno_testkit::harness::{TestTurno, demo_workspace, demo_workspaces};

struct Deployment {
    api: axum::Router,
    cognito: aws_sdk_cognitoidentityprovider::Client,
    pool: String,
}

impl Deployment {
    async fn start() -> Self {
        let dynamodb = emulators::dynamodb_clients().await.dynamodb;
        let table = emulators::unique("turno-directory");
        emulators::create_table_from_template(&dynamodb, &table).await;
        let store: Arc<dyn turno_core::ports::Store> =
            Arc::new(emulators::caught_up_store(dynamodb, &table).await);
        let t = TestTurno::with_store(
            demo_workspaces(),
            "2026-06-01T10:00:00Z".parse::<Timestamp>().unwrap(),
            move |_| store,
        );
        t.turno.seed_agents().await.unwrap();
        let cognito = emulators::moto_clients().await.cognito;
        let pool = emulators::create_user_pool(&cognito).await;
        let turno = t
            .turno
            .clone()
            .with_directory(Arc::new(CognitoDirectory::new(
                cognito.clone(),
                pool.clone(),
            )));
        let api = api_router(ApiState {
            turno,
            auth: Arc::new(Auth::api_gateway()),
            dev_login: false,
        });
        Deployment { api, cognito, pool }
    }

    /// Calls the API as API Gateway passes a request its Cognito authorizer verified: the
    /// user `agent` of the demo workspace, in the groups `groups`.
    async fn call(
        &self,
        agent: &str,
        groups: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let claims: HashMap<String, String> = [
            ("cognito:username", agent.to_owned()),
            ("custom:workspace", demo_workspace().to_string()),
            ("cognito:groups", format!("[{groups}]")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        request.extensions_mut().insert(AuthorizerClaims(claims));
        let response = self.api.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }
}

#[tokio::test]
async fn an_invited_agent_signs_in_with_its_records_role_until_deactivated() {
    let d = Deployment::start().await;

    // Diego (admin) invites Lucía as an agent: her record and her Cognito user appear.
    let (status, body) = d
        .call(
            "diego",
            "admin",
            Method::POST,
            "/admin/agents",
            Some(json!({
                "id": "lucia", "name": "Lucía Pérez", "email": "lucia@lumen.example",
                "role": "agent", "teams": ["support"], "capacity": 2
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (attributes, enabled) = emulators::user(&d.cognito, &d.pool, "lucia").await;
    assert!(enabled);
    assert_eq!(attributes["email"], "lucia@lumen.example");
    assert_eq!(attributes["custom:workspace"], demo_workspace().to_string());
    assert_eq!(
        emulators::user_groups(&d.cognito, &d.pool, "lucia").await,
        ["agent"]
    );
    let (status, me) = d.call("lucia", "agent", Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["role"].as_str(), me["capacity"].as_u64()),
        (Some("agent"), Some(2))
    );
    let (_, agents) = d.call("diego", "admin", Method::GET, "/agents", None).await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == "lucia"),
        "{agents}"
    );

    // A token claiming another group is answered with the record's role.
    let (status, _) = d
        .call("lucia", "admin", Method::GET, "/admin/config", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "her record says agent");

    // Promoted to supervisor: the record first, the group follows.
    let (status, body) = d
        .call(
            "diego",
            "admin",
            Method::PATCH,
            "/admin/agents/lucia",
            Some(json!({ "role": "supervisor" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        emulators::user_groups(&d.cognito, &d.pool, "lucia").await,
        ["supervisor"]
    );
    // Her token, issued while she was an agent, still says agent: she is a supervisor.
    let (_, me) = d.call("lucia", "agent", Method::GET, "/me", None).await;
    assert_eq!(me["role"], "supervisor");

    // Deactivated: the user is disabled, and the API refuses her whatever her token says.
    let (status, body) = d
        .call(
            "diego",
            "admin",
            Method::DELETE,
            "/admin/agents/lucia",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(
        !emulators::user(&d.cognito, &d.pool, "lucia").await.1,
        "disabled"
    );
    for groups in ["supervisor", "admin"] {
        let (status, body) = d.call("lucia", groups, Method::GET, "/me", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("deactivated")),
            "{body}"
        );
    }

    // Invited again: enabled, in the group of the role she is given, signed in again.
    let (status, body) = d
        .call(
            "diego",
            "admin",
            Method::POST,
            "/admin/agents",
            Some(json!({
                "id": "lucia", "name": "Lucía Pérez", "email": "lucia@lumen.example",
                "role": "agent", "teams": ["support"]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        emulators::user(&d.cognito, &d.pool, "lucia").await.1,
        "enabled again"
    );
    assert_eq!(
        emulators::user_groups(&d.cognito, &d.pool, "lucia").await,
        ["agent"]
    );
    let (status, me) = d.call("lucia", "agent", Method::GET, "/me", None).await;
    assert_eq!(
        (status, me["role"].as_str()),
        (StatusCode::OK, Some("agent")),
        "{me}"
    );
}

#[tokio::test]
async fn a_user_without_an_agent_record_is_refused() {
    let d = Deployment::start().await;
    let (status, body) = d.call("nadie", "admin", Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}
