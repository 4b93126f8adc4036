//! Deliveries turno cannot read in full: each unreadable item (and each change for a field
//! turno does not act on) is set aside raw with its reason, and the rest is read as usual.

use serde_json::{Value, json};
use turno_core::app::{QuarantineKind, QuarantinedItem, WebhookBatch};
use turno_whatsapp::webhook::parse;

mod common;
use common::{one_message, ws};

const MULTI_ENTRY: &[u8] = include_bytes!("fixtures/multi_entry_batch.json");
const TEMPLATE_UPDATE: &[u8] = include_bytes!("fixtures/template_status_update.json");

/// The one item the batch set aside as malformed.
fn quarantined(batch: &WebhookBatch) -> &QuarantinedItem {
    let malformed: Vec<_> = batch
        .quarantined
        .iter()
        .filter(|q| q.kind == QuarantineKind::Malformed)
        .collect();
    assert_eq!(malformed.len(), 1, "{:?}", batch.quarantined);
    malformed[0]
}

fn invalid_path(batch: WebhookBatch) -> String {
    quarantined(&batch).path.clone()
}

#[test]
fn template_changes_are_read_and_other_fields_kept_as_unhandled() {
    let batch = parse(TEMPLATE_UPDATE);
    assert!(batch.messages.is_empty());
    assert!(batch.statuses.is_empty());
    assert_eq!(batch.templates.len(), 1);
    let t = &batch.templates[0];
    assert_eq!(
        (t.name.as_str(), t.language.as_str()),
        ("order_shipped", "pt_BR")
    );
    assert_eq!(
        t.change,
        turno_core::channel::templates::TemplateChange::Status {
            status: "REJECTED".into(),
            reason: Some("INCORRECT_CATEGORY".into())
        }
    );
    assert_eq!(t.at.map(|a| a.as_second()), Some(1_749_416_600));
    let fields: Vec<_> = batch
        .quarantined
        .iter()
        .inspect(|q| assert_eq!(q.kind, QuarantineKind::UnhandledField))
        .map(|q| q.field.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["phone_number_quality_update"]);
}

#[test]
fn a_body_that_is_not_json_is_one_quarantined_item_kept_raw() {
    let batch = parse(b"{\"object\": \"whatsapp_business_account\", ");
    let item = quarantined(&batch);
    assert!(item.reason.contains("not valid JSON"), "{}", item.reason);
    assert_eq!(item.raw, "{\"object\": \"whatsapp_business_account\", ");
    assert_eq!(item.workspace, None);
    assert!(batch.messages.is_empty() && batch.statuses.is_empty());
    assert!(quarantined(&parse(b"")).reason.contains("not valid JSON"));
}

