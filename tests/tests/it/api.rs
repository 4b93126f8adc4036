//! The agent API on the local runner: every route's auth and role rules, workspace isolation,
//! invalid input answered with a 4xx in the error format, live updates, and every real
//! response validated against the OpenAPI document the API serves.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use turno_tests::{Options, TestApp, WORKSPACE, eventually, text_webhook, wamid};

const OTHER_WORKSPACE: &str = "100200300400599";
const CUSTOMER: &str = "34600111222";

/// The demo configuration plus a second workspace with the same agents.
fn two_workspaces() -> String {
    let demo = turno_local::config::DEMO_CONFIG;
    let (_, workspaces) = demo
        .split_once("workspaces:\n")
        .expect("the demo config lists workspaces");
    format!(
        "{demo}\n{}",
        workspaces.replace(
            &format!("id: \"{WORKSPACE}\""),
            &format!("id: \"{OTHER_WORKSPACE}\"")
        )
    )
}

struct Api {
    app: TestApp,
    doc: Value,
}

struct Reply {
    status: u16,
    body: Value,
    headers: HeaderMap,
}

impl Api {
    async fn spawn() -> Api {
        let app = TestApp::spawn_with(Options {
            config: two_workspaces(),
            ..Options::default()
        })
        .await;
        let doc: Value = app
            .http
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("openapi request")
            .json()
            .await
            .expect("openapi is JSON");
        Api { app, doc }
    }

