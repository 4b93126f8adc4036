//! The WhatsApp channel on the local runner: every inbound type and delivery status reaches the
//! transcript, every outbound type goes out within WhatsApp's limits, the 24-hour window with
//! its template fallback, media downloads, and recovery from Graph API throttling and outages
//! with no reply lost and none sent twice.

use serde_json::{Map, Value, json};
use turno_tests::{Options, TestApp, WORKSPACE, eventually, text_webhook, text_webhook_at, wamid};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Match, Mock, Request, ResponseTemplate};

// ---- webhook bodies ---------------------------------------------------------------------------

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// One inbound message of `kind` carrying `payload` under its type's key.
fn message(from: &str, id: &str, kind: &str, payload: Value) -> Value {
    let mut m = Map::new();
    m.insert("from".into(), json!(from));
    m.insert("id".into(), json!(id));
    m.insert("timestamp".into(), json!(now_secs().to_string()));
    m.insert("type".into(), json!(kind));
    if !payload.is_null() {
        m.insert(kind.into(), payload);
    }
    Value::Object(m)
}

fn status(id: &str, to: &str, state: &str, errors: Value) -> Value {
    json!({
        "id": id, "status": state, "timestamp": now_secs().to_string(), "recipient_id": to,
        "errors": errors
    })
}

/// A change with these messages (each customer named "Cliente") and statuses.
fn change(messages: Vec<Value>, statuses: Vec<Value>) -> Value {
    let contacts: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "profile": { "name": "Cliente" }, "wa_id": m["from"] }))
        .collect();
    json!({
        "field": "messages",
        "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": WORKSPACE },
            "contacts": contacts,
            "messages": messages,
            "statuses": statuses
        }
    })
}

/// A webhook with one entry per item, each holding its changes.
fn webhook(entries: Vec<Vec<Value>>) -> String {
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|changes| json!({ "id": "102290129340398", "changes": changes }))
        .collect();
    json!({ "object": "whatsapp_business_account", "entry": entries }).to_string()
}

fn one_message(m: Value) -> String {
    webhook(vec![vec![change(vec![m], vec![])]])
}

// ---- reading what happened -------------------------------------------------------------------

/// Whether every field of `expected` is in `actual` with the same value.
fn has(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            e.iter().all(|(k, v)| a.get(k).is_some_and(|av| has(av, v)))
        }
        _ => actual == expected,
    }
}

async fn transcript(app: &TestApp, customer: &str) -> Vec<Value> {
    app.ticket_of(customer)
        .await
        .and_then(|t| t["transcript"].as_array().cloned())
        .unwrap_or_default()
}

/// Waits for a transcript entry that has every field of `expected`.
async fn entry_like(app: &TestApp, customer: &str, expected: Value) -> Value {
    eventually(&format!("a transcript entry like {expected}"), || async {
        transcript(app, customer)
            .await
            .into_iter()
            .find(|e| has(e, &expected))
    })
    .await
}

