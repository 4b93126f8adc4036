//! Sending to customers on WhatsApp (or the sandbox), and fetching what they sent.

use std::time::Duration;

use async_trait::async_trait;

use crate::channel::message::{MediaFile, Outbound};
use crate::channel::templates::ListedTemplate;
use crate::kernel::ids::{MessageId, WaId, WorkspaceId};

/// Why the WhatsApp channel did not send a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Outside the 24-hour window only templates may be sent (Graph error 131047).
    #[error("the 24-hour customer service window is closed")]
    WindowClosed,
    /// Rate limited (429, 130429, 131056): try again later.
    #[error("throttled by WhatsApp")]
    Throttled { retry_after: Option<Duration> },
    /// 5xx, timeouts, connection errors: try again later.
    #[error("WhatsApp is unavailable: {0}")]
    Unavailable(String),
    /// The access token was refused: needs an operator.
    #[error("WhatsApp refused the access token (code {code})")]
    Unauthorized { code: i64 },
    /// A request that cannot succeed as it is.
    #[error("WhatsApp rejected the message: {code} {message}")]
    Rejected { code: i64, message: String },
    /// Not attempted: WhatsApp failed repeatedly and sending is paused until a probe after
    /// `retry_after` succeeds.
    #[error("sending to WhatsApp is paused after repeated failures; next probe in {retry_after:?}")]
    Paused { retry_after: Duration },
}

impl SendError {
    /// Whether the message should be sent again later. A refused token is retryable too: the
    /// reply must not be dropped, so it waits in the queue (and reaches the dead-letter queue,
    /// which alarms) until an operator fixes the token.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Throttled { .. }
                | SendError::Unavailable(_)
                | SendError::Unauthorized { .. }
                | SendError::Paused { .. }
        )
    }

    /// WhatsApp is down or asked to slow down: the message is fine and will go once WhatsApp
    /// recovers, so waiting for it should not spend the job's attempts.
    pub fn is_outage(&self) -> bool {
        matches!(
            self,
            SendError::Throttled { .. } | SendError::Unavailable(_) | SendError::Paused { .. }
        )
    }

    /// A short code for metrics: Graph's error code, or what happened when there is none.
    pub fn code(&self) -> String {
        match self {
            SendError::WindowClosed => "131047".to_owned(),
            SendError::Throttled { .. } => "throttled".to_owned(),
            SendError::Unavailable(_) => "unavailable".to_owned(),
            SendError::Unauthorized { code } | SendError::Rejected { code, .. } => code.to_string(),
            SendError::Paused { .. } => "paused".to_owned(),
        }
    }

    /// How long WhatsApp (or the paused channel) asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SendError::Throttled { retry_after } => *retry_after,
            SendError::Paused { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

/// Why media could not be fetched from WhatsApp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// WhatsApp does not know the id, or no longer keeps the file (media expires after about
    /// 30 days).
    #[error("WhatsApp has no media with that id (it may have expired)")]
    NotFound,
    /// Larger than turno is willing to pass through.
    #[error("the media is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("WhatsApp refused the access token (code {code})")]
    Unauthorized { code: i64 },
    /// Throttling, 5xx, timeouts: try again later.
    #[error("WhatsApp is unavailable: {0}")]
    Unavailable(String),
    #[error("WhatsApp refused the media request: {code} {message}")]
    Rejected { code: i64, message: String },
}

/// Sends messages to customers on WhatsApp (or to the sandbox).
#[async_trait]
pub trait WhatsApp: Send + Sync {
    /// Sends one message and returns WhatsApp's id for it.
    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError>;

    /// Fetches the bytes of media a customer sent (an image, a voice note, a document), by
    /// the media id their message carried.
    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError>;

    /// Uploads a file an agent sends (`POST /{phone-number-id}/media`) and returns its media
    /// id, for a media message to carry. A channel that cannot take uploads refuses them.
    /// Required of every channel, so that a wrapper cannot forget to pass it on.
    async fn upload_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SendError>;

    /// Every message template of the WhatsApp Business Account `waba_id` (all statuses), as
    /// its template list gives them (`GET /{waba-id}/message_templates`, every page). Either
    /// the whole list or an error: never part of it. A channel without a template list
    /// refuses. Required of every channel, so that a wrapper cannot forget to pass it on.
    async fn message_templates(
        &self,
        ws: &WorkspaceId,
        waba_id: &str,
    ) -> Result<Vec<ListedTemplate>, SendError>;

    /// Tells WhatsApp the customer's message was read (their ticks turn blue). One attempt,
    /// no retries: a lost receipt is harmless.
    async fn mark_read(&self, ws: &WorkspaceId, message: &MessageId) -> Result<(), SendError>;
}
