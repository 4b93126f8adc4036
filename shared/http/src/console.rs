//! The agent API routes behind the console: the ticket list with filters, counts, paging and
//! ETags; a ticket with everything beside it; notes, tags, escalation, statuses with reopen;
//! quick replies; customers; teams; admin settings; the dashboard and the reports; and the change
//! feed.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use turno_core::app::{AssigneeFilter, ListParams, ListView, SlaState, StatusChange};
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::{TeamId, TicketId};
use turno_core::kernel::levels::Priority;

use crate::api::{ApiState, JsonBody, QueryParams};
use crate::auth::Caller;
use crate::error::ApiError;

/// The routes under `/api/v1` this module serves (the list and the ticket replace the first
/// cut's).
pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/tickets/changed", get(changed_tickets))
        .route("/tickets/{id}/notes", post(add_note))
        .route("/tickets/{id}/escalate", post(escalate))
        .route("/tickets/{id}/tags", put(set_tags))
        .merge(crate::directory::routes())
        .route("/teams", get(teams))
        .route("/templates", get(templates))
        .route("/admin/sla-policies", get(sla_policies))
        .route("/admin/bot-config", get(bot_config))
        .route("/admin/quarantine", get(quarantine))
        .route("/metrics/dashboard", get(dashboard))
        .route("/reports", get(crate::reports::report))
        .route("/events", get(events))
        .route("/openapi.json", get(openapi))
}

/// `GET /api/v1/events/stream`: the change feed as server-sent events, for a long-lived
/// server (the local runner). Each event's id is its cursor, so a reconnecting browser
/// resumes from `Last-Event-ID`. Streams end when `shutdown` turns true, so a graceful
/// shutdown does not wait for open consoles.
pub fn events_stream_router(state: ApiState, shutdown: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/api/v1/events/stream", get(events_stream))
        .layer(crate::error::catch_panic())
        .with_state(StreamState {
            api: state,
            shutdown,
        })
}

#[derive(Clone)]
struct StreamState {
    api: ApiState,
    shutdown: watch::Receiver<bool>,
}

impl AsRef<crate::auth::Auth> for StreamState {
    fn as_ref(&self) -> &crate::auth::Auth {
        &self.api.auth
    }
}

impl AsRef<turno_core::app::Turno> for StreamState {
    fn as_ref(&self) -> &turno_core::app::Turno {
        &self.api.turno
    }
}

fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn parse<T: std::str::FromStr>(what: &str, v: Option<String>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    v.filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
        })
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    view: Option<String>,
    team: Option<String>,
    assignee: Option<String>,
    priority: Option<String>,
    sla: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

struct PriorityParam(Priority);

impl std::str::FromStr for PriorityParam {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map(PriorityParam)
            .map_err(|_| format!("unknown priority {s:?}: use low, normal, high or urgent"))
    }
}

/// A weak ETag over a response body: equal bodies, equal tags.
fn etag(body: &[u8]) -> String {
    let mut h = std::hash::DefaultHasher::new();
    body.hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

fn tag_matches(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

fn tag_header(tag: &str) -> Result<HeaderValue, ApiError> {
    Ok(HeaderValue::from_str(tag)
        .map_err(|e| turno_core::app::AppError::Unexpected(anyhow::anyhow!("ETag header: {e}")))?)
}

fn not_modified(tag: &str) -> Result<Response, ApiError> {
    Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag_header(tag)?)]).into_response())
}

fn json_with_etag<T: Serialize>(headers: &HeaderMap, value: &T) -> Result<Response, ApiError> {
    let body =
        serde_json::to_vec(value).map_err(|e| turno_core::app::AppError::Unexpected(e.into()))?;
    let tag = etag(&body);
    if tag_matches(headers, &tag) {
        return not_modified(&tag);
    }
    respond_json(body, &tag)
}

/// A JSON body under a tag computed before it.
fn json_tagged<T: Serialize>(value: &T, tag: &str) -> Result<Response, ApiError> {
    let body =
        serde_json::to_vec(value).map_err(|e| turno_core::app::AppError::Unexpected(e.into()))?;
    respond_json(body, tag)
}

