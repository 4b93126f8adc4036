//! webhook-ingress: the WhatsApp webhook, at the function's URL or behind the HTTP API (the
//! template's `WebhookEndpoint`; both hand it payload format 2.0). Answers Meta's verification
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
    use aws_lambda_events::lambda_function_urls::LambdaFunctionUrlRequest;
    use axum::body::to_bytes;
    use axum::http::StatusCode;
    use hmac::{Hmac, Mac};
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    use sha2::Sha256;
    use tower::ServiceExt;
    use turno_core::Timestamp;
    use turno_core::ports::QueueName;
    use turno_lambda::testing::{SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN, sample};
    use turno_testkit::harness::TestTurno;

    use super::*;

    /// The sample event as the function receives it from API Gateway or its function URL,
    /// turned into the request the router sees, as `lambda_http::run` does.
    fn request(event: &str) -> lambda_http::Request {
        lambda_http::request::from_str(event).expect("an HTTP API or function URL event")
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

    /// What the router answers to `event`: status, body, and the inbound queue's depth after.
    async fn answer(event: &str) -> (StatusCode, String, u64) {
        let t = turno().await;
        let app = app(t.turno.clone(), SAMPLE_APP_SECRET, SAMPLE_VERIFY_TOKEN);
        let response = app.oneshot(request(event)).await.expect("infallible");
        let status = response.status();
        let body = body_text(response).await;
        let depth = t.queues.depth(QueueName::Inbound).expect("queue depth");
        (status, body, depth)
    }

    #[tokio::test]
    async fn function_url_events_are_function_url_shaped_and_reach_the_same_routes() {
        for (name, method) in [
            ("furl-webhook-verify.json", "GET"),
            ("furl-webhook-post.json", "POST"),
        ] {
            let event = sample(name);
            // The event as Lambda models a function URL's: no API, route or account of a caller.
            let url: LambdaFunctionUrlRequest =
                serde_json::from_str(&event).expect("a function URL event");
            assert_eq!(url.request_context.http.method.as_deref(), Some(method));
            assert_eq!(url.request_context.account_id.as_deref(), Some("anonymous"));
            let json: serde_json::Value = serde_json::from_str(&event).expect("JSON");
            assert_eq!(json["routeKey"], "$default", "{name}");
            assert_eq!(json["requestContext"]["routeKey"], "$default", "{name}");
            let host = url.headers["host"].to_str().expect("ASCII host");
            assert!(host.ends_with(".lambda-url.us-east-1.on.aws"), "{host}");
            // lambda_http reads it as payload 2.0, the path the caller asked for.
            let req = request(&event);
            assert_eq!(req.method().as_str(), method);
            assert_eq!(req.uri().path(), turno_http::webhook::WEBHOOK_PATH);
            assert!(matches!(
                req.request_context_ref(),
                Some(RequestContext::ApiGatewayV2(_))
            ));
        }
    }

    #[tokio::test]
    async fn the_function_url_is_answered_as_the_http_api_is() {
        let forge = |event: &str| {
            with_header(
                event,
                "x-hub-signature-256",
                &format!("sha256={}", "0".repeat(64)),
            )
        };
        for (what, api, url) in [
            (
                "handshake",
                sample("apigw-webhook-verify.json"),
                sample("furl-webhook-verify.json"),
            ),
            (
                "signed delivery",
                sample("apigw-webhook-post.json"),
                sample("furl-webhook-post.json"),
            ),
            (
                "forged delivery",
                forge(&sample("apigw-webhook-post.json")),
                forge(&sample("furl-webhook-post.json")),
            ),
        ] {
            assert_eq!(answer(&url).await, answer(&api).await, "{what}");
        }
        // Each case proves something: the handshake answers the challenge, the signed delivery
        // is queued, the forged one is refused with nothing queued.
        assert_eq!(
            answer(&sample("furl-webhook-verify.json")).await,
            (StatusCode::OK, "1158201444".to_owned(), 0)
        );
        let (status, _, queued) = answer(&sample("furl-webhook-post.json")).await;
        assert_eq!((status, queued), (StatusCode::OK, 1));
        let (status, _, queued) = answer(&forge(&sample("furl-webhook-post.json"))).await;
        assert_eq!((status, queued), (StatusCode::UNAUTHORIZED, 0));
    }
}
