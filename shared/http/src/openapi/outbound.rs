//! `POST /tickets/{id}/outbound`: every message turno sends, one shape per `type`, as the
//! transcript writes it. WhatsApp's limits (lengths, counts) are checked once the ticket is
//! found, and answer 422 with the reason.

use serde_json::{Value, json};

use super::{nullable, strings};

fn kind(name: &str, required: &[&str], props: Value) -> Value {
    let mut props = props;
    props["type"] = json!({ "type": "string", "enum": [name] });
    let mut req = vec!["type"];
    req.extend_from_slice(required);
    json!({ "type": "object", "required": req, "properties": props })
}

pub(super) fn body() -> Value {
    let s = |max: usize| json!({ "type": "string", "maxLength": max });
    json!({
        "description": "one message; `type` says which",
        "oneOf": [
            kind("text", &["body"], json!({
                "body": s(4096),
                "preview_url": { "type": "boolean" }
            })),
            kind("buttons", &["body", "buttons"], json!({
                "body": s(1024),
                "buttons": { "type": "array", "minItems": 1, "maxItems": 3, "items": {
                    "type": "object", "required": ["id", "title"],
                    "properties": { "id": s(256), "title": s(20) }
                } }
            })),
            kind("list", &["body", "button", "rows"], json!({
                "body": s(1024),
                "button": s(20),
                "rows": { "type": "array", "minItems": 1, "maxItems": 10, "items": {
                    "type": "object", "required": ["id", "title"],
                    "properties": { "id": s(200), "title": s(24), "description": nullable(s(72)) }
                } }
            })),
            kind("template", &["name", "language"], json!({
                "name": { "type": "string", "pattern": "^[a-z0-9_]{1,512}$" },
                "language": { "type": "string", "pattern": "^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$" },
                "header_params": { "type": "array", "maxItems": 1, "items": s(60) },
                "body_params": strings(),
                "button_payloads": { "type": "array", "maxItems": 10, "items": s(128) }
            })),
            kind("media", &["kind", "source"], json!({
                "kind": { "type": "string", "enum": ["image", "audio", "video", "document", "sticker"] },
                "source": {
                    "type": "object", "additionalProperties": false,
                    "properties": { "id": { "type": "string" }, "link": { "type": "string" } },
                    "oneOf": [{ "required": ["id"] }, { "required": ["link"] }]
                },
                "caption": nullable(s(1024)),
                "filename": nullable(s(240))
            }))
        ]
    })
}
