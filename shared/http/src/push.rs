//! Web Push subscriptions: `GET /push/key` (the VAPID public key browsers subscribe with),
//! `POST /push/subscriptions` (keep the caller's browser subscription) and
//! `DELETE /push/subscriptions?endpoint=…` (forget it).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use turno_core::app::{AppError, PushSubscriptionInput};

use crate::api::{ApiState, JsonBody, QueryParams};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route("/push/key", get(key)).route(
        "/push/subscriptions",
        axum::routing::post(subscribe).delete(unsubscribe),
    )
}

fn not_configured() -> ApiError {
    AppError::NotFound("web push on this deployment").into()
}

/// `GET /api/v1/push/key`: `{"public_key": …}`, or 404 when this deployment does not push.
async fn key(State(s): State<ApiState>, Caller(_actor): Caller) -> Result<Response, ApiError> {
    let settings = s.turno.push_settings().ok_or_else(not_configured)?;
    Ok(Json(serde_json::json!({ "public_key": settings.public_key })).into_response())
}

/// `POST /api/v1/push/subscriptions`: the browser's `PushSubscription.toJSON()`.
async fn subscribe(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<PushSubscriptionInput>,
) -> Result<Response, ApiError> {
    let sub = s.turno.subscribe_push(&actor, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "endpoint": sub.endpoint, "created_at": sub.created_at })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unsubscribe {
    endpoint: String,
}

/// `DELETE /api/v1/push/subscriptions?endpoint=…`: 204, or 404 when there was none.
async fn unsubscribe(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<Unsubscribe>,
) -> Result<Response, ApiError> {
    if s.turno.unsubscribe_push(&actor, &q.endpoint).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::NotFound("push subscription").into())
    }
}
