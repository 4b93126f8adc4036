//! What the Lambda build and the SAM template promise: no function can hand out password-less
//! tokens, every function's IAM policies name only the table, queues, bus and secrets it uses,
//! the table policy allows exactly the DynamoDB operations the adapter makes, queues fail
//! into alarmed dead-letter queues, and only the agent API sits behind the Cognito authorizer.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_yaml_ng::Value;

mod front_door;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

const FUNCTIONS: [&str; 7] = [
    "webhook-ingress",
    "bot-turn",
    "ticket-writer",
    "ticket-counts",
    "escalation",
    "sla-enforcer",
    "agent-api",
];

/// What each function touches, and why. A function that starts using something new gets it
/// here and in its `Policies` in template.yaml.
#[derive(Debug, PartialEq, Eq, Default)]
struct Access {
    table: bool,
    bus: bool,
    sends_to: BTreeSet<String>,
    secrets: BTreeSet<String>,
    /// Other SQS actions, each with the queue it is allowed on.
    queue_actions: BTreeSet<(String, String)>,
    /// Cognito actions, allowed on the stack's user pool only.
    user_pool: BTreeSet<String>,
}

fn uses(function: &str) -> Access {
    let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    let dead_letter_queues = [
        "InboundDeadLetters",
        "TicketWritesDeadLetters",
        "EscalationsDeadLetters",
        "SlaTimersDeadLetters",
    ];
    match function {
        // Verifies, enqueues the message for the bot and its transcript write; reads the app
        // secret and verify token.
        "webhook-ingress" => Access {
            table: false,
            bus: false,
            sends_to: set(&["InboundQueue", "TicketWritesQueue"]),
            secrets: set(&[
                "WhatsAppAppSecretParameter",
                "WhatsAppVerifyTokenParameter",
                WORKSPACE_SECRETS,
            ]),
            ..Access::default()
        },
        // Runs the conversation, sends replies, hands off; backs off during WhatsApp outages.
        "bot-turn" => Access {
            table: true,
            bus: true,
            // The SLA timers: a handoff's (routed and assigned in the turn's invocation), a
            // customer message's that starts a clock, a new bot conversation's inactivity job.
            sends_to: set(&["TicketWritesQueue", "EscalationsQueue", "SlaTimersQueue"]),
            secrets: set(&[
                "WhatsAppTokenParameter",
                WORKSPACE_SECRETS,
                "VapidKeyParameter",
                "OrderApiKeyParameter",
                "LlmApiKeyParameter",
            ]),
            queue_actions: [("sqs:ChangeMessageVisibility".into(), "InboundQueue".into())].into(),
            ..Access::default()
        },
        // Moves the counters and rollups from the table's stream (its read permissions come
        // with the stream event, from SAM).
        "ticket-writer" | "ticket-counts" => Access {
            table: true,
            ..Access::default()
        },
        // Assigns and arms the SLA timer; notifies by Web Push too.
        "escalation" | "sla-enforcer" => Access {
            table: true,
            bus: true,
            sends_to: set(&["SlaTimersQueue"]),
            secrets: set(&["VapidKeyParameter"]),
            ..Access::default()
        },
        // Agents' replies go to WhatsApp; requeueing arms a timer; admins list the dead
        // letters and redrive them to their queues.
        "agent-api" => Access {
            table: true,
            bus: true,
            sends_to: set(&[
                "SlaTimersQueue",
                "InboundQueue",
                "TicketWritesQueue",
                "EscalationsQueue",
            ]),
            secrets: set(&[
                "WhatsAppTokenParameter",
                WORKSPACE_SECRETS,
                "VapidKeyParameter",
            ]),
            queue_actions: dead_letter_queues
                .iter()
                .flat_map(|q| {
                    [
                        "sqs:ReceiveMessage",
                        "sqs:ChangeMessageVisibility",
                        "sqs:DeleteMessage",
                    ]
                    .map(|a| (a.to_owned(), (*q).to_owned()))
                })
                .collect(),
            // Admins invite, change and deactivate agents' accounts.
            user_pool: directory_cognito_actions(),
        },
        other => panic!("no access list for {other}"),
    }
}

