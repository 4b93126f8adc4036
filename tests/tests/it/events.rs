//! Messages that are events, not words to answer: reactions, edits, revokes, `system`
//! notices and types WhatsApp itself does not support. Each is kept on the customer's
//! transcript; none gets the bot's greeting.

use std::time::Duration;

use serde_json::{Value, json};
use turno_tests::{TestApp, WORKSPACE, eventually, text_webhook, wamid};

fn delivery(message: Value) -> String {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "15550783881", "phone_number_id": WORKSPACE },
                    "messages": [message]
                }
            }]
        }]
    })
    .to_string()
}

#[tokio::test]
async fn reactions_edits_revokes_system_and_unsupported_messages_are_recorded_not_answered() {
    let app = TestApp::spawn().await;
    let now = jiff::Timestamp::now().as_second().to_string();
    let earlier = "wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUVBUkxJRVIwMDAwMDAwMDAwMAA=";
    let events = [
        (
            "34600700001",
            json!({ "type": "reaction", "reaction": { "message_id": earlier, "emoji": "👍" } }),
        ),
        (
            "34600700002",
            json!({ "type": "edit", "edit": { "original_message_id": earlier, "message": { "type": "text", "text": { "body": "corrected" } } } }),
        ),
        (
            "34600700003",
            json!({ "type": "revoke", "revoke": { "original_message_id": earlier } }),
        ),
        (
            "34600700004",
            json!({ "type": "system", "system": { "body": "User A changed from 34600700004 to 34600700099", "wa_id": "34600700099", "type": "user_changed_number" } }),
        ),
        (
            "34600700005",
            json!({ "type": "unsupported", "errors": [{ "code": 131051, "title": "Message type unknown" }] }),
        ),
    ];
    for (from, event) in &events {
        let mut message = event.clone();
        message["from"] = json!(from);
        message["id"] = json!(wamid());
        message["timestamp"] = json!(now);
        let r = app.post_webhook(&delivery(message)).await;
        assert_eq!(r.status(), 200);
    }
    // A customer who writes words is answered: once that reply is out, the events before it
    // have been handled too.
    let control = "34600700009";
    let r = app
        .post_webhook(&text_webhook(control, "Eva", &wamid(), "hola"))
        .await;
    assert_eq!(r.status(), 200);
    eventually("the greeting to the control customer", || async {
        (!app.graph.texts_to(control).await.is_empty()).then_some(())
    })
    .await;
    app.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    for (from, event) in &events {
        let kind = event["type"].as_str().unwrap();
        assert_eq!(
            app.graph.texts_to(from).await,
            Vec::<String>::new(),
            "no reply to a {kind}"
        );
        // A change of number moves the customer, ticket and all, to the new number.
        let now_at = event["system"]["wa_id"].as_str().unwrap_or(from);
        let ticket = app.ticket_of(now_at).await;
        let ticket = ticket.unwrap_or_else(|| panic!("the {kind} is on a ticket"));
        let inbound = ticket["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["author"]["kind"] == "customer")
            .count();
        assert_eq!(inbound, 1, "the {kind} is recorded: {ticket}");
    }
    app.stop().await;
}
