//! The webhook side: signature and handshake checks, and reading deliveries into domain types.

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde_json::json;
use sha2::Sha256;
use turno_core::channel::message::{Content, DeliveryState, MediaKind};
use turno_core::kernel::ids::{MessageId, WaId};
use turno_whatsapp::webhook::{
    ChallengeError, SignatureError, parse, verify_challenge, verify_signature,
};

mod common;
use common::{one_message, ws};

const SECRET: &[u8] = b"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";
const MULTI_ENTRY: &[u8] = include_bytes!("fixtures/multi_entry_batch.json");
const STATUSES_ONLY: &[u8] = include_bytes!("fixtures/statuses_only.json");

fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length works");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn wamid(id: &str) -> MessageId {
    MessageId::parse(id).expect("valid message id")
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("valid timestamp")
}

fn only_content(body: &[u8]) -> Content {
    let batch = parse(body);
    assert_eq!(batch.messages.len(), 1);
    batch
        .messages
        .into_iter()
        .next()
        .map(|m| m.content)
        .expect("one message")
}

// ---- signature ---------------------------------------------------------------------------

#[test]
fn correctly_signed_body_is_accepted() {
    let header = sign(SECRET, MULTI_ENTRY);
    assert_eq!(verify_signature(SECRET, MULTI_ENTRY, Some(&header)), Ok(()));
}

#[test]
fn signature_in_uppercase_hex_is_accepted() {
    let header = sign(SECRET, MULTI_ENTRY).to_uppercase();
    assert_eq!(verify_signature(SECRET, MULTI_ENTRY, Some(&header)), Ok(()));
}