pub(crate) fn template() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).expect("template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

/// `!Ref X`, `!GetAtt X.Y` or `!Sub "..."` as `(tag, value)`.
pub(crate) fn tagged(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Tagged(t) => Some((t.tag.to_string(), t.value.as_str()?.to_owned())),
        _ => None,
    }
}

fn resource_of_function(template: &Value, function: &str) -> (String, Value) {
    let resources = template["Resources"].as_mapping().expect("Resources");
    resources
        .iter()
        .find(|(_, r)| {
            r["Type"].as_str() == Some("AWS::Serverless::Function")
                && r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(function)
        })
        .map(|(k, r)| (k.as_str().unwrap().to_owned(), r.clone()))
        .unwrap_or_else(|| panic!("template.yaml builds no function with Binary: {function}"))
}

/// What a function's `Policies` grant, read back into an [`Access`].
fn granted(function: &str, policies: &Value) -> Access {
    let mut access = Access::default();
    for policy in policies.as_sequence().expect("Policies is a list") {
        if let Some((tag, name)) = tagged(policy) {
            assert_eq!(
                (tag.as_str(), name.as_str()),
                ("!Ref", "TableItemsPolicy"),
                "{function}: unexpected managed policy"
            );
            access.table = true;
        } else if let Some(queue) = policy.get("SQSSendMessagePolicy") {
            let (_, att) = tagged(&queue["QueueName"]).expect("QueueName: !GetAtt X.QueueName");
            let name = att.strip_suffix(".QueueName").expect("!GetAtt X.QueueName");
            access.sends_to.insert(name.to_owned());
        } else if let Some(bus) = policy.get("EventBridgePutEventsPolicy") {
            assert_eq!(
                tagged(&bus["EventBusName"]),
                Some(("!Ref".into(), "EventBus".into())),
                "{function}: puts events only on turno's bus"
            );
            access.bus = true;
        } else if let Some(statements) = policy.get("Statement") {
            for st in statements.as_sequence().expect("Statement list") {
                assert_eq!(st["Effect"].as_str(), Some("Allow"), "{function}");
                let resources = match &st["Resource"] {
                    Value::Sequence(items) => items.clone(),
                    one => vec![one.clone()],
                };
                let actions: Vec<String> = match &st["Action"] {
                    Value::Sequence(items) => items
                        .iter()
                        .map(|a| a.as_str().expect("an action").to_owned())
                        .collect(),
                    one => vec![one.as_str().expect("an action").to_owned()],
                };
                if actions.iter().all(|a| a.starts_with("sqs:")) {
                    for r in &resources {
                        let (_, att) = tagged(r).expect("Resource: !GetAtt X.Arn");
                        let queue = att.strip_suffix(".Arn").expect("!GetAtt X.Arn");
                        for a in &actions {
                            if a == "sqs:SendMessage" {
                                access.sends_to.insert(queue.to_owned());
                            } else {
                                access.queue_actions.insert((a.clone(), queue.to_owned()));
                            }
                        }
                    }
                    continue;
                }
                if actions.iter().all(|a| a.starts_with("cognito-idp:")) {
                    assert_eq!(
                        resources.first().and_then(tagged),
                        Some(("!GetAtt".to_owned(), "UserPool.Arn".to_owned())),
                        "{function}: Cognito actions on the stack's user pool only"
                    );
                    assert_eq!(resources.len(), 1, "{function}: one user pool");
                    access.user_pool.extend(actions);
                    continue;
                }
                assert_eq!(
                    actions,
                    ["ssm:GetParameter"],
                    "{function}: inline statements only read secrets, use queues or the user pool"
                );
                for r in resources {
                    let (_, arn) = tagged(&r).expect("Resource: !Sub arn:...parameter${Name}");
                    // The workspaces' own credentials: one path, nothing else under it.
                    if let Some(path) = arn.split("parameter").nth(1)
                        && path == WORKSPACE_SECRETS
                    {
                        access.secrets.insert(path.to_owned());
                        continue;
                    }
                    let param = arn
                        .split("parameter${")
                        .nth(1)
                        .and_then(|rest| rest.strip_suffix('}'))
                        .unwrap_or_else(|| panic!("{function}: {arn} names one parameter"));
                    access.secrets.insert(param.to_owned());
                }
            }
        } else {
            panic!("{function}: a policy this test does not know: {policy:?}");
        }
    }
    access
}

