//! Reading the Graph API's answers: the message id on success, a `SendError` otherwise.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use turno_core::kernel::ids::MessageId;
use turno_core::ports::SendError;

/// Graph error codes that mean "slow down": 130429 (throughput), 131056 (pair rate limit),
/// 4 (application rate limit), 80007 (WABA rate limit).
const THROTTLED: [i64; 4] = [130429, 131056, 4, 80007];
/// Codes Meta documents as temporary: 2 (service), 131016 (service unavailable).
const TEMPORARY: [i64; 2] = [2, 131016];
const TOKEN_INVALID: i64 = 190;
const WINDOW_CLOSED: i64 = 131047;
/// Enough to show an agent why; Graph's messages are short, this only bounds a surprise.
const MAX_MESSAGE_CHARS: usize = 500;

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    messages: Vec<AcceptedMessage>,
}

#[derive(Deserialize)]
struct AcceptedMessage {
    id: String,
}

/// The answer to `GET /{media-id}`.
#[derive(Debug, Deserialize)]
pub(super) struct MediaInfo {
    pub url: String,
    pub mime_type: Option<String>,
    /// Graph sends it as a number or a string, depending on the version.
    #[serde(default, deserialize_with = "number_or_string")]
    pub file_size: Option<u64>,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        N(u64),
        S(String),
    }
    Ok(match Option::<Size>::deserialize(d)? {
        Some(Size::N(n)) => Some(n),
        Some(Size::S(s)) => s.parse().ok(),
        None => None,
    })
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GraphError,
}

/// The `error` object of a failed Graph call.
#[derive(Debug, Default, Deserialize)]
pub(super) struct GraphError {
    pub code: Option<i64>,
    #[serde(default)]
    pub message: String,
    pub error_data: Option<ErrorData>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorData {
    pub details: Option<String>,
}

/// The id WhatsApp gave the message, from a 2xx body.
pub(super) fn message_id(body: &[u8]) -> Option<MessageId> {
    let accepted: Accepted = serde_json::from_slice(body).ok()?;
    let first = accepted.messages.into_iter().next()?;
    MessageId::parse(first.id).ok()
}

/// The Graph error in a failed response's body, if it has one.
pub(super) fn graph_error(body: &[u8]) -> Option<GraphError> {
    serde_json::from_slice::<ErrorEnvelope>(body)
        .ok()
        .map(|e| e.error)
}

/// Maps a failed response to what the caller can do about it. Specific Graph codes win over
/// the HTTP status, since Graph reports most failures, rate limits included, as a plain 400.
pub(super) fn classify(
    status: StatusCode,
    error: Option<&GraphError>,
    retry_after: Option<Duration>,
) -> SendError {
    let code = error.and_then(|e| e.code);
    match code {
        Some(c) if THROTTLED.contains(&c) => return SendError::Throttled { retry_after },
        Some(TOKEN_INVALID) => {
            return SendError::Unauthorized {
                code: TOKEN_INVALID,
            };
        }
        Some(WINDOW_CLOSED) => return SendError::WindowClosed,
        Some(c) if TEMPORARY.contains(&c) => {
            return SendError::Unavailable(format!("HTTP {}, Graph error {c}", status.as_u16()));
        }
        _ => {}
    }
    let status_code = i64::from(status.as_u16());
    if status == StatusCode::TOO_MANY_REQUESTS {
        SendError::Throttled { retry_after }
    } else if status == StatusCode::UNAUTHORIZED {
        SendError::Unauthorized {
            code: code.unwrap_or(status_code),
        }
    } else if status.is_client_error() {
        SendError::Rejected {
            code: code.unwrap_or(status_code),
            message: error
                .map(describe)
                .unwrap_or_else(|| format!("HTTP {status_code}")),
        }
    } else {
        match code {
            Some(c) => SendError::Unavailable(format!("HTTP {status_code}, Graph error {c}")),
            None => SendError::Unavailable(format!("HTTP {status_code}")),
        }
    }
}

fn describe(e: &GraphError) -> String {
    let details = e
        .error_data
        .as_ref()
        .and_then(|d| d.details.as_deref())
        .filter(|d| !d.is_empty() && *d != e.message);
    let text = match details {
        Some(d) if e.message.is_empty() => d.to_owned(),
        Some(d) => format!("{}: {d}", e.message),
        None => e.message.clone(),
    };
    text.chars().take(MAX_MESSAGE_CHARS).collect()
}

/// `Retry-After` as seconds or as an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn error(code: i64) -> GraphError {
        GraphError {
            code: Some(code),
            message: "(#x) something".into(),
            error_data: None,
        }
    }

    #[test]
    fn rate_limit_codes_throttle_even_on_a_plain_400() {
        for code in THROTTLED {
            let e = classify(StatusCode::BAD_REQUEST, Some(&error(code)), None);
            assert_eq!(e, SendError::Throttled { retry_after: None }, "code {code}");
        }
    }

    #[test]
    fn an_expired_token_is_unauthorized_whatever_the_status() {
        let e = classify(StatusCode::BAD_REQUEST, Some(&error(190)), None);
        assert_eq!(e, SendError::Unauthorized { code: 190 });
    }

    #[test]
    fn server_errors_without_a_body_are_unavailable() {
        let e = classify(StatusCode::BAD_GATEWAY, None, None);
        assert_eq!(e, SendError::Unavailable("HTTP 502".into()));
    }

    #[test]
    fn rejection_message_joins_message_and_details() {
        let e = GraphError {
            code: Some(131009),
            message: "(#131009) Parameter value is not valid".into(),
            error_data: Some(ErrorData {
                details: Some("Button title length invalid".into()),
            }),
        };
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, Some(&e), None),
            SendError::Rejected {
                code: 131009,
                message: "(#131009) Parameter value is not valid: Button title length invalid"
                    .into()
            }
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_http_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("later"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn the_message_id_comes_from_the_first_message() {
        let body = br#"{"messaging_product":"whatsapp","contacts":[{"input":"34600111222","wa_id":"34600111222"}],"messages":[{"id":"wamid.ABC="}]}"#;
        assert_eq!(
            message_id(body).map(|m| m.to_string()),
            Some("wamid.ABC=".into())
        );
        assert_eq!(message_id(b"{}"), None);
    }
}
