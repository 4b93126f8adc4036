//! The WhatsApp webhook: the `GET` verification handshake and signed `POST` deliveries.
//! It does as little as possible: verify, parse, enqueue (or quarantine), answer. Only a
//! bad or missing signature (401) or an oversized body (413) is refused.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tracing::{info, warn};
use turno_core::app::Turno;
use turno_whatsapp::webhook::{MAX_BODY_BYTES, parse, verify_challenge, verify_signature};

use crate::error::ApiError;

pub const WEBHOOK_PATH: &str = "/webhook/whatsapp";

#[derive(Clone)]
pub struct WebhookState {
    pub turno: Turno,
    /// The Meta app secret: signs every delivery.
    pub app_secret: Arc<[u8]>,
    /// The token Meta echoes in the verification handshake.
    pub verify_token: Arc<str>,
}

pub fn webhook_router(state: WebhookState) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, get(handshake).post(deliver))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(crate::error::catch_panic())
        .with_state(state)
}

#[derive(Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

async fn handshake(State(state): State<WebhookState>, Query(q): Query<Handshake>) -> Response {
    match verify_challenge(
        &state.verify_token,
        q.mode.as_deref(),
        q.token.as_deref(),
        q.challenge.as_deref(),
    ) {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        Err(e) => {
            warn!(error = %e, "webhook verification refused");
            ApiError::new(StatusCode::FORBIDDEN, "verification_failed", e.to_string())
                .into_response()
        }
    }
}

async fn deliver(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = verify_signature(&state.app_secret, &body, signature) {
        warn!(error = %e, bytes = body.len(), "webhook signature refused");
        return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", e.to_string())
            .into_response();
    }
    // Never refused once signed: what cannot be read is quarantined item by item, so Meta
    // does not redeliver (and eventually disable) a webhook over one odd item.
    let batch = parse(&body);
    match state.turno.accept_webhook(batch).await {
        Ok(accepted) => {
            info!(
                messages = accepted.messages,
                statuses = accepted.statuses,
                ignored = accepted.ignored,
                quarantined = accepted.quarantined,
                unhandled = accepted.unhandled,
                "webhook accepted"
            );
            (StatusCode::OK, axum::Json(accepted)).into_response()
        }
        // Not a 200: Meta delivers again, and the redelivery is deduplicated downstream.
        Err(e) => ApiError::from(e).into_response(),
    }
}
