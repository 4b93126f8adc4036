//! The agent API's OpenAPI 3 document, served at `GET /api/v1/openapi.json`.
//!
//! Written by hand next to the routes; the API tests (`tests/tests/it/api.rs`) call every route
//! and validate each real response against the schema documented here, so the two cannot
//! drift apart unnoticed.

use serde_json::{Value, json};

mod actions;
mod admin;
mod attachments;
mod bodies;
mod customer_data;
mod export;
mod outbound;
mod push;
mod quarantine;
mod reports;
mod schemas;
mod workspaces;
use bodies::{NOTE_MAX, reply_body, status_body, tags, text, transfer_body};
use schemas::schemas;

pub(crate) fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(crate) fn nullable(mut schema: Value) -> Value {
    if schema.get("$ref").is_some() {
        return json!({ "allOf": [schema], "nullable": true });
    }
    schema["nullable"] = json!(true);
    // An enum lists every value it takes, null too (OpenAPI 3.0.3).
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut)
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    schema
}

pub(crate) fn string() -> Value {
    json!({ "type": "string" })
}

pub(crate) fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub(crate) fn int() -> Value {
    json!({ "type": "integer" })
}

pub(crate) fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

pub(crate) fn strings() -> Value {
    array(string())
}

/// Only `null`: a property the server takes as absent when null.
pub(crate) fn null_only() -> Value {
    json!({ "nullable": true, "enum": [null] })
}

pub(crate) fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// An object whose every listed property is required; `closed` forbids others.
pub(crate) fn object(props: Value, closed: bool) -> Value {
    let required: Vec<String> = props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut o = json!({ "type": "object", "required": required, "properties": props });
    if closed {
        o["additionalProperties"] = json!(false);
    }
    o
}

pub(crate) const STATUSES: &[&str] = &[
    "bot", "queued", "assigned", "pending", "snoozed", "resolved", "closed",
];

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": r("Error") } }
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } }
    })
}

/// An operation: its success response, the error statuses it can answer, and its body.
fn op(summary: &str, ok: (&str, Option<Value>), errors: &[&str], body: Option<Value>) -> Value {
    let mut responses = serde_json::Map::new();
    let (status, schema) = ok;
    responses.insert(
        status.to_owned(),
        match schema {
            Some(s) => json_response("success", s),
            None => json!({ "description": "success, no content" }),
        },
    );
    for e in errors {
        let description = match *e {
            "304" => {
                responses.insert(
                    "304".into(),
                    json!({ "description": "not modified since the ETag sent in If-None-Match" }),
                );
                continue;
            }
            "400" => "malformed request: bad JSON, unknown field, bad id or query value",
            "401" => "missing, malformed or expired bearer token",
            "403" => "the caller's role may not do this",
            "404" => "no such record in the caller's workspace (or not visible to the caller)",
            "409" => "conflicts with the record's state (status, capacity, window, duplicate)",
            "422" => "well-formed but invalid input",
            "428" => "the If-Match header is missing",
            "502" | "503" => "WhatsApp did not take the message",
            _ => "error",
        };
        responses.insert((*e).to_owned(), error_response(description));
    }
    if body.is_some() {
        // Every JSON body goes through the same extractor, which can answer each of these.
        for (status, description) in [
            ("400", "the body is not JSON"),
            ("413", "the body is larger than 64 KiB"),
            (
                "415",
                "the body is not sent as Content-Type: application/json",
            ),
            (
                "422",
                "the body is JSON of the wrong shape, or well-formed but invalid input",
            ),
        ] {
            responses
                .entry(status)
                .or_insert_with(|| error_response(description));
        }
    }
    responses.entry("500").or_insert_with(|| {
        error_response("something went wrong on the server's side; it is logged")
    });
    let mut o = json!({ "summary": summary, "responses": responses });
    if let Some(b) = body {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": b } }
        });
    }
    o
}

pub(crate) fn with_params(mut operation: Value, params: Value) -> Value {
    operation["parameters"] = params;
    operation
}

pub(crate) fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

fn pattern(pattern: &str) -> Value {
    json!({ "type": "string", "pattern": pattern })
}

/// What the server takes as a ticket or media id, less `.` and `..` alone, which a client
/// resolves as path segments before sending.
pub(crate) fn opaque_id() -> Value {
    pattern("^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}$")
}

/// Agent, team and workspace ids.
pub(crate) fn slug() -> Value {
    pattern("^[A-Za-z0-9._-]{1,64}$")
}

/// A customer's WhatsApp id: E.164 digits, the `+` optional.
pub(crate) fn wa_id() -> Value {
    pattern("^\\+?[1-9][0-9]{7,14}$")
}

