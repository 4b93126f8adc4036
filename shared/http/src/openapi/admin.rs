//! Administration at run time (admins): the configuration with its version, its sections, the
//! agents, and the audit of saved changes.

use serde_json::{Value, json};

use super::{
    array, enumeration, int, nullable, object, op, path_param, pattern, r, slug, string, time,
    with_params,
};

const SECTIONS: &[&str] = &[
    "teams",
    "agents",
    "routing",
    "sla",
    "bot",
    "templates",
    "tickets",
    "csat",
    "customers",
    "retention",
    "credentials",
];

fn if_match(required: bool) -> Value {
    json!({
        "name": "If-Match", "in": "header", "required": required,
        "description": "the configuration's version the edit was made on (the ETag of GET /admin/config); a stale one answers 409",
        "schema": pattern("^(W/)?\"?[0-9]{1,19}\"?$")
    })
}

fn agent_fields() -> Value {
    json!({
        "id": slug(),
        "name": { "type": "string", "minLength": 1, "maxLength": 100 },
        "email": { "type": "string", "maxLength": 254, "description": "a temporary password is sent here when the agent is invited" },
        "role": enumeration(&["agent", "supervisor", "admin"]),
        "teams": array(slug()),
        "capacity": { "type": "integer", "minimum": 0, "maximum": 1000 }
    })
}

fn agent_body(required: &[&str]) -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "required": required,
        "properties": agent_fields()
    })
}

pub(super) fn paths() -> Value {
    let agent = || json!([path_param("id", "agent id", slug()), if_match(false)]);
    let save = ["400", "401", "403", "409", "422"];
    json!({
        "/admin/config": {
            "get": op("the workspace's configuration in force as JSON, with its version (also the ETag): 0 until an admin saves a change (admins)", ("200", Some(r("ConfigView"))), &["401", "403"], None),
            "put": with_params(
                op("replace the whole configuration, checked with the YAML loader's rules (422 names the field); in force in every function within seconds; audited (admins)", ("200", Some(r("ConfigView"))), &["400", "401", "403", "409", "422", "428"], Some(json!({ "type": "object", "description": "a workspace configuration, as GET /admin/config gives it" }))),
                json!([if_match(true)])
            )
        },
        "/admin/config/{section}": { "put": with_params(
            op("replace one section of the configuration (teams, agents, routing, sla, bot, templates, tickets, csat, customers, credentials: references only, each one kept as in force or an SSM parameter under /turno/ws/<the workspace's id>/), checked and audited like the whole (admins)", ("200", Some(r("ConfigView"))), &["400", "401", "403", "404", "409", "422"], Some(json!({ "description": "the section's value, as it sits in the configuration" }))),
            json!([path_param("section", "the section replaced", enumeration(SECTIONS)), if_match(false)])
        ) },
        "/admin/agents": { "post": with_params(
            op("invite an agent: added to the configuration and the agents, and (on AWS) a sign-in account with a temporary password sent by email, in its role's group (admins)", ("201", Some(r("ConfiguredAgent"))), &save, Some(agent_body(&["id", "name", "email"]))),
            json!([if_match(false)])
        ) },
        "/admin/agents/{id}": {
            "patch": with_params(
                op("change an agent's name, email, role, teams or capacity (only the fields sent); assignment uses the new capacity at once (admins)", ("200", Some(r("ConfiguredAgent"))), &["400", "401", "403", "404", "409", "422"], Some(agent_body(&[]))),
                agent()
            ),
            "delete": with_params(
                op("deactivate an agent: out of the configuration, offline, no teams or capacity, its sign-in account disabled; its record stays for the tickets and reports that name it (admins)", ("204", None), &["400", "401", "403", "404", "409", "422"], None),
                agent()
            )
        },
        "/admin/audit": { "get": op("the latest saved configuration changes, newest first, up to 200 (admins)", ("200", Some(array(r("ConfigAuditEntry")))), &["401", "403"], None) },
        "/admin/templates": { "get": op("every template the workspace knows of from WhatsApp (synced from the business account's list or heard of in a status webhook), whatever its status, by name and language (admins)", ("200", Some(array(r("SyncedTemplate")))), &["401", "403"], None) },
        "/admin/templates/sync": { "post": op("read every template of the business account (whatsapp_business_account_id) from WhatsApp's template list, all pages, and keep each (name, language, status, category, header, body, buttons), merged with the status webhooks (the newest wins); nothing is written unless the whole list was read; the approved ones are then offered in GET /templates (admins)", ("200", Some(r("TemplateSync"))), &["401", "403", "422", "429", "502", "503"], None) }
    })
}

pub(super) fn schemas() -> Value {
    json!({
        "ConfigView": object(json!({
            "version": int(),
            "config": { "type": "object" },
            "saved_by": nullable(string()),
            "saved_at": nullable(time())
        }), true),
        "ConfiguredAgent": object(json!({
            "id": string(),
            "name": string(),
            "email": string(),
            "role": enumeration(&["agent", "supervisor", "admin"]),
            "teams": array(string()),
            "capacity": int(),
            "online": { "type": "boolean" }
        }), true),
        "SyncedTemplate": {
            "type": "object",
            "required": ["name", "language"],
            "properties": {
                "name": string(),
                "language": string(),
                "status": nullable(string()),
                "reason": nullable(string()),
                "status_at": nullable(time()),
                "quality": nullable(string()),
                "category": nullable(enumeration(&["marketing", "utility", "authentication"])),
                "body": { "type": "string", "description": "the approved body with its {{1}}… placeholders" },
                "header": { "type": "object", "required": ["format"], "properties": {
                    "format": enumeration(&["text", "image", "video", "document", "location"]),
                    "text": string()
                } },
                "buttons": array(string()),
                "synced_at": { "type": "string", "format": "date-time", "description": "when the template list last gave it; absent if only webhooks told of it" }
            }
        },
        "TemplateSync": object(json!({
            "listed": int(),
            "templates": array(r("SyncedTemplate"))
        }), true),
        "ConfigAuditEntry": object(json!({
            "at": time(),
            "by": string(),
            "what": string(),
            "from_version": int(),
            "to_version": int()
        }), true)
    })
}
