//! The business account's template list from a fake Graph API: every page read through
//! `paging.next`, the token sent, the form of each template; errors as the send path gives
//! them, and never part of a list.

use serde_json::{Value, json};
use turno_core::channel::template_form::HeaderFormat;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::{SendError, WhatsApp};
use turno_whatsapp::graph::{GraphClient, GraphConfig, RetryPolicy};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAG-test-token";
const WABA: &str = "102290129340398";
const LIST_PATH: &str = "/102290129340398/message_templates";

fn client(server: &MockServer) -> GraphClient {
    GraphClient::with_config(GraphConfig {
        base_url: server.uri(),
        retry: RetryPolicy::none(),
        ..GraphConfig::new(TOKEN)
    })
    .expect("valid configuration")
}

fn workspace() -> WorkspaceId {
    WorkspaceId::parse("106540352242922").expect("valid workspace id")
}

fn first_page(server: &MockServer) -> Value {
    json!({
        "data": [{
            "name": "pedido_enviado", "language": "es", "status": "APPROVED", "category": "UTILITY",
            "id": "594425479261596",
            "components": [
                { "type": "HEADER", "format": "TEXT", "text": "Tu pedido" },
                { "type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} va en camino." },
                { "type": "BUTTONS", "buttons": [{ "type": "QUICK_REPLY", "text": "Gracias" }] }
            ]
        }, {
            "name": "pedido_enviado", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
            "components": [{ "type": "BODY", "text": "Hi {{1}}, order {{2}} is on its way." }]
        }],
        "paging": {
            "cursors": { "before": "MAZDZD", "after": "MQZDZD" },
            "next": format!("{}{LIST_PATH}?fields=name&limit=100&after=MQZDZD", server.uri())
        }
    })
}

fn second_page() -> Value {
    json!({
        "data": [{
            "name": "promo_verano", "language": "pt_BR", "status": "REJECTED", "category": "MARKETING",
            "components": [
                { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["4::aW"] } },
                { "type": "BODY", "text": "Ofertas de verão" }
            ]
        }],
        "paging": { "cursors": { "before": "MgZDZD", "after": "MgZDZD" } }
    })
}

async fn two_pages(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("after", "MQZDZD"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(second_page()))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param(
            "fields",
            "name,status,category,language,components",
        ))
        .and(query_param("limit", "100"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(first_page(server)))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn every_page_is_read_and_each_template_keeps_its_form() {
    let server = MockServer::start().await;
    two_pages(&server).await;
    let list = client(&server)
        .message_templates(&workspace(), WABA)
        .await
        .expect("the whole list");
    let names: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|t| (t.name.as_str(), t.language.as_str(), t.status.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("pedido_enviado", "es", "APPROVED"),
            ("pedido_enviado", "en_US", "APPROVED"),
            ("promo_verano", "pt_BR", "REJECTED"),
        ]
    );
    assert_eq!(
        list[0].body.as_deref(),
        Some("Hola {{1}}, tu pedido {{2}} va en camino.")
    );
    assert_eq!(
        list[0].header.as_ref().and_then(|h| h.text.as_deref()),
        Some("Tu pedido")
    );
    assert_eq!(list[0].buttons, vec!["Gracias"]);
    assert_eq!(
        list[2].header.as_ref().map(|h| h.format),
        Some(HeaderFormat::Image)
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2, "one request per page");
}

#[tokio::test]
async fn a_failing_page_fails_the_whole_list_with_a_clear_error() {
    for (status, code, expect) in [
        (500u16, 1i64, "unavailable"),
        (429, 80008, "throttled"),
        (400, 100, "rejected"),
        (401, 190, "token"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .and(query_param("after", "MQZDZD"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": { "message": "Invalid parameter", "type": "OAuthException", "code": code }
            })))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(first_page(&server)))
            .with_priority(2)
            .mount(&server)
            .await;
        let error = client(&server)
            .message_templates(&workspace(), WABA)
            .await
            .expect_err("the second page failed");
        let ok = match expect {
            "unavailable" => matches!(error, SendError::Unavailable(_)),
            "throttled" => matches!(error, SendError::Throttled { .. }),
            "rejected" => {
                matches!(&error, SendError::Rejected { code: 100, message } if message.contains("Invalid parameter"))
            }
            _ => matches!(error, SendError::Unauthorized { code: 190 }),
        };
        assert!(ok, "HTTP {status}: {error:?}");
    }
}

#[tokio::test]
async fn a_next_page_elsewhere_or_a_bad_account_id_is_refused_without_sending_the_token() {
    let server = MockServer::start().await;
    let mut page = first_page(&server);
    page["paging"]["next"] = json!("https://evil.example/steal?after=x");
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let c = client(&server);
    let error = c.message_templates(&workspace(), WABA).await.unwrap_err();
    assert!(matches!(error, SendError::Rejected { .. }), "{error:?}");
    let error = c
        .message_templates(&workspace(), "12/../me")
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Rejected { .. }), "{error:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "only the first page was asked for");
}
