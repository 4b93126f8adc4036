//! Templates synced from the business account's list on the (fake) Graph API: two pages read,
//! each template kept with its form, the approved ones offered to agents with their
//! parameters and languages and sendable by name; a failing page keeps nothing.

use serde_json::{Value, json};
use turno_tests::{TestApp, eventually, text_webhook, wamid};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// The demo configuration's business account.
const LIST_PATH: &str = "/102290129340398/message_templates";
const CUSTOMER: &str = "34600111777";

async fn list_in_two_pages(app: &TestApp) {
    let server = &app.graph.server;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("after", "P2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{
                "name": "aviso_envio", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                "components": [{ "type": "BODY", "text": "Hi {{1}}, order {{2}} shipped." }]
            }, {
                "name": "promo", "language": "es", "status": "REJECTED", "category": "MARKETING",
                "components": [{ "type": "BODY", "text": "Oferta" }]
            }],
            "paging": { "cursors": { "before": "P2", "after": "P2" } }
        })))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{
                "name": "aviso_envio", "language": "es", "status": "APPROVED", "category": "UTILITY",
                "components": [
                    { "type": "HEADER", "format": "TEXT", "text": "Envío" },
                    { "type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} salió." },
                    { "type": "BUTTONS", "buttons": [{ "type": "QUICK_REPLY", "text": "Gracias" }] }
                ]
            }],
            "paging": { "next": format!("{}{LIST_PATH}?limit=100&after=P2", server.uri()) }
        })))
        .with_priority(2)
        .mount(server)
        .await;
}

fn offered<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|t| t["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_syncs_the_template_list_and_agents_are_offered_the_approved_ones() {
    let app = TestApp::spawn().await;
    list_in_two_pages(&app).await;

    let (status, _) = app
        .api_post("ana", "/api/v1/admin/templates/sync", json!({}))
        .await;
    assert_eq!(status, 403, "agents may not sync");
    let (status, sync) = app
        .api_post("diego", "/api/v1/admin/templates/sync", json!({}))
        .await;
    assert_eq!(status, 200, "{sync}");
    assert_eq!(sync["listed"], 3);
    let kept: Vec<(String, String, String)> = sync["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["language"].as_str().unwrap_or_default().to_owned(),
                t["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            ("aviso_envio".into(), "en_US".into(), "APPROVED".into()),
            ("aviso_envio".into(), "es".into(), "APPROVED".into()),
            ("promo".into(), "es".into(), "REJECTED".into()),
        ]
    );
    let (_, admin_list) = app.api_get("diego", "/api/v1/admin/templates").await;
    assert_eq!(admin_list, sync["templates"]);

    let (status, list) = app.api_get("ana", "/api/v1/templates").await;
    assert_eq!(status, 200);
    let t = offered(&list, "aviso_envio").expect("the approved template is offered");
    assert_eq!(
        t["language"], "es",
        "the workspace's default language first"
    );
    assert_eq!(t["languages"], json!({ "es": "es", "en": "en_US" }));
    assert_eq!(t["param_count"], 2);
    assert_eq!(t["body"]["en"], "Hi {{1}}, order {{2}} shipped.");
    assert_eq!(
        t["header"],
        json!({ "format": "text", "text": { "es": "Envío" } })
    );
    assert_eq!(t["buttons"], json!([{ "es": "Gracias" }]));
    assert!(offered(&list, "promo").is_none(), "a rejected one is not");

    // Sent by its name, in English, with both parameters.
    let r = app
        .post_webhook(&text_webhook(
            CUSTOMER,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
    let id: String = eventually("the ticket is assigned to ana", || async {
        let (_, list) = app.api_get("ana", "/api/v1/tickets").await;
        let t = list["items"]
            .as_array()?
            .iter()
            .find(|t| t["customer"] == CUSTOMER)?
            .clone();
        (t["assignee"] == "ana").then(|| t["id"].as_str().map(str::to_owned))?
    })
    .await;
    let path = format!("/api/v1/tickets/{id}/messages");
    let (status, body) = app
        .api_post("ana", &path, json!({ "template": { "name": "aviso_envio", "language": "en_US", "params": ["Lucía"] } }))
        .await;
    assert_eq!(status, 422, "a parameter missing: {body}");
    let (status, body) = app
        .api_post(
            "ana",
            &path,
            json!({ "template": { "name": "promo", "params": [] } }),
        )
        .await;
    assert_eq!(status, 404, "not approved: {body}");
    let (status, body) = app
        .api_post("ana", &path, json!({ "template": { "name": "aviso_envio", "language": "en_US", "params": ["Lucía", "A-17"] } }))
        .await;
    assert_eq!(status, 201, "{body}");
    let sent = eventually("the template reaches the Graph API", || async {
        app.graph
            .sent()
            .await
            .into_iter()
            .find(|m| m["type"] == "template")
    })
    .await;
    assert_eq!(sent["template"]["name"], "aviso_envio");
    assert_eq!(sent["template"]["language"]["code"], "en_US");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_graph_api_keeps_nothing_and_says_why() {
    let app = TestApp::spawn().await;
    let server = &app.graph.server;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("after", "P2"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "error": { "message": "An unknown error occurred", "type": "OAuthException", "code": 1 }
        })))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{ "name": "aviso_envio", "language": "es", "status": "APPROVED",
                "components": [{ "type": "BODY", "text": "Hola {{1}}" }] }],
            "paging": { "next": format!("{}{LIST_PATH}?after=P2", server.uri()) }
        })))
        .with_priority(2)
        .mount(server)
        .await;
    let (status, body) = app
        .api_post("diego", "/api/v1/admin/templates/sync", json!({}))
        .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("HTTP 500"),
        "{body}"
    );
    let (_, list) = app.api_get("diego", "/api/v1/admin/templates").await;
    assert_eq!(list, json!([]), "the first page was not kept");
    let (_, offered_list) = app.api_get("ana", "/api/v1/templates").await;
    assert!(offered(&offered_list, "aviso_envio").is_none());
}
