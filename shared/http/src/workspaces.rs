//! The deployment's workspaces, for its operators: onboarding a WhatsApp number while the
//! deployment runs (`POST /admin/workspaces`) and listing them. A workspace's admin is not an
//! operator and is refused (403).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use turno_core::app::MAX_WORKSPACES_LISTED;
use turno_core::kernel::ids::WorkspaceId;

use crate::api::{ApiState, JsonBody, QueryParams};
use crate::auth::OperatorCaller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/admin/workspaces", get(list).post(onboard))
        .route("/admin/workspaces/{id}", get(one))
}

fn workspace_id(raw: &str, what: &str) -> Result<WorkspaceId, ApiError> {
    WorkspaceId::parse(raw).map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OnboardQuery {
    /// A workspace whose configuration the new one starts from.
    template: Option<String>,
}

/// `POST /api/v1/admin/workspaces[?template=<id>]` (operators): 201 with the new workspace
/// and its `Location`; 409 if it exists.
async fn onboard(
    State(s): State<ApiState>,
    OperatorCaller(op): OperatorCaller,
    QueryParams(q): QueryParams<OnboardQuery>,
    JsonBody(body): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let template = q
        .template
        .as_deref()
        .map(|t| workspace_id(t, "template"))
        .transpose()?;
    let created = s
        .turno
        .onboard_workspace(&op, serde_json::Value::Object(body), template.as_ref())
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/admin/workspaces/{}", created.id))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/v1/admin/workspaces"));
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/admin/workspaces[?after=<id>&limit=n]` (operators).
async fn list(
    State(s): State<ApiState>,
    OperatorCaller(op): OperatorCaller,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let after = q
        .after
        .as_deref()
        .map(|a| workspace_id(a, "after"))
        .transpose()?;
    let page = s
        .turno
        .workspace_list(
            &op,
            after.as_ref(),
            q.limit.unwrap_or(MAX_WORKSPACES_LISTED),
        )
        .await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/admin/workspaces/{id}` (operators).
async fn one(
    State(s): State<ApiState>,
    OperatorCaller(op): OperatorCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = workspace_id(&id, "id")?;
    Ok(Json(s.turno.workspace_summary(&op, &id).await?).into_response())
}
