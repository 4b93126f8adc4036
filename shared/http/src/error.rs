//! The API's error format: a stable code for programs, a message for people. Internal
//! details are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
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