    fn token(&self, ws: &str, agent: &str) -> String {
        self.app
            .running
            .tokens
            .iter()
            .find(|t| t.workspace == ws && t.agent.as_str() == agent)
            .map(|t| t.token.clone())
            .unwrap_or_else(|| panic!("no token for {agent} in {ws}"))
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<String>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .app
            .http
            .request(method, self.app.url(&format!("/api/v1{path}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("api request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{path}: body is not JSON: {text}"))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Calls a route as `agent` of the first workspace and validates the response against the
    /// document (`route` is the documented path template).
    async fn call(
        &self,
        agent: &str,
        method: Method,
        route: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.call_in(WORKSPACE, agent, method, route, path, body)
            .await
    }

    async fn call_in(
        &self,
        ws: &str,
        agent: &str,
        method: Method,
        route: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let m = method.as_str().to_lowercase();
        let reply = self
            .raw(
                method,
                path,
                Some(self.token(ws, agent)),
                body.as_ref(),
                &[],
            )
            .await;
        self.conforms(route, &m, &reply);
        reply
    }

    fn conforms(&self, route: &str, method: &str, reply: &Reply) {
        let op = &self.doc["paths"][route][method];
        assert!(op.is_object(), "{method} {route} is not documented");
        let documented = &op["responses"][reply.status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {route} answered {} which is not documented: {}",
            reply.status,
            reply.body
        );
        let schema = &documented["content"]["application/json"]["schema"];
        if schema.is_null() {
            assert!(
                reply.body.is_null(),
                "{method} {route} {}: documented without a body",
                reply.status
            );
            return;
        }
        if let Err(e) = validate(&self.doc, schema, &reply.body, "$") {
            panic!(
                "{method} {route} {}: response does not match the document: {e}\n{:#}",
                reply.status, reply.body
            );
        }
    }
}

/// Validates `value` against an OpenAPI 3.0 schema: `$ref`, `allOf`, `nullable`, `type`,
/// `enum`, `required`, `properties`, `additionalProperties` and `items`.
pub(super) fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: unknown schema {r}"));
        }
        return validate(doc, target, value, at);
    }
    if value.is_null() {
        if schema["nullable"] == true {
            return Ok(());
        }
        if let Some(all) = schema["allOf"].as_array()
            && all.iter().all(|s| validate(doc, s, value, at).is_ok())
        {
            return Ok(());
        }
        if schema.get("type").is_some() || schema.get("allOf").is_some() {
            return Err(format!("{at}: null where the schema does not allow it"));
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            validate(doc, s, value, at)?;
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {values:?}"));
    }
    let ok = match schema["type"].as_str() {
        None => true,
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        Some(other) => return Err(format!("{at}: unknown type {other}")),
    };
    if !ok {
        return Err(format!("{at}: {value} is not of type {}", schema["type"]));
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            validate(doc, items, v, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(obj) = value.as_object() {
        if let Some(required) = schema["required"].as_array() {
            for r in required {
                let key = r.as_str().unwrap_or_default();
                if !obj.contains_key(key) {
                    return Err(format!("{at}: missing required {key}"));
                }
            }
        }
        let props = schema["properties"].as_object();
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, v, &format!("{at}.{k}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{at}: {k} is not documented"));
                    }
                    Some(s) if s.is_object() => validate(doc, s, v, &format!("{at}.{k}"))?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

fn assert_error(reply: &Reply, status: u16, code: &str, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert_eq!(reply.body["error"]["code"], code, "{what}: {}", reply.body);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: an error names what to fix"
    );
}

/// A customer asks for a person; returns the ticket id once Ana holds it.
async fn handed_off_ticket(api: &Api) -> String {
    let r = api
        .app
        .post_webhook(&text_webhook(
            CUSTOMER,
            "Cliente",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
    eventually("the ticket is assigned to ana", || async {
        // Tokens of both workspaces exist: ask with the first workspace's own.
        let token = Some(api.token(WORKSPACE, "bruno"));
        let list = api.raw(Method::GET, "/tickets", token, None, &[]).await;
        let t = list.body["items"]
            .as_array()?
            .iter()
            .find(|t| t["customer"] == CUSTOMER)?
            .clone();
        (t["assignee"] == "ana").then(|| t["id"].as_str().map(str::to_owned))?
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_the_openapi_document_says() {
    let api = Api::spawn().await;
    let id = handed_off_ticket(&api).await;
    let t = |p: &str| format!("/tickets/{id}{p}");

    // The document itself is public and names every route the console uses.
    let doc = api.raw(Method::GET, "/openapi.json", None, None, &[]).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.0.3");

    let me = api.call("ana", Method::GET, "/me", "/me", None).await;
    assert_eq!(me.body["id"], "ana");
    let avail = api
        .call(
            "ana",
            Method::PUT,
            "/me/availability",
            "/me/availability",
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(avail.status, 200);
    let agents = api
        .call("ana", Method::GET, "/agents", "/agents", None)
        .await;
    assert_eq!(agents.body.as_array().map(Vec::len), Some(4));

    // The list: summaries with a preview and SLA, counts, an ETag that answers 304.
    let list = api
        .call("ana", Method::GET, "/tickets", "/tickets", None)
        .await;
    assert_eq!(list.status, 200);
    let item = &list.body["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["customer_name"], "Cliente");
    assert!(item["last_message"]["text"].is_string(), "{item}");
    assert_eq!(list.body["counts"]["assigned"], 1);
    let tag = list.headers["etag"].to_str().unwrap().to_owned();
    let same = api
        .raw(
            Method::GET,
            "/tickets",
            Some(api.token(WORKSPACE, "ana")),
            None,
            &[("if-none-match", &tag)],
        )
        .await;
    assert_eq!(same.status, 304);
    let filtered = api
        .call(
            "ana",
            Method::GET,
            "/tickets",
            "/tickets?status=assigned&assignee=me&priority=normal&q=Client&team=support&limit=10",
            None,
        )
        .await;
    assert_eq!(filtered.body["items"][0]["id"], id.as_str());
    let none = api
        .call(
            "ana",
            Method::GET,
            "/tickets",
            "/tickets?status=queued",
            None,
        )
        .await;
    assert_eq!(none.body["items"], json!([]));
    assert_eq!(
        none.body["counts"]["assigned"], 1,
        "counts ignore the status filter"
    );
    // Views and search, read by index: open holds the ticket, bot and done do not; a number,
    // an id and the start of a name find it.
    let open = api
        .call("ana", Method::GET, "/tickets", "/tickets?view=open", None)
        .await;
    assert_eq!(open.body["items"][0]["id"], id.as_str());
    for view in ["bot", "done"] {
        let other = api
            .call(
                "ana",
                Method::GET,
                "/tickets",
                &format!("/tickets?view={view}"),
                None,
            )
            .await;
        assert_eq!(other.body["items"], json!([]), "{view}");
    }
    for q in [
        CUSTOMER.to_owned(),
        format!("+{CUSTOMER}"),
        id.to_string(),
        "clie".into(),
    ] {
        let found = api
            .call(
                "ana",
                Method::GET,
                "/tickets",
                &format!("/tickets?q={}", q.replace('+', "%2B")),
                None,
            )
            .await;
        assert_eq!(found.body["items"][0]["id"], id.as_str(), "search {q}");
    }
    let nobody = api
        .call("ana", Method::GET, "/tickets", "/tickets?q=zz", None)
        .await;
    assert_eq!(nobody.body["items"], json!([]));

    let detail = api
        .call("ana", Method::GET, "/tickets/{id}", &t(""), None)
        .await;
    assert_eq!(detail.body["window"]["open"], true);
    assert_eq!(detail.body["customer_profile"]["wa_id"], CUSTOMER);
    assert!(
        detail.body["audit"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );

    // A reply through a quick reply, then a note that mentions Bruno.
    let sent = api
        .call(
            "ana",
            Method::POST,
            "/tickets/{id}/messages",
            &t("/messages"),
            Some(json!({"text": "/saludo"})),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(
        sent.body["body"]["message"]["body"],
        "Hola Cliente, soy Ana García. ¿En qué puedo ayudarte?"
    );
    assert!(
        api.app
            .graph
            .texts_to(CUSTOMER)
            .await
            .iter()
            .any(|x| x.starts_with("Hola Cliente, soy Ana")),
        "the expanded text went to WhatsApp"
    );
    let note = api
        .call(
            "ana",
            Method::POST,
            "/tickets/{id}/notes",
            &t("/notes"),
            Some(json!({"text": "@bruno ¿lo miras?"})),
        )
        .await;
    assert_eq!(note.status, 201);
    assert_eq!(note.body["body"]["mentions"], json!(["bruno"]));
    eventually("bruno is notified of the mention", || async {
        let n = api.app.notify.of_kind("mentioned").await;
        n.iter()
            .any(|n| n["turno"]["agent"] == "bruno")
            .then_some(())
    })
    .await;
    let detail = api
        .call("ana", Method::GET, "/tickets/{id}", &t(""), None)
        .await;
    let transcript = detail.body["transcript"].as_array().unwrap();
    assert!(transcript.iter().any(|e| e["body"]["direction"] == "note"));
    assert!(
        !api.app
            .graph
            .texts_to(CUSTOMER)
            .await
            .iter()
            .any(|x| x.contains("lo miras")),
        "a note never reaches the customer"
    );

    let tagged = api
        .call(
            "ana",
            Method::PUT,
            "/tickets/{id}/tags",
            &t("/tags"),
            Some(json!({"tags": ["Billing", "billing", "vip"]})),
        )
        .await;
    assert_eq!(tagged.body["tags"], json!(["billing", "vip"]));

    // Live updates: a change after the cursor shows up.
    let start = api
        .call("ana", Method::GET, "/events", "/events", None)
        .await;
    let cursor = start.body["cursor"].as_str().unwrap().to_owned();
    api.call(
        "ana",
        Method::POST,
        "/tickets/{id}/notes",
        &t("/notes"),
        Some(json!({"text": "otra nota"})),
    )
    .await;
    eventually("the note shows in the change feed", || async {
        let page = api
            .call(
                "ana",
                Method::GET,
                "/events",
                &format!("/events?since={cursor}"),
                None,
            )
            .await;
        page.body["events"]
            .as_array()?
            .iter()
            .any(|e| e["kind"] == "note" && e["ticket_id"] == id.as_str())
            .then_some(())
    })
    .await;

    // The handoff summary: why it came to a person, from the bot's turn records.
    let handoff = api
        .call(
            "ana",
            Method::GET,
            "/tickets/{id}/handoff",
            &t("/handoff"),
            None,
        )
        .await;
    assert_eq!(handoff.status, 200);
    assert_eq!(
        handoff.body["asked"][0], "explicit_request",
        "{}",
        handoff.body
    );
    assert!(
        handoff.body["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "explicit_request")),
        "{}",
        handoff.body
    );
    let presets = api
        .call(
            "ana",
            Method::GET,
            "/snooze-presets",
            "/snooze-presets",
            None,
        )
        .await;
    assert_eq!(
        presets.body["timezone"], "Europe/Madrid",
        "{}",
        presets.body
    );
    assert_eq!(presets.body["presets"].as_array().map(Vec::len), Some(3));
    let urgent = api
        .call(
            "ana",
            Method::PUT,
            "/tickets/{id}/priority",
            &t("/priority"),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!(urgent.body["priority"], "urgent");
    let wrong = api
        .call(
            "ana",
            Method::PUT,
            "/tickets/{id}/priority",
            &t("/priority"),
            Some(json!({"priority": "whenever"})),
        )
        .await;
    assert_eq!(wrong.status, 422);

    // Escalation to the specialists, resolve, reopen, transfer back, assign.
    let up = api
        .call(
            "ana",
            Method::POST,
            "/tickets/{id}/escalate",
            &t("/escalate"),
            Some(json!({"reason": "needs a refund"})),
        )
        .await;
    assert_eq!(up.body["tier"], "L3");
    assert_eq!(up.body["team"], "specialists");
    let resolved = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/status",
            &t("/status"),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(resolved.body["status"], "resolved");
    let reopened = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/status",
            &t("/status"),
            Some(json!({"status": "reopen"})),
        )
        .await;
    assert_ne!(reopened.body["status"], "resolved");
    let moved = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/transfer",
            &t("/transfer"),
            Some(json!({"team_id": "support", "note": "back"})),
        )
        .await;
    assert_eq!(moved.body["team"], "support");
    let assigned = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/assign",
            &t("/assign"),
            Some(json!({"agent_id": "bruno"})),
        )
        .await;
    assert_eq!(assigned.body["assignee"], "bruno");

    // Quick replies: everyone reads, supervisors write.
    let qrs = api
        .call("ana", Method::GET, "/quick-replies", "/quick-replies", None)
        .await;
    assert!(
        qrs.body
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["shortcut"] == "saludo")
    );
    let made = api
        .call(
            "bruno",
            Method::POST,
            "/quick-replies",
            "/quick-replies",
            Some(json!({"shortcut": "/envio", "text": "Tu pedido sale hoy.", "language": "es"})),
        )
        .await;
    assert_eq!(made.status, 201);
    assert_eq!(made.body["shortcut"], "envio");
    let qid = made.body["id"].as_str().unwrap().to_owned();
    let changed = api
        .call(
            "bruno",
            Method::PUT,
            "/quick-replies/{id}",
            &format!("/quick-replies/{qid}"),
            Some(json!({"shortcut": "envio", "text": "Tu pedido sale mañana."})),
        )
        .await;
    assert_eq!(changed.body["text"], "Tu pedido sale mañana.");
    let dup = api
        .call(
            "bruno",
            Method::POST,
            "/quick-replies",
            "/quick-replies",
            Some(json!({"shortcut": "envio", "text": "otra"})),
        )
        .await;
    assert_error(&dup, 409, "conflict", "a second /envio");
    let gone = api
        .call(
            "bruno",
            Method::DELETE,
            "/quick-replies/{id}",
            &format!("/quick-replies/{qid}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let again = api
        .call(
            "bruno",
            Method::DELETE,
            "/quick-replies/{id}",
            &format!("/quick-replies/{qid}"),
            None,
        )
        .await;
    assert_error(&again, 404, "not_found", "deleting twice");

    // The customer's profile.
    let c = format!("/customers/{CUSTOMER}");
    let cust = api
        .call("ana", Method::GET, "/customers/{wa_id}", &c, None)
        .await;
    assert_eq!(cust.body["tickets"][0]["id"], id.as_str());
    let patched = api
        .call(
            "ana",
            Method::PATCH,
            "/customers/{wa_id}",
            &c,
            Some(
                json!({"attributes": {"plan": "gold"}, "marketing_consent": true, "tags": ["VIP"]}),
            ),
        )
        .await;
    assert_eq!(patched.body["attributes"]["plan"], "gold");
    assert_eq!(patched.body["marketing_consent"], true);
    assert_eq!(patched.body["vip"], true);
    let removed = api
        .call(
            "ana",
            Method::PATCH,
            "/customers/{wa_id}",
            &c,
            Some(json!({"attributes": {"plan": null}})),
        )
        .await;
    assert_eq!(removed.body["attributes"], json!({}));

    let templates = api
        .call("ana", Method::GET, "/templates", "/templates", None)
        .await;
    let re = templates
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["use"] == "re_engagement")
        .cloned()
        .unwrap();
    let sent = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/messages",
            &t("/messages"),
            Some(json!({"template": {"name": re["name"], "params": ["Cliente"]}})),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["body"]["message"]["type"], "template");
    let unknown = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/messages",
            &t("/messages"),
            Some(json!({"template": {"name": "nope"}})),
        )
        .await;
    assert_error(&unknown, 404, "not_found", "an unconfigured template");
    let both = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/messages",
            &t("/messages"),
            Some(json!({"text": "hola", "template": {"name": re["name"]}})),
        )
        .await;
    assert_error(&both, 422, "invalid_input", "text and template at once");
    let teams = api.call("ana", Method::GET, "/teams", "/teams", None).await;
    assert_eq!(teams.body[0]["id"], "support");
    let sla = api
        .call(
            "diego",
            Method::GET,
            "/admin/sla-policies",
            "/admin/sla-policies",
            None,
        )
        .await;
    assert!(
        sla.body["policies"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    let bot = api
        .call(
            "diego",
            Method::GET,
            "/admin/bot-config",
            "/admin/bot-config",
            None,
        )
        .await;
    assert_eq!(bot.status, 200);
    let dead = api
        .call(
            "diego",
            Method::GET,
            "/admin/dead-letters",
            "/admin/dead-letters?queue=inbound",
            None,
        )
        .await;
    assert_eq!(dead.body["dead_letters"], json!([]), "{}", dead.body);
    let redrive = api
        .call(
            "diego",
            Method::POST,
            "/admin/dead-letters/redrive",
            "/admin/dead-letters/redrive",
            None,
        )
        .await;
    assert_eq!(redrive.body["redriven"].as_array().map(Vec::len), Some(4));
    let quarantine = api
        .call(
            "diego",
            Method::GET,
            "/admin/quarantine",
            "/admin/quarantine?limit=5",
            None,
        )
        .await;
    assert_eq!(quarantine.body["items"], json!([]));
    let dash = api
        .call(
            "bruno",
            Method::GET,
            "/metrics/dashboard",
            "/metrics/dashboard",
            None,
        )
        .await;
    assert_eq!(dash.body["first_response"]["count"], 1, "{}", dash.body);
    assert_eq!(dash.body["csat"], Value::Null);
    // Today's report (the demo counts days in its calendars' zone, Europe/Madrid) holds the
    // handoff and the reply above.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Madrid").unwrap())
        .date();
    let (from, to) = (today.yesterday().unwrap(), today.tomorrow().unwrap());
    let report = api
        .call(
            "bruno",
            Method::GET,
            "/reports",
            &format!("/reports?from={from}&to={to}&granularity=day"),
            None,
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.body["time_zone"], "Europe/Madrid");
    assert_eq!(report.body["series"].as_array().map(Vec::len), Some(3));
    assert!(
        report.body["totals"]["volumes"]["escalated"].as_i64() >= Some(1),
        "{}",
        report.body
    );
    assert_eq!(
        report.body["totals"]["first_response"]["wall"]["count"], 1,
        "{}",
        report.body
    );
    let weekly = api
        .call(
            "bruno",
            Method::GET,
            "/reports",
            &format!("/reports?from={from}&to={to}&granularity=week&team=support"),
            None,
        )
        .await;
    assert_eq!(weekly.status, 200, "{}", weekly.body);
    assert_eq!(weekly.body["filters"]["team"], "support");
    assert_eq!(weekly.body["by_team"].as_array().map(Vec::len), Some(1));

    api.app.stop().await;
}

/// Every route with a path and a body that would be accepted.
/// A request that must be refused: method, documented route, path, body, status, code.
type BadCase = (
    Method,
    &'static str,
    String,
    Option<Value>,
    u16,
    &'static str,
);

fn all_routes(id: &str) -> Vec<(Method, &'static str, String, Option<Value>)> {
    let t = |p: &str| format!("/tickets/{id}{p}");
    vec![
        (Method::GET, "/me", "/me".into(), None),
        (
            Method::PUT,
            "/me/availability",
            "/me/availability".into(),
            Some(json!({"availability": "online"})),
        ),
        (Method::GET, "/agents", "/agents".into(), None),
        (Method::GET, "/tickets", "/tickets".into(), None),
        (Method::GET, "/tickets/{id}", t(""), None),
        (
            Method::POST,
            "/tickets/{id}/messages",
            t("/messages"),
            Some(json!({"text": "hola"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/notes",
            t("/notes"),
            Some(json!({"text": "nota"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/assign",
            t("/assign"),
            Some(json!({"agent_id": "bruno"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/status",
            t("/status"),
            Some(json!({"status": "pending"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/transfer",
            t("/transfer"),
            Some(json!({"team_id": "support"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/escalate",
            t("/escalate"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            "/tickets/{id}/tags",
            t("/tags"),
            Some(json!({"tags": ["x"]})),
        ),
        (Method::GET, "/quick-replies", "/quick-replies".into(), None),
        (
            Method::POST,
            "/quick-replies",
            "/quick-replies".into(),
            Some(json!({"shortcut": "x", "text": "y"})),
        ),
        (
            Method::PUT,
            "/quick-replies/{id}",
            "/quick-replies/demo0".into(),
            Some(json!({"shortcut": "x", "text": "y"})),
        ),
        (
            Method::DELETE,
            "/quick-replies/{id}",
            "/quick-replies/demo0".into(),
            None,
        ),
        (
            Method::GET,
            "/customers/{wa_id}",
            format!("/customers/{CUSTOMER}"),
            None,
        ),
        (
            Method::PATCH,
            "/customers/{wa_id}",
            format!("/customers/{CUSTOMER}"),
            Some(json!({"name": "X"})),
        ),
        (Method::GET, "/teams", "/teams".into(), None),
        (Method::GET, "/templates", "/templates".into(), None),
        (
            Method::GET,
            "/admin/sla-policies",
            "/admin/sla-policies".into(),
            None,
        ),
        (
            Method::GET,
            "/admin/bot-config",
            "/admin/bot-config".into(),
            None,
        ),
        (
            Method::GET,
            "/admin/dead-letters",
            "/admin/dead-letters".into(),
            None,
        ),
        (
            Method::POST,
            "/admin/dead-letters/redrive",
            "/admin/dead-letters/redrive".into(),
            None,
        ),
        (
            Method::GET,
            "/admin/quarantine",
            "/admin/quarantine".into(),
            None,
        ),
        (
            Method::GET,
            "/metrics/dashboard",
            "/metrics/dashboard".into(),
            None,
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-11-01&to=2026-11-30".into(),
            None,
        ),
        (Method::GET, "/events", "/events".into(), None),
        (Method::GET, "/events/stream", "/events/stream".into(), None),
        (
            Method::GET,
            "/reports/conversations",
            "/reports/conversations?from=2026-01-01&to=2026-01-31".into(),
            None,
        ),
        (
            Method::GET,
            "/reports/export.csv",
            "/reports/export.csv?from=2026-01-01&to=2026-01-31".into(),
            None,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_refuse_strangers_wrong_roles_other_workspaces_and_other_teams() {
    let api = Api::spawn().await;
    let id = handed_off_ticket(&api).await;

    // No token, a malformed one, or one signed by somebody else: 401 on every route.
    for (method, route, path, body) in all_routes(&id) {
        let m = method.as_str().to_lowercase();
        let r = api
            .raw(method.clone(), &path, None, body.as_ref(), &[])
            .await;
        assert_error(
            &r,
            401,
            "unauthorized",
            &format!("{m} {path} without a token"),
        );
        api.conforms(route, &m, &r);
        let r = api
            .raw(method, &path, Some("not-a-jwt".into()), body.as_ref(), &[])
            .await;
        assert_error(
            &r,
            401,
            "unauthorized",
            &format!("{m} {path} with a bad token"),
        );
    }

    // Roles: agents neither edit quick replies nor see the dashboard or the configuration;
    // supervisors do not see the configuration; agents assign only to themselves.
    let refused = [
        (
            "ana",
            Method::POST,
            "/quick-replies",
            "/quick-replies".to_owned(),
            Some(json!({"shortcut": "x", "text": "y"})),
        ),
        (
            "ana",
            Method::PUT,
            "/quick-replies/{id}",
            "/quick-replies/demo0".to_owned(),
            Some(json!({"shortcut": "x", "text": "y"})),
        ),
        (
            "ana",
            Method::DELETE,
            "/quick-replies/{id}",
            "/quick-replies/demo0".to_owned(),
            None,
        ),
        (
            "ana",
            Method::GET,
            "/metrics/dashboard",
            "/metrics/dashboard".to_owned(),
            None,
        ),
        (
            "ana",
            Method::GET,
            "/reports",
            "/reports?from=2026-11-01&to=2026-11-30".to_owned(),
            None,
        ),
        (
            "ana",
            Method::GET,
            "/admin/sla-policies",
            "/admin/sla-policies".to_owned(),
            None,
        ),
        (
            "ana",
            Method::GET,
            "/admin/bot-config",
            "/admin/bot-config".to_owned(),
            None,
        ),
        (
            "ana",
            Method::GET,
            "/admin/quarantine",
            "/admin/quarantine".to_owned(),
            None,
        ),
        (
            "bruno",
            Method::GET,
            "/admin/sla-policies",
            "/admin/sla-policies".to_owned(),
            None,
        ),
        (
            "bruno",
            Method::GET,
            "/admin/bot-config",
            "/admin/bot-config".to_owned(),
            None,
        ),
        (
            "bruno",
            Method::GET,
            "/admin/dead-letters",
            "/admin/dead-letters".to_owned(),
            None,
        ),
        (
            "bruno",
            Method::POST,
            "/admin/dead-letters/redrive",
            "/admin/dead-letters/redrive".to_owned(),
            None,
        ),
        (
            "bruno",
            Method::GET,
            "/admin/quarantine",
            "/admin/quarantine".to_owned(),
            None,
        ),
        (
            "ana",
            Method::POST,
            "/tickets/{id}/assign",
            format!("/tickets/{id}/assign"),
            Some(json!({"agent_id": "bruno"})),
        ),
    ];
    for (agent, method, route, path, body) in refused {
        let what = format!("{agent}: {method} {path}");
        let r = api.call(agent, method, route, &path, body).await;
        assert_error(&r, 403, "forbidden", &what);
    }
    let still = api
        .call("ana", Method::GET, "/quick-replies", "/quick-replies", None)
        .await;
    assert!(
        still
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["id"] == "demo0"),
        "a refused delete deletes nothing"
    );

    // Another workspace's supervisor: the ticket and the customer do not exist there.
    let elsewhere = [
        (Method::GET, "/tickets/{id}", "".to_owned(), None),
        (
            Method::POST,
            "/tickets/{id}/messages",
            "/messages".to_owned(),
            Some(json!({"text": "hola"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/notes",
            "/notes".to_owned(),
            Some(json!({"text": "nota"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/assign",
            "/assign".to_owned(),
            Some(json!({"agent_id": "bruno"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/status",
            "/status".to_owned(),
            Some(json!({"status": "pending"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/transfer",
            "/transfer".to_owned(),
            Some(json!({"team_id": "support"})),
        ),
        (
            Method::POST,
            "/tickets/{id}/escalate",
            "/escalate".to_owned(),
            Some(json!({})),
        ),
        (
            Method::PUT,
            "/tickets/{id}/tags",
            "/tags".to_owned(),
            Some(json!({"tags": ["x"]})),
        ),
        (
            Method::PUT,
            "/tickets/{id}/priority",
            "/priority".to_owned(),
            Some(json!({"priority": "high"})),
        ),
        (
            Method::GET,
            "/tickets/{id}/handoff",
            "/handoff".to_owned(),
            None,
        ),
    ];
    for (method, route, suffix, body) in elsewhere {
        let path = format!("/tickets/{id}{suffix}");
        let what = format!("other workspace: {method} {path}");
        let r = api
            .call_in(OTHER_WORKSPACE, "bruno", method, route, &path, body)
            .await;
        assert_error(&r, 404, "not_found", &what);
    }
    let c = format!("/customers/{CUSTOMER}");
    let r = api
        .call_in(
            OTHER_WORKSPACE,
            "bruno",
            Method::GET,
            "/customers/{wa_id}",
            &c,
            None,
        )
        .await;
    assert_error(&r, 404, "not_found", "a customer of another workspace");
    let r = api
        .call_in(
            OTHER_WORKSPACE,
            "bruno",
            Method::PATCH,
            "/customers/{wa_id}",
            &c,
            Some(json!({"name": "X"})),
        )
        .await;
    assert_error(
        &r,
        404,
        "not_found",
        "patching a customer of another workspace",
    );
    let list = api
        .call_in(
            OTHER_WORKSPACE,
            "bruno",
            Method::GET,
            "/tickets",
            "/tickets",
            None,
        )
        .await;
    assert_eq!(list.body["items"], json!([]));
    let feed = api
        .call_in(
            OTHER_WORKSPACE,
            "bruno",
            Method::GET,
            "/events",
            "/events",
            None,
        )
        .await;
    let since = feed.body["cursor"].as_str().unwrap().to_owned();
    assert!(since.len() >= 20);
    let mine = api
        .call(
            "bruno",
            Method::POST,
            "/quick-replies",
            "/quick-replies",
            Some(json!({"shortcut": "soloaqui", "text": "x"})),
        )
        .await;
    assert_eq!(mine.status, 201);
    let qrs = api
        .call_in(
            OTHER_WORKSPACE,
            "bruno",
            Method::GET,
            "/quick-replies",
            "/quick-replies",
            None,
        )
        .await;
    assert!(
        qrs.body
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["shortcut"] != "soloaqui"),
        "quick replies stay in their workspace"
    );

    // An agent of another team (Marta, specialists) neither lists nor opens a support ticket.
    let list = api
        .call("marta", Method::GET, "/tickets", "/tickets", None)
        .await;
    assert_eq!(list.body["items"], json!([]));
    let r = api
        .call(
            "marta",
            Method::GET,
            "/tickets/{id}",
            &format!("/tickets/{id}"),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found", "another team's ticket");
    let r = api
        .call(
            "marta",
            Method::POST,
            "/tickets/{id}/notes",
            &format!("/tickets/{id}/notes"),
            Some(json!({"text": "hola"})),
        )
        .await;
    assert_error(&r, 404, "not_found", "a note on another team's ticket");
    let r = api
        .call("marta", Method::GET, "/customers/{wa_id}", &c, None)
        .await;
    assert_error(
        &r,
        404,
        "not_found",
        "the customer of another team's ticket",
    );

    api.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_gets_a_4xx_in_the_error_format_and_changes_nothing() {
    let api = Api::spawn().await;
    let id = handed_off_ticket(&api).await;
    let t = |p: &str| format!("/tickets/{id}{p}");
    let before = api
        .call("ana", Method::GET, "/tickets/{id}", &t(""), None)
        .await
        .body;

    let cases: Vec<BadCase> = vec![
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-11-30&to=2026-11-01".into(),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-01-01&to=2027-01-02".into(),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-11-01&to=2026-11-02&team=support&agent=ana".into(),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-11-01".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-02-30&to=2026-03-01".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/reports",
            "/reports?from=2026-11-01&to=2026-11-02&granularity=month".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?status=sleeping".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?priority=meh".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?sla=late".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?assignee=no%20body".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?colour=red".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?limit=0".into(),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?limit=lots".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/tickets",
            "/tickets?cursor=garbage".into(),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::GET,
            "/tickets/{id}",
            "/tickets/bad%20id".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::POST,
            "/tickets/{id}/messages",
            t("/messages"),
            Some(json!({"text": "  "})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/tickets/{id}/messages",
            t("/messages"),
            Some(json!({"text": "/nosuchreply"})),
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/tickets/{id}/messages",
            t("/messages"),
            Some(json!({"txt": "hola"})),
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            "/tickets/{id}/notes",
            t("/notes"),
            Some(json!({"text": ""})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/tickets/{id}/notes",
            t("/notes"),
            Some(json!({"text": "x".repeat(5000)})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/tickets/{id}/status",
            t("/status"),
            Some(json!({"status": "sleeping"})),
            400,
            "invalid_request",
        ),
        (
            Method::POST,
            "/tickets/{id}/status",
            t("/status"),
            Some(json!({"status": "snoozed"})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/tickets/{id}/status",
            t("/status"),
            Some(json!({"status": "reopen"})),
            409,
            "conflict",
        ),
        (
            Method::POST,
            "/tickets/{id}/assign",
            t("/assign"),
            Some(json!({"agent_id": "nobody"})),
            404,
            "not_found",
        ),
        (
            Method::POST,
            "/tickets/{id}/transfer",
            t("/transfer"),
            Some(json!({})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/tickets/{id}/escalate",
            t("/escalate"),
            Some(json!({"reason": "x".repeat(600)})),
            422,
            "invalid_input",
        ),
        (
            Method::PUT,
            "/tickets/{id}/tags",
            t("/tags"),
            Some(json!({"tags": ["two words"]})),
            422,
            "invalid_input",
        ),
        (
            Method::PUT,
            "/tickets/{id}/tags",
            t("/tags"),
            Some(json!({"tags": "vip"})),
            422,
            "invalid_request",
        ),
        (
            Method::POST,
            "/quick-replies",
            "/quick-replies".into(),
            Some(json!({"shortcut": "Two Words", "text": "x"})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            "/quick-replies",
            "/quick-replies".into(),
            Some(json!({"shortcut": "ok", "text": ""})),
            422,
            "invalid_input",
        ),
        (
            Method::PUT,
            "/quick-replies/{id}",
            "/quick-replies/no-such".into(),
            Some(json!({"shortcut": "ok", "text": "x"})),
            400,
            "invalid_request",
        ),
        (
            Method::PUT,
            "/quick-replies/{id}",
            "/quick-replies/nosuch".into(),
            Some(json!({"shortcut": "ok", "text": "x"})),
            404,
            "not_found",
        ),
        (
            Method::GET,
            "/customers/{wa_id}",
            "/customers/abc".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/customers/{wa_id}",
            "/customers/34699999999".into(),
            None,
            404,
            "not_found",
        ),
        (
            Method::PATCH,
            "/customers/{wa_id}",
            format!("/customers/{CUSTOMER}"),
            Some(json!({"attributes": {"bad key": "x"}})),
            422,
            "invalid_input",
        ),
        (
            Method::PATCH,
            "/customers/{wa_id}",
            format!("/customers/{CUSTOMER}"),
            Some(json!({"phone": "1"})),
            422,
            "invalid_request",
        ),
        (
            Method::GET,
            "/events",
            "/events?since=yesterday".into(),
            None,
            400,
            "invalid_request",
        ),
        (
            Method::GET,
            "/events",
            // Byte 20 falls inside the two-byte `é`.
            "/events?since=0000000000000000000%C3%A9".into(),
            None,
            400,
            "invalid_request",
        ),
    ];
    for (method, route, path, body, status, code) in cases {
        let what = format!("{method} {path} {body:?}");
        let agent = if route.starts_with("/quick-replies") || route == "/reports" {
            "bruno"
        } else {
            "ana"
        };
        let r = api.call(agent, method, route, &path, body).await;
        assert_error(&r, status, code, &what);
    }
    // Not JSON at all, and a method a route does not take.
    let r = api
        .app
        .http
        .post(api.app.url(&format!("/api/v1/tickets/{id}/notes")))
        .bearer_auth(api.token(WORKSPACE, "ana"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request");
    let r = api
        .raw(
            Method::DELETE,
            "/teams",
            Some(api.token(WORKSPACE, "ana")),
            None,
            &[],
        )
        .await;
    assert_error(&r, 405, "method_not_allowed", "DELETE /teams");

    // Escalating past the top tier is a conflict.
    api.call(
        "ana",
        Method::POST,
        "/tickets/{id}/escalate",
        &t("/escalate"),
        Some(json!({})),
    )
    .await;
    let r = api
        .call(
            "bruno",
            Method::POST,
            "/tickets/{id}/escalate",
            &t("/escalate"),
            Some(json!({})),
        )
        .await;
    assert_error(&r, 409, "conflict", "escalating an L3 ticket");

    // Nothing that was refused left a trace on the ticket.
    let after = api
        .call("bruno", Method::GET, "/tickets/{id}", &t(""), None)
        .await
        .body;
    let notes = |v: &Value| {
        v["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["body"]["direction"] != "inbound")
            .count()
    };
    assert_eq!(
        notes(&after),
        notes(&before),
        "no reply or note was written"
    );
    assert_eq!(after["tags"], before["tags"]);

    api.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_pushes_changes_to_a_connected_console() {
    let api = Api::spawn().await;
    let id = handed_off_ticket(&api).await;
    let resp = api
        .app
        .http
        .get(api.app.url("/api/v1/events/stream"))
        .bearer_auth(api.token(WORKSPACE, "ana"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut resp = resp;
    api.call(
        "ana",
        Method::POST,
        "/tickets/{id}/notes",
        &format!("/tickets/{id}/notes"),
        Some(json!({"text": "en vivo"})),
    )
    .await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: changes") && seen.contains(&id) && seen.contains("\"note\"") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "stream so far: {seen}");
    api.app.stop().await;
}

mod changed_tickets;