/// One of `values`, or empty (the same as leaving the parameter out).
fn or_empty(values: &[&str]) -> Value {
    let mut all = vec![""];
    all.extend_from_slice(values);
    enumeration(&all)
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn paths() -> Value {
    let id = || json!([path_param("id", "ticket id", opaque_id())]);
    let std = ["400", "401", "404"];
    let write = ["400", "401", "404", "409", "422"];
    json!({
        "/me": { "get": op("the caller", ("200", Some(r("Agent"))), &["401", "403"], None) },
        "/me/availability": { "put": op("set the caller's availability; going online pulls waiting tickets", ("200", Some(r("Agent"))), &["400", "401", "403", "404"], Some(object(json!({
            "availability": enumeration(&["online", "away", "offline"])
        }), true))) },
        "/agents": { "get": op("agents with availability and load", ("200", Some(array(r("Agent")))), &["401", "403"], None) },
        "/tickets": { "get": with_params(
            op("tickets the caller may see, newest activity first, a page at a time (each page reads the store's indexes, at any workspace size), with counts per status; send If-None-Match with the last ETag to get 304 when nothing changed (checked before any ticket is read)", ("200", Some(r("TicketPage"))), &["304", "400", "401", "403", "422"], None),
            json!([
                query_param("status", "one status (then `view` is not used); empty for any", or_empty(STATUSES)),
                query_param("view", "`open` (queued, assigned, pending, snoozed), `bot`, `done` (resolved, closed) or `all` (the default); empty for `all`", or_empty(&["all", "open", "bot", "done"])),
                query_param("team", "team id; empty for any", pattern("^[A-Za-z0-9._-]{0,64}$")),
                query_param("assignee", "`me`, `none` or an agent id; empty for any", pattern("^[A-Za-z0-9._-]{0,64}$")),
                query_param("priority", "one priority; empty for any", or_empty(&["low", "normal", "high", "urgent"])),
                query_param("sla", "SLA state; empty for any", or_empty(&["none", "ok", "warning", "breached"])),
                query_param("q", "a ticket id (exact), a customer's number (exact, digits, optional +) or the start of a customer's name (case-insensitive, at least 2 letters: one letter matches nothing)", string()),
                query_param("cursor", "next_cursor of the previous page; empty for the first", pattern("^(-?[0-9]{1,30}\\.[A-Za-z0-9._~-]{1,128})?$")),
                query_param("limit", "page size, 1 to 500 (default 50)", json!({ "type": "integer", "minimum": 1, "maximum": 500 }))
            ])
        ) },
        "/tickets/changed": { "get": with_params(
            op("the tickets a change feed page named, as list rows the caller may see (the others left out), with the list's counts for `team`: what the console patches into its list instead of reading it again", ("200", Some(r("ChangedTickets"))), &["400", "401", "403"], None),
            json!([
                { "name": "ids", "in": "query", "required": true, "description": "1 to 50 ticket ids separated by commas",
                  "schema": pattern("^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}(,[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}){0,49}$") },
                query_param("team", "team id the counts are for; empty for what the caller may see", pattern("^[A-Za-z0-9._-]{0,64}$"))
            ])
        ) },
        "/tickets/{id}": { "get": with_params(
            op("a ticket with transcript (notes included), audit trail, SLA state, 24 h window and customer", ("200", Some(r("TicketDetail"))), &["304", "400", "401", "404"], None),
            id()
        ) },
        "/tickets/{id}/messages": { "post": with_params(
            op("reply on WhatsApp: `text` inside the 24 h window (error code window_closed outside it; text starting with /shortcut expands that quick reply), or a configured `template` at any time", ("201", Some(r("TranscriptEntry"))), &["400", "401", "404", "409", "422", "502", "503"], Some(reply_body())),
            id()
        ) },
        "/tickets/{id}/notes": { "post": with_params(
            op("a private note; @agent_id mentions are recorded and notified", ("201", Some(r("TranscriptEntry"))), &write, Some(object(json!({ "text": text(NOTE_MAX) }), true))),
            id()
        ) },
        "/tickets/{id}/assign": { "post": with_params(
            op("assign or transfer to an agent, within capacity (agents may only take tickets themselves)", ("200", Some(r("Ticket"))), &["400", "401", "403", "404", "409", "422"], Some(object(json!({ "agent_id": slug() }), true))),
            id()
        ) },
        "/tickets/{id}/status": { "post": with_params(
            op("change status: pending, snoozed (with until), resolved, queued, closed, or reopen (a resolved ticket)", ("200", Some(r("Ticket"))), &write, Some(status_body())),
            id()
        ) },
        "/tickets/{id}/transfer": { "post": with_params(
            op("transfer to an agent or to a team's queue, with a note for the audit trail", ("200", Some(r("Ticket"))), &["400", "401", "403", "404", "409", "422"], Some(transfer_body())),
            id()
        ) },
        "/tickets/{id}/escalate": { "post": with_params(
            op("move up a tier, into the queue of the next tier's team", ("200", Some(r("Ticket"))), &write, Some(json!({
                "type": "object", "additionalProperties": false,
                "properties": { "reason": nullable(json!({ "type": "string", "maxLength": 500 })) }
            }))),
            id()
        ) },
        "/tickets/{id}/tags": { "put": with_params(
            op("replace the ticket's tags (the SLA policy is chosen again)", ("200", Some(r("Ticket"))), &write, Some(object(json!({ "tags": tags() }), true))),
            id()
        ) },
        "/quick-replies": {
            "get": op("the workspace's quick replies", ("200", Some(array(r("QuickReply")))), &["401", "403"], None),
            "post": op("create a quick reply (supervisors and admins)", ("201", Some(r("QuickReply"))), &["400", "401", "403", "409", "422"], Some(r("QuickReplyInput")))
        },
        "/quick-replies/{id}": {
            "put": with_params(op("replace a quick reply (supervisors and admins)", ("200", Some(r("QuickReply"))), &["400", "401", "403", "404", "409", "422"], Some(r("QuickReplyInput"))), json!([path_param("id", "quick reply id", pattern("^[A-Za-z0-9]{1,64}$"))])),
            "delete": with_params(op("delete a quick reply (supervisors and admins)", ("204", None), &["400", "401", "403", "404"], None), json!([path_param("id", "quick reply id", pattern("^[A-Za-z0-9]{1,64}$"))]))
        },
        "/customers/{wa_id}": {
            "get": with_params(op("a customer: profile, tags, VIP, attributes, consent, previous tickets", ("200", Some(r("Customer"))), &std, None), json!([path_param("wa_id", "WhatsApp id (E.164 digits)", wa_id())])),
            "patch": with_params(op("change a customer's name, tags, attributes (null removes one) or consent", ("200", Some(r("Customer"))), &["400", "401", "404", "409", "422"], Some(json!({
                "type": "object", "additionalProperties": false,
                "properties": {
                    "name": nullable(json!({ "type": "string", "maxLength": 200 })),
                    "tags": nullable(tags()),
                    "attributes": nullable(json!({ "type": "object", "maxProperties": 50, "additionalProperties": nullable(json!({ "type": "string", "maxLength": 500 })) })),
                    "marketing_consent": nullable(json!({ "type": "boolean" }))
                }
            }))), json!([path_param("wa_id", "WhatsApp id (E.164 digits)", wa_id())])),
            "delete": with_params(op("erase everything stored about the customer: tickets (open ones resolved first), transcripts, notes, CSAT answers, media references, conversation, profile, queued messages (admins; audited by the customer's reference, never the number). Asking again erases what an interrupted erasure left, or nothing, and answers 200", ("200", Some(r("Erasure"))), &["400", "401", "403", "409"], None), json!([path_param("wa_id", "WhatsApp id (E.164 digits)", wa_id())]))
        },
        "/templates": { "get": op("the workspace's WhatsApp templates, by use (the only messages allowed outside the 24 h window), leaving out those WhatsApp reported as not approved; sending one of those, or a marketing template to a customer who stopped marketing messages, answers 409", ("200", Some(array(r("Template")))), &["401", "403"], None) },
        "/tickets/{id}/templates": { "post": with_params(
            op("send the workspace's template for a use (`re_engagement`, `follow_up`, ...)", ("201", Some(r("TranscriptEntry"))), &["400", "401", "404", "409", "422", "502", "503"], Some(object(json!({ "use": { "type": "string", "description": "a use from GET /templates; another answers 404" } }), true))),
            id()
        ) },
        "/tickets/{id}/outbound": { "post": with_params(
            op("send any message WhatsApp takes (text, buttons, list, media, template) as turno writes it on the transcript", ("201", Some(r("TranscriptEntry"))), &["400", "401", "404", "409", "422", "502", "503"], Some(outbound::body())),
            id()
        ) },
        "/tickets/{id}/attachments": { "post": attachments::operation() },
        "/tickets/{id}/media/{media_id}": { "get": {
            "summary": "the bytes of media on the ticket's transcript, with its content type",
            "parameters": [path_param("id", "ticket id", opaque_id()), path_param("media_id", "WhatsApp media id", opaque_id())],
            "responses": {
                "200": { "description": "the media", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                "400": error_response("malformed id"),
                "401": error_response("missing, malformed or expired bearer token"),
                "404": error_response("no such media on a ticket the caller may see")
            }
        } },
        "/teams": { "get": op("the workspace's teams and their members", ("200", Some(array(r("Team")))), &["401", "403"], None) },
        "/admin/sla-policies": { "get": op("SLA calendars and policies in force (admins)", ("200", Some(r("SlaSettings"))), &["401", "403"], None) },
        "/admin/bot-config": { "get": op("the bot's configuration in force (admins)", ("200", Some(r("BotSettings"))), &["401", "403"], None) },
        "/admin/dead-letters": { "get": with_params(op("the deployment's dead letters, oldest first, up to 100 per queue (admins); ids, groups and reasons only", ("200", Some(r("DeadLetters"))), &["400", "401", "403", "422"], None), json!([query_param("queue", "one queue; all when absent", enumeration(&["inbound", "ticket-writes", "escalations", "sla-timers"]))])) },
        "/admin/dead-letters/redrive": { "post": with_params(op("send the dead letters back to their queues, in their original order, once their cause is fixed (admins)", ("200", Some(r("Redriven"))), &["400", "401", "403", "422"], None), json!([query_param("queue", "one queue; all when absent", enumeration(&["inbound", "ticket-writes", "escalations", "sla-timers"]))])) },
        "/metrics/dashboard": { "get": op("today's dashboard (supervisors and admins)", ("200", Some(r("Dashboard"))), &["401", "403"], None) },
        "/events": { "get": with_params(
            op("what changed since a cursor (without `since`: no events, and the cursor to start from); events may repeat", ("200", Some(r("ChangePage"))), &["400", "401", "403"], None),
            json!([query_param("since", "the cursor of the previous page; empty as absent", pattern("^([0-9]{20}(#[A-Za-z0-9]{1,64})?)?$"))])
        ) },
        "/events/stream": { "get": {
            "summary": "local runner only: the change feed as server-sent events (`event: changes`, data a ChangePage, id its cursor; resumes from Last-Event-ID)",
            "responses": {
                "200": { "description": "an event stream", "content": { "text/event-stream": { "schema": string() } } },
                "401": error_response("missing, malformed or expired bearer token")
            }
        } },
        "/auth/dev-login": { "post": {
            "summary": "local runner only, on a loopback address in sandbox mode, for requests whose Host is localhost, 127.0.0.0/8 or [::1]: a token for a configured agent, no password",
            "security": [],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["agent_id"], "additionalProperties": false,
                "properties": { "agent_id": slug(), "workspace": nullable(slug()), "operator": { "type": "boolean", "description": "a deployment operator's token (onboards workspaces): only for an admin" } }
            } } } },
            "responses": {
                "200": json_response("a token valid 12 hours", r("Token")),
                "400": error_response("malformed request"),
                "401": error_response("no configured agent has that id (in that workspace)"),
                "403": error_response("an operator's token asked for an agent who is not an admin"),
                "413": error_response("the body is larger than 64 KiB"),
                "415": error_response("the body is not sent as Content-Type: application/json"),
                "422": error_response("the body is JSON of the wrong shape"),
                "404": error_response("not served here: not the local runner, not loopback and sandbox, or a Host that is not a loopback name")
            }
        } },
        "/openapi.json": { "get": {
            "summary": "this document",
            "security": [],
            "responses": { "200": { "description": "the OpenAPI document", "content": { "application/json": { "schema": { "type": "object" } } } } }
        } }
    })
}

/// The whole document.
pub fn document() -> Value {
    // Each group of routes describes its own paths and schemas.
    let all_paths = [
        paths(),
        quarantine::paths(),
        admin::paths(),
        actions::paths(),
        export::paths(),
        reports::paths(),
        push::paths(),
        customer_data::paths(),
        attachments::paths(),
        workspaces::paths(),
    ]
    .into_iter()
    .reduce(merged)
    .unwrap_or_default();
    let all_schemas = [
        schemas(),
        quarantine::schemas(),
        admin::schemas(),
        actions::schemas(),
        export::schemas(),
        reports::schemas(),
        push::schemas(),
        customer_data::schemas(),
        attachments::schemas(),
        workspaces::schemas(),
    ]
    .into_iter()
    .reduce(merged)
    .unwrap_or_default();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "turno agent API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "What the agent console uses. Bearer JWT on every route but this document and dev-login. Errors are {\"error\": {\"code\", \"message\"}}. An agent sees only their teams' tickets and their own; supervisors see the whole workspace, the dashboard and the reports; admins also the configuration. Every query is scoped to the caller's workspace: another workspace's records answer 404."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": all_paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": all_schemas
        }
    })
}

/// `a` with `b`'s keys added (both objects).
fn merged(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}
