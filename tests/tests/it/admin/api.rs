//! The admin routes over HTTP on the local runner: each answer checked against the OpenAPI
//! document; roles, If-Match, validation naming the field, the audit.

use reqwest::Method;
use serde_json::{Value, json};
use turno_tests::TestApp;

struct Admin {
    app: TestApp,
    doc: Value,
}

impl Admin {
    async fn spawn() -> Admin {
        let app = TestApp::spawn().await;
        let doc: Value = app
            .http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Admin { app, doc }
    }

    /// Calls `path` as `agent`, and checks the answer's status and body are documented for
    /// `route`.
    async fn call(
        &self,
        agent: &str,
        method: Method,
        route: &str,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .app
            .http
            .request(method.clone(), self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(self.app.token(agent));
        if let Some(b) = &body {
            req = req.json(b);
        }
        if let Some(v) = if_match {
            req = req.header("if-match", v);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"))
        };
        let m = method.as_str().to_lowercase();
        let documented = &self.doc["paths"][route][&m]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{m} {route} answered {status}, not documented: {text}"
        );
        let schema = &documented["content"]["application/json"]["schema"];
        if schema.is_object() {
            crate::api::validate(&self.doc, schema, &value, &format!("{m} {route} {status}"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        (status, value)
    }
}

#[tokio::test]
async fn admin_routes_answer_as_documented_and_refuse_what_they_must() {
    let a = Admin::spawn().await;
    // Only admins.
    let (status, _) = a
        .call(
            "bruno",
            Method::GET,
            "/admin/config",
            "/admin/config",
            None,
            None,
        )
        .await;
    assert_eq!(status, 403);

    let (status, view) = a
        .call(
            "diego",
            Method::GET,
            "/admin/config",
            "/admin/config",
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["version"], 0);
    let mut config = view["config"].clone();

    // The whole configuration needs If-Match; a rule of the loader is named in the 422.
    let put = |body: Value, v: Option<&'static str>| {
        a.call(
            "diego",
            Method::PUT,
            "/admin/config",
            "/admin/config",
            Some(body),
            v,
        )
    };
    assert_eq!(put(config.clone(), None).await.0, 428);
    assert_eq!(put(config.clone(), Some("abc")).await.0, 400);
    config["routing"]["default_team"] = json!("nobody");
    let (status, refused) = put(config.clone(), Some("0")).await;
    assert_eq!(status, 422);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("routing.default_team"),
        "{refused}"
    );
    assert_eq!(put(json!({ "name": 3 }), Some("0")).await.0, 422);
    config["routing"]["default_team"] = json!("support");
    config["name"] = json!("Tienda Lumen (admin)");
    let (status, saved) = put(config.clone(), Some("\"0\"")).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 1);
    // The same edit on the old version is stale.
    assert_eq!(put(config.clone(), Some("0")).await.0, 409);

    // A section, and an unknown one.
    let (status, _) = a
        .call(
            "diego",
            Method::PUT,
            "/admin/config/{section}",
            "/admin/config/tickets",
            Some(json!({ "thread_window_hours": 12 })),
            Some("1"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = a
        .call(
            "diego",
            Method::PUT,
            "/admin/config/{section}",
            "/admin/config/tickets",
            Some(json!({ "thread_window_hours": "twelve" })),
            None,
        )
        .await;
    assert_eq!(status, 422);

    // Agents: invite, change, deactivate.
    let invite = json!({ "id": "eva", "name": "Eva Prado", "email": "eva@lumen.example", "role": "agent", "teams": ["support"], "capacity": 3 });
    let (status, eva) = a
        .call(
            "diego",
            Method::POST,
            "/admin/agents",
            "/admin/agents",
            Some(invite.clone()),
            None,
        )
        .await;
    assert_eq!(status, 201, "{eva}");
    assert_eq!(eva["capacity"], 3);
    let (status, _) = a
        .call(
            "diego",
            Method::POST,
            "/admin/agents",
            "/admin/agents",
            Some(invite),
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (status, bad) = a
        .call(
            "diego",
            Method::PATCH,
            "/admin/agents/{id}",
            "/admin/agents/eva",
            Some(json!({ "teams": ["nowhere"] })),
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown team"),
        "{bad}"
    );
    let (status, eva) = a
        .call(
            "diego",
            Method::PATCH,
            "/admin/agents/{id}",
            "/admin/agents/eva",
            Some(json!({ "capacity": 7, "role": "supervisor" })),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (eva["capacity"].as_u64(), eva["role"].as_str()),
        (Some(7), Some("supervisor"))
    );
    let (_, agents) = a
        .call("diego", Method::GET, "/agents", "/agents", None, None)
        .await;
    let record = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "eva")
        .cloned();
    assert_eq!(record.map(|r| r["capacity"].clone()), Some(json!(7)));
    let (status, _) = a
        .call(
            "diego",
            Method::DELETE,
            "/admin/agents/{id}",
            "/admin/agents/eva",
            None,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = a
        .call(
            "diego",
            Method::DELETE,
            "/admin/agents/{id}",
            "/admin/agents/eva",
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = a
        .call(
            "ana",
            Method::DELETE,
            "/admin/agents/{id}",
            "/admin/agents/bruno",
            None,
            None,
        )
        .await;
    assert_eq!(status, 403);

    // The audit: who, what, from which version to which, newest first.
    let (status, audit) = a
        .call(
            "diego",
            Method::GET,
            "/admin/audit",
            "/admin/audit",
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let whats: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        whats,
        [
            "agent eva: deactivated",
            "agent eva",
            "agent eva: invited",
            "tickets",
            "config"
        ]
    );
    assert_eq!(audit[0]["to_version"], 5);
    assert_eq!(audit[0]["by"], "diego");
}
