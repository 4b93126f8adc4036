//! The document's component schemas: what the API returns and takes.

use serde_json::{Value, json};

use super::{STATUSES, array, enumeration, int, nullable, object, r, string, strings, time};

pub(super) fn schemas() -> Value {
    let author = json!({
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": enumeration(&["customer", "bot", "agent", "system", "business_app"]),
            "id": string()
        }
    });
    let clock = json!({
        "type": "object",
        "properties": {
            "target_secs": int(),
            "elapsed_secs": int(),
            "running_since": nullable(time()),
            "started_at": nullable(time()),
            "warn_at": nullable(time()),
            "due_at": nullable(time()),
            "warned_at": nullable(time()),
            "breached_at": nullable(time()),
            "met_at": nullable(time())
        }
    });
    let clock_kind = enumeration(&[
        "first_response",
        "next_response",
        "resolution",
        "escalate_after",
    ]);
    json!({
        "Error": object(json!({
            "error": object(json!({
                "code": { "type": "string", "description": "stable, for programs: invalid_request, unauthorized, forbidden, not_found, conflict, window_closed, invalid_input, method_not_allowed, whatsapp_*, internal" },
                "message": { "type": "string", "description": "for people; names the fix" }
            }), true)
        }), true),
        "Agent": object(json!({
            "workspace": string(),
            "id": string(),
            "name": string(),
            "email": string(),
            "role": enumeration(&["agent", "supervisor", "admin"]),
            "teams": strings(),
            "capacity": int(),
            "availability": enumeration(&["online", "away", "offline"]),
            "load": int(),
            "last_assigned_at": nullable(time()),
            "deactivated": { "type": "boolean", "description": "an admin deactivated the agent: it may not sign in and takes no tickets" }
        }), true),
        "AuditEntry": object(json!({
            "at": time(),
            "actor": nullable(string()),
            "action": string(),
            "detail": nullable(string())
        }), true),
        "TicketCsat": {
            "type": "object",
            "description": "the satisfaction survey sent after the ticket was resolved (absent until then), and the customer's answer",
            "required": ["sent_at", "channel"],
            "properties": {
                "sent_at": time(),
                "channel": { "type": "string", "enum": ["list", "template"], "description": "a list inside the 24-hour window, the csat template outside it" },
                "survey_message": string(),
                "score": { "type": "integer", "minimum": 1, "maximum": 5 },
                "answered_at": time(),
                "answer_message": string(),
                "comment": { "type": "string", "maxLength": 1000 },
                "commented_at": time(),
                "comment_message": string(),
                "agent": { "type": "string", "description": "the agent who had the ticket when it was resolved" },
                "team": string()
            }
        },
        "Ticket": {
            "type": "object",
            "required": ["id", "workspace", "customer", "status", "priority", "tier", "reasons", "created_at", "updated_at", "tags", "sla", "audit", "version"],
            "properties": {
                "id": string(),
                "workspace": string(),
                "customer": { "type": "string", "description": "the customer's WhatsApp id" },
                "customer_name": nullable(string()),
                "language": enumeration(&["es", "en", "pt"]),
                "status": enumeration(STATUSES),
                "priority": enumeration(&["low", "normal", "high", "urgent"]),
                "tier": enumeration(&["L1", "L2", "L3"]),
                "team": nullable(string()),
                "assignee": nullable(string()),
                "mentioned": { "type": "array", "items": string(), "description": "agents @mentioned in its notes, who may open it whatever their team" },
                "reasons": strings(),
                "created_at": time(),
                "updated_at": time(),
                "queued_at": nullable(time()),
                "resolved_at": nullable(time()),
                "tags": strings(),
                "sla": {
                    "type": "object",
                    "properties": {
                        "policy": nullable(string()),
                        "clocks": { "type": "object", "additionalProperties": clock }
                    }
                },
                "previous_ticket": nullable(string()),
                "wait_notice_at": nullable(time()),
                "snoozed_until": nullable(time()),
                "outcome": { "type": "string", "enum": ["resolved_by_bot"], "description": "how the ticket ended, when its status does not say: a bot-only conversation closed after the customer went quiet (deflected)" },
                "csat": r("TicketCsat"),
                "audit": array(r("AuditEntry")),
                "last_message": nullable(object(json!({
                    "at": time(),
                    "author": author.clone(),
                    "text": string()
                }), true)),
                "version": int()
            }
        },
        "TranscriptEntry": {
            "type": "object",
            "required": ["workspace", "ticket_id", "message_id", "customer", "author", "at", "body"],
            "properties": {
                "workspace": string(),
                "ticket_id": string(),
                "message_id": string(),
                "customer": string(),
                "author": author.clone(),
                "at": time(),
                "body": {
                    "type": "object",
                    "required": ["direction"],
                    "properties": {
                        "direction": enumeration(&["inbound", "outbound", "note"]),
                        "content": { "type": "object", "description": "inbound: what the customer sent, by `type`: text, button_reply, list_reply, template_button, media, location, contacts, reaction, edit (`message_id`, `content`), revoke (`message_id`; also a deleted message's hidden content), system (`kind`: user_changed_number, customer_identity_changed or other; `new_wa_id`, `body`), call (`call_id`, `outcome`: missed or answered, `duration_secs`), unsupported" },
                        "message": { "type": "object", "description": "outbound: what was sent" },
                        "text": { "type": "string", "description": "note: its text" },
                        "mentions": strings()
                    }
                },
                "delivery": nullable(enumeration(&["sent", "delivered", "read", "failed"])),
                "delivery_error": nullable(string()),
                "amended": {
                    "type": "object",
                    "description": "what later events did to the message; absent when nothing",
                    "properties": {
                        "reaction": { "type": "string", "description": "the customer's emoji reaction" },
                        "edited_at": time(),
                        "history": { "type": "array", "items": { "type": "object" }, "description": "earlier versions' content, oldest first" },
                        "deleted_at": { "type": "string", "format": "date-time", "description": "deleted for everyone: the content is hidden" }
                    }
                }
            }
        },
        "SlaSummary": object(json!({
            "state": enumeration(&["none", "ok", "warning", "breached"]),
            "policy": nullable(string()),
            "clock": nullable(clock_kind),
            "due_at": nullable(time()),
            "warn_at": nullable(time())
        }), true),
        "TicketSummary": object(json!({
            "id": string(),
            "status": enumeration(STATUSES),
            "priority": enumeration(&["low", "normal", "high", "urgent"]),
            "tier": enumeration(&["L1", "L2", "L3"]),
            "team": nullable(string()),
            "assignee": nullable(string()),
            "customer": string(),
            "customer_name": nullable(string()),
            "vip": { "type": "boolean" },
            "tags": strings(),
            "reasons": strings(),
            "created_at": time(),
            "updated_at": time(),
            "queued_at": nullable(time()),
            "resolved_at": nullable(time()),
            "previous_ticket": nullable(string()),
            "waiting_since": nullable(time()),
            "last_message": nullable(object(json!({
                "at": time(),
                "author": author,
                "text": string()
            }), true)),
            "sla": r("SlaSummary")
        }), true),
        "TicketPage": object(json!({
            "items": array(r("TicketSummary")),
            "next_cursor": nullable(string()),
            "counts": { "type": "object", "additionalProperties": int(), "description": "tickets per status in what the caller may see (the workspace, the team asked for, or an agent's teams), kept by the store as tickets move; assignee, priority, SLA and search do not narrow them" }
        }), true),
        "ChangedTickets": object(json!({
            "items": array(r("TicketSummary")),
            "counts": { "type": "object", "additionalProperties": int(), "description": "as the ticket list's counts" }
        }), true),
        "Window": object(json!({
            "open": { "type": "boolean" },
            "closes_at": nullable(time())
        }), true),
        "PreviousTicket": object(json!({
            "id": string(),
            "status": enumeration(STATUSES),
            "team": nullable(string()),
            "created_at": time(),
            "resolved_at": nullable(time())
        }), true),
        "Customer": object(json!({
            "wa_id": string(),
            "name": nullable(string()),
            "tags": strings(),
            "vip": { "type": "boolean" },
            "attributes": { "type": "object", "additionalProperties": string() },
            "marketing_consent": nullable(json!({ "type": "boolean" })),
            "consent_updated_at": nullable(time()),
            "tickets": array(r("PreviousTicket"))
        }), true),
        "TicketDetail": {
            "allOf": [r("Ticket"), object(json!({
                "sla_due_at": nullable(time()),
                "window_closes_at": nullable(time()),
                "transcript": array(r("TranscriptEntry")),
                "window": r("Window"),
                "sla_status": r("SlaSummary"),
                "customer_profile": r("Customer"),
                "escalation_reasons": strings()
            }), false)]
        },
        "QuickReply": object(json!({
            "id": string(),
            "shortcut": string(),
            "text": string(),
            "language": nullable(enumeration(&["es", "en", "pt"])),
            "updated_at": time()
        }), true),
        "QuickReplyInput": {
            "type": "object",
            "required": ["shortcut", "text"],
            "additionalProperties": false,
            "properties": {
                "shortcut": { "type": "string", "pattern": "^\\s*/*[A-Za-z0-9_-]{1,32}\\s*$", "description": "typed as /shortcut; stored lower case, without the slash and the white space around" },
                "text": { "type": "string", "pattern": "\\S", "maxLength": 4096, "description": "may use {{customer_name}} and {{agent_name}}" },
                "language": nullable(enumeration(&["es", "en", "pt"]))
            }
        },
        "Template": {
            "type": "object",
            "required": ["use", "name", "language"],
            "properties": {
                "use": string(),
                "name": string(),
                "language": string(),
                "languages": { "type": "object", "additionalProperties": string() },
                "header_params": strings(),
                "body_params": strings(),
                "body": { "type": "object", "description": "the approved body per customer language (es, en, pt), with its {{1}}… placeholders", "additionalProperties": string() },
                "header": { "type": "object", "required": ["format"], "properties": {
                    "format": enumeration(&["text", "image", "video", "document", "location"]),
                    "text": { "type": "object", "additionalProperties": string() }
                } },
                "buttons": { "type": "array", "items": { "type": "object", "additionalProperties": string() }, "description": "button titles per language, in order" },
                "fields": { "type": "object", "description": "body placeholders pre-filled from the customer or ticket, by number", "additionalProperties": enumeration(&["customer_name", "ticket_id"]) },
                "param_count": { "type": "integer", "minimum": 0, "description": "how many body parameters every send must carry" },
                "category": enumeration(&["marketing", "utility", "authentication"]),
                "status": nullable(string()),
                "quality": nullable(enumeration(&["GREEN", "YELLOW", "RED", "UNKNOWN"]))
            }
        },
        "Team": object(json!({
            "id": string(),
            "name": string(),
            "tier": enumeration(&["L1", "L2", "L3"]),
            "members": strings()
        }), true),
        "Durations": object(json!({
            "count": int(),
            "median_secs": nullable(int()),
            "p90_secs": nullable(int())
        }), true),
        "Dashboard": object(json!({
            "generated_at": time(),
            "since": time(),
            "agents_online": int(),
            "agents": array(object(json!({
                "id": string(),
                "name": string(),
                "availability": enumeration(&["online", "away", "offline"]),
                "load": int(),
                "capacity": int()
            }), true)),
            "queues": array(object(json!({
                "team": string(),
                "queued": int(),
                "longest_wait_secs": nullable(int())
            }), true)),
            "open_tickets": int(),
            "breaches": int(),
            "first_response": r("Durations"),
            "resolution": r("Durations"),
            "sla_compliance_pct": nullable(json!({ "type": "number" })),
            "bot_deflection_pct": nullable(json!({ "type": "number" })),
            "csat": nullable(object(json!({
                "average": { "type": "number", "description": "the period's survey scores, 1 to 5, two decimals" },
                "responses": int()
            }), true))
        }), true),
        "ChangePage": object(json!({
            "events": array(object(json!({
                "kind": enumeration(&["message", "note", "assignment", "sla", "ticket"]),
                "ticket_id": string(),
                "at": time()
            }), true)),
            "cursor": { "type": "string", "description": "pass back as `since`" }
        }), true),
        "DeadLetters": { "type": "object", "required": ["dead_letters"], "properties": { "dead_letters": array(json!({
            "type": "object", "required": ["queue", "id"],
            "properties": { "queue": string(), "id": string(), "group": nullable(string()), "receive_count": nullable(int()), "reason": nullable(string()) }
        })) } },
        "Redriven": { "type": "object", "required": ["redriven"], "properties": { "redriven": array(json!({
            "type": "object", "required": ["queue", "moved"], "properties": { "queue": string(), "moved": int() }
        })) } },
        "SlaSettings": {
            "type": "object",
            "required": ["calendars", "policies"],
            "properties": {
                "first_response_secs": nullable(int()),
                "calendars": { "type": "object" },
                "policies": array(json!({ "type": "object", "required": ["name"], "properties": { "name": string() } })),
                "max_timer_delay_secs": int()
            }
        },
        "BotSettings": {
            "type": "object",
            "required": ["greeting", "menu", "handoff", "fallback"],
            "properties": {
                "greeting": { "type": "object" },
                "menu": { "type": "object" },
                "handoff": { "type": "object" },
                "fallback": { "type": "object" },
                "escalation_keywords": strings(),
                "keyword_triggers": array(json!({ "type": "object", "required": ["name", "phrases"], "properties": { "name": string(), "phrases": { "type": "object" } } })),
                "greeting_words": strings(),
                "max_failed_attempts": int()
            }
        },
        "Token": object(json!({
            "token": string(),
            "agent": r("Agent")
        }), true)
    })
}