async fn escalated(app: &TestApp, customer: &str, at: i64) -> String {
    let r = app
        .post_webhook(&text_webhook_at(
            customer,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
            at,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let t = eventually("the ticket to be assigned", || async {
        let t = app.ticket_of(customer).await?;
        (t["status"] == "assigned").then_some(t)
    })
    .await;
    t["id"].as_str().unwrap().to_owned()
}

/// Sends to Graph whose message text (or interactive body) contains `text`, to `to`.
struct TextTo {
    to: String,
    text: String,
}

impl Match for TextTo {
    fn matches(&self, request: &Request) -> bool {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return false;
        };
        let text = body["text"]["body"]
            .as_str()
            .or_else(|| body["interactive"]["body"]["text"].as_str())
            .unwrap_or_default();
        body["to"] == self.to.as_str() && text.contains(&self.text)
    }
}

fn text_to(to: &str, text: &str) -> TextTo {
    TextTo {
        to: to.into(),
        text: text.into(),
    }
}

/// How many sends to `to` carried `text`, answered or not.
async fn sends_of(app: &TestApp, to: &str, text: &str) -> usize {
    app.graph
        .sent()
        .await
        .iter()
        .filter(|m| m["to"] == to)
        .filter(|m| {
            m["text"]["body"]
                .as_str()
                .or_else(|| m["interactive"]["body"]["text"].as_str())
                .is_some_and(|t| t.contains(text))
        })
        .count()
}

fn outbound_entries_with(entries: &[Value], text: &str) -> usize {
    entries
        .iter()
        .filter(|e| e["body"]["direction"] == "outbound")
        .filter(|e| {
            e["body"]["message"]["body"]
                .as_str()
                .is_some_and(|b| b.contains(text))
        })
        .count()
}

// ---- inbound -----------------------------------------------------------------------------------

#[tokio::test]
async fn every_inbound_type_reaches_the_transcript_as_sent_and_is_marked_read() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "text",
            json!({ "body": "hola" }),
            json!({ "type": "text", "body": "hola" }),
        ),
        (
            "interactive",
            json!({ "type": "button_reply", "button_reply": { "id": "yes", "title": "Sí" } }),
            json!({ "type": "button_reply", "id": "yes", "title": "Sí" }),
        ),
        (
            "interactive",
            json!({ "type": "list_reply", "list_reply": { "id": "3", "title": "FAQs", "description": "Preguntas" } }),
            json!({ "type": "list_reply", "id": "3", "title": "FAQs", "description": "Preguntas" }),
        ),
        (
            "button",
            json!({ "payload": "csat_good", "text": "Bien" }),
            json!({ "type": "template_button", "payload": "csat_good", "text": "Bien" }),
        ),
        (
            "image",
            json!({ "id": "9000001", "mime_type": "image/jpeg", "sha256": "x", "caption": "mi pedido roto" }),
            json!({ "type": "media", "kind": "image", "media_id": "9000001", "mime_type": "image/jpeg", "caption": "mi pedido roto" }),
        ),
        (
            "audio",
            json!({ "id": "9000002", "mime_type": "audio/ogg; codecs=opus", "voice": true }),
            json!({ "type": "media", "kind": "audio", "media_id": "9000002", "mime_type": "audio/ogg; codecs=opus" }),
        ),
        (
            "video",
            json!({ "id": "9000003", "mime_type": "video/mp4" }),
            json!({ "type": "media", "kind": "video", "media_id": "9000003", "mime_type": "video/mp4" }),
        ),
        (
            "document",
            json!({ "id": "9000004", "mime_type": "application/pdf", "filename": "factura.pdf", "caption": "la factura" }),
            json!({ "type": "media", "kind": "document", "media_id": "9000004", "filename": "factura.pdf", "caption": "la factura" }),
        ),
        (
            "sticker",
            json!({ "id": "9000005", "mime_type": "image/webp", "animated": false }),
            json!({ "type": "media", "kind": "sticker", "media_id": "9000005", "mime_type": "image/webp" }),
        ),
        (
            "location",
            json!({ "latitude": 40.4168, "longitude": -3.7038, "name": "Sol", "address": "Puerta del Sol, Madrid" }),
            json!({ "type": "location", "latitude": 40.4168, "longitude": -3.7038, "name": "Sol", "address": "Puerta del Sol, Madrid" }),
        ),
        (
            "contacts",
            json!([{ "name": { "formatted_name": "Ana García", "first_name": "Ana" }, "phones": [{ "phone": "+34 600 000 000" }] }]),
            json!({ "type": "contacts", "names": ["Ana García"] }),
        ),
        (
            "reaction",
            json!({ "message_id": "wamid.reacted.to", "emoji": "👍" }),
            json!({ "type": "reaction", "message_id": "wamid.reacted.to", "emoji": "👍" }),
        ),
    ];
    let mut sent = Vec::new();
    for (n, (kind, payload, expected)) in cases.into_iter().enumerate() {
        let customer = format!("3469100{n:04}");
        let id = wamid();
        let r = app
            .post_webhook(&one_message(message(&customer, &id, kind, payload)))
            .await;
        assert_eq!(r.status(), 200, "{kind}");
        sent.push((customer, id, expected));
    }
    // WhatsApp's own `unsupported` type, with the reason in `errors`.
    let unsupported_from = "34691009999";
    let unsupported_id = wamid();
    let mut m = message(
        unsupported_from,
        &unsupported_id,
        "unsupported",
        Value::Null,
    );
    m["errors"] = json!([{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown" }]);
    app.post_webhook(&one_message(m)).await;
    sent.push((
        unsupported_from.into(),
        unsupported_id,
        json!({ "type": "unsupported", "kind": "unsupported", "error": "131051 Message type unknown" }),
    ));

    for (customer, id, expected) in &sent {
        let entry = entry_like(
            &app,
            customer,
            json!({ "message_id": id, "author": { "kind": "customer" } }),
        )
        .await;
        assert!(
            has(&entry["body"]["content"], expected),
            "{customer}: expected {expected}, got {}",
            entry["body"]
        );
    }
    let read = eventually("a read receipt for each message", || async {
        let r = app.graph.read_receipts().await;
        (r.len() >= sent.len()).then_some(r)
    })
    .await;
    for (_, id, _) in &sent {
        assert_eq!(
            read.iter().filter(|r| *r == id).count(),
            1,
            "{id}: {read:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_reply_to_an_earlier_message_keeps_its_context_on_the_transcript() {
    let app = TestApp::spawn().await;
    let customer = "34691100001";
    let id = wamid();
    let mut m = message(customer, &id, "text", json!({ "body": "¿y esto?" }));
    m["context"] = json!({ "from": "15550783881", "id": "wamid.earlier.reply" });

    app.post_webhook(&one_message(m)).await;

    let entry = entry_like(&app, customer, json!({ "message_id": id })).await;
    assert_eq!(entry["body"]["context"], "wamid.earlier.reply", "{entry}");
    app.stop().await;
}

#[tokio::test]
async fn read_receipts_are_not_sent_when_the_workspace_turns_them_off() {
    let config =
        turno_local::config::DEMO_CONFIG.replace("mark_as_read: true", "mark_as_read: false");
    assert_ne!(config, turno_local::config::DEMO_CONFIG);
    let app = TestApp::spawn_with(Options {
        config,
        ..Options::default()
    })
    .await;
    let customer = "34691100002";

    app.post_webhook(&text_webhook(customer, "Cliente", &wamid(), "hola"))
        .await;

    entry_like(&app, customer, json!({ "author": { "kind": "bot" } })).await;
    app.settled().await;
    assert!(app.graph.read_receipts().await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn delivery_statuses_move_each_reply_forward_and_failures_keep_their_error_code() {
    let app = TestApp::spawn().await;
    let customer = "34691200001";
    app.post_webhook(&text_webhook(customer, "Cliente", &wamid(), "hola"))
        .await;
    let replies = eventually("two bot replies on the transcript", || async {
        let bot: Vec<String> = transcript(&app, customer)
            .await
            .into_iter()
            .filter(|e| e["author"]["kind"] == "bot")
            .filter_map(|e| e["message_id"].as_str().map(str::to_owned))
            .collect();
        (bot.len() >= 2).then_some(bot)
    })
    .await;
    let (first, second) = (&replies[0], &replies[1]);

    // Out of order, as WhatsApp may deliver them: read before delivered.
    let statuses = vec![
        status(first, customer, "sent", json!([])),
        status(first, customer, "read", json!([])),
        status(first, customer, "delivered", json!([])),
        status(second, customer, "sent", json!([])),
        status(
            second,
            customer,
            "failed",
            json!([{ "code": 131026, "title": "Message undeliverable" }]),
        ),
    ];
    let r = app
        .post_webhook(&webhook(vec![vec![change(vec![], statuses)]]))
        .await;
    assert_eq!(r.status(), 200);

    entry_like(
        &app,
        customer,
        json!({ "message_id": first, "delivery": "read" }),
    )
    .await;
    let failed = entry_like(
        &app,
        customer,
        json!({ "message_id": second, "delivery": "failed" }),
    )
    .await;
    assert_eq!(failed["delivery_error"], "131026 Message undeliverable");
    app.stop().await;
}

#[tokio::test]
async fn a_batch_of_several_entries_changes_and_messages_is_handled_whole() {
    let app = TestApp::spawn().await;
    let (a, b, c) = ("34691300001", "34691300002", "34691300003");
    let (a1, a2, b1, c1) = (wamid(), wamid(), wamid(), wamid());
    let body = webhook(vec![
        vec![
            change(
                vec![
                    message(a, &a1, "text", json!({ "body": "hola" })),
                    message(a, &a2, "text", json!({ "body": "¿seguís ahí?" })),
                ],
                vec![],
            ),
            change(
                vec![message(b, &b1, "text", json!({ "body": "buenas" }))],
                vec![],
            ),
        ],
        vec![change(
            vec![message(
                c,
                &c1,
                "location",
                json!({ "latitude": 1.0, "longitude": 2.0 }),
            )],
            vec![],
        )],
    ]);

    let r = app.post_webhook(&body).await;

    assert_eq!(r.status(), 200);
    for (customer, id) in [(a, &a1), (a, &a2), (b, &b1), (c, &c1)] {
        entry_like(&app, customer, json!({ "message_id": id })).await;
    }
    let a_entries: Vec<String> = transcript(&app, a)
        .await
        .into_iter()
        .filter(|e| e["author"]["kind"] == "customer")
        .filter_map(|e| e["message_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(a_entries, vec![a1, a2], "both of a's messages, in order");
    app.stop().await;
}

// ---- media downloads ---------------------------------------------------------------------------

#[tokio::test]
async fn an_agent_opens_media_the_customer_sent_and_only_that() {
    let app = TestApp::spawn().await;
    let customer = "34691400001";
    let graph = app.graph.server.uri();
    Mock::given(method("GET"))
        .and(path("/7770001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "url": format!("{graph}/files/7770001"), "mime_type": "image/jpeg",
            "sha256": "abc", "file_size": "4", "id": "7770001", "messaging_product": "whatsapp"
        })))
        .mount(&app.graph.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/7770001"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0xff, 0xd8, 0xff, 0xe0]))
        .mount(&app.graph.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/7770002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "url": format!("{graph}/files/7770002"), "mime_type": "video/mp4",
            "file_size": 200_000_000_u64, "id": "7770002"
        })))
        .mount(&app.graph.server)
        .await;
    let (image, video) = (wamid(), wamid());
    app.post_webhook(&webhook(vec![vec![change(
        vec![
            message(
                customer,
                &image,
                "image",
                json!({ "id": "7770001", "mime_type": "image/jpeg" }),
            ),
            message(
                customer,
                &video,
                "video",
                json!({ "id": "7770002", "mime_type": "video/mp4" }),
            ),
        ],
        vec![],
    )]]))
    .await;
    entry_like(&app, customer, json!({ "message_id": video })).await;
    let ticket = app.ticket_of(customer).await.unwrap();
    let id = ticket["id"].as_str().unwrap();
    let get = |agent: &'static str, media: &'static str| {
        let url = app.url(&format!("/api/v1/tickets/{id}/media/{media}"));
        let token = app.token(agent);
        let http = app.http.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };

    let r = get("bruno", "7770001").await;

    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0xff, 0xd8, 0xff, 0xe0]);
    let download = app
        .graph
        .server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/files/7770001")
        .unwrap();
    assert_eq!(
        download.headers["authorization"], "Bearer test-access-token",
        "the file is fetched with the access token"
    );

    let too_large = get("bruno", "7770002").await;
    assert_eq!(too_large.status(), 502);
    let body: Value = too_large.json().await.unwrap();
    assert_eq!(body["error"]["code"], "media_too_large");

    let not_on_ticket = get("bruno", "7779999").await;
    assert_eq!(not_on_ticket.status(), 404);
    let not_visible = get("ana", "7770001").await;
    assert_eq!(
        not_visible.status(),
        404,
        "ana's team does not hold the bot's ticket"
    );
    let asked_for_unknown = app
        .graph
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|r| r.url.path() == "/7779999");
    assert!(
        !asked_for_unknown,
        "media not on the ticket is never fetched"
    );
    app.stop().await;
}

// ---- outbound ----------------------------------------------------------------------------------

#[tokio::test]
async fn an_agent_sends_every_outbound_type_and_whatsapps_limits_are_refused_before_sending() {
    let app = TestApp::spawn().await;
    let customer = "34691500001";
    let id = escalated(&app, customer, now_secs()).await;
    let outbound = format!("/api/v1/tickets/{id}/outbound");
    let post = |body: Value| app.api_post("ana", &outbound, body);

    // Text: a link gets its preview, plain text does not.
    let (s, _) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({ "text": "Mira https://lumen.example/pedidos" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = post(json!({ "type": "text", "body": "Sin enlace" })).await;
    assert_eq!(s, 201);
    let b = |id: &str, title: &str| json!({ "id": id, "title": title });
    let (s, e) = post(json!({
        "type": "buttons", "body": "¿Resuelto?", "buttons": [b("yes", "Sí"), b("no", "No")]
    }))
    .await;
    assert_eq!(s, 201, "{e}");
    let rows: Vec<Value> = (1..=10)
        .map(|n| json!({ "id": format!("r{n}"), "title": format!("Opción {n}") }))
        .collect();
    let (s, e) =
        post(json!({ "type": "list", "body": "Elige", "button": "Ver", "rows": rows })).await;
    assert_eq!(s, 201, "{e}");
    let (s, e) = post(json!({
        "type": "media", "kind": "document", "source": { "link": "https://lumen.example/f.pdf" },
        "caption": "Tu factura", "filename": "factura.pdf"
    }))
    .await;
    assert_eq!(s, 201, "{e}");
    let (s, e) =
        post(json!({ "type": "media", "kind": "image", "source": { "id": "1234567" } })).await;
    assert_eq!(s, 201, "{e}");
    let (s, e) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/templates"),
            json!({ "use": "follow_up" }),
        )
        .await;
    assert_eq!(s, 201, "{e}");

    let sent: Vec<Value> = eventually("seven agent messages at Graph", || async {
        let s: Vec<Value> = app
            .graph
            .sent()
            .await
            .into_iter()
            .filter(|m| m["to"] == customer)
            .skip(1) // the bot's handoff text
            .collect();
        (s.len() >= 7).then_some(s)
    })
    .await;
    assert!(has(
        &sent[0],
        &json!({ "type": "text", "text": { "preview_url": true, "body": "Mira https://lumen.example/pedidos" } })
    ));
    assert!(has(
        &sent[1],
        &json!({ "type": "text", "text": { "preview_url": false } })
    ));
    assert!(has(
        &sent[2],
        &json!({ "type": "interactive", "interactive": { "type": "button", "body": { "text": "¿Resuelto?" } } })
    ));
    assert_eq!(
        sent[2]["interactive"]["action"]["buttons"][1],
        json!({ "type": "reply", "reply": { "id": "no", "title": "No" } })
    );
    assert_eq!(
        sent[3]["interactive"]["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        sent[4],
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": customer,
            "type": "document",
            "document": { "link": "https://lumen.example/f.pdf", "caption": "Tu factura", "filename": "factura.pdf" }
        })
    );
    assert_eq!(sent[5]["image"], json!({ "id": "1234567" }));
    assert_eq!(
        sent[6]["template"],
        json!({
            "name": "seguimiento_ticket",
            "language": { "code": "es" },
            "components": [{ "type": "body", "parameters": [
                { "type": "text", "text": "Lucía" }, { "type": "text", "text": id }
            ] }]
        })
    );

    // Over the limits: a clear 422 and nothing sent.
    let four = json!({ "type": "buttons", "body": "x", "buttons": [b("a","a"), b("b","b"), b("c","c"), b("d","d")] });
    let long_title =
        json!({ "type": "buttons", "body": "x", "buttons": [b("a", "un título demasiado largo")] });
    let eleven: Vec<Value> = (1..=11)
        .map(|n| json!({ "id": format!("r{n}"), "title": "t" }))
        .collect();
    let long_list = json!({ "type": "list", "body": "x", "button": "Ver", "rows": eleven });
    let audio_caption =
        json!({ "type": "media", "kind": "audio", "source": { "id": "1" }, "caption": "hola" });
    let ftp = json!({ "type": "media", "kind": "image", "source": { "link": "ftp://x/a.png" } });
    for (bad, says) in [
        (four, "1 to 3 buttons"),
        (long_title, "1 to 20 characters"),
        (long_list, "1 to 10 rows"),
        (audio_caption, "no caption"),
        (ftp, "http(s)"),
    ] {
        let (s, e) = post(bad).await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(e["error"]["code"], "invalid_input");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    let (s, e) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/templates"),
            json!({ "use": "birthday" }),
        )
        .await;
    assert_eq!(s, 404, "a use with no template names nothing: {e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("csat, follow_up, re_engagement"),
        "{e}"
    );
    // Agent sends are synchronous: every one is at Graph by now.
    let total = app
        .graph
        .sent()
        .await
        .iter()
        .filter(|m| m["to"] == customer)
        .count();
    assert_eq!(
        total, 8,
        "the handoff and seven agent messages, nothing refused"
    );
    app.stop().await;
}

// ---- the 24-hour window ------------------------------------------------------------------------

#[tokio::test]
async fn after_24_hours_a_free_form_reply_is_refused_and_a_template_goes_through() {
    let app = TestApp::spawn().await;
    let customer = "34691600001";
    let a_day_ago = now_secs() - 25 * 3600;
    let id = escalated(&app, customer, a_day_ago).await;

    let (_, view) = app.api_get("ana", &format!("/api/v1/tickets/{id}")).await;
    assert_eq!(view["window"]["open"], false, "{view}");
    assert!(view["window"]["closes_at"].is_string());

    let (s, e) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({ "text": "¿Sigues ahí?" }),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "window_closed");
    let (s, _) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/outbound"),
            json!({ "type": "media", "kind": "image", "source": { "id": "123" } }),
        )
        .await;
    assert_eq!(s, 409, "media is free-form too");

    let (s, e) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/templates"),
            json!({ "use": "re_engagement" }),
        )
        .await;

    assert_eq!(s, 201, "{e}");
    assert_eq!(e["body"]["message"]["type"], "template");
    assert_eq!(sends_of(&app, customer, "¿Sigues ahí?").await, 0);
    let template = eventually("the template at Graph", || async {
        app.graph
            .sent()
            .await
            .into_iter()
            .find(|m| m["to"] == customer && m["type"] == "template")
    })
    .await;
    assert_eq!(template["template"]["name"], "retomar_conversacion");
    assert_eq!(
        template["template"]["components"][0]["parameters"][0]["text"],
        "Lucía"
    );
    app.stop().await;
}