fn respond_json(body: Vec<u8>, tag: &str) -> Result<Response, ApiError> {
    let tag_header = tag_header(tag)?;
    Ok((
        [
            (header::ETAG, tag_header),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}

pub(crate) async fn list_tickets(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    // The tag is checked before any list is read: the change feed's newest cursor, the caller
    // and the parameters. A poll with nothing new costs that one read.
    let version = s.turno.list_version(&actor).await?;
    let tag = etag(
        format!(
            "{version}|{}|{:?}|{}",
            actor.agent,
            actor.role,
            raw.unwrap_or_default()
        )
        .as_bytes(),
    );
    if tag_matches(&headers, &tag) {
        return not_modified(&tag);
    }
    let params = ListParams {
        status: parse::<TicketStatus>("status", q.status)?,
        view: parse::<ListView>("view", q.view)?.unwrap_or_default(),
        team: q
            .team
            .filter(|t| !t.is_empty())
            .map(TeamId::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        assignee: parse::<AssigneeFilter>("assignee", q.assignee)?,
        priority: parse::<PriorityParam>("priority", q.priority)?.map(|p| p.0),
        sla: parse::<SlaState>("sla", q.sla)?,
        q: q.q.filter(|x| !x.trim().is_empty()),
        cursor: q.cursor.filter(|c| !c.is_empty()),
        limit: q.limit,
    };
    let page = s.turno.ticket_page(&actor, params).await?;
    json_tagged(&page, &tag)
}

pub(crate) async fn ticket(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let detail = s.turno.ticket_detail(&actor, &ticket_id(&id)?).await?;
    json_with_etag(&headers, &detail)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangedQuery {
    /// Ticket ids separated by commas.
    ids: String,
    team: Option<String>,
}

/// A ticket id in a list: the ids this API hands out (letters, digits and `._~-`, not
/// starting with a dot, at most 128), as the document says.
fn listed_ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    let fits = raw.len() <= 128
        && !raw.starts_with('.')
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'));
    if !fits {
        return Err(ApiError::bad_request(
            "ids: ticket ids are letters, digits and ._~- separated by commas",
        ));
    }
    ticket_id(raw)
}

/// `GET /tickets/changed?ids=a,b&team=`: the tickets a change feed page named, as list rows
/// the caller may see, with the list's counters.
async fn changed_tickets(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<ChangedQuery>,
) -> Result<Response, ApiError> {
    let ids = q
        .ids
        .split(',')
        .filter(|x| !x.is_empty())
        .take(turno_core::app::MAX_CHANGED + 1)
        .map(listed_ticket_id)
        .collect::<Result<Vec<_>, _>>()?;
    let team = q
        .team
        .filter(|t| !t.is_empty())
        .map(TeamId::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let changed = s
        .turno
        .changed_tickets(&actor, &ids, team)
        .await
        .map_err(|e| match e {
            turno_core::app::AppError::Invalid(m) => ApiError::bad_request(m),
            e => ApiError::from(e),
        })?;
    Ok(Json(changed).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    /// `pending`, `snoozed` (with `until`), `resolved`, `queued`, `closed`, or `reopen`.
    status: String,
    until: Option<jiff::Timestamp>,
}

pub(crate) async fn change_status(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Result<Response, ApiError> {
    let id = ticket_id(&id)?;
    let t = if body.status == "reopen" {
        if body.until.is_some() {
            return Err(ApiError::from(turno_core::app::AppError::Invalid(
                "`until` goes only with the snoozed status".into(),
            )));
        }
        s.turno.reopen(&actor, &id).await?
    } else {
        let change: StatusChange = serde_json::from_value(serde_json::Value::String(
            body.status.clone(),
        ))
        .map_err(|_| {
            ApiError::bad_request(format!(
                "unknown status {:?}: use pending, snoozed, resolved, queued, closed or reopen",
                body.status
            ))
        })?;
        s.turno
            .change_status(&actor, &id, change, body.until)
            .await?
    };
    Ok(Json(t).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

async fn add_note(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NoteBody>,
) -> Result<Response, ApiError> {
    let entry = s
        .turno
        .add_note(&actor, &ticket_id(&id)?, &body.text)
        .await?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    reason: Option<String>,
}

async fn escalate(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EscalateBody>,
) -> Result<Response, ApiError> {
    let t = s
        .turno
        .escalate_by_hand(&actor, &ticket_id(&id)?, body.reason)
        .await?;
    Ok(Json(t).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsBody {
    tags: Vec<String>,
}

async fn set_tags(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TagsBody>,
) -> Result<Response, ApiError> {
    let t = s
        .turno
        .set_tags(&actor, &ticket_id(&id)?, &body.tags)
        .await?;
    Ok(Json(t).into_response())
}

async fn teams(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    Ok(Json(s.turno.teams(&actor).await?).into_response())
}

async fn sla_policies(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.sla_settings(&actor).await?).into_response())
}

async fn bot_config(
    State(s): State<ApiState>,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    Ok(Json(s.turno.bot_settings(&actor).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuarantineQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn quarantine(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<QuarantineQuery>,
) -> Result<Response, ApiError> {
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    Ok(Json(s.turno.quarantine_page(&actor, cursor, q.limit).await?).into_response())
}

async fn dashboard(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    Ok(Json(s.turno.dashboard(&actor).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    since: Option<String>,
}

async fn events(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Result<Response, ApiError> {
    let page = s
        .turno
        .changes(&actor, q.since.as_deref().filter(|x| !x.is_empty()))
        .await
        .map_err(|e| match e {
            // The only input `changes` judges is the cursor: a malformed query parameter.
            turno_core::app::AppError::Invalid(m) => ApiError::bad_request(m),
            e => ApiError::from(e),
        })?;
    Ok(Json(page).into_response())
}

async fn openapi() -> Response {
    Json(crate::openapi::document()).into_response()
}

/// How often the stream reads the change feed.
const STREAM_POLL: Duration = Duration::from_millis(500);

async fn events_stream(
    State(StreamState { api: s, shutdown }): State<StreamState>,
    Caller(actor): Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The first read checks the cursor and the caller, so errors are plain HTTP errors.
    let first = s.turno.changes(&actor, resume.as_deref()).await?;
    let stream = futures::stream::unfold(
        (s, actor, first, false, shutdown),
        |(s, actor, page, mut polled, mut shutdown)| async move {
            let mut page = page;
            loop {
                if *shutdown.borrow() {
                    return None;
                }
                if polled {
                    tokio::select! {
                        _ = tokio::time::sleep(STREAM_POLL) => {}
                        changed = shutdown.changed() => {
                            if changed.is_err() {
                                return None;
                            }
                            continue;
                        }
                    }
                    match s.turno.changes(&actor, Some(&page.cursor)).await {
                        Ok(next) => page = next,
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream stopped");
                            return None;
                        }
                    }
                }
                polled = true;
                if page.events.is_empty() {
                    continue;
                }
                let data = serde_json::to_string(&page).unwrap_or_default();
                let event = Event::default()
                    .event("changes")
                    .id(page.cursor.clone())
                    .data(data);
                let next = turno_core::app::ChangePage {
                    events: Vec::new(),
                    cursor: page.cursor.clone(),
                };
                return Some((
                    Ok::<_, std::convert::Infallible>(event),
                    (s, actor, next, true, shutdown),
                ));
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// A configured template to send, by its name in WhatsApp Manager.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateChoice {
    name: String,
    /// The approved language code; the variant for the customer's language when absent.
    language: Option<String>,
    /// The body's placeholder values, `{{1}}` first; the configured ones when absent.
    params: Option<Vec<String>>,
    /// The image, video or document of a template approved with a media header.
    header_media: Option<HeaderMediaChoice>,
}

/// A template header's media: a public `https` link or a media id from an upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeaderMediaChoice {
    link: Option<String>,
    id: Option<String>,
}

impl HeaderMediaChoice {
    fn source(self) -> Result<turno_core::channel::message::MediaSource, ApiError> {
        use turno_core::channel::message::MediaSource;
        match (self.link, self.id) {
            (Some(link), None) if link.starts_with("https://") => Ok(MediaSource::Link(link)),
            (None, Some(id)) => Ok(MediaSource::Id(id)),
            _ => Err(turno_core::app::AppError::Invalid(
                "header_media must give exactly one of `link` (https) or `id`".into(),
            )
            .into()),
        }
    }
}

/// Sends one of the workspace's configured templates (allowed outside the 24-hour window),
/// in the customer's language unless one is named, every body placeholder filled.
pub(crate) async fn send_template(
    s: &ApiState,
    actor: &turno_core::app::Actor,
    id: &TicketId,
    choice: TemplateChoice,
) -> Result<turno_core::channel::message::TranscriptEntry, ApiError> {
    // An unknown name names no template: not found, like any unknown id, before its values
    // are looked at.
    if !s
        .turno
        .template_known(&actor.workspace, &choice.name)
        .await?
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "{:?} is neither a configured template nor an approved one synced from WhatsApp: see GET /api/v1/templates",
                choice.name
            ),
        ));
    }
    s.turno
        .agent_send_named_template(
            actor,
            id,
            &choice.name,
            choice.language,
            choice.params,
            choice
                .header_media
                .map(HeaderMediaChoice::source)
                .transpose()?,
        )
        .await
        .map_err(|e| match e {
            // An unknown name names no template: not found, like any unknown id.
            turno_core::app::AppError::NotFound("template") => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "{:?} is neither a configured template nor an approved one synced from WhatsApp: see GET /api/v1/templates",
                    choice.name
                ),
            ),
            e => e.into(),
        })
}

/// `GET /templates`: the workspace's templates WhatsApp has not reported as unusable, by use,
/// with their last known status, quality and category.
async fn templates(State(s): State<ApiState>, Caller(actor): Caller) -> Result<Response, ApiError> {
    let list = s.turno.templates_offered(&actor).await?;
    Ok(Json(list).into_response())
}
