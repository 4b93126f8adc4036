//! webhook-ingress: the WhatsApp webhook behind API Gateway. Answers Meta's verification
//! handshake, checks each delivery's signature, enqueues its messages and statuses, and
//! answers 200 once they are durably queued.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use lambda_http::Error;
use turno_core::app::Turno;
use turno_http::{WebhookState, webhook_router};

const FUNCTION: &str = "webhook-ingress";
/// Names the SSM parameter holding the Meta app secret.
const APP_SECRET_PARAM_VAR: &str = "TURNO_APP_SECRET_PARAM";
/// Names the SSM parameter holding the verification handshake's token.
const VERIFY_TOKEN_PARAM_VAR: &str = "TURNO_VERIFY_TOKEN_PARAM";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let workspaces = turno_lambda::load_config()?;
    let turno = turno_lambda::connect(FUNCTION, workspaces).await?;
    let app_secret = turno_lambda::secret(FUNCTION, APP_SECRET_PARAM_VAR).await?;
    let verify_token = turno_lambda::secret(FUNCTION, VERIFY_TOKEN_PARAM_VAR).await?;
    lambda_http::run(app(turno, &app_secret, &verify_token)).await
}

fn app(turno: Turno, app_secret: &str, verify_token: &str) -> Router {
    webhook_router(WebhookState {
        turno,
        app_secret: Arc::from(app_secret.as_bytes()),
        verify_token: Arc::from(verify_token),
    })
    // The invocation's metrics go out with it (EMF on stdout).
    .layer(axum::middleware::map_response(
        |response: axum::response::Response| async {
            turno_lambda::flush_metrics();
            response
        },
    ))
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::http::StatusCode;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use tower::ServiceExt;
    use turno_core::Timestamp;
    use turno_core::ports::QueueName;
    use turno_lambda::testing::{SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN, sample};
    use turno_testkit::harness::TestTurno;

    use super::*;

    /// The sample event as the function receives it from API Gateway, turned into the request
    /// the router sees, as `lambda_http::run` does.
    fn request(event: &str) -> lambda_http::Request {
        lambda_http::request::from_str(event).expect("an API Gateway HTTP API event")
    }

    fn with_header(event: &str, name: &str, value: &str) -> String {
        let mut json: serde_json::Value = serde_json::from_str(event).expect("sample is JSON");
        json["headers"][name] = value.into();
        json.to_string()
    }

    async fn turno() -> TestTurno {
        TestTurno::demo(Timestamp::from_second(1_748_876_666).expect("time")).await
    }

    async fn body_text(response: axum::response::Response) -> String {
        let bytes = to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("body");
        String::from_utf8(bytes.to_vec()).expect("UTF-8 body")
    }

    #[tokio::test]
    async fn the_verification_handshake_echoes_the_challenge() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN);

        let response = app
            .oneshot(request(&sample("apigw-webhook-verify.json")))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body_text(response).await, "1158201444");
    }

    #[tokio::test]
    async fn a_handshake_with_another_verify_token_is_refused() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_APP_SECRET, "another-verify-token");

        let response = app
            .oneshot(request(&sample("apigw-webhook-verify.json")))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn a_correctly_signed_delivery_is_accepted_and_its_message_queued() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN);
        let event = sample("apigw-webhook-post.json");
        let req = request(&event);
        let mut mac =
            Hmac::<Sha256>::new_from_slice(SAMPLE_APP_SECRET.as_bytes()).expect("any key length");
        mac.update(req.body().as_ref());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(
            req.headers()["x-hub-signature-256"],
            signature,
            "events/apigw-webhook-post.json is not signed with the sample app secret (see events/README.md)"
        );

        let response = app.oneshot(req).await.expect("infallible");

        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(t.queues.depth(QueueName::Inbound).expect("queue depth"), 1);
    }

    #[tokio::test]
    async fn a_delivery_with_a_forged_signature_is_refused_and_nothing_is_queued() {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN);
        let forged_signature = format!("sha256={}", "0".repeat(64));
        let forged = with_header(
            &sample("apigw-webhook-post.json"),
            "x-hub-signature-256",
            &forged_signature,
        );

        let response = app.oneshot(request(&forged)).await.expect("infallible");

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(t.queues.depth(QueueName::Inbound).expect("queue depth"), 0);
    }

    #[tokio::test]
    async fn a_delivery_signed_with_another_secret_is_refused() {
        let t = turno().await;
        let app = app(t.turno.clone(), "another-app-secret", SAMPLE_VERIFY_TOKEN);

        let response = app
            .oneshot(request(&sample("apigw-webhook-post.json")))
            .await
            .expect("infallible");

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
