//! A customer's data on request: the export (the erasure is the DELETE of the customer).

use serde_json::{Value, json};

use super::{array, nullable, object, op, path_param, r, string, time, wa_id, with_params};

pub(super) fn paths() -> Value {
    json!({
        "/customers/{wa_id}/export": { "get": with_params(
            op("everything stored about the customer as one document: profile, consent, conversation (bot state), tickets with their audit trail, CSAT answer, transcript (messages, notes) and amendments, and the media they refer to; at most the newest 200 tickets (`truncated` says when more were left out). Supervisors and admins; audited by the customer's reference, never the number", ("200", Some(r("CustomerExport"))), &["400", "401", "403", "404"], None),
            json!([path_param("wa_id", "WhatsApp id (E.164 digits)", wa_id())])
        ) }
    })
}

pub(super) fn schemas() -> Value {
    let count = json!({ "type": "integer", "minimum": 0 });
    json!({
        "CustomerExport": object(json!({
            "wa_id": string(),
            "exported_at": time(),
            "profile": nullable(json!({ "type": "object" })),
            "marketing_consent": nullable(json!({ "type": "boolean" })),
            "consent_updated_at": nullable(time()),
            "conversation": nullable(json!({ "type": "object" })),
            "tickets": array(object(json!({
                "ticket": { "type": "object" },
                "transcript": array(json!({ "type": "object" })),
                "amendments": nullable(json!({ "type": "object" }))
            }), false)),
            "media": array(object(json!({
                "ticket_id": string(), "message_id": string(), "at": time(), "media": { "type": "object" }
            }), false)),
            "truncated": { "type": "boolean" }
        }), false),
        "Erasure": object(json!({
            "customer_ref": string(),
            "tickets": count.clone(),
            "open_tickets": count.clone(),
            "transcript_entries": count.clone(),
            "quarantined": count,
            "profile": { "type": "boolean" },
            "conversation": { "type": "boolean" }
        }), true)
    })
}
