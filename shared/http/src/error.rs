//! The API's error format: a stable code for programs, a message for people. Internal
//! details are logged, never sent.

use std::any::Any;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use turno_core::app::AppError;
use turno_core::ports::{MediaError, SendError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

/// What answers a request whose handler panicked.
pub type PanicHandler = fn(Box<dyn Any + Send + 'static>) -> Response;

/// Turns a panic in a handler into a 500 in the error format, so one bad request costs its
/// own connection nothing and the process keeps serving everyone else.
pub fn catch_panic() -> CatchPanicLayer<PanicHandler> {
    CatchPanicLayer::custom(panic_response as PanicHandler)
}

fn panic_response(_payload: Box<dyn Any + Send + 'static>) -> Response {
    // The payload is not logged: a slicing panic quotes the string it was given, which can
    // be a customer's words or a token. The panic hook has already printed where it was.
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged",
    )
    .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::Invalid(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m)
            }
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            e @ AppError::WindowClosed => {
                ApiError::new(StatusCode::CONFLICT, "window_closed", e.to_string())
            }
            AppError::Channel(e) => {
                let (status, code) = match e {
                    SendError::Throttled { .. } => {
                        (StatusCode::SERVICE_UNAVAILABLE, "whatsapp_throttled")
                    }
                    SendError::Unavailable(_) => {
                        (StatusCode::SERVICE_UNAVAILABLE, "whatsapp_unavailable")
                    }
                    SendError::Unauthorized { .. } => {
                        (StatusCode::BAD_GATEWAY, "whatsapp_unauthorized")
                    }
                    _ => (StatusCode::BAD_GATEWAY, "whatsapp_rejected"),
                };
                ApiError::new(
                    status,
                    code,
                    format!("WhatsApp did not take the message: {e}"),
                )
            }
            AppError::Media(e) => {
                let (status, code) = match e {
                    MediaError::TooLarge { .. } => (StatusCode::BAD_GATEWAY, "media_too_large"),
                    MediaError::Unavailable(_) => {
                        (StatusCode::SERVICE_UNAVAILABLE, "whatsapp_unavailable")
                    }
                    MediaError::Unauthorized { .. } => {
                        (StatusCode::BAD_GATEWAY, "whatsapp_unauthorized")
                    }
                    MediaError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                    MediaError::Rejected { .. } => (StatusCode::BAD_GATEWAY, "whatsapp_rejected"),
                };
                ApiError::new(
                    status,
                    code,
                    format!("could not fetch the media from WhatsApp: {e}"),
                )
            }
            AppError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "unexpected error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTP/1.1 request on a fresh connection: the status line and the body, or what
    /// came back before the server hung up.
    async fn get_raw(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_error_format_and_the_server_serves_on() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let cursor = String::from("0000000000000000000\u{e9}");
                    // A slice inside a multi-byte character, as the cursor check once did.
                    let _ = &cursor[..20];
                    "unreachable"
                }),
            )
            .route("/ok", get(|| async { "fine" }))
            .layer(catch_panic());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let boom = get_raw(addr, "/boom").await;

        assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
        let body = boom.split("\r\n\r\n").nth(1).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "internal");
        assert!(!body.contains("byte index"), "no internals leak: {body}");
        let ok = get_raw(addr, "/ok").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.ends_with("fine"), "{ok}");
        server.abort();
    }
}
