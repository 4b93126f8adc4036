//! What each Lambda function links. `cargo lambda build` (and so `sam build`) builds one
//! function at a time, so a bootstrap gets only the crates its own `turno-lambda` feature
//! pulls in: no function carries an SDK, a client or an HTTP server it never uses. The
//! dependency graph is read with `cargo tree`, as for a build of the function alone; nothing
//! is compiled.

use std::collections::BTreeSet;

use crate::lambda_build::features_of;

/// The crates that are worth their weight in a bootstrap, and so are linked only where used.
const WATCHED: [&str; 11] = [
    "aws-sdk-sqs",
    "aws-sdk-eventbridge",
    "aws-sdk-ssm",
    "aws-sdk-cognitoidentityprovider",
    "turno-notify",
    "turno-integrations",
    "turno-whatsapp",
    "turno-http",
    "axum",
    "lambda_http",
    "reqwest",
];

/// Which of [`WATCHED`] each function links, and why. A function that starts using one gets
/// it here, in its feature (`shared/lambda/Cargo.toml`) and in its IAM policies.
fn links(function: &str) -> BTreeSet<&'static str> {
    let set = |items: &[&'static str]| items.iter().copied().collect();
    match function {
        // Enqueues to SQS, reads its secrets from SSM, serves the webhook over HTTP (whose
        // parsing lives in turno-whatsapp, with the Graph client and reqwest beside it).
        "webhook-ingress" => set(&[
            "aws-sdk-sqs",
            "aws-sdk-ssm",
            "turno-whatsapp",
            "turno-http",
            "axum",
            "lambda_http",
            "reqwest",
        ]),
        // Everything a conversation step touches, but no HTTP server.
        "bot-turn" => set(&[
            "aws-sdk-sqs",
            "aws-sdk-eventbridge",
            "aws-sdk-ssm",
            "turno-notify",
            "turno-integrations",
            "turno-whatsapp",
            "reqwest",
        ]),
        // The table only.
        "ticket-writer" | "ticket-counts" => set(&[]),
        // Arms timers (SQS), publishes events, notifies assignments and breaches (by Web
        // Push too, with the VAPID key read from SSM).
        "escalation" | "sla-enforcer" => set(&[
            "aws-sdk-sqs",
            "aws-sdk-eventbridge",
            "aws-sdk-ssm",
            "turno-notify",
            "reqwest",
        ]),
        // The agent API: sends, dead letters, secrets, agents' sign-in accounts (Cognito),
        // HTTP; never the bot's integrations.
        "agent-api" => set(&[
            "aws-sdk-sqs",
            "aws-sdk-eventbridge",
            "aws-sdk-ssm",
            "aws-sdk-cognitoidentityprovider",
            "turno-notify",
            "turno-whatsapp",
            "turno-http",
            "axum",
            "lambda_http",
            "reqwest",
        ]),
        other => panic!("no link list for {other}"),
    }
}

const FUNCTIONS: [&str; 7] = [
    "webhook-ingress",
    "bot-turn",
    "ticket-writer",
    "ticket-counts",
    "escalation",
    "sla-enforcer",
    "agent-api",
];

/// The package names in a `cargo tree --prefix none` listing.
fn crates(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_function_links_only_the_sdks_clients_and_servers_it_uses() {
    for function in FUNCTIONS {
        let linked = crates(&features_of(function));
        assert!(
            linked.contains("aws-sdk-dynamodb") && linked.contains("turno-core"),
            "{function}: the listing should hold the store and the use cases: {linked:?}"
        );
        let watched: BTreeSet<&str> = WATCHED
            .into_iter()
            .filter(|c| linked.contains(*c))
            .collect();
        assert_eq!(watched, links(function), "{function} links");
    }
}

#[test]
fn only_bot_turn_builds_the_intent_classifier_at_start_up() {
    const INTENTS: &str = "turno-lambda feature \"intents\"";
    for function in FUNCTIONS {
        assert_eq!(
            features_of(function).contains(INTENTS),
            function == "bot-turn",
            "{function}: {INTENTS}"
        );
    }
}
