//! The agent API under `/api/v1`: tickets, replies, assignment, statuses, agents.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
#[cfg(feature = "dev-login")]
use serde::Serialize;
use turno_core::app::{Transfer, Turno};
use turno_core::desk::agent::{Agent, Availability};
#[cfg(feature = "dev-login")]
use turno_core::kernel::ids::WorkspaceId;
use turno_core::kernel::ids::{AgentId, TicketId};

use crate::auth::{Auth, Caller};
use crate::error::ApiError;

/// Most a JSON request body may hold.
const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct ApiState {
    pub turno: Turno,
    pub auth: Arc<Auth>,
    /// Lets `POST /api/v1/auth/dev-login` hand out tokens for configured agents. Only the
    /// local runner turns this on; the Lambda build has no way to: the route exists only with
    /// the `dev-login` feature, which only the local runner enables, and a Cognito
    /// ([`Auth::api_gateway`]) deployment has no key to sign tokens with.
    pub dev_login: bool,
}

impl AsRef<Auth> for ApiState {
    fn as_ref(&self) -> &Auth {
        &self.auth
    }
}

impl AsRef<Turno> for ApiState {
    fn as_ref(&self) -> &Turno {
        &self.turno
    }
}

pub fn api_router(state: ApiState) -> Router {
    let mut v1 = Router::new()
        .route("/me", get(me))
        .route("/me/availability", put(set_availability))
        .route("/agents", get(agents))
        .route("/tickets", get(crate::console::list_tickets))
        .route("/tickets/{id}", get(crate::console::ticket))
        .route("/tickets/{id}/messages", post(reply))
        .route("/tickets/{id}/assign", post(assign))
        .route("/tickets/{id}/status", post(crate::console::change_status))
        .route("/tickets/{id}/transfer", post(transfer))
        .route("/admin/dead-letters", get(dead_letters))
        .route("/admin/dead-letters/redrive", post(redrive_dead_letters))
        .merge(crate::console::routes())
        .merge(crate::channel::routes())
        .merge(crate::actions::routes())
        .merge(crate::export::routes())
        .merge(crate::admin::routes())
        .merge(crate::workspaces::routes())
        .merge(crate::push::routes());
    if state.dev_login {
        v1 = with_dev_login(v1);
    }
    Router::new()
        .nest("/api/v1", v1)
        .fallback(|| async { no_such_route() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method: see /api/v1/openapi.json",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(crate::error::catch_panic())
        .with_state(state)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    queue: Option<turno_core::ports::QueueName>,
}

/// `GET /api/v1/admin/dead-letters[?queue=inbound]` (admins).
async fn dead_letters(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Response, ApiError> {
    let letters = s.turno.dead_letters(&actor, q.queue).await?;
    Ok(Json(serde_json::json!({ "dead_letters": letters })).into_response())
}

/// `POST /api/v1/admin/dead-letters/redrive[?queue=inbound]` (admins).
async fn redrive_dead_letters(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<QueueQuery>,
) -> Result<Response, ApiError> {
    let redriven = s.turno.redrive_dead_letters(&actor, q.queue).await?;
    Ok(Json(serde_json::json!({ "redriven": redriven })).into_response())
}

fn no_such_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// `Json` whose rejections use the API's error format.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(ApiError::new(e.status(), "invalid_request", e.body_text())),
        }
    }
}