/// Where the workspaces' own secrets (credentials in their configuration) are kept.
const WORKSPACE_SECRETS: &str = "/turno/ws/*";

#[test]
fn every_function_is_granted_only_the_table_queues_bus_and_secrets_it_uses() {
    let template = template();
    for function in FUNCTIONS {
        let (_, resource) = resource_of_function(&template, function);
        let access = granted(function, &resource["Properties"]["Policies"]);
        assert_eq!(
            access,
            uses(function),
            "{function}'s Policies in template.yaml"
        );
    }
}

/// The Cognito operations the sign-in directory's source calls (`.admin_…()`), as IAM actions.
fn directory_cognito_actions() -> BTreeSet<String> {
    let source = std::fs::read_to_string(format!("{ROOT}/shared/aws/src/directory.rs"))
        .expect("the Cognito directory's source");
    source
        .split(".admin_")
        .skip(1)
        .filter_map(|rest| rest.split_once("()").map(|(op, _)| op))
        .filter(|op| op.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|op| {
            let camel: String = op
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            format!("cognito-idp:Admin{camel}")
        })
        .collect()
}

#[test]
fn the_directory_calls_every_cognito_action_the_agent_api_is_granted() {
    let actions = directory_cognito_actions();
    for expected in [
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminRemoveUserFromGroup",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminUserGlobalSignOut",
    ] {
        assert!(actions.contains(expected), "{expected} in {actions:?}");
    }
}

/// The DynamoDB operations the adapter's source calls, as IAM actions.
fn adapter_dynamodb_actions() -> BTreeSet<String> {
    const OPERATIONS: [(&str, &str); 12] = [
        ("get_item", "GetItem"),
        ("batch_get_item", "BatchGetItem"),
        ("query", "Query"),
        ("scan", "Scan"),
        ("put_item", "PutItem"),
        ("update_item", "UpdateItem"),
        ("delete_item", "DeleteItem"),
        ("batch_write_item", "BatchWriteItem"),
        ("transact_get_items", "GetItem"),
        ("execute_statement", "PartiQLSelect"),
        ("describe_table", "DescribeTable"),
        ("delete_table", "DeleteTable"),
    ];
    // The adapter is a module per port: its operations are those of every file.
    let dir = format!("{ROOT}/shared/aws/src/store");
    let mut source = String::new();
    for entry in std::fs::read_dir(&dir).expect("the DynamoDB store's folder") {
        let path = entry.expect("a file of the store's folder").path();
        if path.extension().is_some_and(|e| e == "rs") {
            source.push_str(&std::fs::read_to_string(&path).expect("a store source file"));
        }
    }
    let mut actions: BTreeSet<String> = OPERATIONS
        .iter()
        .filter(|(op, _)| source.contains(&format!(".{op}()")))
        .map(|(_, action)| format!("dynamodb:{action}"))
        .collect();
    // A transaction needs the action of each item it writes.
    if source.contains(".transact_write_items()") {
        for (kind, action) in [
            ("Put::builder()", "PutItem"),
            ("Update::builder()", "UpdateItem"),
            ("Delete::builder()", "DeleteItem"),
            ("ConditionCheck::builder()", "ConditionCheckItem"),
        ] {
            if source.contains(kind) {
                actions.insert(format!("dynamodb:{action}"));
            }
        }
    }
    actions
}

