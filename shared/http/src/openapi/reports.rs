//! `GET /reports`: the document of the report and its figures.

use serde_json::{Value, json};

use super::{array, enumeration, int, nullable, object, op, pattern, query_param, r, with_params};

pub(super) fn paths() -> Value {
    json!({
        "/reports": { "get": with_params(
            op("figures over a range of local days (the workspace's time zone), by day or ISO week, totals and by team, agent, channel and escalation reason, read from rollups kept as tickets change (supervisors and admins). 422 when `from` is after `to`, the range is longer than 366 days, or more than one of team, agent and channel is given", ("200", Some(r("Report"))), &["400", "401", "403", "422"], None),
            json!([
                {
                    "name": "from", "in": "query", "required": true,
                    "description": "the first day, YYYY-MM-DD, inclusive",
                    "schema": { "type": "string", "format": "date" }
                },
                {
                    "name": "to", "in": "query", "required": true,
                    "description": "the last day, YYYY-MM-DD, inclusive; at most 365 days after from",
                    "schema": { "type": "string", "format": "date" }
                },
                query_param("granularity", "`day` (the default) or `week` (ISO weeks, each named by its Monday); empty for day", enumeration(&["", "day", "week"])),
                query_param("team", "only this team: totals and series of the team, its figures and its agents'; empty for none", pattern("^[A-Za-z0-9._-]{0,64}$")),
                query_param("agent", "only this agent; empty for none", pattern("^[A-Za-z0-9._-]{0,64}$")),
                query_param("channel", "only this channel (`whatsapp`); empty for none", pattern("^[A-Za-z0-9._-]{0,64}$"))
            ])
        ) }
    })
}

/// The properties every slice of a report has.
fn figures() -> serde_json::Map<String, Value> {
    let pct = || nullable(json!({ "type": "number", "minimum": 0, "maximum": 100 }));
    let secs = || nullable(int());
    let dur = || {
        object(
            json!({
                "count": int(),
                "avg_secs": nullable(json!({ "type": "number" })),
                "median_secs": secs(),
                "p90_secs": secs()
            }),
            true,
        )
    };
    let both = || object(json!({ "wall": dur(), "business": dur() }), true);
    let sla = || {
        object(
            json!({ "met": int(), "breached": int(), "pct": pct() }),
            true,
        )
    };
    let props = json!({
        "volumes": object(json!({
            "new": int(),
            "escalated": int(),
            "resolved_by_bot": int(),
            "resolved_by_people": int(),
            "reopened": int()
        }), true),
        "first_response": both(),
        "next_response": both(),
        "resolution": both(),
        "sla": object(json!({
            "first_response": sla(),
            "next_response": sla(),
            "resolution": sla()
        }), true),
        "escalation_rate_pct": pct(),
        "bot_deflection_pct": pct(),
        "first_contact_resolution_pct": pct(),
        "reopen_rate_pct": pct(),
        "csat": object(json!({
            "responses": int(),
            "average": nullable(json!({ "type": "number", "minimum": 1, "maximum": 5 })),
            "distribution": { "type": "array", "items": int(), "minItems": 5, "maxItems": 5, "description": "answers that gave 1, 2, 3, 4 and 5" }
        }), true)
    });
    props.as_object().cloned().unwrap_or_default()
}

/// The figures and `extra` properties, closed.
fn slice(extra: Value) -> Value {
    let mut props = figures();
    if let Value::Object(m) = extra {
        props.extend(m);
    }
    object(Value::Object(props), true)
}

pub(super) fn schemas() -> Value {
    let id = || json!({ "type": "string" });
    json!({
        "ReportFigures": slice(json!({})),
        "Report": object(json!({
            "from": { "type": "string", "format": "date" },
            "to": { "type": "string", "format": "date" },
            "time_zone": { "type": "string", "description": "the IANA zone the days are counted in" },
            "granularity": enumeration(&["day", "week"]),
            "filters": object(json!({
                "team": nullable(id()),
                "agent": nullable(id()),
                "channel": nullable(id())
            }), true),
            "totals": r("ReportFigures"),
            "series": array(slice(json!({ "period": { "type": "string", "format": "date", "description": "the day, or the Monday of the week" } }))),
            "by_team": array(slice(json!({ "team": id() }))),
            "by_agent": array(slice(json!({
                "agent": id(),
                "name": id(),
                "activity": object(json!({
                    "online_secs": int(),
                    "away_secs": int(),
                    "offline_secs": int()
                }), true)
            }))),
            "by_channel": array(slice(json!({ "channel": id() }))),
            "by_reason": array(object(json!({ "reason": id(), "escalated": int() }), true))
        }), true)
    })
}