#[test]
fn a_body_for_another_object_is_quarantined() {
    let page = br#"{"object":"page","entry":[]}"#;
    let item = quarantined(&parse(page)).clone();
    assert!(item.reason.contains("\"page\""), "{}", item.reason);
    assert!(
        quarantined(&parse(br#"{"entry":[]}"#))
            .reason
            .contains("object is missing")
    );
    assert!(
        quarantined(&parse(b"[]"))
            .reason
            .contains("not a JSON object")
    );
}

#[test]
fn a_bad_sender_is_quarantined_and_its_batch_mates_are_read() {
    let good = parse(MULTI_ENTRY);
    let mut body: Value = serde_json::from_slice(MULTI_ENTRY).expect("fixture is JSON");
    body["entry"][0]["changes"][0]["value"]["messages"][1]["from"] = json!("not-a-number");

    let batch = parse(body.to_string().as_bytes());

    let item = quarantined(&batch);
    assert_eq!(item.path, "entry[0].changes[0].value.messages[1].from");
    assert!(item.reason.contains("WhatsApp id"), "{}", item.reason);
    assert_eq!(item.workspace, Some(ws("106540352242922")));
    assert!(item.raw.contains("not-a-number"));
    assert_eq!(batch.messages.len(), good.messages.len() - 1);
    assert_eq!(batch.statuses, good.statuses);
}

#[test]
fn invalid_ids_and_timestamps_are_quarantined_with_their_paths() {
    let mut body: Value = serde_json::from_slice(MULTI_ENTRY).expect("fixture is JSON");
    body["entry"][1]["changes"][0]["value"]["metadata"]["phone_number_id"] = json!("");
    assert_eq!(
        invalid_path(parse(body.to_string().as_bytes())),
        "entry[1].changes[0].value.metadata.phone_number_id"
    );

    let mut body: Value = serde_json::from_slice(MULTI_ENTRY).expect("fixture is JSON");
    body["entry"][1]["changes"][1]["value"]["statuses"][0]["recipient_id"] = json!("12");
    assert_eq!(
        invalid_path(parse(body.to_string().as_bytes())),
        "entry[1].changes[1].value.statuses[0].recipient_id"
    );

    let mut body: Value = serde_json::from_slice(MULTI_ENTRY).expect("fixture is JSON");
    body["entry"][0]["changes"][0]["value"]["messages"][2]["timestamp"] = json!("yesterday");
    assert_eq!(
        invalid_path(parse(body.to_string().as_bytes())),
        "entry[0].changes[0].value.messages[2].timestamp"
    );

    let mut body: Value = serde_json::from_slice(MULTI_ENTRY).expect("fixture is JSON");
    body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = json!("wamid with spaces");
    assert_eq!(
        invalid_path(parse(body.to_string().as_bytes())),
        "entry[0].changes[0].value.messages[0].id"
    );
}

#[test]
fn missing_required_parts_are_quarantined_with_their_paths() {
    let no_text = one_message(json!({
        "from": "34600111222", "id": "wamid.t1", "timestamp": "1749416383", "type": "text"
    }));
    assert_eq!(
        invalid_path(parse(&no_text)),
        "entry[0].changes[0].value.messages[0].text"
    );

    let no_id = one_message(json!({
        "from": "34600111222", "timestamp": "1749416383", "type": "text", "text": { "body": "hola" }
    }));
    let batch = parse(&no_id);
    let item = quarantined(&batch);
    assert!(
        item.reason.contains("missing field `id`"),
        "{}",
        item.reason
    );
    assert_eq!(item.path, "entry[0].changes[0].value.messages[0]");

    let no_time = one_message(json!({
        "from": "34600111222", "id": "wamid.t3", "type": "text", "text": { "body": "hola" }
    }));
    let batch = parse(&no_time);
    assert_eq!(
        quarantined(&batch).path,
        "entry[0].changes[0].value.messages[0].timestamp"
    );
    assert_eq!(quarantined(&batch).reason, "missing");

    let no_body = one_message(json!({
        "from": "34600111222", "id": "wamid.t4", "timestamp": "1749416383", "type": "interactive"
    }));
    assert_eq!(
        invalid_path(parse(&no_body)),
        "entry[0].changes[0].value.messages[0].interactive"
    );
}

#[test]
fn quarantine_reasons_never_quote_the_customers_words() {
    let body = one_message(json!({
        "from": "34600111222", "id": "wamid.t2", "timestamp": "1749416383",
        "type": "text", "text": "mi contraseña es hunter2"
    }));
    let batch = parse(&body);
    let item = quarantined(&batch);
    assert!(!item.reason.contains("hunter2"), "{}", item.reason);
    assert!(
        item.raw.contains("hunter2"),
        "the raw item is kept for admins"
    );
}

#[test]
fn the_same_raw_item_has_the_same_fingerprint() {
    let body = one_message(
        json!({ "from": "x", "id": "wamid.t5", "timestamp": "1", "type": "text", "text": {"body": "a"} }),
    );
    let a = quarantined(&parse(&body)).fingerprint.clone();
    let b = quarantined(&parse(&body)).fingerprint.clone();
    assert_eq!(a, b);
    assert_eq!(a.len(), 32);
}

#[test]
fn delivery_without_entries_is_an_empty_batch() {
    let batch = parse(br#"{"object":"whatsapp_business_account"}"#);
    assert!(batch.messages.is_empty() && batch.statuses.is_empty() && batch.quarantined.is_empty());
    let not_a_list = parse(br#"{"object":"whatsapp_business_account","entry":{}}"#);
    assert_eq!(invalid_path(not_a_list), "entry");
}
