//! The agent's actions beside the ticket: its priority, and the handoff summary of what the
//! bot learnt before a person took over.

use serde_json::{Value, json};

use super::{
    array, enumeration, int, nullable, object, op, opaque_id, path_param, r, string, strings, time,
    with_params,
};

pub(super) fn paths() -> Value {
    let id = || json!([path_param("id", "ticket id", opaque_id())]);
    json!({
        "/tickets/{id}/priority": { "put": with_params(
            op("set the ticket's priority (the SLA policy is chosen again and the queue re-ranks it)", ("200", Some(r("Ticket"))), &["400", "401", "404", "409", "422"], Some(object(json!({
                "priority": enumeration(&["low", "normal", "high", "urgent"])
            }), true))),
            id()
        ) },
        "/tickets/{id}/handoff": { "get": with_params(
            op("the handoff summary, computed from the records of the bot's turns: why it came to a person (reason codes), what the customer asked, what the bot answered, the slots given (an order number), look-ups and their outcome, failed attempts, sentiment, the customer's tags and VIP, the first SLA due", ("200", Some(r("HandoffSummary"))), &["400", "401", "404"], None),
            id()
        ) },
        "/snooze-presets": { "get": op("the times offered to snooze a ticket until (in an hour, tomorrow at 9:00, next Monday at 9:00), in the workspace's time zone", ("200", Some(r("SnoozePresets"))), &["401"], None) }
    })
}

pub(super) fn schemas() -> Value {
    let slots = || json!({ "type": "object", "additionalProperties": string() });
    json!({
        "SnoozePresets": object(json!({
            "timezone": string(),
            "presets": array(object(json!({
                "key": enumeration(&["in_1h", "tomorrow_9", "next_monday_9"]),
                "until": time()
            }), true))
        }), true),
        "HandoffSummary": object(json!({
            "reasons": strings(),
            "language": enumeration(&["es", "en", "pt"]),
            "asked": strings(),
            "answered": strings(),
            "slots": slots(),
            "lookups": array(object(json!({
                "action": string(),
                "outcome": enumeration(&["found", "not_found", "failed"]),
                "slots": slots()
            }), true)),
            "failed_attempts": int(),
            "sentiment": enumeration(&["neutral", "negative"]),
            "frustration": strings(),
            "bot_turns": int(),
            "tags": strings(),
            "vip": { "type": "boolean" },
            "sla_due": nullable(object(json!({
                "clock": enumeration(&["first_response", "next_response", "resolution", "escalate_after"]),
                "due_at": time()
            }), true))
        }), true)
    })
}
