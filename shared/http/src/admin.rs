//! Administration at run time (admins): the workspace's configuration as JSON with its
//! version, one section at a time, its agents, and the audit of saved changes.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use turno_core::app::{AgentInput, ConfigSection, ConfigView};
use turno_core::kernel::ids::AgentId;

use crate::api::{ApiState, JsonBody};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/admin/config", get(config).put(save_config))
        .route("/admin/config/{section}", put(save_section))
        .route("/admin/agents", axum::routing::post(invite_agent))
        .route(
            "/admin/agents/{id}",
            patch(update_agent).delete(deactivate_agent),
        )
        .route("/admin/audit", get(audit))
        .route("/admin/templates", get(templates))
        .route("/admin/templates/sync", axum::routing::post(sync_templates))
}

/// The version an `If-Match` header names: `3`, `"3"` or `W/"3"`.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = raw
        .to_str()
        .ok()
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "If-Match: the configuration's version, as GET /admin/config gives it in ETag",
            )
        })?;
    Ok(Some(text))
}

fn with_etag(view: ConfigView) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", view.version))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let mut response = Json(view).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    response
}

fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    AgentId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn config(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    Ok(with_etag(s.turno.admin_config(&actor).await?))
}

async fn save_config(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match: send the version you edited (the ETag of GET /admin/config)",
        )
    })?;
    let view = s
        .turno
        .save_config(&actor, expected, serde_json::Value::Object(body))
        .await?;
    Ok(with_etag(view))
}

async fn save_section(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(section): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> Result<Response, ApiError> {
    let section = ConfigSection::parse(&section).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such configuration section",
        )
    })?;
    let expected = if_match(&headers)?;
    let view = s
        .turno
        .save_config_section(&actor, expected, section, body)
        .await?;
    Ok(with_etag(view))
}

async fn invite_agent(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AgentInput>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let agent = s.turno.invite_agent(&actor, expected, body).await?;
    Ok((StatusCode::CREATED, Json(agent)).into_response())
}

async fn update_agent(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AgentInput>,
) -> Result<Response, ApiError> {
    let id = agent_id(&id)?;
    let expected = if_match(&headers)?;
    let agent = s.turno.update_agent(&actor, expected, &id, body).await?;
    Ok(Json(agent).into_response())
}

async fn deactivate_agent(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = agent_id(&id)?;
    let expected = if_match(&headers)?;
    s.turno.deactivate_agent(&actor, expected, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn audit(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    Ok(Json(s.turno.config_audit(&actor).await?).into_response())
}

async fn templates(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    Ok(Json(s.turno.admin_templates(&actor).await?).into_response())
}

async fn sync_templates(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.sync_templates(&actor).await?).into_response())
}