/// `Query` whose rejections use the API's error format.
pub(crate) struct QueryParams<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    axum::extract::Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn me(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Json<Agent>, ApiError> {
    Ok(Json(s.turno.me(&actor).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityBody {
    availability: Availability,
}

async fn set_availability(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    JsonBody(body): JsonBody<AvailabilityBody>,
) -> Result<Json<Agent>, ApiError> {
    Ok(Json(
        s.turno.set_availability(&actor, body.availability).await?,
    ))
}

async fn agents(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Agent>>, ApiError> {
    Ok(Json(s.turno.agents(&actor).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    text: Option<String>,
    /// Outside the 24-hour window only a configured template can be sent.
    template: Option<crate::console::TemplateChoice>,
}

async fn reply(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<Response, ApiError> {
    let id = ticket_id(&id)?;
    let entry = match (body.text, body.template) {
        (Some(text), None) => {
            // `/shortcut …` becomes the quick reply's text.
            let text = s.turno.expand_reply(&actor, &id, &text).await?;
            s.turno.agent_reply(&actor, &id, &text).await?
        }
        (None, Some(t)) => crate::console::send_template(&s, &actor, &id, t).await?,
        _ => {
            return Err(ApiError::from(turno_core::app::AppError::Invalid(
                "send exactly one of `text` or `template`".into(),
            )));
        }
    };
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    agent_id: AgentId,
}

async fn assign(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Response, ApiError> {
    let t = s
        .turno
        .assign(&actor, &ticket_id(&id)?, &body.agent_id)
        .await?;
    Ok(Json(t).into_response())
}

async fn transfer(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Transfer>,
) -> Result<Response, ApiError> {
    let t = s.turno.transfer(&actor, &ticket_id(&id)?, body).await?;
    Ok(Json(t).into_response())
}

#[cfg(feature = "dev-login")]
fn with_dev_login(v1: Router<ApiState>) -> Router<ApiState> {
    v1.route("/auth/dev-login", post(dev_login))
}

/// Builds without the `dev-login` feature (every Lambda function) have no such route.
#[cfg(not(feature = "dev-login"))]
fn with_dev_login(v1: Router<ApiState>) -> Router<ApiState> {
    v1
}

#[cfg(feature = "dev-login")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevLogin {
    agent_id: AgentId,
    workspace: Option<WorkspaceId>,
    /// A deployment operator's token (onboards workspaces): only for an admin. The local
    /// runner's operator is whoever works at this machine with an admin's id.
    #[serde(default)]
    operator: bool,
}

#[cfg(feature = "dev-login")]
#[derive(Serialize)]
struct TokenResponse {
    token: String,
    agent: Agent,
}

/// Local runner only: a token for a configured agent, no password. Requests that do not name
/// a loopback host get the unknown-route answer (see [`crate::auth::names_loopback_host`]).
#[cfg(feature = "dev-login")]
async fn dev_login(
    State(s): State<ApiState>,
    request: axum::extract::Request,
) -> Result<Json<TokenResponse>, ApiError> {
    let (parts, body) = request.into_parts();
    if !crate::auth::names_loopback_host(&parts) {
        return Err(no_such_route());
    }
    let JsonBody(body) =
        JsonBody::<DevLogin>::from_request(axum::extract::Request::from_parts(parts, body), &s)
            .await?;
    let ws = match body.workspace {
        Some(ws) => s
            .turno
            .workspaces()
            .get(&ws)
            // As for an unknown agent: which workspaces exist is not told to anonymous callers.
            .ok_or_else(|| ApiError::unauthorized("no configured agent has that id"))?,
        None => s
            .turno
            .workspaces()
            .iter()
            .find(|w| w.agents.iter().any(|a| a.id == body.agent_id))
            .ok_or_else(|| ApiError::unauthorized("no configured agent has that id"))?,
    };
    let agent = s
        .turno
        .store()
        .agent(&ws.id, &body.agent_id)
        .await
        .map_err(turno_core::app::AppError::from)?
        .ok_or_else(|| ApiError::unauthorized("no configured agent has that id"))?;
    if body.operator && agent.role < turno_core::desk::agent::Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an admin signs in as the local operator",
        ));
    }
    let token = if body.operator {
        s.auth
            .issue_operator(&ws.id, &agent.id, agent.role, 12 * 3600)
    } else {
        s.auth.issue(&ws.id, &agent.id, agent.role, 12 * 3600)
    }
    .map_err(turno_core::app::AppError::Unexpected)?;
    Ok(Json(TokenResponse { token, agent }))
}
