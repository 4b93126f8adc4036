//! What the SAM template promises about the hosted console: its files in a private bucket that
//! only the CloudFront distribution reads (origin access control), the distribution's security
//! headers and cache rules, the API behind the same distribution, sign-in at the user pool's
//! domain with the authorization-code flow and PKCE back to the console's address (no implicit
//! flow), and a publisher allowed to touch only the console's files and invalidations.

use serde_yaml_ng::Value;

use super::lambda_build::{tagged, template};

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let r = &template["Resources"][name];
    assert!(!r.is_null(), "template.yaml has no {name}");
    r
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The text of a `!Sub` (or a plain string).
fn sub(v: &Value) -> String {
    tagged(v)
        .map(|(_, s)| s)
        .or_else(|| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

const CONSOLE_URL: &str = "https://${ConsoleDistribution.DomainName}/console/";

#[test]
fn the_console_bucket_is_private_and_only_the_distribution_reads_it() {
    let t = template();
    let bucket = &resource(&t, "ConsoleBucket")["Properties"];
    let block = &bucket["PublicAccessBlockConfiguration"];
    for k in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[k].as_bool(), Some(true), "{k}");
    }
    let statements =
        &resource(&t, "ConsoleBucketPolicy")["Properties"]["PolicyDocument"]["Statement"];
    let read = statements
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["Effect"].as_str() == Some("Allow"))
        .expect("an Allow statement");
    assert_eq!(
        read["Principal"]["Service"].as_str(),
        Some("cloudfront.amazonaws.com")
    );
    assert_eq!(read["Action"].as_str(), Some("s3:GetObject"));
    assert!(
        sub(&read["Condition"]["StringEquals"]["AWS:SourceArn"])
            .ends_with(":distribution/${ConsoleDistribution}"),
        "only this distribution reads the bucket"
    );
    let oac = &resource(&t, "ConsoleOriginAccess")["Properties"]["OriginAccessControlConfig"];
    assert_eq!(oac["SigningBehavior"].as_str(), Some("always"));
    assert_eq!(oac["OriginAccessControlOriginType"].as_str(), Some("s3"));
}

#[test]
fn the_distribution_serves_the_files_with_security_headers_and_sends_the_api_uncached() {
    let t = template();
    let config = &resource(&t, "ConsoleDistribution")["Properties"]["DistributionConfig"];
    let origins = config["Origins"].as_sequence().expect("Origins");
    let files = origins
        .iter()
        .find(|o| o["Id"].as_str() == Some("console-files"))
        .expect("the bucket origin");
    assert_eq!(
        tagged(&files["OriginAccessControlId"]),
        Some(("!GetAtt".into(), "ConsoleOriginAccess.Id".into()))
    );
    let api = origins
        .iter()
        .find(|o| o["Id"].as_str() == Some("api"))
        .expect("the API origin");
    assert!(sub(&api["DomainName"]).starts_with("${HttpApi}.execute-api."));
    assert_eq!(
        api["CustomOriginConfig"]["OriginProtocolPolicy"].as_str(),
        Some("https-only")
    );

    let default = &config["DefaultCacheBehavior"];
    assert_eq!(default["TargetOriginId"].as_str(), Some("console-files"));
    assert_eq!(
        default["ViewerProtocolPolicy"].as_str(),
        Some("redirect-to-https")
    );
    assert_eq!(
        tagged(&default["ResponseHeadersPolicyId"]),
        Some(("!Ref".into(), "ConsoleHeaders".into()))
    );
    let caching = &resource(&t, "ConsoleCachePolicy")["Properties"]["CachePolicyConfig"];
    assert!(caching["MinTTL"].as_u64().is_some_and(|s| s >= 60));
    assert_eq!(
        caching["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]
            ["QueryStringBehavior"]
            .as_str(),
        Some("none")
    );

    const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
    let behaviors = config["CacheBehaviors"]
        .as_sequence()
        .expect("CacheBehaviors");
    for path in ["/api/*", "/console/config.json"] {
        let b = behaviors
            .iter()
            .find(|b| b["PathPattern"].as_str() == Some(path))
            .unwrap_or_else(|| panic!("no behaviour for {path}"));
        assert_eq!(b["TargetOriginId"].as_str(), Some("api"), "{path}");
        assert_eq!(
            b["CachePolicyId"].as_str(),
            Some(CACHING_DISABLED),
            "{path}"
        );
        assert_eq!(
            b["OriginRequestPolicyId"].as_str(),
            Some(ALL_VIEWER_EXCEPT_HOST),
            "{path}: the bearer token must reach API Gateway, the Host header must not"
        );
    }
    let api_methods = strings(
        &behaviors
            .iter()
            .find(|b| b["PathPattern"].as_str() == Some("/api/*"))
            .unwrap()["AllowedMethods"],
    );
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(api_methods.iter().any(|x| x == m), "/api/* allows {m}");
    }

    let headers = &resource(&t, "ConsoleHeaders")["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let csp = sub(&headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]);
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains(
            "connect-src 'self' https://${SignInDomainPrefix}.auth.${AWS::Region}.amazoncognito.com"
        ),
        "the console fetches its tokens from the sign-in domain: {csp}"
    );
    assert!(
        headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"]
            .as_u64()
            .is_some_and(|s| s >= 31_536_000)
    );
    assert_eq!(
        headers["FrameOptions"]["FrameOption"].as_str(),
        Some("DENY")
    );
    assert!(headers["ContentTypeOptions"]["Override"].as_bool() == Some(true));
}

