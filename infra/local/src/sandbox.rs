//! The sandbox: chat with the bot as a WhatsApp customer, with no WhatsApp account. Messages
//! typed here enter through the same use case as a verified webhook; replies are kept by the
//! sandbox channel instead of going to Meta.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use turno_core::app::{Turno, WebhookBatch};
use turno_core::channel::message::{Content, InboundMessage, MediaKind};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::QueueName;
use turno_embedded::{SandboxWhatsApp, SqliteQueues};
use turno_http::error::ApiError;
use turno_whatsapp::breaker::{BreakerState, CircuitBreaker};

const PAGE: &str = include_str!("../static/sandbox.html");
/// The largest file the sandbox customer may send: WhatsApp's limit for audio and video.
const MEDIA_MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct SandboxState {
    pub turno: Turno,
    pub sandbox: Option<Arc<SandboxWhatsApp>>,
    pub queues: Arc<SqliteQueues>,
    pub breaker: Option<Arc<CircuitBreaker>>,
}

pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/console/") }))
        .route("/healthz", get(health))
        .route("/sandbox", get(page))
        .route("/sandbox/api/messages", get(outbox).post(send))
        .route(
            "/sandbox/api/media",
            post(send_media).layer(DefaultBodyLimit::max(MEDIA_MAX_BYTES)),
        )
        .route("/sandbox/api/media/{media_id}", get(media))
        .with_state(state)
}

async fn page() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(PAGE)).into_response()
}

/// `ok`, or `degraded` with every reason: messages in the dead letters (redrive them with
/// `turno dead-letters redrive` or the admin API once the cause is fixed) or sending paused
/// because WhatsApp keeps failing.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    reasons: Vec<String>,
    sandbox: bool,
    whatsapp: Option<BreakerState>,
    queues: Vec<QueueHealth>,
}

#[derive(Serialize)]
struct QueueHealth {
    queue: &'static str,
    depth: u64,
    dead_letters: u64,
}

async fn health(State(s): State<SandboxState>) -> Result<Json<Health>, ApiError> {
    let mut queues = Vec::new();
    for q in QueueName::ALL {
        let depth = s.queues.depth(q).map_err(internal)?;
        let dead_letters = s.queues.dead_letters(q).map_err(internal)?.len() as u64;
        queues.push(QueueHealth {
            queue: q.as_str(),
            depth,
            dead_letters,
        });
    }
    let mut reasons = Vec::new();
    for q in queues.iter().filter(|q| q.dead_letters > 0) {
        reasons.push(format!(
            "{} message(s) of the {} queue are in the dead letters: fix the cause, then run `turno dead-letters redrive` (or POST /api/v1/admin/dead-letters/redrive)",
            q.dead_letters, q.queue
        ));
    }
    let whatsapp = s.breaker.as_ref().map(|b| b.state());
    if let Some(BreakerState::Open { reason, .. } | BreakerState::Probing { reason, .. }) =
        &whatsapp
    {
        reasons.push(format!(
            "sending to WhatsApp is paused ({reason}); replies wait in the queue and go once a probe succeeds"
        ));
    }
    Ok(Json(Health {
        status: if reasons.is_empty() { "ok" } else { "degraded" },
        reasons,
        sandbox: s.sandbox.is_some(),
        whatsapp,
        queues,
    }))
}

fn internal(e: impl Into<anyhow::Error>) -> ApiError {
    ApiError::from(turno_core::app::AppError::Unexpected(e.into()))
}

fn sandbox_of(s: &SandboxState) -> Result<&Arc<SandboxWhatsApp>, ApiError> {
    s.sandbox.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "sandbox_off",
            "the sandbox is off because WHATSAPP_ACCESS_TOKEN is set (live mode)",
        )
    })
}

