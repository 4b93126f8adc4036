//! The agent API's WhatsApp channel routes: templates (the only messages allowed outside the
//! 24-hour window), media messages, and the media customers sent.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, State};
use axum::http::StatusCode;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use turno_core::app::Attachment;
use turno_core::channel::attachment::{ATTACHMENT_MAX_BYTES, AttachmentError, check_attachment};
use turno_core::channel::message::Outbound;
use turno_core::kernel::ids::TicketId;

use crate::api::{ApiState, QueryParams};
use crate::auth::Caller;
use crate::error::ApiError;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/tickets/{id}/templates", post(send_template))
        .route("/tickets/{id}/outbound", post(send_outbound))
        .route("/tickets/{id}/media/{media_id}", get(media))
        .route(
            "/tickets/{id}/attachments",
            // The largest kind (a document) plus room for nothing else: the body is the file.
            post(send_attachment).layer(DefaultBodyLimit::max(ATTACHMENT_MAX_BYTES)),
        )
        .route(
            "/tickets/{id}/media",
            post(upload_media).layer(DefaultBodyLimit::max(ATTACHMENT_MAX_BYTES)),
        )
}

/// `Json` whose rejections use the API's error format.
struct JsonBody<T>(T);

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

fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    TicketId::parse(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
    /// The configured use: `re_engagement`, `follow_up`, ...
    #[serde(rename = "use")]
    use_: String,
}

