//! The Graph API client's templates, media and read receipts against a fake Graph API.

use serde_json::json;
use turno_core::channel::message::{
    HeaderMedia, MediaKind, MediaSource, Outbound, TemplateMessage,
};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{MediaError, SendError, WhatsApp};
use turno_whatsapp::graph::{GraphClient, GraphConfig, RetryPolicy};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAG-test-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
const MESSAGES_PATH: &str = "/106540352242922/messages";
const CUSTOMER: &str = "34600111222";

fn client(server: &MockServer, max_media_bytes: u64) -> GraphClient {
    GraphClient::with_config(GraphConfig {
        base_url: server.uri(),
        retry: RetryPolicy::none(),
        max_media_bytes,
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
        "messages": [{ "id": "wamid.OK" }]
    }))
}

#[tokio::test]
async fn a_template_is_posted_with_its_language_and_components() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER,
            "type": "template",
            "template": {
                "name": "encuesta_satisfaccion",
                "language": { "code": "pt_BR" },
                "components": [
                    { "type": "header", "parameters": [{ "type": "text", "text": "Lumen" }] },
                    { "type": "body", "parameters": [{ "type": "text", "text": "T-1" }] },
                    { "type": "button", "sub_type": "quick_reply", "index": "0",
                      "parameters": [{ "type": "payload", "payload": "csat_good" }] },
                    { "type": "button", "sub_type": "quick_reply", "index": "1",
                      "parameters": [{ "type": "payload", "payload": "csat_bad" }] }
                ]
            }
        })))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    let template = TemplateMessage {
        header_params: vec!["Lumen".into()],
        body_params: vec!["T-1".into()],
        button_payloads: vec!["csat_good".into(), "csat_bad".into()],
        ..TemplateMessage::new("encuesta_satisfaccion", "pt_BR")
    };

    let sent = client(&server, 1024)
        .send(&workspace(), &customer(), &Outbound::Template(template))
        .await;

    assert_eq!(sent, Ok(MessageId::parse("wamid.OK").unwrap()));
}

#[tokio::test]
async fn a_media_header_goes_as_the_header_components_parameter() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "template",
            "template": {
                "name": "oferta", "language": { "code": "es" },
                "components": [
                    { "type": "header", "parameters": [{ "type": "document", "document": { "id": "4242" } }] },
                    { "type": "body", "parameters": [{ "type": "text", "text": "Lucía" }] }
                ]
            }
        })))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    let template = TemplateMessage {
        header_media: Some(Box::new(HeaderMedia {
            kind: MediaKind::Document,
            source: MediaSource::Id("4242".into()),
        })),
        body_params: vec!["Lucía".into()],
        ..TemplateMessage::new("oferta", "es")
    };
    let sent = client(&server, 1024)
        .send(&workspace(), &customer(), &Outbound::Template(template))
        .await;
    assert_eq!(sent, Ok(MessageId::parse("wamid.OK").unwrap()));
}

#[tokio::test]
async fn media_goes_by_id_or_link_and_a_caption_where_whatsapp_shows_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "video", "video": { "link": "https://lumen.example/v.mp4", "caption": "Así se monta" }
        })))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
            "type": "sticker", "sticker": { "id": "55501" }
        })))
        .respond_with(accepted())
        .expect(1)
        .mount(&server)
        .await;
    let graph = client(&server, 1024);
    let video = Outbound::Media {
        kind: MediaKind::Video,
        source: MediaSource::Link("https://lumen.example/v.mp4".into()),
        caption: Some("Así se monta".into()),
        filename: None,
    };
    let sticker = Outbound::Media {
        kind: MediaKind::Sticker,
        source: MediaSource::Id("55501".into()),
        caption: None,
        filename: None,
    };

    assert!(graph.send(&workspace(), &customer(), &video).await.is_ok());
    assert!(
        graph
            .send(&workspace(), &customer(), &sticker)
            .await
            .is_ok()
    );
    let captioned_sticker = Outbound::Media {
        kind: MediaKind::Sticker,
        source: MediaSource::Id("55501".into()),
        caption: Some("hola".into()),
        filename: None,
    };
    assert!(matches!(
        graph.send(&workspace(), &customer(), &captioned_sticker).await,
        Err(SendError::Rejected { code: 0, message }) if message.contains("no caption")
    ));
}

#[tokio::test]
async fn a_read_receipt_names_the_customers_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(json!({
            "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server, 1024)
        .mark_read(&workspace(), &MessageId::parse("wamid.IN").unwrap())
        .await;

    assert_eq!(r, Ok(()));
}

#[tokio::test]
async fn a_refused_read_receipt_is_reported_without_retrying() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;

    let r = client(&server, 1024)
        .mark_read(&workspace(), &MessageId::parse("wamid.IN").unwrap())
        .await;

    assert!(matches!(r, Err(SendError::Unavailable(_))), "{r:?}");
}

async fn media_at(server: &MockServer, id: &str, size: Option<u64>, bytes: Vec<u8>) {
    let mut info = json!({
        "messaging_product": "whatsapp", "id": id, "mime_type": "application/pdf", "sha256": "x",
        "url": format!("{}/download/{id}", server.uri())
    });
    if let Some(size) = size {
        info["file_size"] = json!(size);
    }
    Mock::given(method("GET"))
        .and(path(format!("/{id}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/download/{id}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .mount(server)
        .await;
}

#[tokio::test]
async fn media_is_looked_up_then_downloaded_with_the_token() {
    let server = MockServer::start().await;
    media_at(&server, "8001", Some(5), b"%PDF-".to_vec()).await;

    let file = client(&server, 1024).media(&workspace(), "8001").await;

    let file = file.expect("downloaded");
    assert_eq!(file.mime_type, "application/pdf");
    assert_eq!(file.bytes, b"%PDF-");
}

#[tokio::test]
async fn media_over_the_limit_is_refused_whether_or_not_graph_states_its_size() {
    let server = MockServer::start().await;
    media_at(&server, "8002", Some(2048), vec![0; 2048]).await;
    media_at(&server, "8003", None, vec![0; 2048]).await;
    let graph = client(&server, 1024);

    let stated = graph.media(&workspace(), "8002").await;
    let unstated = graph.media(&workspace(), "8003").await;

    assert_eq!(stated, Err(MediaError::TooLarge { limit: 1024 }));
    assert_eq!(unstated, Err(MediaError::TooLarge { limit: 1024 }));
    let downloads = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/download/8002")
        .count();
    assert_eq!(
        downloads, 0,
        "a stated size over the limit is not downloaded"
    );
}

#[tokio::test]
async fn unknown_media_and_a_refused_token_are_told_apart() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/8004"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": { "message": "(#100) Invalid parameter", "code": 100 }
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/8005"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": { "message": "Error validating access token", "code": 190 }
        })))
        .mount(&server)
        .await;
    let graph = client(&server, 1024);

    assert_eq!(
        graph.media(&workspace(), "8004").await,
        Err(MediaError::NotFound)
    );
    assert_eq!(
        graph.media(&workspace(), "8005").await,
        Err(MediaError::Unauthorized { code: 190 })
    );
    assert_eq!(
        graph.media(&workspace(), "../me").await,
        Err(MediaError::NotFound),
        "an id that is not one never reaches Graph"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
