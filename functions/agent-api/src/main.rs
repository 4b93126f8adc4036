//! agent-api: the agent console's API (`/api/v1/...`) behind API Gateway. The HTTP API's
//! Cognito JWT authorizer checks every agent's token before this function runs; the function
//! re-reads the claims it verified (agent, workspace, groups) and holds no key of its own.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use lambda_http::request::RequestContext;
use lambda_http::{Error, RequestExt};
use turno_core::app::Turno;
use turno_http::{
    ApiState, Auth, AuthorizerClaims, ConsoleConfig, api_router, console_config_router,
};

const FUNCTION: &str = "agent-api";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let workspaces = turno_lambda::load_config()?;
    // Admins list and redrive the dead-letter queues from the API.
    let dead_letters = turno_lambda::dead_letters(FUNCTION).await?;
    let turno = turno_lambda::connect(FUNCTION, workspaces)
        .await?
        .with_dead_letters(Arc::new(dead_letters));
    turno_lambda::write_missing_agents(&turno).await?;
    let console = ConsoleConfig::from_env()?;
    lambda_http::run(app(turno, &console)).await
}

fn app(turno: Turno, console: &ConsoleConfig) -> Router {
    // The console's files are on S3 behind CloudFront, which sends `/api/*` and
    // `/console/config.json` here: the browser calls the API on the console's own origin.
    console_config_router(console)
        .merge(
            api_router(ApiState {
                turno,
                auth: Arc::new(Auth::api_gateway()),
                // Password-less sign-in is for the local runner only (and needs a signing key).
                dev_login: false,
            })
            .layer(axum::middleware::map_request(authorizer_claims)),
        )
        // The invocation's metrics go out with it (EMF on stdout).
        .layer(axum::middleware::map_response(
            |response: axum::response::Response| async {
                turno_lambda::flush_metrics();
                response
            },
        ))
}

/// Hands the claims API Gateway's JWT authorizer verified to the API's identity source.
/// Requests that did not pass the authorizer carry none and are refused.
async fn authorizer_claims(mut request: Request) -> Request {
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| jwt.claims.clone()),
        _ => None,
    };
    if let Some(claims) = claims {
        request.extensions_mut().insert(AuthorizerClaims(claims));
    }
    request
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::http::StatusCode;
    use serde_json::Value;
    use tower::ServiceExt;
    use turno_core::Timestamp;
    use turno_lambda::testing::sample;
    use turno_testkit::harness::TestTurno;

    use super::*;

    const LIST_TICKETS: &str = "apigw-api-list-tickets.json";

    fn request(event: &str) -> lambda_http::Request {
        lambda_http::request::from_str(event).expect("an API Gateway HTTP API event")
    }

    /// The sample event, changed by `edit`.
    fn event_with(edit: impl FnOnce(&mut Value)) -> String {
        let mut json: Value = serde_json::from_str(&sample(LIST_TICKETS)).expect("sample is JSON");
        edit(&mut json);
        json.to_string()
    }

    async fn turno() -> TestTurno {
        TestTurno::demo(Timestamp::from_second(1_748_876_945).expect("time")).await
    }

    async fn json_body(response: axum::response::Response) -> Value {
        let bytes = to_bytes(response.into_body(), 1024 * 1024)
            .await
            .expect("body");
        serde_json::from_slice(&bytes).expect("JSON body")
    }

    #[tokio::test]
    async fn listing_tickets_with_cognito_verified_claims_answers_the_ticket_list() {
        let t = turno().await;

        let response = app(t.turno.clone(), &token_sign_in())
            .oneshot(request(&sample(LIST_TICKETS)))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["items"], serde_json::json!([]));
        assert_eq!(body["next_cursor"], Value::Null);
        assert_eq!(body["counts"]["queued"], 0);
    }

    #[tokio::test]
    async fn the_caller_is_the_cognito_user_of_the_verified_claims() {
        let t = turno().await;
        let me = event_with(|e| {
            e["rawPath"] = "/api/v1/me".into();
            e["rawQueryString"] = "".into();
            e["queryStringParameters"] = serde_json::json!({});
            let claims = &mut e["requestContext"]["authorizer"]["jwt"]["claims"];
            claims["cognito:username"] = "bruno".into();
            claims["cognito:groups"] = "[agent supervisor]".into();
        });

        let response = app(t.turno.clone(), &token_sign_in())
            .oneshot(request(&me))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["id"], "bruno", "{body}");
        assert_eq!(body["workspace"], "100200300400500", "{body}");
    }

    #[tokio::test]
    async fn a_bearer_token_without_authorizer_claims_is_refused() {
        // A request that did not pass the authorizer (a misconfigured route) carries a token
        // nobody checked: the function must not trust it.
        let t = turno().await;
        let unverified = event_with(|e| {
            e["requestContext"]
                .as_object_mut()
                .expect("context")
                .remove("authorizer");
        });

        let response = app(t.turno.clone(), &token_sign_in())
            .oneshot(request(&unverified))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_cognito_user_without_a_workspace_is_forbidden() {
        let t = turno().await;
        let no_workspace = event_with(|e| {
            e["requestContext"]["authorizer"]["jwt"]["claims"]
                .as_object_mut()
                .expect("claims")
                .remove("custom:workspace");
        });

        let response = app(t.turno.clone(), &token_sign_in())
            .oneshot(request(&no_workspace))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body = json_body(response).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("custom:workspace")),
            "{body}"
        );
    }

    #[tokio::test]
    async fn password_less_dev_login_does_not_exist_on_lambda() {
        let t = turno().await;
        let login = event_with(|e| {
            e["rawPath"] = "/api/v1/auth/dev-login".into();
            e["rawQueryString"] = "".into();
            e["queryStringParameters"] = serde_json::json!({});
            e["requestContext"]["http"]["method"] = "POST".into();
            e["body"] = r#"{"agent_id":"ana"}"#.into();
        });

        let response = app(t.turno.clone(), &token_sign_in())
            .oneshot(request(&login))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    fn token_sign_in() -> ConsoleConfig {
        ConsoleConfig {
            sign_in: turno_http::SignIn::Token,
            sandbox: false,
        }
    }

    #[tokio::test]
    async fn the_console_config_is_served_by_the_function_without_dev_login_and_its_files_are_not()
    {
        let t = turno().await;
        let app = app(t.turno.clone(), &token_sign_in());
        let mut event: Value =
            serde_json::from_str(&sample("apigw-api-list-tickets.json")).expect("JSON");
        event["rawPath"] = "/console/config.json".into();
        event["rawQueryString"] = "".into();
        event["queryStringParameters"] = serde_json::json!({});

        let response = app
            .clone()
            .oneshot(request(&event.to_string()))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        let config = json_body(response).await;
        assert_ne!(config["sign_in"]["mode"], "dev");
        assert_eq!(config["sandbox"], false);

        event["rawPath"] = "/console/app.js".into();
        let response = app
            .oneshot(request(&event.to_string()))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