#[test]
fn forged_signature_is_rejected() {
    let header = sign(b"not-the-app-secret", MULTI_ENTRY);
    assert_eq!(
        verify_signature(SECRET, MULTI_ENTRY, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn tampered_body_is_rejected() {
    let header = sign(SECRET, MULTI_ENTRY);
    let mut tampered = MULTI_ENTRY.to_vec();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        verify_signature(SECRET, &tampered, Some(&header)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn missing_signature_header_is_rejected() {
    assert_eq!(
        verify_signature(SECRET, MULTI_ENTRY, None),
        Err(SignatureError::MissingHeader)
    );
}

#[test]
fn signature_without_sha256_prefix_is_rejected() {
    let hex_only = sign(SECRET, MULTI_ENTRY).replace("sha256=", "");
    assert_eq!(
        verify_signature(SECRET, MULTI_ENTRY, Some(&hex_only)),
        Err(SignatureError::BadPrefix)
    );
    let sha1 = format!("sha1={hex_only}");
    assert_eq!(
        verify_signature(SECRET, MULTI_ENTRY, Some(&sha1)),
        Err(SignatureError::BadPrefix)
    );
}

#[test]
fn signature_that_is_not_a_hex_digest_is_rejected() {
    for header in ["sha256=", "sha256=not-hex", "sha256=abcd", "sha256=abc"] {
        assert_eq!(
            verify_signature(SECRET, MULTI_ENTRY, Some(header)),
            Err(SignatureError::BadHex),
            "{header}"
        );
    }
}

#[test]
fn with_no_app_secret_nothing_is_accepted() {
    let header = sign(b"", MULTI_ENTRY);
    assert_eq!(
        verify_signature(b"", MULTI_ENTRY, Some(&header)),
        Err(SignatureError::NoSecret)
    );
}

#[test]
fn signature_errors_say_what_is_wrong() {
    assert!(
        SignatureError::MissingHeader
            .to_string()
            .contains("missing")
    );
    assert!(SignatureError::BadPrefix.to_string().contains("sha256="));
    assert!(SignatureError::BadHex.to_string().contains("hex"));
    assert!(
        SignatureError::Mismatch
            .to_string()
            .contains("does not match")
    );
}

// ---- handshake ---------------------------------------------------------------------------

#[test]
fn handshake_with_the_right_token_echoes_the_challenge() {
    let got = verify_challenge(
        "s3cret",
        Some("subscribe"),
        Some("s3cret"),
        Some("1158201444"),
    );
    assert_eq!(got, Ok("1158201444".to_owned()));
}

#[test]
fn handshake_with_a_wrong_token_is_refused() {
    let got = verify_challenge(
        "s3cret",
        Some("subscribe"),
        Some("guess"),
        Some("1158201444"),
    );
    assert_eq!(got, Err(ChallengeError::TokenMismatch));
    let prefix = verify_challenge("s3cret", Some("subscribe"), Some("s3cre"), Some("1"));
    assert_eq!(prefix, Err(ChallengeError::TokenMismatch));
}

#[test]
fn handshake_with_missing_or_wrong_parameters_is_refused() {
    let check = |mode, token, challenge| verify_challenge("s3cret", mode, token, challenge);
    assert_eq!(
        check(None, Some("s3cret"), Some("1")),
        Err(ChallengeError::MissingMode)
    );
    assert_eq!(
        check(Some("unsubscribe"), Some("s3cret"), Some("1")),
        Err(ChallengeError::WrongMode)
    );
    assert_eq!(
        check(Some("subscribe"), None, Some("1")),
        Err(ChallengeError::MissingToken)
    );
    assert_eq!(
        check(Some("subscribe"), Some("s3cret"), None),
        Err(ChallengeError::MissingChallenge)
    );
    assert_eq!(
        check(Some("subscribe"), Some("s3cret"), Some("")),
        Err(ChallengeError::MissingChallenge)
    );
}

#[test]
fn handshake_without_a_configured_token_is_refused() {
    assert_eq!(
        verify_challenge("", Some("subscribe"), Some(""), Some("1")),
        Err(ChallengeError::NoToken)
    );
}

// ---- parsing -----------------------------------------------------------------------------

#[test]
fn every_message_and_status_of_every_entry_and_change_is_read() {
    let batch = parse(MULTI_ENTRY);

    assert_eq!(batch.messages.len(), 9);
    assert_eq!(batch.statuses.len(), 2);
    let kinds: Vec<&str> = batch.messages.iter().map(|m| m.content.kind()).collect();
    assert_eq!(
        kinds,
        [
            "text",
            "button_reply",
            "list_reply",
            "image",
            "location",
            "reaction",
            "unsupported",
            "button",
            "document"
        ]
    );
    let first_entry = ws("106540352242922");
    let second_entry = ws("109876543210987");
    assert!(
        batch.messages[..3]
            .iter()
            .all(|m| m.workspace == first_entry)
    );
    assert!(
        batch.messages[3..]
            .iter()
            .all(|m| m.workspace == second_entry)
    );
    assert!(batch.statuses.iter().all(|s| s.workspace == second_entry));
}

#[test]
fn text_message_carries_sender_profile_time_and_reply_context() {
    let batch = parse(MULTI_ENTRY);
    let m = &batch.messages[0];

    assert_eq!(
        m.id,
        wamid("wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUI1QkQ5RjU1RkE2NUI0N0I0MAA=")
    );
    assert_eq!(m.from, WaId::parse("34600111222").expect("valid"));
    assert_eq!(m.profile_name.as_deref(), Some("Lucía Pérez"));
    assert_eq!(m.at, at(1_749_416_383));
    assert_eq!(
        m.content,
        Content::Text {
            body: "¿Dónde está mi pedido 4512?".into()
        }
    );
    assert_eq!(
        m.context,
        Some(wamid(
            "wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBJBQkNERUYxMjM0NTY3ODkwAA=="
        ))
    );
}

#[test]
fn profile_names_are_matched_to_each_sender() {
    let batch = parse(MULTI_ENTRY);
    let names: Vec<Option<&str>> = batch
        .messages
        .iter()
        .take(4)
        .map(|m| m.profile_name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            Some("Lucía Pérez"),
            Some("João Silva"),
            Some("Lucía Pérez"),
            Some("Ana Costa")
        ]
    );
}

#[test]
fn interactive_replies_keep_their_choice_ids() {
    let batch = parse(MULTI_ENTRY);
    assert_eq!(
        batch.messages[1].content,
        Content::ButtonReply {
            id: "talk_to_agent".into(),
            title: "Falar com atendente".into()
        }
    );
    assert_eq!(
        batch.messages[2].content,
        Content::ListReply {
            id: "billing".into(),
            title: "Facturación".into(),
            description: Some("Facturas, cobros y reembolsos".into())
        }
    );
    assert_eq!(batch.messages[2].context, None);
}

#[test]
fn media_location_reaction_and_template_button_are_read() {
    let batch = parse(MULTI_ENTRY);
    assert_eq!(
        batch.messages[3].content,
        Content::Media {
            kind: MediaKind::Image,
            media_id: "1003383421387256".into(),
            mime_type: Some("image/jpeg".into()),
            caption: Some("a caixa chegou assim".into()),
            filename: None
        }
    );
    assert_eq!(
        batch.messages[4].content,
        Content::Location {
            latitude: -23.561414,
            longitude: -46.655881,
            name: Some("MASP".into()),
            address: Some("Av. Paulista, 1578 - Bela Vista, São Paulo".into())
        }
    );
    assert_eq!(
        batch.messages[5].content,
        Content::Reaction {
            message_id: wamid("wamid.HBgNNTUyMTkxMjM0NTY3OBUCABEYEjk5ODg3NzY2NTU0NDMzMjIxMQA="),
            emoji: Some("👍".into())
        }
    );
    assert_eq!(
        batch.messages[7].content,
        Content::TemplateButton {
            payload: "TRACK_ORDER".into(),
            text: "Rastrear pedido".into()
        }
    );
    assert_eq!(
        batch.messages[8].content,
        Content::Media {
            kind: MediaKind::Document,
            media_id: "2754859441498128".into(),
            mime_type: Some("application/pdf".into()),
            caption: None,
            filename: Some("nota-fiscal-4512.pdf".into())
        }
    );
}

#[test]
fn unsupported_message_is_kept_with_whatsapps_error() {
    let batch = parse(MULTI_ENTRY);
    assert_eq!(
        batch.messages[6].content,
        Content::Unsupported {
            kind: "unsupported".into(),
            error: Some("131051 Message type unknown".into())
        }
    );
}

#[test]
fn message_types_turno_does_not_know_are_unsupported_not_errors() {
    let order = one_message(json!({
        "from": "34600111222", "id": "wamid.order1", "timestamp": "1749416383",
        "type": "order",
        "order": { "catalog_id": "1", "product_items": [] }
    }));
    assert_eq!(
        only_content(&order),
        Content::Unsupported {
            kind: "order".into(),
            error: None
        }
    );

    let flow_reply = one_message(json!({
        "from": "34600111222", "id": "wamid.flow1", "timestamp": "1749416383",
        "type": "interactive",
        "interactive": { "type": "nfm_reply", "nfm_reply": { "response_json": "{}", "body": "Sent", "name": "flow" } }
    }));
    assert_eq!(
        only_content(&flow_reply),
        Content::Unsupported {
            kind: "nfm_reply".into(),
            error: None
        }
    );
}

#[test]
fn shared_contacts_are_read_by_name() {
    let body = one_message(json!({
        "from": "34600111222", "id": "wamid.contacts1", "timestamp": "1749416383",
        "type": "contacts",
        "contacts": [
            { "name": { "formatted_name": "Marta Gómez", "first_name": "Marta" }, "phones": [{ "phone": "+34 600 333 444", "wa_id": "34600333444", "type": "CELL" }] },
            { "name": { "first_name": "Pau", "last_name": "Vidal" } }
        ]
    }));
    assert_eq!(
        only_content(&body),
        Content::Contacts {
            names: vec!["Marta Gómez".into(), "Pau Vidal".into()]
        }
    );
}

#[test]
fn removed_reaction_has_no_emoji() {
    let body = one_message(json!({
        "from": "34600111222", "id": "wamid.react2", "timestamp": "1749416383",
        "type": "reaction",
        "reaction": { "message_id": "wamid.original", "emoji": "" }
    }));
    assert_eq!(
        only_content(&body),
        Content::Reaction {
            message_id: wamid("wamid.original"),
            emoji: None
        }
    );
}

#[test]
fn forwarded_message_context_without_an_id_is_no_reply_context() {
    let body = one_message(json!({
        "from": "34600111222", "id": "wamid.fwd1", "timestamp": 1749416383,
        "type": "text", "text": { "body": "reenviado" },
        "context": { "forwarded": true }
    }));
    let batch = parse(&body);
    assert_eq!(batch.messages[0].context, None);
    assert_eq!(batch.messages[0].at, at(1_749_416_383));
}

#[test]
fn statuses_only_payload_gives_statuses_with_failure_reason() {
    let batch = parse(STATUSES_ONLY);

    assert!(batch.messages.is_empty());
    let states: Vec<DeliveryState> = batch.statuses.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            DeliveryState::Sent,
            DeliveryState::Delivered,
            DeliveryState::Read,
            DeliveryState::Failed
        ]
    );
    let failed = &batch.statuses[3];
    assert_eq!(failed.workspace, ws("106540352242922"));
    assert_eq!(failed.recipient, WaId::parse("34600111222").expect("valid"));
    assert_eq!(failed.at, at(1_749_416_530));
    assert_eq!(
        failed.error.as_deref(),
        Some("131026 Message undeliverable")
    );
    assert!(batch.statuses[..3].iter().all(|s| s.error.is_none()));
}

#[test]
fn failed_status_outside_the_window_reports_131047() {
    let batch = parse(MULTI_ENTRY);
    let failed = &batch.statuses[1];
    assert_eq!(failed.state, DeliveryState::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("131047 Re-engagement message")
    );
    assert_eq!(batch.statuses[0].state, DeliveryState::Read);
}

#[test]
fn statuses_turno_does_not_track_are_skipped() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "metadata": { "phone_number_id": "106540352242922" },
            "statuses": [
                { "id": "wamid.x", "status": "deleted", "timestamp": "1749416383", "recipient_id": "34600111222" },
                { "id": "wamid.y", "status": "delivered", "timestamp": "1749416384", "recipient_id": "34600111222" }
            ]
        }}]}]
    });
    let batch = parse(body.to_string().as_bytes());
    assert_eq!(batch.statuses.len(), 1);
    assert_eq!(batch.statuses[0].state, DeliveryState::Delivered);
}
