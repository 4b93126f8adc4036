//! Request bodies whose rules span properties: each rule is a `oneOf` of closed shapes, so
//! the document says exactly which bodies the server takes.

use serde_json::{Value, json};

use super::{null_only, nullable, slug, string, time};

/// Most characters in a note, a reply or a quick reply's text.
pub(super) const NOTE_MAX: usize = 4096;

/// Text that must hold something besides white space, at most `max` characters.
pub(super) fn text(max: usize) -> Value {
    json!({ "type": "string", "pattern": "\\S", "maxLength": max })
}

/// Ticket and customer tags: at most 20, each 1 to 32 letters, digits, `-`, `_`, `:` or `.`
/// (white space around is trimmed, upper case lowered, repeats dropped).
pub(super) fn tags() -> Value {
    json!({
        "type": "array", "maxItems": 20,
        "items": { "type": "string", "pattern": "^\\s*[\\w:.-]{1,32}\\s*$" }
    })
}

/// `POST /tickets/{id}/messages`: `text`, or `template`; the other absent or null.
pub(super) fn reply_body() -> Value {
    let template = json!({
        "type": "object", "required": ["name"], "additionalProperties": false,
        "properties": {
            "name": { "type": "string", "description": "a name from GET /templates; another answers 404" },
            "language": nullable(json!({ "type": "string", "description": "an approved language code; the variant for the customer's language when absent (another answers 404)" })),
            "params": nullable(json!({ "type": "array", "items": string(), "description": "the body's values, {{1}} first; the configured and pre-filled ones when absent. Each placeholder needs a value of 1 to 1024 characters on one line (422 naming the placeholder otherwise)" })),
            "header_media": nullable(json!({
                "type": "object", "additionalProperties": false,
                "description": "the image, video or document a template approved with a media header shows: exactly one of an https link or a media id from an upload. Required by such a template and refused by any other (422 naming what is missing)",
                "properties": {
                    "link": nullable(json!({ "type": "string", "maxLength": 2048 })),
                    "id": nullable(json!({ "type": "string", "maxLength": 64 }))
                }
            }))
        }
    });
    json!({
        "description": "exactly one of text or template",
        "oneOf": [
            {
                "type": "object", "required": ["text"], "additionalProperties": false,
                "properties": {
                    "text": json!({ "type": "string", "pattern": "\\S", "maxLength": NOTE_MAX, "description": "`/shortcut …` sends that quick reply (404 when there is none)" }),
                    "template": null_only()
                }
            },
            {
                "type": "object", "required": ["template"], "additionalProperties": false,
                "properties": { "template": template, "text": null_only() }
            }
        ]
    })
}

/// `POST /tickets/{id}/status`: `until` goes with `snoozed`, and only with it.
pub(super) fn status_body() -> Value {
    json!({
        "description": "snoozed needs until; the other statuses take none",
        "oneOf": [
            {
                "type": "object", "required": ["status", "until"], "additionalProperties": false,
                "properties": { "status": { "type": "string", "enum": ["snoozed"] }, "until": time() }
            },
            {
                "type": "object", "required": ["status"], "additionalProperties": false,
                "properties": {
                    "status": { "type": "string", "enum": ["pending", "resolved", "queued", "closed", "reopen"] },
                    "until": null_only()
                }
            }
        ]
    })
}

/// `POST /tickets/{id}/transfer`: an agent or a team, and an optional note.
pub(super) fn transfer_body() -> Value {
    let note = nullable(json!({ "type": "string", "maxLength": 1000 }));
    json!({
        "description": "exactly one of agent_id or team_id (an unknown one answers 404)",
        "oneOf": [
            {
                "type": "object", "required": ["agent_id"], "additionalProperties": false,
                "properties": { "agent_id": slug(), "team_id": null_only(), "note": note.clone() }
            },
            {
                "type": "object", "required": ["team_id"], "additionalProperties": false,
                "properties": { "team_id": slug(), "agent_id": null_only(), "note": note }
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a closed branch takes `body`: required keys, no others, enums and nulls.
    fn takes(branch: &Value, body: &Value) -> bool {
        let Some(obj) = body.as_object() else {
            return false;
        };
        let required = branch["required"].as_array().cloned().unwrap_or_default();
        if !required
            .iter()
            .all(|k| k.as_str().is_some_and(|k| obj.contains_key(k)))
        {
            return false;
        }
        obj.iter().all(|(k, v)| {
            let p = &branch["properties"][k];
            if p.is_null() {
                return false;
            }
            if v.is_null() {
                return p["nullable"] == true;
            }
            p["enum"].as_array().is_none_or(|e| e.contains(v))
                && (p["type"] != "string" || v.is_string())
                && (p["type"] != "object" || v.is_object())
        })
    }

    /// How many branches of a `oneOf` take `body`: exactly one means valid.
    fn matches(schema: &Value, body: Value) -> usize {
        schema["oneOf"]
            .as_array()
            .map(|b| b.iter().filter(|b| takes(b, &body)).count())
            .unwrap_or_default()
    }

    #[test]
    fn until_goes_with_snoozed_and_only_with_it() {
        let s = status_body();
        let until = "2030-01-01T00:00:00Z";
        assert_eq!(matches(&s, json!({"status": "snoozed", "until": until})), 1);
        assert_eq!(matches(&s, json!({"status": "snoozed"})), 0);
        assert_eq!(matches(&s, json!({"status": "snoozed", "until": null})), 0);
        for status in ["pending", "resolved", "queued", "closed", "reopen"] {
            assert_eq!(matches(&s, json!({ "status": status })), 1, "{status}");
            assert_eq!(matches(&s, json!({ "status": status, "until": null })), 1);
            assert_eq!(matches(&s, json!({ "status": status, "until": until })), 0);
        }
        assert_eq!(matches(&s, json!({"status": "sleeping"})), 0);
    }

    #[test]
    fn a_reply_is_text_or_a_template_never_both_nor_neither() {
        let s = reply_body();
        assert_eq!(matches(&s, json!({"text": "hola"})), 1);
        assert_eq!(matches(&s, json!({"text": "hola", "template": null})), 1);
        assert_eq!(matches(&s, json!({"template": {"name": "x"}})), 1);
        assert_eq!(
            matches(&s, json!({"text": "hola", "template": {"name": "x"}})),
            0
        );
        assert_eq!(matches(&s, json!({})), 0);
        assert_eq!(matches(&s, json!({"text": null, "template": null})), 0);
    }

    #[test]
    fn a_transfer_names_an_agent_or_a_team() {
        let s = transfer_body();
        assert_eq!(matches(&s, json!({"agent_id": "ana", "note": "x"})), 1);
        assert_eq!(
            matches(&s, json!({"team_id": "billing", "agent_id": null})),
            1
        );
        assert_eq!(
            matches(&s, json!({"agent_id": "ana", "team_id": "billing"})),
            0
        );
        assert_eq!(matches(&s, json!({"note": "nowhere"})), 0);
    }
}