/// `POST /tickets/{id}/templates {"use": "re_engagement"}`: sends the workspace's template for
/// that use, whether or not the window is open.
async fn send_template(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TemplateBody>,
) -> Result<Response, ApiError> {
    let id = ticket_id(&id)?;
    // A use with no template names nothing: not found, like an unknown id, with the list.
    if let Some(ws) = s.turno.workspaces().get(&actor.workspace)
        && ws.templates.get(&body.use_).is_none()
    {
        let known: Vec<&str> = ws.templates.0.keys().map(String::as_str).collect();
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no template is configured for {:?}; this workspace has: {}",
                body.use_,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    let entry = s.turno.agent_send_template(&actor, &id, &body.use_).await?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

/// `POST /tickets/{id}/outbound`: any message WhatsApp takes, as turno writes it on the
/// transcript: `{"type": "buttons", "body": …, "buttons": [{"id", "title"}]}`,
/// `{"type": "list", "body", "button", "rows": [{"id", "title", "description"}]}`,
/// `{"type": "media", "kind": "image", "source": {"link": "https://…"}, "caption": …}`,
/// `{"type": "template", "name", "language", "body_params": […]}` or
/// `{"type": "text", "body", "preview_url"}`. WhatsApp's limits are checked before sending
/// (422 `invalid_input` with the reason); free-form outside the window is 409 `window_closed`.
async fn send_outbound(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(message): JsonBody<Outbound>,
) -> Result<Response, ApiError> {
    let entry = s
        .turno
        .agent_send(&actor, &ticket_id(&id)?, message)
        .await?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentQuery {
    caption: Option<String>,
    filename: Option<String>,
}

/// The longest caption WhatsApp shows.
const CAPTION_MAX: usize = 1024;

fn refused(e: &AttachmentError) -> ApiError {
    let (status, code) = match e {
        AttachmentError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        AttachmentError::Unsupported(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type"),
        AttachmentError::Empty => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
    };
    ApiError::new(status, code, e.to_string())
}

/// The file a request carries: its type and bytes, checked against WhatsApp's types and
/// limits from the headers before the body is read, and again once it is.
fn file_body(
    headers: &axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(String, Bytes), ApiError> {
    let mime_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    // Type and size before the body is read; an empty file once the ticket is found.
    check_attachment(&mime_type, declared.max(1)).map_err(|e| refused(&e))?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("WhatsApp takes files up to {ATTACHMENT_MAX_BYTES} bytes"),
            )
        } else {
            ApiError::new(e.status(), "invalid_request", e.body_text())
        }
    })?;
    if !bytes.is_empty() {
        check_attachment(&mime_type, bytes.len()).map_err(|e| refused(&e))?;
    }
    Ok((mime_type, bytes))
}

/// `POST /tickets/{id}/attachments?caption=…&filename=…`: the request body is the file, with
/// its `Content-Type`. A type WhatsApp does not take is 415, a file over its kind's limit
/// (image 5 MB, audio and video 16 MB, sticker 500 KB, document 100 MB) 413, both told from
/// the headers before the body is read. The file is uploaded to WhatsApp and sent as an
/// image, document, audio, video or sticker message, with the caption where WhatsApp shows
/// one.
async fn send_attachment(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<AttachmentQuery>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let id = ticket_id(&id)?;
    if q.caption
        .as_deref()
        .is_some_and(|c| c.chars().count() > CAPTION_MAX)
    {
        return Err(ApiError::from(turno_core::app::AppError::Invalid(format!(
            "a caption is at most {CAPTION_MAX} characters"
        ))));
    }
    let (mime_type, bytes) = file_body(&headers, body)?;
    let file = Attachment {
        mime_type,
        filename: q.filename,
        caption: q.caption,
        bytes: bytes.to_vec(),
    };
    let entry = s.turno.agent_send_attachment(&actor, &id, file).await?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    filename: Option<String>,
}

/// `POST /tickets/{id}/media?filename=…`: the request body is the file, with its
/// `Content-Type`, checked as an attachment is (415, 413) and uploaded to WhatsApp without
/// sending anything: 201 with its media id, for a template's image, video or document header.
async fn upload_media(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let id = ticket_id(&id)?;
    let (mime_type, bytes) = file_body(&headers, body)?;
    let file = Attachment {
        mime_type,
        filename: q.filename,
        caption: None,
        bytes: bytes.to_vec(),
    };
    let uploaded = s.turno.agent_upload_media(&actor, &id, file).await?;
    Ok((StatusCode::CREATED, Json(uploaded)).into_response())
}

/// `GET /tickets/{id}/media/{media_id}`: the bytes of media on the ticket's transcript, with
/// its content type, fetched from WhatsApp. Always an attachment: the customer chose the bytes
/// and their type, and a browser must never render them as a page of the console's origin.
async fn media(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    Path((id, media_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = s
        .turno
        .ticket_media(&actor, &ticket_id(&id)?, &media_id)
        .await?;
    let content_type = HeaderValue::from_str(&file.mime_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        attachment_name(&media_id, &file.mime_type)
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (CONTENT_TYPE, content_type),
            // The bytes are the customer's: never let a browser guess them into HTML.
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            // A customer's "document" may be HTML: it must not run on the console's origin.
            (
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            ),
            (CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}

/// `media-<id>.<ext>` from letters and digits only: nothing the customer wrote (their file's
/// name, a quote, a path) reaches the header.
fn attachment_name(media_id: &str, mime_type: &str) -> String {
    let id: String = media_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect();
    let essence = mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ext = match essence.as_str() {
        "image/jpeg" => "jpg",
        "image/svg+xml" => "svg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "video/3gpp" => "3gp",
        "text/plain" => "txt",
        other => other
            .split_once('/')
            .map(|(_, sub)| sub)
            .filter(|sub| {
                (1..=8).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            .unwrap_or("bin"),
    };
    format!("media-{id}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_keep_only_safe_characters() {
        assert_eq!(
            attachment_name("7770001", "image/jpeg"),
            "media-7770001.jpg"
        );
        assert_eq!(
            attachment_name("12\"; x=../../a", "application/pdf; q=1"),
            "media-12xa.pdf"
        );
        assert_eq!(attachment_name("1", "text/html"), "media-1.html");
        assert_eq!(
            attachment_name("1", "application/vnd.openxmlformats-officedocument"),
            "media-1.bin"
        );
        assert_eq!(attachment_name("1", "nonsense"), "media-1.bin");
        assert_eq!(attachment_name("\u{e9}\u{e9}", "x/\u{e9}"), "media-.bin");
    }
}
