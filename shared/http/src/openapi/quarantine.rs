//! `GET /admin/quarantine`: the webhook items turno set aside, for admins.

use serde_json::{Value, json};

use super::{array, enumeration, nullable, object, op, query_param, r, string, time, with_params};

pub(super) fn paths() -> Value {
    json!({
        "/admin/quarantine": { "get": with_params(
            op("webhook items that could not be read, or changes for webhook fields turno does not act on, kept raw with their reason; newest first (admins). Lists the workspace's items and the deployment's (items whose phone number could not be read, so no workspace can be told; each is kept once and shown to every workspace's admins), told apart by `scope`", ("200", Some(r("QuarantinePage"))), &["400", "401", "403"], None),
            json!([
                query_param("cursor", "next_cursor of the previous page", string()),
                query_param("limit", "items per page, 1 to 200 (default 50; 0 counts as 1, more than 200 as 200)", serde_json::json!({ "type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64 }))
            ])
        ) }
    })
}

pub(super) fn schemas() -> Value {
    json!({
        "QuarantinePage": object(json!({
            "items": array(object(json!({
                "id": { "type": "string", "description": "a fingerprint of the raw item: a redelivery is kept once" },
                "scope": { "type": "string", "enum": ["workspace", "deployment"], "description": "workspace: for this workspace's phone number; deployment: its phone number could not be read, shared by every workspace of the deployment" },
                "kind": enumeration(&["malformed", "unhandled_field"]),
                "field": nullable(string()),
                "path": { "type": "string", "description": "where in the delivery, like entry[0].changes[0].value.messages[1]; empty for the whole body" },
                "reason": { "type": "string", "description": "what is wrong; never quotes message text" },
                "raw": { "type": "string", "description": "the item as received (JSON text, or the body when it is not JSON), at most 65536 characters" },
                "received_at": time()
            }), true)),
            "next_cursor": nullable(string())
        }), true)
    })
}
