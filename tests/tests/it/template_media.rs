//! A template approved with a media header: the agent's send must carry the header's image
//! (a link or an uploaded media id), refused with 422 naming what is missing otherwise, and
//! the Graph API request carries it as the header component's parameter.

use serde_json::{Value, json};
use turno_tests::{Options, TestApp, eventually, text_webhook, wamid};

const CUSTOMER: &str = "34600111444";

fn config_with_image_header() -> String {
    let demo = turno_local::config::DEMO_CONFIG;
    let follow_up = "        name: seguimiento_ticket\n";
    assert!(
        demo.contains(follow_up),
        "the demo config has the follow_up template"
    );
    demo.replacen(
        follow_up,
        &format!("{follow_up}        header: {{ format: image }}\n"),
        1,
    )
}

async fn assigned_ticket(app: &TestApp) -> String {
    let r = app
        .post_webhook(&text_webhook(
            CUSTOMER,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(r.status(), 200);
    eventually("the ticket is assigned to ana", || async {
        let (_, list) = app.api_get("ana", "/api/v1/tickets").await;
        let t = list["items"]
            .as_array()?
            .iter()
            .find(|t| t["customer"] == CUSTOMER)?
            .clone();
        (t["assignee"] == "ana").then(|| t["id"].as_str().map(str::to_owned))?
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_media_header_template_is_sent_with_its_header_image_and_refused_without() {
    let app = TestApp::spawn_with(Options {
        config: config_with_image_header(),
        ..Options::default()
    })
    .await;
    let id = assigned_ticket(&app).await;
    let send = |template: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.api_post(
                "ana",
                &format!("/api/v1/tickets/{id}/messages"),
                json!({ "template": template }),
            )
            .await
        }
    };
    let params = json!(["Lucía", id]);

    let (status, body) = send(json!({ "name": "seguimiento_ticket", "params": params })).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("header_media") && message.contains("image"),
        "{message}"
    );

    // Both a link and an id, or a link that is not https: refused too.
    let (status, _) = send(json!({ "name": "seguimiento_ticket", "params": params,
        "header_media": { "link": "https://lumen.example/a.jpg", "id": "123" } }))
    .await;
    assert_eq!(status, 422);
    let (status, _) = send(json!({ "name": "seguimiento_ticket", "params": params,
        "header_media": { "link": "http://lumen.example/a.jpg" } }))
    .await;
    assert_eq!(status, 422);
    // A template without a media header takes none.
    let (status, _) = send(json!({ "name": "retomar_conversacion", "params": ["Lucía"],
        "header_media": { "id": "123" } }))
    .await;
    assert_eq!(status, 422);

    let (status, body) = send(json!({ "name": "seguimiento_ticket", "params": params,
        "header_media": { "link": "https://lumen.example/oferta.jpg" } }))
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(json!({ "name": "seguimiento_ticket", "params": params,
        "header_media": { "id": "1234567890" } }))
    .await;
    assert_eq!(status, 201, "{body}");

    let templates: Vec<Value> = eventually("both templates reach the Graph API", || async {
        let sent: Vec<Value> = app
            .graph
            .sent()
            .await
            .into_iter()
            .filter(|m| m["type"] == "template")
            .collect();
        (sent.len() == 2).then_some(sent)
    })
    .await;
    assert_eq!(
        templates[0]["template"]["components"],
        json!([
            { "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://lumen.example/oferta.jpg" } }] },
            { "type": "body", "parameters": [{ "type": "text", "text": "Lucía" }, { "type": "text", "text": id }] }
        ])
    );
    assert_eq!(
        templates[1]["template"]["components"][0],
        json!({ "type": "header", "parameters": [{ "type": "image", "image": { "id": "1234567890" } }] })
    );
}

/// What the sandbox customer was sent, as JSON text.
async fn sandbox_outbox(app: &TestApp, customer: &str) -> String {
    let r = app
        .http
        .get(app.url(&format!("/sandbox/api/messages?customer={customer}")))
        .send()
        .await
        .expect("the sandbox outbox answers");
    r.text().await.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_image_is_uploaded_without_sending_and_its_media_id_goes_in_the_template() {
    let app = TestApp::spawn_sandbox_with(Options {
        config: config_with_image_header(),
        ..Options::default()
    })
    .await;
    let r = app
        .http
        .post(app.url("/sandbox/api/messages"))
        .json(&json!({ "customer": CUSTOMER, "name": "Lucía", "text": "quiero hablar con un agente" }))
        .send()
        .await
        .expect("the sandbox takes the message");
    assert_eq!(r.status(), 202);
    let id: String = eventually("the ticket is assigned to ana", || async {
        let t = app.ticket_of(CUSTOMER).await?;
        (t["assignee"] == "ana").then(|| t["id"].as_str().map(str::to_owned))?
    })
    .await;
    let upload = |agent: &'static str, mime: &'static str, bytes: Vec<u8>| {
        let app = &app;
        let id = id.clone();
        async move {
            let r = app
                .http
                .post(app.url(&format!("/api/v1/tickets/{id}/media?filename=label.png")))
                .bearer_auth(app.token(agent))
                .header("content-type", mime)
                .body(bytes)
                .send()
                .await
                .expect("the upload answers");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let png = b"\x89PNG\r\n\x1a\n a label".to_vec();

    // Refused before any upload: a type WhatsApp does not take; a ticket not in sight.
    let (status, body) = upload("ana", "image/gif", b"GIF89a".to_vec()).await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = upload("marta", "image/png", png.clone()).await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = upload("ana", "image/png", png.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["kind"], "image");
    assert_eq!(body["mime_type"], "image/png");
    assert_eq!(body["size"], png.len());
    let media_id = body["media_id"].as_str().unwrap_or_default().to_owned();
    assert!(!media_id.is_empty(), "{body}");
    // Uploaded, not sent: the customer got nothing new, and the sandbox keeps the bytes.
    assert!(!sandbox_outbox(&app, CUSTOMER).await.contains(&media_id));
    let kept = app
        .http
        .get(app.url(&format!("/sandbox/api/media/{media_id}")))
        .send()
        .await
        .expect("the sandbox media answers");
    assert_eq!(kept.status(), 200);
    assert_eq!(
        kept.bytes().await.unwrap_or_default().as_ref(),
        png.as_slice()
    );

    let (status, body) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({ "template": { "name": "seguimiento_ticket", "params": ["Lucía", id],
                "header_media": { "id": media_id } } }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    eventually(
        "the template with the uploaded header reaches the customer",
        || async {
            let sent = sandbox_outbox(&app, CUSTOMER).await;
            (sent.contains("seguimiento_ticket") && sent.contains(&media_id)).then_some(())
        },
    )
    .await;
    app.stop().await;
}