#[test]
fn the_table_policy_allows_exactly_the_operations_the_dynamodb_adapter_makes() {
    let template = template();
    let statements =
        &template["Resources"]["TableItemsPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    let allowed: BTreeSet<String> = statements
        .as_sequence()
        .expect("statements")
        .iter()
        .flat_map(|st| st["Action"].as_sequence().cloned().unwrap_or_default())
        .map(|a| a.as_str().expect("action").to_owned())
        .collect();

    let used = adapter_dynamodb_actions();

    assert!(
        used.contains("dynamodb:Query"),
        "the adapter source was read"
    );
    assert_eq!(
        allowed, used,
        "TableItemsPolicy in template.yaml must list exactly the DynamoDB actions \
         shared/aws/src/store/ uses (add a new operation's action, drop unused ones)"
    );
}

#[test]
fn sqs_consumers_report_partial_failures_and_queues_dead_letter_into_alarmed_queues() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let mut consumed = BTreeSet::new();
    for (_, r) in resources {
        for (_, event) in r["Properties"]["Events"]
            .as_mapping()
            .cloned()
            .unwrap_or_default()
        {
            if event["Type"].as_str() == Some("SQS") {
                let props = &event["Properties"];
                assert_eq!(
                    props["FunctionResponseTypes"][0].as_str(),
                    Some("ReportBatchItemFailures"),
                    "{props:?}"
                );
                let (_, arn) = tagged(&props["Queue"]).expect("Queue: !GetAtt X.Arn");
                consumed.insert(arn.trim_end_matches(".Arn").to_owned());
            }
        }
    }
    assert_eq!(
        consumed.len(),
        4,
        "four queues have consumers: {consumed:?}"
    );
    let alarmed: BTreeSet<String> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .filter_map(|r| tagged(&r["Properties"]["Dimensions"][0]["Value"]))
        .map(|(_, v)| v.trim_end_matches(".QueueName").to_owned())
        .collect();
    for queue in &consumed {
        let redrive = &template["Resources"][queue.as_str()]["Properties"]["RedrivePolicy"];
        assert!(
            redrive["maxReceiveCount"].as_u64().is_some_and(|n| n > 0),
            "{queue} has a maxReceiveCount"
        );
        let (_, dlq) = tagged(&redrive["deadLetterTargetArn"]).expect("a dead-letter queue");
        let dlq = dlq.trim_end_matches(".Arn");
        assert!(alarmed.contains(dlq), "{dlq} has no depth alarm");
    }
    for function in FUNCTIONS {
        let (logical, _) = resource_of_function(&template, function);
        assert!(alarmed.contains(&logical), "{logical} has no error alarm");
    }
}