#[test]
fn agents_sign_in_at_the_pool_domain_with_the_code_flow_back_to_the_console() {
    let t = template();
    let domain = &resource(&t, "SignInDomain")["Properties"];
    assert_eq!(
        tagged(&domain["UserPoolId"]),
        Some(("!Ref".into(), "UserPool".into()))
    );
    let client = &resource(&t, "ConsoleClient")["Properties"];
    assert_eq!(
        client["GenerateSecret"].as_bool(),
        Some(false),
        "a public client: PKCE"
    );
    assert_eq!(
        client["AllowedOAuthFlowsUserPoolClient"].as_bool(),
        Some(true)
    );
    assert_eq!(
        strings(&client["AllowedOAuthFlows"]),
        ["code"],
        "the authorization-code flow only: no implicit flow"
    );
    assert!(strings(&client["AllowedOAuthScopes"]).contains(&"openid".to_owned()));
    assert_eq!(client["EnableTokenRevocation"].as_bool(), Some(true));
    for urls in ["CallbackURLs", "LogoutURLs"] {
        let list = client[urls].as_sequence().expect(urls);
        assert_eq!(list.len(), 1, "{urls}");
        assert_eq!(sub(&list[0]), CONSOLE_URL, "{urls}");
    }
    assert!(
        client["ExplicitAuthFlows"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|f| f.as_str() == Some("ALLOW_REFRESH_TOKEN_AUTH")),
        "the console refreshes its tokens"
    );

    let api = &resource(&t, "AgentApiFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(
        sub(&api["TURNO_COGNITO_AUTH_URL"]),
        "https://${SignInDomain}.auth.${AWS::Region}.amazoncognito.com"
    );
    assert_eq!(
        tagged(&api["TURNO_COGNITO_CLIENT_ID"]),
        Some(("!Ref".into(), "ConsoleClient".into()))
    );
    assert_eq!(sub(&t["Outputs"]["ConsoleUrl"]["Value"]), CONSOLE_URL);
}

#[test]
fn the_publisher_touches_only_the_console_files_and_reruns_when_they_change() {
    let t = template();
    let publisher = &resource(&t, "ConsolePublisherFunction")["Properties"];
    assert_eq!(
        publisher["CodeUri"].as_str(),
        Some("infra/console-publisher")
    );
    let statements = publisher["Policies"][0]["Statement"]
        .as_sequence()
        .expect("one inline policy");
    let mut granted = Vec::new();
    for st in statements {
        assert_eq!(st["Effect"].as_str(), Some("Allow"));
        let actions = match &st["Action"] {
            Value::String(a) => vec![a.clone()],
            other => strings(other),
        };
        for a in actions {
            assert!(!a.contains('*'), "no wildcard actions: {a}");
            granted.push((a, sub(&st["Resource"])));
        }
    }
    granted.sort();
    assert_eq!(
        granted,
        [
            (
                "cloudfront:CreateInvalidation".to_owned(),
                "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ConsoleDistribution}"
                    .to_owned()
            ),
            ("s3:DeleteObject".to_owned(), "${ConsoleBucket.Arn}/console/*".to_owned()),
            ("s3:ListBucket".to_owned(), "ConsoleBucket.Arn".to_owned()),
            ("s3:PutObject".to_owned(), "${ConsoleBucket.Arn}/console/*".to_owned()),
        ]
    );
    let files = &resource(&t, "ConsoleFiles")["Properties"];
    assert_eq!(
        tagged(&files["FilesVersion"]),
        Some(("!Ref".into(), "ConsolePublisherFunction.Version".into())),
        "a new version of the files (the publisher's code) must re-run the publishing"
    );
    let makefile = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/console-publisher/Makefile"
    ))
    .expect("the publisher's Makefile");
    assert!(makefile.contains("shared/http/console"));
}
