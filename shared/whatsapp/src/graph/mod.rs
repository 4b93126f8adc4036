//! Outbound: the WhatsApp Cloud API (Graph API) client behind `turno_core::ports::WhatsApp`.

mod request;
mod response;
mod templates;
mod upload;
mod workspaces;

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::{Instrument, debug, info_span, warn};
use turno_core::channel::message::{MediaFile, Outbound};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{MediaError, SendError, WhatsApp};

use request::{ReadReceipt, SendRequest};
pub use workspaces::WorkspaceGraph;

/// The Graph API version turno is written against.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/v21.0";
/// How long one request may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest media download passed through: WhatsApp's limit for audio and video, and
/// comfortably under what one HTTP response should carry.
pub const DEFAULT_MAX_MEDIA_BYTES: u64 = 16 * 1024 * 1024;
/// Idle connections to the Graph API kept for reuse, at most: a runner sends at most about
/// this many requests at once (its bot turns in flight), and every idle one holds buffers.
const IDLE_CONNECTIONS: usize = 64;
/// An idle connection unused this long is closed rather than kept.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// How one `send` retries throttling and outages before handing the error back. The budget is
/// small on purpose: the caller's queue redelivers with its own, longer, backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per `send`, the first included.
    pub max_attempts: u32,
    /// The wait before the first retry; each later one doubles it (with jitter).
    pub base_delay: Duration,
    /// The most one `send` spends waiting between attempts. A `Retry-After` longer than what
    /// is left ends the retries at once.
    pub max_total_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_total_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries: every failure is returned at once.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first): half of the exponential delay
    /// is fixed and half random, so that clients throttled together do not retry together.
    fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let half = full / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::random_range(0..=jitter_ms))
    }
}

/// How to reach the Graph API. Every field has a default except the token.
#[derive(Clone)]
pub struct GraphConfig {
    /// `https://graph.facebook.com/v21.0` in production; a local fake in tests.
    pub base_url: String,
    /// A system user's access token with `whatsapp_business_messaging`.
    pub access_token: String,
    pub timeout: Duration,
    /// Each workspace's WhatsApp phone number id. A workspace missing here is taken to be
    /// named by its phone number id, which is how workspaces are normally named.
    pub phone_number_ids: HashMap<WorkspaceId, String>,
    pub retry: RetryPolicy,
    /// Media downloads larger than this are refused.
    pub max_media_bytes: u64,
}

impl GraphConfig {
    pub fn new(access_token: impl Into<String>) -> Self {
        GraphConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            access_token: access_token.into(),
            timeout: DEFAULT_TIMEOUT,
            phone_number_ids: HashMap::new(),
            retry: RetryPolicy::default(),
            max_media_bytes: DEFAULT_MAX_MEDIA_BYTES,
        }
    }
}

impl fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConfig")
            .field("base_url", &self.base_url)
            .field("access_token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("phone_number_ids", &self.phone_number_ids)
            .field("retry", &self.retry)
            .field("max_media_bytes", &self.max_media_bytes)
            .finish()
    }
}

/// A `GraphConfig` that cannot work. Raised when the client is built, so a misconfigured
/// function fails at start rather than at its first reply.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the Graph API base URL is not an http(s) URL: {0:?}")]
    BaseUrl(String),
    #[error("the WhatsApp access token is empty or not valid in an HTTP header")]
    AccessToken,
    #[error("the phone number id of workspace {workspace} must be digits only")]
    PhoneNumberId { workspace: WorkspaceId },
    #[error("cannot build the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// Sends messages through the WhatsApp Cloud API. Build it once and share it: it holds the
