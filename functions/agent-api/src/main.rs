//! agent-api: the agent console's API (`/api/v1/...`) behind API Gateway. Agents sign in with
//! bearer tokens that this function checks itself.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use lambda_http::Error;
use turno_core::app::Turno;
use turno_http::{ApiState, Auth, ConsoleConfig, api_router, console_router};

const FUNCTION: &str = "agent-api";
/// Names the SSM parameter holding the key that signs agent tokens.
const JWT_SECRET_PARAM_VAR: &str = "TURNO_JWT_SECRET_PARAM";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let workspaces = turno_lambda::load_config()?;
    let turno = turno_lambda::connect(FUNCTION, workspaces).await?;
    let jwt_secret = turno_lambda::secret(FUNCTION, JWT_SECRET_PARAM_VAR).await?;
    lambda_http::run(app(turno, jwt_secret.as_bytes())?).await
}

fn app(turno: Turno, jwt_secret: &[u8]) -> anyhow::Result<Router> {
    // The console's files come from this function too, so the browser calls the API on its
    // own origin; it signs in with Cognito when configured, else with a pasted token.
    Ok(
        console_router(&ConsoleConfig::from_env()).merge(api_router(ApiState {
            turno,
            auth: Arc::new(Auth::hs256(jwt_secret)?),
            // Password-less sign-in is for the local runner only.
            dev_login: false,
        })),
    )
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::http::StatusCode;
    use serde_json::Value;
    use tower::ServiceExt;
    use turno_core::Timestamp;
    use turno_lambda::testing::{SAMPLE_JWT_SECRET, TestTurno, sample};

    use super::*;

    fn request(event: &str) -> lambda_http::Request {
        lambda_http::request::from_str(event).expect("an API Gateway HTTP API event")
    }

    fn with_header(event: &str, name: &str, value: &str) -> String {
        let mut json: Value = serde_json::from_str(event).expect("sample is JSON");
        json["headers"][name] = value.into();
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
    async fn listing_tickets_with_the_agents_token_answers_the_ticket_list() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_JWT_SECRET.as_bytes()).expect("valid key");

        let response = app
            .oneshot(request(&sample("apigw-api-list-tickets.json")))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        let body = json_body(response).await;
        assert_eq!(body["items"], serde_json::json!([]));
        assert_eq!(body["next_cursor"], Value::Null);
        assert_eq!(body["counts"]["queued"], 0);
    }

    #[tokio::test]
    async fn a_token_signed_with_another_key_is_refused() {
        let t = turno().await;
        let app = app(t.turno.clone(), b"another-jwt-secret-0123456789abcdef").expect("valid key");

        let response = app
            .oneshot(request(&sample("apigw-api-list-tickets.json")))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_request_without_a_token_is_refused() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_JWT_SECRET.as_bytes()).expect("valid key");
        let anonymous = with_header(&sample("apigw-api-list-tickets.json"), "authorization", "");

        let response = app.oneshot(request(&anonymous)).await.expect("infallible");

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn password_less_dev_login_does_not_exist_on_lambda() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_JWT_SECRET.as_bytes()).expect("valid key");
        let mut event: Value =
            serde_json::from_str(&sample("apigw-api-list-tickets.json")).expect("JSON");
        event["rawPath"] = "/api/v1/auth/dev-login".into();
        event["rawQueryString"] = "".into();
        event["queryStringParameters"] = serde_json::json!({});
        event["requestContext"]["http"]["method"] = "POST".into();
        event["body"] = r#"{"agent_id":"ana"}"#.into();

        let response = app
            .oneshot(request(&event.to_string()))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_console_is_served_by_the_function_without_dev_login() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_JWT_SECRET.as_bytes()).expect("valid key");
        let mut event: Value =
            serde_json::from_str(&sample("apigw-api-list-tickets.json")).expect("JSON");
        event["rawPath"] = "/console/config.json".into();
        event["rawQueryString"] = "".into();
        event["queryStringParameters"] = serde_json::json!({});

        let response = app
            .oneshot(request(&event.to_string()))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        let config = json_body(response).await;
        assert_ne!(config["sign_in"]["mode"], "dev");
        assert_eq!(config["sandbox"], false);
    }

    #[tokio::test]
    async fn a_short_jwt_key_stops_the_function_at_start_up() {
        let t = turno().await;

        let err = app(t.turno.clone(), b"short").expect_err("a short key is refused");

        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
    }
}
