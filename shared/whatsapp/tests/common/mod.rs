//! What the webhook test files share: a workspace id and a delivery of one message.

use serde_json::{Value, json};
use turno_core::kernel::ids::WorkspaceId;

pub fn ws(id: &str) -> WorkspaceId {
    WorkspaceId::parse(id).expect("valid workspace id")
}

/// A delivery holding one message, for the cases a fixture would only obscure.
pub fn one_message(message: Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "34910000001", "phone_number_id": "106540352242922" },
                    "contacts": [{ "profile": { "name": "Lucía Pérez" }, "wa_id": "34600111222" }],
                    "messages": [message]
                }
            }]
        }]
    })
    .to_string()
    .into_bytes()
}
