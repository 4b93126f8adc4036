//! Web Push: the VAPID public key and the caller's browser subscriptions.

use serde_json::{Value, json};

use super::{object, op, r, string, time, with_params};

pub(super) fn paths() -> Value {
    json!({
        "/push/key": { "get": op("the VAPID public key (unpadded base64url) a browser passes to PushManager.subscribe as applicationServerKey; 404 when this deployment does not send Web Push", ("200", Some(r("PushKey"))), &["401", "404"], None) },
        "/push/subscriptions": {
            "post": op("keep the caller's browser push subscription (PushSubscription.toJSON()): an https endpoint (http on a loopback host only in the local runner) of at most 2048 characters, a P-256 p256dh key and a 16-byte auth secret in base64url; the same endpoint again replaces it, and an agent keeps at most 10 (the oldest goes). Pushes carry the kind (assigned, mention, reply, sla_warning, sla_breach), the workspace and the ticket id, never message text", ("201", Some(r("PushSubscription"))), &["400", "401", "404", "422"], Some(object(json!({
                "endpoint": { "type": "string", "maxLength": 2048 },
                "keys": object(json!({ "p256dh": string(), "auth": string() }), true),
                "expirationTime": { "nullable": true }
            }), true))),
            "delete": with_params(
                op("forget the caller's browser push subscription with this endpoint", ("204", None), &["400", "401", "404"], None),
                json!([{ "name": "endpoint", "in": "query", "required": true, "description": "the subscription's endpoint", "schema": { "type": "string", "minLength": 1, "maxLength": 2048 } }])
            )
        }
    })
}

pub(super) fn schemas() -> Value {
    json!({
        "PushKey": object(json!({ "public_key": string() }), true),
        "PushSubscription": object(json!({ "endpoint": string(), "created_at": time() }), true)
    })
}
