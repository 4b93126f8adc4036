//! The agent's actions beside the ticket: `PUT /tickets/{id}/priority`,
//! `GET /tickets/{id}/handoff` (the handoff summary) and `GET /snooze-presets`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use turno_core::kernel::ids::TicketId;
use turno_core::kernel::levels::Priority;

use crate::api::{ApiState, JsonBody};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/tickets/{id}/priority", put(set_priority))
        .route("/tickets/{id}/handoff", get(handoff))
        .route("/snooze-presets", get(snooze_presets))
}

fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorityBody {
    priority: Priority,
}

async fn set_priority(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PriorityBody>,
) -> Result<Response, ApiError> {
    let t = s
        .turno
        .set_priority(&actor, &ticket_id(&id)?, body.priority)
        .await?;
    Ok(Json(t).into_response())
}

async fn handoff(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let summary = s.turno.handoff_summary(&actor, &ticket_id(&id)?).await?;
    Ok(Json(summary).into_response())
}

async fn snooze_presets(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.snooze_presets(&actor)?).into_response())
}
