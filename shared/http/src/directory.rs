//! The workspace's shared records the console edits beside tickets: quick replies and
//! customers' profiles, and a customer's data exported or erased on request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use turno_core::app::{CustomerPatch, QuickReplyInput};
use turno_core::kernel::ids::WaId;

use crate::api::{ApiState, JsonBody};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/quick-replies",
            get(quick_replies).post(create_quick_reply),
        )
        .route(
            "/quick-replies/{id}",
            put(update_quick_reply).delete(delete_quick_reply),
        )
        .route(
            "/customers/{wa_id}",
            get(customer).patch(update_customer).delete(erase_customer),
        )
        .route("/customers/{wa_id}/export", get(export_customer))
}

fn quick_reply_id(raw: &str) -> Result<&str, ApiError> {
    if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::bad_request(
            "a quick reply id is 1 to 64 letters and digits",
        ));
    }
    Ok(raw)
}

async fn quick_replies(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.quick_replies(&actor).await?).into_response())
}

async fn create_quick_reply(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<QuickReplyInput>,
) -> Result<Response, ApiError> {
    let q = s.turno.save_quick_reply(&actor, None, body).await?;
    Ok((StatusCode::CREATED, Json(q)).into_response())
}

async fn update_quick_reply(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<QuickReplyInput>,
) -> Result<Response, ApiError> {
    let q = s
        .turno
        .save_quick_reply(&actor, Some(quick_reply_id(&id)?), body)
        .await?;
    Ok(Json(q).into_response())
}

async fn delete_quick_reply(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.turno
        .delete_quick_reply(&actor, quick_reply_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn wa_id(raw: &str) -> Result<WaId, ApiError> {
    WaId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn customer(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.customer(&actor, &wa_id(&id)?).await?).into_response())
}

async fn update_customer(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CustomerPatch>,
) -> Result<Response, ApiError> {
    let view = s.turno.update_customer(&actor, &wa_id(&id)?, body).await?;
    Ok(Json(view).into_response())
}

/// Everything stored about the customer (supervisors and admins; audited).
async fn export_customer(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.export_customer(&actor, &wa_id(&id)?).await?).into_response())
}

/// Erases everything stored about the customer (admins; audited); asking again is 200 with
/// nothing deleted.
async fn erase_customer(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.erase_customer(&actor, &wa_id(&id)?).await?).into_response())
}
