//! The deployment's workspaces, for its operators: onboarding a phone number while the
//! deployment runs, and listing them.

use serde_json::{Value, json};

use super::{
    array, nullable, object, op, path_param, query_param, r, slug, string, time, with_params,
};

pub(super) fn paths() -> Value {
    json!({
        "/admin/workspaces": {
            "get": with_params(
                op("every workspace of the deployment, deployed and onboarded, by id, a page at a time (operators: the Cognito group operators; a workspace's admin is refused)", ("200", Some(r("WorkspacePage"))), &["400", "401", "403"], None),
                json!([
                    query_param("after", "the `next` of the previous page", slug()),
                    query_param("limit", "at most this many (1 to 200, default 200)", json!({ "type": "integer", "minimum": 0, "maximum": 4294967295u64 }))
                ])
            ),
            "post": with_params(
                op("onboard a WhatsApp phone number as a new workspace, without a redeploy: its configuration (id = the phone number id, name, languages, bot, teams, routing, SLA, agents, credentials as references such as ssm:/turno/ws/<id>/graph-token), checked with the YAML loader's rules (422 names the rule), saved as its first version and audited; every function takes it in within seconds. With ?template=<id> the configuration starts from that workspace's (never its id, name, agents, customers, credentials or business account). 409 if the workspace exists (operators)", ("201", Some(r("WorkspaceSummary"))), &["400", "401", "403", "404", "409", "422"], Some(json!({ "type": "object", "required": ["id"], "description": "a workspace configuration, as GET /admin/config gives one" }))),
                json!([query_param("template", "a workspace whose configuration the new one starts from", slug())])
            )
        },
        "/admin/workspaces/{id}": { "get": with_params(
            op("one workspace of the deployment (operators)", ("200", Some(r("WorkspaceSummary"))), &["400", "401", "403", "404"], None),
            json!([path_param("id", "workspace id (the phone number id)", slug())])
        ) }
    })
}

pub(super) fn schemas() -> Value {
    json!({
        "WorkspaceSummary": {
            "type": "object",
            "required": ["id", "name", "onboarded", "created_at", "created_by"],
            "properties": {
                "id": string(),
                "name": string(),
                "onboarded": { "type": "boolean", "description": "onboarded while the deployment runs, not in its YAML" },
                "created_at": nullable(time()),
                "created_by": nullable(string()),
                "accounts_not_created": { "type": "array", "items": string(), "description": "configured agents whose sign-in account could not be created" }
            }
        },
        "WorkspacePage": object(json!({
            "workspaces": array(r("WorkspaceSummary")),
            "next": nullable(string())
        }), true)
    })
}