#[test]
fn only_the_agent_api_routes_need_a_cognito_token() {
    let template = template();
    let resources = &template["Resources"];
    let authorizer = &resources["CognitoAuthorizer"]["Properties"];
    assert_eq!(authorizer["AuthorizerType"].as_str(), Some("JWT"));
    assert_eq!(
        tagged(&authorizer["JwtConfiguration"]["Audience"][0]),
        Some(("!Ref".into(), "ConsoleClient".into()))
    );
    let mut routes = BTreeMap::new();
    // The webhook's routes are its function's events (no authorizer on the API by default)...
    for function in FUNCTIONS {
        let (_, r) = resource_of_function(&template, function);
        for (_, event) in r["Properties"]["Events"]
            .as_mapping()
            .cloned()
            .unwrap_or_default()
        {
            if event["Type"].as_str() == Some("HttpApi") {
                let p = &event["Properties"];
                assert!(
                    p["Auth"].is_null(),
                    "{p:?}: the API has no default authorizer"
                );
                let route = format!(
                    "{} {}",
                    p["Method"].as_str().unwrap(),
                    p["Path"].as_str().unwrap()
                );
                routes.insert(route, (function.to_owned(), true));
            }
        }
    }
    // ...the agent API's are routes of their own, through one integration.
    let integration = &resources["AgentApiIntegration"]["Properties"];
    assert_eq!(
        tagged(&integration["IntegrationUri"]),
        Some(("!GetAtt".into(), "AgentApiFunction.Arn".into()))
    );
    for (_, r) in resources.as_mapping().expect("Resources") {
        if r["Type"].as_str() != Some("AWS::ApiGatewayV2::Route") {
            continue;
        }
        let p = &r["Properties"];
        assert_eq!(
            tagged(&p["Target"]),
            Some(("!Sub".into(), "integrations/${AgentApiIntegration}".into()))
        );
        let public = match p["AuthorizationType"].as_str() {
            Some("NONE") => true,
            Some("JWT") => {
                assert_eq!(
                    tagged(&p["AuthorizerId"]),
                    Some(("!Ref".into(), "CognitoAuthorizer".into()))
                );
                false
            }
            other => panic!("unexpected AuthorizationType {other:?}"),
        };
        routes.insert(
            p["RouteKey"].as_str().unwrap().to_owned(),
            ("agent-api".to_owned(), public),
        );
    }
    let expected: BTreeMap<String, (String, bool)> = [
        ("GET /webhook/whatsapp", ("webhook-ingress", true)),
        ("POST /webhook/whatsapp", ("webhook-ingress", true)),
        ("ANY /api/{proxy+}", ("agent-api", false)),
        ("GET /api/v1/openapi.json", ("agent-api", true)),
        ("GET /console/config.json", ("agent-api", true)),
    ]
    .into_iter()
    .map(|(k, (f, p))| (k.to_owned(), (f.to_owned(), p)))
    .collect();
    assert_eq!(routes, expected, "route -> (function, public)");
}

/// Features `cargo tree` resolves for one package built alone, as SAM builds each function
/// (`cargo lambda build --release --bin <function>` in the function's directory).
pub(crate) fn features_of(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal,features",
            "--prefix",
            "none",
        ])
        .current_dir(ROOT)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn no_lambda_function_compiles_password_less_dev_login() {
    const DEV_LOGIN: &str = "turno-http feature \"dev-login\"";
    // Built from the workspace root, cargo would resolve features for every member at once,
    // the local runner's dev-login included.
    let template = template();
    for function in FUNCTIONS {
        let (logical, r) = resource_of_function(&template, function);
        assert_eq!(
            r["Properties"]["CodeUri"].as_str(),
            Some(format!("functions/{function}").as_str()),
            "{logical} must be built in its own directory"
        );
    }
    assert!(
        features_of("turno-local").contains(DEV_LOGIN),
        "the local runner has dev-login (else this test proves nothing)"
    );
    for function in FUNCTIONS {
        assert!(
            !features_of(function).contains(DEV_LOGIN),
            "{function} enables turno-http's dev-login feature: only the local runner may"
        );
    }
}

#[test]
fn every_parameter_the_readme_deploys_with_is_a_template_parameter() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).expect("README.md");
    let template = template();
    let parameters = template["Parameters"].as_mapping().expect("Parameters");
    let start = readme
        .find("--parameter-overrides")
        .expect("the README deploys with --parameter-overrides");
    let block = readme[start..].split("```").next().unwrap_or_default();
    let names: Vec<&str> = block
        .split_whitespace()
        .filter_map(|word| word.split_once('=').map(|(name, _)| name))
        .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .collect();
    assert!(names.contains(&"SignInDomainPrefix"), "{names:?}");
    for name in names {
        assert!(
            parameters.contains_key(name),
            "the README's --parameter-overrides names {name}, which template.yaml lacks"
        );
    }
}
