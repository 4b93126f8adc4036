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
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::Secret;
use turno_whatsapp::webhook::{
    Delivery, MAX_BODY_BYTES, SignatureError, verify_challenge, verify_signature,
};

use crate::error::ApiError;

pub const WEBHOOK_PATH: &str = "/webhook/whatsapp";

#[derive(Clone)]
pub struct WebhookState {
    pub turno: Turno,
    /// The deployment's Meta app secret: signs the deliveries of every workspace that has no
    /// app secret of its own (`credentials.app_secret`).
    pub app_secret: Arc<[u8]>,
    /// The token Meta echoes in the verification handshake; the workspaces' own verify tokens
    /// are accepted too.
    pub verify_token: Arc<str>,
}

pub fn webhook_router(state: WebhookState) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, get(handshake).post(deliver))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(crate::error::catch_panic())
        .with_state(Arc::new(state))
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

async fn handshake(State(state): State<Arc<WebhookState>>, Query(q): Query<Handshake>) -> Response {
    let check = |expected: &str| {
        verify_challenge(
            expected,
            q.mode.as_deref(),
            q.token.as_deref(),
            q.challenge.as_deref(),
        )
    };
    let mut answer = check(&state.verify_token);
    if answer.is_err() {
        for token in state.turno.verify_tokens().await {
            let other = check(token.expose());
            if other.is_ok() {
                answer = other;
                break;
            }
        }
    }
    match answer {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        Err(e) => {
            warn!(error = %e, "webhook verification refused");
            ApiError::new(StatusCode::FORBIDDEN, "verification_failed", e.to_string())
                .into_response()
        }
    }
}

async fn deliver(
    State(state): State<Arc<WebhookState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    // Parsed once: the numbers it names say whose secret must have signed it, and the same
    // parse is read for its content once the signature holds.
    let delivery = Delivery::read(&body);
    match check_signature(&state, &body, &delivery, signature).await {
        Ok(()) => {}
        Err(Refusal::Signature(e)) => {
            warn!(error = %e, bytes = body.len(), "webhook signature refused");
            return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", e.to_string())
                .into_response();
        }
        // Not a 200: Meta delivers again once the secret can be read.
        Err(Refusal::SecretUnavailable) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "secret_unavailable",
                "the app secret that signs this delivery cannot be read now",
            )
            .into_response();
        }
    }
    // Never refused once signed: what cannot be read is quarantined item by item, so Meta
    // does not redeliver (and eventually disable) a webhook over one odd item.
    let batch = delivery.parse();
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

enum Refusal {
    Signature(SignatureError),
    SecretUnavailable,
}

/// Checks the delivery's signature with the secret of every Meta app it speaks for: each
/// workspace it names that has an app secret of its own must have signed it with that
/// secret, and the deployment's secret must have signed it if it names any other number
/// (or none). A delivery signed by one app and naming another app's number is refused whole,
/// so nothing of it is written.
async fn check_signature(
    state: &WebhookState,
    body: &[u8],
    delivery: &Delivery<'_>,
    signature: Option<&str>,
) -> Result<(), Refusal> {
    let ids = delivery.phone_number_ids().unwrap_or_default();
    let mut own: Vec<Secret> = Vec::new();
    let mut deployment = ids.is_empty();
    for id in &ids {
        let secret = match WorkspaceId::parse(id) {
            Ok(ws) => state.turno.app_secret(&ws).await.map_err(|e| {
                warn!(workspace = %ws, error = %e, "the workspace's app secret cannot be read");
                Refusal::SecretUnavailable
            })?,
            Err(_) => None,
        };
        match secret {
            Some(s) if !own.contains(&s) => own.push(s),
            Some(_) => {}
            None => deployment = true,
        }
    }
    if deployment {
        verify_signature(&state.app_secret, body, signature).map_err(Refusal::Signature)?;
    }
    for secret in &own {
        verify_signature(secret.expose().as_bytes(), body, signature)
            .map_err(Refusal::Signature)?;
    }
    Ok(())
}
