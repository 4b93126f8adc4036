//! The Graph API client against a fake Graph API: request bodies, answers, retries.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use turno_core::channel::message::{ListRow, Outbound, ReplyButton};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{SendError, WhatsApp};
use turno_whatsapp::graph::{GraphClient, GraphConfig, RetryPolicy};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAG-test-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
const MESSAGES_PATH: &str = "/106540352242922/messages";
const CUSTOMER: &str = "34600111222";
const WAMID: &str = "wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

/// Short waits, so the retry tests take milliseconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_total_delay: Duration::from_millis(500),
    }
}

fn client(server: &MockServer) -> GraphClient {
    GraphClient::with_config(GraphConfig {
        base_url: server.uri(),
        retry: fast_retries(),
        ..GraphConfig::new(TOKEN)
    })
    .expect("valid configuration")
}

fn workspace() -> WorkspaceId {
    WorkspaceId::parse(PHONE_NUMBER_ID).expect("valid workspace id")
}

fn customer() -> WaId {
    WaId::parse(CUSTOMER).expect("valid WhatsApp id")
}

fn accepted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": CUSTOMER, "wa_id": CUSTOMER }],
        "messages": [{ "id": WAMID, "message_status": "accepted" }]
    }))
}

fn graph_error(status: u16, code: i64, message: &str, details: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": details },
            "fbtrace_id": "AbCdEfGhIjKlMnOp"
        }
    }))
}

async fn expect_body(server: &MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(accepted())
        .expect(1)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test]
async fn text_is_posted_with_the_bearer_token_and_the_wamid_is_returned() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "text",
            "text": { "preview_url": false, "body": "Hola, ¿en qué te ayudo?" }
        }),
    )
    .await;

    let sent = client(&server)
        .send(
            &workspace(),
            &customer(),
            &Outbound::text("Hola, ¿en qué te ayudo?"),
        )
        .await;

    assert_eq!(sent, Ok(MessageId::parse(WAMID).expect("valid")));
}

#[tokio::test]
async fn text_with_link_preview_asks_for_it() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "text",
            "text": { "preview_url": true, "body": "Sigue tu pedido: https://example.com/t/4512" }
        }),
    )
    .await;
    let message = Outbound::Text {
        body: "Sigue tu pedido: https://example.com/t/4512".into(),
        preview_url: true,
    };

    let sent = client(&server)
        .send(&workspace(), &customer(), &message)
        .await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn reply_buttons_are_sent_as_an_interactive_button_message() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": { "text": "¿Te ayudó esta respuesta?" },
                "action": { "buttons": [
                    { "type": "reply", "reply": { "id": "yes", "title": "Sí" } },
                    { "type": "reply", "reply": { "id": "agent", "title": "Hablar con agente" } }
                ] }
            }
        }),
    )
    .await;
    let message = Outbound::Buttons {
        body: "¿Te ayudó esta respuesta?".into(),
        buttons: vec![
            ReplyButton {
                id: "yes".into(),
                title: "Sí".into(),
            },
            ReplyButton {
                id: "agent".into(),
                title: "Hablar con agente".into(),
            },
        ],
    };

    let sent = client(&server)
        .send(&workspace(), &customer(), &message)
        .await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn list_is_sent_as_one_section_holding_the_rows() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": { "text": "Elige un tema" },
                "action": {
                    "button": "Ver opciones",
                    "sections": [{ "rows": [
                        { "id": "orders", "title": "Pedidos", "description": "Estado y envíos" },
                        { "id": "billing", "title": "Facturación" }
                    ] }]
                }
            }
        }),
    )
    .await;
    let message = Outbound::List {
        body: "Elige un tema".into(),
        button: "Ver opciones".into(),
        rows: vec![
            ListRow {
                id: "orders".into(),
                title: "Pedidos".into(),
                description: Some("Estado y envíos".into()),
            },
            ListRow {
                id: "billing".into(),
                title: "Facturación".into(),
                description: None,
            },
        ],
    };

    let sent = client(&server)
        .send(&workspace(), &customer(), &message)
        .await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn workspace_with_a_configured_phone_number_id_posts_to_that_number() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/109876543210987/messages"))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    let demo = WorkspaceId::parse("demo").expect("valid workspace id");
    let client = GraphClient::with_config(GraphConfig {
        base_url: format!("{}/", server.uri()),
        phone_number_ids: HashMap::from([(demo.clone(), "109876543210987".to_owned())]),
        ..GraphConfig::new(TOKEN)
    })
    .expect("valid configuration");

    let sent = client
        .send(&demo, &customer(), &Outbound::text("hola"))
        .await;

    assert!(sent.is_ok(), "{sent:?}");
}