#[tokio::test]
async fn when_whatsapp_answers_131047_the_re_engagement_template_is_sent_instead() {
    let app = TestApp::spawn().await;
    let customer = "34691700001";
    let id = escalated(&app, customer, now_secs()).await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .and(text_to(customer, "¿Sigues ahí?"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": { "message": "(#131047) Re-engagement message", "type": "OAuthException",
                       "code": 131047, "error_data": { "details": "More than 24 hours have passed" } }
        })))
        .with_priority(1)
        .mount(&app.graph.server)
        .await;

    let (s, e) = app
        .api_post(
            "ana",
            &format!("/api/v1/tickets/{id}/messages"),
            json!({ "text": "¿Sigues ahí?" }),
        )
        .await;

    assert_eq!(s, 201, "{e}");
    assert_eq!(e["author"]["kind"], "system");
    assert_eq!(e["body"]["message"]["name"], "retomar_conversacion");
    let refused = entry_like(
        &app,
        customer,
        json!({ "author": { "kind": "agent" }, "delivery": "failed" }),
    )
    .await;
    assert_eq!(refused["body"]["message"]["body"], "¿Sigues ahí?");
    assert!(
        refused["delivery_error"]
            .as_str()
            .unwrap()
            .contains("131047"),
        "{refused}"
    );
    entry_like(
        &app,
        customer,
        json!({ "author": { "kind": "system" }, "body": { "message": { "type": "template" } } }),
    )
    .await;
    let templates = app
        .graph
        .sent()
        .await
        .into_iter()
        .filter(|m| m["to"] == customer && m["type"] == "template")
        .count();
    assert_eq!(templates, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_bot_reply_refused_with_131047_goes_out_as_the_template_once() {
    let app = TestApp::spawn().await;
    let customer = "34691700002";
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .and(text_to(customer, "Hola"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": { "message": "(#131047) Re-engagement message", "code": 131047 }
        })))
        .with_priority(1)
        .mount(&app.graph.server)
        .await;

    app.post_webhook(&text_webhook(customer, "Lucía", &wamid(), "hola"))
        .await;

    let refused = entry_like(
        &app,
        customer,
        json!({ "author": { "kind": "bot" }, "delivery": "failed" }),
    )
    .await;
    assert!(
        refused["delivery_error"]
            .as_str()
            .unwrap()
            .contains("131047")
    );
    entry_like(
        &app,
        customer,
        json!({ "author": { "kind": "system" }, "body": { "message": { "type": "template" } } }),
    )
    .await;
    app.settled().await;
    let templates = app
        .graph
        .sent()
        .await
        .into_iter()
        .filter(|m| m["to"] == customer && m["type"] == "template")
        .count();
    assert_eq!(templates, 1, "one fallback, however many retries");
    assert_eq!(sends_of(&app, customer, "Hola").await, 1);
    app.stop().await;
}