fn workspace_or_only(turno: &Turno, ws: Option<WorkspaceId>) -> Result<WorkspaceId, ApiError> {
    match ws {
        Some(ws) if turno.workspaces().get(&ws).is_some() => Ok(ws),
        Some(_) => Err(ApiError::bad_request("unknown workspace")),
        None => {
            let mut all = turno.workspaces().iter();
            match (all.next(), all.next()) {
                (Some(only), None) => Ok(only.id.clone()),
                _ => Err(ApiError::bad_request(
                    "several workspaces are configured: name one in `workspace`",
                )),
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    workspace: Option<WorkspaceId>,
    customer: String,
    name: Option<String>,
    text: String,
}

async fn send(
    State(s): State<SandboxState>,
    Json(body): Json<SendBody>,
) -> Result<Response, ApiError> {
    sandbox_of(&s)?;
    let workspace = workspace_or_only(&s.turno, body.workspace)?;
    let from = WaId::parse(&body.customer).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > 4096 {
        return Err(ApiError::bad_request("text must be 1 to 4096 characters"));
    }
    let id = MessageId::parse(format!(
        "wamid.sandbox.in.{}",
        uuid::Uuid::now_v7().simple()
    ))
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let message = InboundMessage {
        workspace,
        id: id.clone(),
        from,
        profile_name: body.name.filter(|n| !n.trim().is_empty()),
        at: jiff::Timestamp::now(),
        content: Content::Text {
            body: text.to_owned(),
        },
        context: None,
    };
    s.turno
        .accept_webhook(WebhookBatch {
            messages: vec![message],
            ..WebhookBatch::default()
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaQuery {
    workspace: Option<WorkspaceId>,
    customer: String,
    name: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
}

/// `POST /sandbox/api/media?customer=…`: the customer sends a file (the request body, with its
/// `Content-Type`), kept by the sandbox channel as WhatsApp keeps media, so agents open it
/// through the same media route as in production.
async fn send_media(
    State(s): State<SandboxState>,
    Query(q): Query<MediaQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let sandbox = sandbox_of(&s)?;
    let workspace = workspace_or_only(&s.turno, q.workspace)?;
    let from = WaId::parse(&q.customer).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body must hold the file"));
    }
    let mime_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|m| m.contains('/'))
        .ok_or_else(|| {
            ApiError::bad_request(
                "set Content-Type to the file's type (image/jpeg, audio/ogg, ...)",
            )
        })?
        .to_owned();
    let kind = match mime_type.split('/').next() {
        Some("image") if mime_type.starts_with("image/webp") => MediaKind::Sticker,
        Some("image") => MediaKind::Image,
        Some("audio") => MediaKind::Audio,
        Some("video") => MediaKind::Video,
        _ => MediaKind::Document,
    };
    let media_id = sandbox
        .keep_media(&workspace, &mime_type, body.to_vec())
        .await
        .map_err(internal)?;
    let id = MessageId::parse(format!(
        "wamid.sandbox.in.{}",
        uuid::Uuid::now_v7().simple()
    ))
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let message = InboundMessage {
        workspace,
        id: id.clone(),
        from,
        profile_name: q.name.filter(|n| !n.trim().is_empty()),
        at: jiff::Timestamp::now(),
        content: Content::Media {
            kind,
            media_id: media_id.clone(),
            mime_type: Some(mime_type),
            caption: q.caption.filter(|c| !c.trim().is_empty()),
            filename: q.filename.filter(|_| kind == MediaKind::Document),
        },
        context: None,
    };
    s.turno
        .accept_webhook(WebhookBatch {
            messages: vec![message],
            ..WebhookBatch::default()
        })
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "id": id, "media_id": media_id })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct MediaFileQuery {
    workspace: Option<WorkspaceId>,
}

/// `GET /sandbox/api/media/{id}`: media the sandbox keeps (what agents sent the customer, or
/// the customer sent), for the sandbox page to show. Raster images keep their type so the page
/// can show them; anything else is bytes to save, never a page of this origin.
async fn media(
    State(s): State<SandboxState>,
    Path(media_id): Path<String>,
    Query(q): Query<MediaFileQuery>,
) -> Result<Response, ApiError> {
    use turno_core::ports::WhatsApp;
    let sandbox = sandbox_of(&s)?;
    let workspace = workspace_or_only(&s.turno, q.workspace)?;
    let file = sandbox
        .media(&workspace, &media_id)
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such media"))?;
    let inline = ["image/jpeg", "image/png", "image/webp"].contains(&file.mime_type.as_str());
    let content_type = if inline {
        file.mime_type.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct OutboxQuery {
    workspace: Option<WorkspaceId>,
    customer: String,
    #[serde(default)]
    after: i64,
}

async fn outbox(
    State(s): State<SandboxState>,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, ApiError> {
    let sandbox = sandbox_of(&s)?;
    let workspace = workspace_or_only(&s.turno, q.workspace)?;
    let customer = WaId::parse(&q.customer).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let messages = sandbox
        .messages(&workspace, Some(&customer), q.after)
        .map_err(internal)?;
    Ok(Json(serde_json::json!({ "messages": messages })).into_response())
}