#[tokio::test]
async fn workspace_that_is_not_a_phone_number_id_is_rejected_without_a_request() {
    let server = MockServer::start().await;
    let demo = WorkspaceId::parse("demo").expect("valid workspace id");

    let sent = client(&server)
        .send(&demo, &customer(), &Outbound::text("hola"))
        .await;

    assert!(
        matches!(sent, Err(SendError::Rejected { code: 0, .. })),
        "{sent:?}"
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn throttled_then_accepted_succeeds_after_one_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accepted())
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert_eq!(sent, Ok(MessageId::parse(WAMID).expect("valid")));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn graph_rate_limit_code_is_retried_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            graph_error(
                400,
                130429,
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
            )
            .insert_header("retry-after", "0"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accepted())
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_is_handed_back_to_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert_eq!(
        sent,
        Err(SendError::Throttled {
            retry_after: Some(Duration::from_secs(30))
        })
    );
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn persistent_server_error_is_unavailable_after_the_bounded_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert!(matches!(sent, Err(SendError::Unavailable(_))), "{sent:?}");
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn default_retry_policy_makes_three_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = GraphClient::new(server.uri(), TOKEN).expect("valid configuration");

    let sent = client
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert!(matches!(sent, Err(SendError::Unavailable(_))), "{sent:?}");
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn closed_customer_service_window_is_window_closed_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(graph_error(
            400,
            131047,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ))
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert_eq!(sent, Err(SendError::WindowClosed));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn other_client_error_is_rejected_with_graphs_code_and_details() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(graph_error(
            400,
            131009,
            "(#131009) Parameter value is not valid",
            "Recipient phone number not in allowed list",
        ))
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    match sent {
        Err(SendError::Rejected { code, message }) => {
            assert_eq!(code, 131009);
            assert!(
                message.contains("Parameter value is not valid"),
                "{message}"
            );
            assert!(message.contains("not in allowed list"), "{message}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn refused_token_is_unauthorized_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(graph_error(
            401,
            190,
            "Error validating access token: Session has expired.",
            "",
        ))
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert_eq!(sent, Err(SendError::Unauthorized { code: 190 }));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn message_over_whatsapps_limits_is_rejected_without_any_request() {
    let server = MockServer::start().await;
    let button = |id: &str| ReplyButton {
        id: id.into(),
        title: id.into(),
    };
    let four_buttons = Outbound::Buttons {
        body: "Elige".into(),
        buttons: vec![button("a"), button("b"), button("c"), button("d")],
    };

    let sent = client(&server)
        .send(&workspace(), &customer(), &four_buttons)
        .await;

    assert!(
        matches!(sent, Err(SendError::Rejected { code: 0, .. })),
        "{sent:?}"
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn slow_graph_api_times_out_as_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(accepted().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = GraphClient::with_config(GraphConfig {
        base_url: server.uri(),
        timeout: Duration::from_millis(100),
        retry: RetryPolicy::none(),
        ..GraphConfig::new(TOKEN)
    })
    .expect("valid configuration");

    let sent = client
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert_eq!(
        sent,
        Err(SendError::Unavailable("the request timed out".into()))
    );
}

#[tokio::test]
async fn unreachable_graph_api_is_unavailable() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let client = GraphClient::with_config(GraphConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        retry: RetryPolicy::none(),
        ..GraphConfig::new(TOKEN)
    })
    .expect("valid configuration");

    let sent = client
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert!(matches!(sent, Err(SendError::Unavailable(_))), "{sent:?}");
}

#[tokio::test]
async fn success_without_a_message_id_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "messaging_product": "whatsapp" })),
        )
        .mount(&server)
        .await;

    let sent = client(&server)
        .send(&workspace(), &customer(), &Outbound::text("hola"))
        .await;

    assert!(
        matches!(sent, Err(SendError::Rejected { code: 0, .. })),
        "{sent:?}"
    );
    assert_eq!(requests(&server).await, 1);
}
