//! `GET /reports/conversations` and `GET /reports/export.csv`: one row per conversation
//! created in a range of dates, for supervisors and admins.

use serde_json::{Value, json};

use super::{
    STATUSES, array, enumeration, error_response, int, nullable, object, op, pattern, query_param,
    r, string, strings, time, with_params,
};

fn range_params() -> Vec<Value> {
    let date =
        json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" });
    vec![
        json!({ "name": "from", "in": "query", "required": true, "description": "first day, included, in the workspace's time zone (the zone of its business-hours SLA calendar, else UTC)", "schema": date }),
        json!({ "name": "to", "in": "query", "required": true, "description": "last day, included; not before `from`, and at most 366 days counting both: otherwise 422", "schema": date }),
        query_param(
            "team",
            "only this team's conversations; empty for every team",
            pattern("^[A-Za-z0-9._-]{0,64}$"),
        ),
    ]
}

const WHO: &str = "supervisors and admins (agents: 403)";

pub(super) fn paths() -> Value {
    let mut page_params = range_params();
    page_params.push(query_param(
        "cursor",
        "next_cursor of the previous page; empty for the first",
        pattern("^(-?[0-9]{1,15}\\.[A-Za-z0-9._~-]{1,128})?$"),
    ));
    page_params.push(query_param(
        "limit",
        "rows per page, 1 to 500 (default 100)",
        json!({ "type": "integer", "minimum": 1, "maximum": 500 }),
    ));
    let mut csv = with_params(
        op(
            &format!(
                "every conversation created in the range as one CSV file, oldest first, streamed as it is read ({WHO}). RFC 4180, UTF-8, a header row; cells starting with = + - @ are prefixed with '"
            ),
            ("200", None),
            &["400", "401", "403", "422"],
            None,
        ),
        json!(range_params()),
    );
    csv["responses"]["200"] = json!({
        "description": "the CSV file, as an attachment named turno-conversations-FROM-TO.csv",
        "headers": { "Content-Disposition": { "schema": string(), "description": "attachment; filename=\"turno-conversations-FROM-TO.csv\"" } },
        "content": { "text/csv": { "schema": string() } }
    });
    csv["responses"]["422"] =
        error_response("from is after to, or the range is longer than 366 days");
    let mut page = with_params(
        op(
            &format!(
                "one page of the conversations created in the range, oldest first ({WHO}); each page is one bounded read of the creation index"
            ),
            ("200", Some(r("ConversationPage"))),
            &["400", "401", "403", "422"],
            None,
        ),
        json!(page_params),
    );
    page["responses"]["422"] = error_response(
        "from is after to, the range is longer than 366 days, or the cursor is not one this export returned",
    );
    json!({
        "/reports/conversations": { "get": page },
        "/reports/export.csv": { "get": csv }
    })
}

pub(super) fn schemas() -> Value {
    let sla = || nullable(enumeration(&["met", "breached", "open"]));
    let secs = || nullable(int());
    json!({
        "ConversationPage": object(json!({
            "rows": array(r("ConversationRow")),
            "next_cursor": nullable(string())
        }), true),
        "ConversationRow": object(json!({
            "id": string(),
            "customer": string(),
            "customer_name": nullable(string()),
            "team": nullable(string()),
            "agent": { "type": "string", "nullable": true, "description": "the assignee, or the last agent who held the conversation" },
            "status": enumeration(STATUSES),
            "outcome": nullable(enumeration(&["resolved_by_bot"])),
            "tags": strings(),
            "attributes": { "type": "object", "additionalProperties": string(), "description": "the customer profile's custom attributes" },
            "language": enumeration(&["es", "en", "pt"]),
            "created_at": time(),
            "queued_at": { "type": "string", "format": "date-time", "nullable": true, "description": "when the conversation was (last) handed to people" },
            "first_response_at": nullable(time()),
            "first_response_secs": secs(),
            "resolved_at": nullable(time()),
            "resolution_secs": secs(),
            "resolution_business_secs": secs(),
            "sla_first_response": sla(),
            "sla_next_response": sla(),
            "sla_resolution": sla(),
            "reopened": int(),
            "escalation_reasons": strings(),
            "csat_score": nullable(json!({ "type": "integer", "minimum": 1, "maximum": 5 })),
            "csat_comment": nullable(string())
        }), true)
    })
}