// ---- Graph API failures ------------------------------------------------------------------------

/// Makes the next `times` sends of the greeting to `customer` fail with `status`, then
/// checks that the greeting and the menu each reached the customer's transcript once, after
/// `times + 1` tries of the greeting.
async fn recovers_from(status: u16, times: u64, body: Value) {
    let app = TestApp::spawn().await;
    let customer = "34691800001";
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .and(text_to(customer, "Hola"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&app.graph.server)
        .await;

    app.post_webhook(&text_webhook(customer, "Cliente", &wamid(), "hola"))
        .await;

    eventually("greeting and menu on the transcript", || async {
        let t = transcript(&app, customer).await;
        (outbound_entries_with(&t, "Hola") >= 1 && outbound_entries_with(&t, "Responde") >= 1)
            .then_some(())
    })
    .await;
    app.settled().await;
    let t = transcript(&app, customer).await;
    assert_eq!(outbound_entries_with(&t, "Hola"), 1, "one greeting: {t:?}");
    assert_eq!(outbound_entries_with(&t, "Responde"), 1, "one menu");
    assert!(
        t.iter().all(|e| e["delivery"] != "failed"),
        "nothing recorded as failed: {t:?}"
    );
    assert_eq!(
        sends_of(&app, customer, "Hola").await,
        usize::try_from(times).unwrap() + 1,
        "each refused try, then the one that went through"
    );
    assert_eq!(sends_of(&app, customer, "Responde").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_429_is_retried_and_the_reply_is_delivered_exactly_once() {
    recovers_from(
        429,
        1,
        json!({ "error": { "message": "Too many", "code": 130429 } }),
    )
    .await;
}

#[tokio::test]
async fn a_500_is_retried_and_the_reply_is_delivered_exactly_once() {
    recovers_from(500, 1, json!({ "error": { "message": "oops", "code": 1 } })).await;
}

#[tokio::test]
async fn when_the_retry_budget_runs_out_the_reply_waits_for_redelivery_and_goes_once() {
    // The Graph client tries 3 times per send and then gives the job back: the 4th and 5th
    // tries come from the queue's redelivery.
    recovers_from(503, 4, json!({ "error": { "message": "down", "code": 2 } })).await;
}

// ---- the sandbox ---------------------------------------------------------------------------------

#[tokio::test]
async fn in_the_sandbox_a_customer_sends_a_file_and_the_agent_opens_it() {
    let app = TestApp::spawn_sandbox().await;
    let customer = "34691900001";
    let file = b"%PDF-1.7 factura".to_vec();

    let r = app
        .http
        .post(app.url(&format!(
            "/sandbox/api/media?customer={customer}&name=Lucía&caption=la%20factura&filename=f.pdf"
        )))
        .header("content-type", "application/pdf")
        .body(file.clone())
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), 202);
    let media_id = r.json::<Value>().await.unwrap()["media_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry = entry_like(
        &app,
        customer,
        json!({ "body": { "content": { "type": "media", "kind": "document", "media_id": media_id } } }),
    )
    .await;
    assert_eq!(entry["body"]["content"]["caption"], "la factura");
    let id = app.ticket_of(customer).await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .http
        .get(app.url(&format!("/api/v1/tickets/{id}/media/{media_id}")))
        .bearer_auth(app.token("bruno"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), file.as_slice());
    let no_type = app
        .http
        .post(app.url(&format!("/sandbox/api/media?customer={customer}")))
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status(), 400);
    app.stop().await;
}