/// connection pool.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    /// `Bearer <token>`, marked sensitive so that it is never printed.
    authorization: HeaderValue,
    phone_number_ids: HashMap<WorkspaceId, String>,
    retry: RetryPolicy,
    max_media_bytes: u64,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.base_url)
            .field("phone_number_ids", &self.phone_number_ids)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client for `base_url` with the default timeout and retries, where each workspace id
    /// is its phone number id.
    pub fn new(
        base_url: impl Into<String>,
        access_token: impl Into<String>,
    ) -> Result<Self, BuildError> {
        GraphClient::with_config(GraphConfig {
            base_url: base_url.into(),
            ..GraphConfig::new(access_token)
        })
    }

    pub fn with_config(config: GraphConfig) -> Result<Self, BuildError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        match Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return Err(BuildError::BaseUrl(config.base_url)),
        }
        if config.access_token.trim().is_empty() {
            return Err(BuildError::AccessToken);
        }
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", config.access_token))
            .map_err(|_| BuildError::AccessToken)?;
        authorization.set_sensitive(true);
        if let Some(workspace) = config
            .phone_number_ids
            .iter()
            .find_map(|(ws, id)| (!is_phone_number_id(id)).then(|| ws.clone()))
        {
            return Err(BuildError::PhoneNumberId { workspace });
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .pool_max_idle_per_host(IDLE_CONNECTIONS)
            .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
            .build()
            .map_err(BuildError::Http)?;
        Ok(GraphClient {
            http,
            base_url,
            authorization,
            phone_number_ids: config.phone_number_ids,
            retry: config.retry,
            max_media_bytes: config.max_media_bytes,
        })
    }

    fn phone_number_id<'a>(&'a self, ws: &'a WorkspaceId) -> Result<&'a str, SendError> {
        let id = self
            .phone_number_ids
            .get(ws)
            .map_or(ws.as_str(), String::as_str);
        // The id goes into the URL path: anything but digits is a configuration mistake.
        if is_phone_number_id(id) {
            Ok(id)
        } else {
            Err(SendError::Rejected {
                code: 0,
                message: format!("workspace {ws} has no WhatsApp phone number id"),
            })
        }
    }

    async fn send_with_retries(
        &self,
        url: &str,
        body: &SendRequest<'_>,
    ) -> Result<MessageId, SendError> {
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        loop {
            let error = match self.attempt(url, body).await {
                Ok(id) => {
                    debug!(wamid = %id, attempt, "message sent");
                    return Ok(id);
                }
                Err(e) => e,
            };
            // Only throttling and outages pass within one call; a refused token waits in the
            // queue for an operator instead.
            let passing = matches!(
                error,
                SendError::Throttled { .. } | SendError::Unavailable(_)
            );
            if !passing || attempt >= self.retry.max_attempts {
                return Err(error);
            }
            let left = self.retry.max_total_delay.saturating_sub(waited);
            if left.is_zero() {
                return Err(error);
            }
            let wait = match &error {
                // Retrying sooner than asked would only be throttled again.
                SendError::Throttled {
                    retry_after: Some(asked),
                } if *asked > left => return Err(error),
                SendError::Throttled {
                    retry_after: Some(asked),
                } => *asked,
                _ => self.retry.backoff(attempt).min(left),
            };
            debug!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying the send"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &str, body: &SendRequest<'_>) -> Result<MessageId, SendError> {
        let response = self
            .http
            .post(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .json(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let retry_after = response::retry_after(response.headers());
        let bytes = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            return response::message_id(&bytes).ok_or_else(|| {
                // WhatsApp may well have taken the message: retrying could send it twice.
                warn!(
                    status = status.as_u16(),
                    "Graph accepted the message but returned no message id"
                );
                SendError::Rejected {
                    code: 0,
                    message: "WhatsApp's answer carried no message id".into(),
                }
            });
        }
        let graph_error = response::graph_error(&bytes);
        let code = graph_error.as_ref().and_then(|e| e.code);
        let error = response::classify(status, graph_error.as_ref(), retry_after);
        warn!(
            status = status.as_u16(),
            code,
            retry_after_ms = retry_after.map(|d| d.as_millis() as u64),
            retryable = error.is_retryable(),
            "Graph API refused the message"
        );
        Err(error)
    }
}

impl GraphClient {
    /// `GET /{media-id}`: where WhatsApp keeps the file, and its type and size.
    async fn media_info(&self, media_id: &str) -> Result<response::MediaInfo, MediaError> {
        let url = format!("{}/{media_id}", self.base_url);
        let response = self
            .http
            .get(&url)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(media_transport_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(media_transport_error)?;
        if !status.is_success() {
            return Err(media_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|_| MediaError::Rejected {
            code: 0,
            message: "WhatsApp's media answer carried no download URL".into(),
        })
    }

    /// Downloads the file with the same bearer token, refusing it past the size limit.
    async fn download(&self, info: &response::MediaInfo) -> Result<Vec<u8>, MediaError> {
        let limit = self.max_media_bytes;
        if info.file_size.is_some_and(|n| n > limit) {
            return Err(MediaError::TooLarge { limit });
        }
        let mut response = self
            .http
            .get(&info.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(media_transport_error)?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(media_error(status, &bytes));
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(MediaError::TooLarge { limit });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(media_transport_error)? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(MediaError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn media_transport_error(e: reqwest::Error) -> MediaError {
    let e = e.without_url();
    warn!(error = %e, "Graph API unreachable for a media download");
    MediaError::Unavailable(if e.is_timeout() {
        "the request timed out".into()
    } else {
        "could not reach WhatsApp".into()
    })
}

fn media_error(status: reqwest::StatusCode, body: &[u8]) -> MediaError {
    let graph_error = response::graph_error(body);
    let error = match (status.as_u16(), graph_error.as_ref().and_then(|e| e.code)) {
        // Graph answers an unknown or expired media id with 400/404 and code 100.
        (404, _) | (400, Some(100)) => MediaError::NotFound,
        _ => match response::classify(status, graph_error.as_ref(), None) {
            SendError::Unauthorized { code } => MediaError::Unauthorized { code },
            SendError::Throttled { .. } => MediaError::Unavailable("throttled by WhatsApp".into()),
            e @ SendError::Paused { .. } => MediaError::Unavailable(e.to_string()),
            SendError::Unavailable(reason) => MediaError::Unavailable(reason),
            SendError::WindowClosed => MediaError::Rejected {
                code: 131047,
                message: "window closed".into(),
            },
            SendError::Rejected { code, message } => MediaError::Rejected { code, message },
        },
    };
    warn!(status = status.as_u16(), error = %error, "Graph API refused a media request");
    error
}

/// Media ids are numbers; anything else would change the request's path.
fn is_media_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_phone_number_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit())
}

fn transport_error(e: reqwest::Error) -> SendError {
    // Without the URL: it adds nothing the span does not have.
    let e = e.without_url();
    let reason = if e.is_timeout() {
        "the request timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        format!("the request failed: {e}")
    };
    warn!(reason = %reason, "Graph API unreachable");
    SendError::Unavailable(reason)
}

#[async_trait]
impl WhatsApp for GraphClient {
    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError> {
        let kind = message.kind();
        let span = info_span!("whatsapp_send", workspace = %ws, kind);
        async {
            if let Err(reason) = message.validate() {
                // The reason may quote button titles, so it goes to the caller, not the log.
                warn!("message refused before sending: over WhatsApp's limits");
                return Err(SendError::Rejected {
                    code: 0,
                    message: reason,
                });
            }
            let phone_number_id = self.phone_number_id(ws)?;
            let url = format!("{}/{phone_number_id}/messages", self.base_url);
            self.send_with_retries(&url, &SendRequest::new(to, message))
                .await
        }
        .instrument(span)
        .await
    }

    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError> {
        let span = info_span!("whatsapp_media", workspace = %ws, media_id);
        async {
            if !is_media_id(media_id) {
                return Err(MediaError::NotFound);
            }
            let info = self.media_info(media_id).await?;
            let bytes = self.download(&info).await?;
            debug!(bytes = bytes.len(), "media downloaded");
            Ok(MediaFile {
                mime_type: info
                    .mime_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
                bytes,
            })
        }
        .instrument(span)
        .await
    }

    async fn upload_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SendError> {
        let span = info_span!("whatsapp_upload", workspace = %ws, mime_type);
        async {
            let phone_number_id = self.phone_number_id(ws)?;
            self.upload(phone_number_id, mime_type, filename, &bytes)
                .await
        }
        .instrument(span)
        .await
    }

    async fn message_templates(
        &self,
        ws: &WorkspaceId,
        waba_id: &str,
    ) -> Result<Vec<turno_core::channel::templates::ListedTemplate>, SendError> {
        let span = info_span!("whatsapp_templates", workspace = %ws);
        self.list_templates(waba_id).instrument(span).await
    }

    async fn mark_read(&self, ws: &WorkspaceId, message: &MessageId) -> Result<(), SendError> {
        let span = info_span!("whatsapp_mark_read", workspace = %ws, wamid = %message);
        async {
            let phone_number_id = self.phone_number_id(ws)?;
            let url = format!("{}/{phone_number_id}/messages", self.base_url);
            let response = self
                .http
                .post(&url)
                .header(AUTHORIZATION, self.authorization.clone())
                .json(&ReadReceipt::new(message.as_str()))
                .send()
                .await
                .map_err(transport_error)?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let retry_after = response::retry_after(response.headers());
            let bytes = response.bytes().await.map_err(transport_error)?;
            let error =
                response::classify(status, response::graph_error(&bytes).as_ref(), retry_after);
            warn!(status = status.as_u16(), error = %error, "read receipt refused");
            Err(error)
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stays_within_its_jitter_band() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let second = policy.backoff(2);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
        }
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let client = GraphClient::new("http://127.0.0.1:1", "EAAG-secret-token");
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret"), "{shown}");
        let shown = format!("{:?}", GraphConfig::new("EAAG-secret-token"));
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_base_url_that_is_not_http_is_refused_at_build_time() {
        assert!(matches!(
            GraphClient::new("ftp://example.com", "t"),
            Err(BuildError::BaseUrl(_))
        ));
        assert!(matches!(
            GraphClient::new("not a url", "t"),
            Err(BuildError::BaseUrl(_))
        ));
        assert!(matches!(
            GraphClient::new("http://localhost", " "),
            Err(BuildError::AccessToken)
        ));
    }
}
