//! The WhatsApp webhook's front door: webhook-ingress's function URL by default (no charge per
//! request), the HTTP API's routes for the other choice. The URL is public and on no other
//! function; the agent API stays behind the Cognito authorizer (`only_the_agent_api_routes_…`).

use serde_yaml_ng::Value;

use super::{resource_of_function, tagged, template};

/// `!If [condition, then, else]` as its three parts.
fn if_parts(v: &Value) -> (String, Value, Value) {
    let Value::Tagged(t) = v else {
        panic!("{v:?} is no !If")
    };
    assert_eq!(t.tag.to_string(), "!If", "{v:?}");
    let parts = t.value.as_sequence().expect("!If takes a list");
    assert_eq!(parts.len(), 3, "{v:?}");
    (
        parts[0].as_str().expect("a condition's name").to_owned(),
        parts[1].clone(),
        parts[2].clone(),
    )
}

fn resources_of_type(template: &Value, kind: &str) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(k, r)| (k.as_str().expect("a logical id").to_owned(), r.clone()))
        .collect()
}

#[test]
fn the_webhook_is_at_a_public_function_url_by_default_and_no_other_function_has_one() {
    let template = template();
    let endpoint = &template["Parameters"]["WebhookEndpoint"];
    assert_eq!(endpoint["Default"].as_str(), Some("FunctionUrl"));
    let choices: Vec<&str> = endpoint["AllowedValues"]
        .as_sequence()
        .expect("AllowedValues")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(choices, ["FunctionUrl", "HttpApi"]);
    let condition = format!("{:?}", template["Conditions"]["WebhookAtFunctionUrl"]);
    assert!(
        condition.contains("!Equals")
            && condition.contains("WebhookEndpoint")
            && condition.contains("FunctionUrl"),
        "{condition}"
    );

    // One URL, on webhook-ingress, public, and only when chosen; no function declares its own.
    let urls = resources_of_type(&template, "AWS::Lambda::Url");
    assert_eq!(urls.len(), 1, "{urls:?}");
    let (url, r) = &urls[0];
    assert_eq!(r["Condition"].as_str(), Some("WebhookAtFunctionUrl"));
    let p = &r["Properties"];
    assert_eq!(
        tagged(&p["TargetFunctionArn"]),
        Some(("!GetAtt".into(), "WebhookIngressFunction.Arn".into()))
    );
    assert_eq!(p["AuthType"].as_str(), Some("NONE"));
    assert!(p["Cors"].is_null(), "Meta's servers call it, not browsers");
    for (logical, f) in resources_of_type(&template, "AWS::Serverless::Function") {
        assert!(
            f["Properties"]["FunctionUrlConfig"].is_null(),
            "{logical} has a function URL of its own"
        );
    }

    // Anyone may invoke webhook-ingress through its URL, and only through it.
    let mut public: Vec<(String, String)> = Vec::new();
    for (logical, r) in resources_of_type(&template, "AWS::Lambda::Permission") {
        let p = &r["Properties"];
        if p["Principal"].as_str() != Some("*") {
            continue;
        }
        assert_eq!(
            r["Condition"].as_str(),
            Some("WebhookAtFunctionUrl"),
            "{logical}"
        );
        assert_eq!(
            tagged(&p["FunctionName"]),
            Some(("!Ref".into(), "WebhookIngressFunction".into())),
            "{logical}"
        );
        let action = p["Action"].as_str().expect("Action").to_owned();
        match action.as_str() {
            "lambda:InvokeFunctionUrl" => {
                assert_eq!(p["FunctionUrlAuthType"].as_str(), Some("NONE"), "{logical}")
            }
            "lambda:InvokeFunction" => {
                assert_eq!(
                    p["InvokedViaFunctionUrl"].as_bool(),
                    Some(true),
                    "{logical}"
                )
            }
            other => panic!("{logical}: a public permission to {other}"),
        }
        public.push((logical, action));
    }
    public.sort_by(|a, b| a.1.cmp(&b.1));
    let actions: Vec<&str> = public.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"],
        "{url}: both permissions a public function URL needs, and no more"
    );
}

#[test]
fn the_webhook_url_names_the_chosen_door_and_the_url_is_bounded_by_reserved_concurrency() {
    let template = template();
    let (condition, url, api) = if_parts(&template["Outputs"]["WebhookUrl"]["Value"]);
    assert_eq!(condition, "WebhookAtFunctionUrl");
    // The function URL ends with a slash; the function routes on the path Meta calls.
    assert_eq!(
        tagged(&url),
        Some((
            "!Sub".into(),
            "${WebhookIngressUrl.FunctionUrl}webhook/whatsapp".into()
        ))
    );
    assert_eq!(
        tagged(&api),
        Some((
            "!Sub".into(),
            "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/webhook/whatsapp"
                .into()
        ))
    );

    // No API Gateway throttling in front of the URL: the function's own concurrency bounds it
    // (unless set to 0), and only when it is the chosen door.
    let (_, ingress) = resource_of_function(&template, "webhook-ingress");
    let (condition, reserved, otherwise) =
        if_parts(&ingress["Properties"]["ReservedConcurrentExecutions"]);
    assert_eq!(condition, "WebhookConcurrencyReserved");
    assert_eq!(
        tagged(&reserved),
        Some(("!Ref".into(), "WebhookConcurrency".into()))
    );
    assert_eq!(
        tagged(&otherwise),
        Some(("!Ref".into(), "AWS::NoValue".into()))
    );
    let reserved_when = format!("{:?}", template["Conditions"]["WebhookConcurrencyReserved"]);
    assert!(
        reserved_when.contains("WebhookAtFunctionUrl")
            && reserved_when.contains("WebhookConcurrency"),
        "{reserved_when}"
    );
    let concurrency = &template["Parameters"]["WebhookConcurrency"];
    assert!(
        concurrency["Default"].as_u64().is_some_and(|n| n > 0),
        "{concurrency:?}"
    );
    // The HTTP API keeps its throttling for the other door and the agent API.
    let stage = &template["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"];
    assert!(stage["ThrottlingRateLimit"].as_u64().is_some(), "{stage:?}");
}
