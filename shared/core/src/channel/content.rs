//! What a message carries, as the domain sees it: every type WhatsApp sends, and the events
//! about a conversation (reactions, edits, deletions, notices, calls, the business's echoes).

use serde::{Deserialize, Serialize};

use crate::kernel::ids::{MessageId, WaId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
}

/// What a message carries. Every type WhatsApp sends is at least recognised; the ones turno
/// cannot handle yet arrive as `Unsupported` with WhatsApp's type name, never as an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    /// A tap on an interactive reply button.
    ButtonReply {
        id: String,
        title: String,
    },
    /// A choice from an interactive list.
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// A tap on a template's quick-reply button.
    TemplateButton {
        payload: String,
        text: String,
    },
    Media {
        kind: MediaKind,
        media_id: String,
        mime_type: Option<String>,
        caption: Option<String>,
        filename: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        names: Vec<String>,
    },
    Reaction {
        message_id: MessageId,
        emoji: Option<String>,
    },
    /// The customer edited an earlier message (`message_id`); `content` is what it says now.
    Edit {
        message_id: MessageId,
        content: Box<Content>,
    },
    /// The customer deleted an earlier message (`message_id`) for everyone.
    Revoke {
        message_id: MessageId,
    },
    /// A notice WhatsApp writes into the conversation: the customer changed their number
    /// (`new_wa_id` is the new one) or their identity (a reinstall, a new phone).
    System {
        kind: SystemKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_wa_id: Option<WaId>,
        /// WhatsApp's own wording of the notice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// A WhatsApp voice call from the customer that ended (the `calls` webhook field).
    Call {
        call_id: String,
        outcome: CallOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_secs: Option<u64>,
    },
    /// A message the business sent from the WhatsApp Business app on a number shared with
    /// the Cloud API (the `smb_message_echoes` field). The [`InboundMessage`](super::message::InboundMessage)
    /// carrying it names the customer it went to in `from`.
    Echo {
        content: Box<Content>,
    },
    /// A type turno does not understand (or WhatsApp's own `unsupported`), kept so that the
    /// agent sees that something arrived.
    Unsupported {
        kind: String,
        error: Option<String>,
    },
}

impl Content {
    /// The words the bot should read in this message, if any.
    pub fn text_for_bot(&self) -> Option<&str> {
        match self {
            Content::Text { body } => Some(body),
            Content::ButtonReply { title, .. } | Content::ListReply { title, .. } => Some(title),
            Content::TemplateButton { text, .. } => Some(text),
            Content::Media { caption, .. } => caption.as_deref(),
            _ => None,
        }
    }

    /// An event about the conversation rather than words to answer: a reaction, an edit, a
    /// deletion, a `system` notice, a call, the business's own echo, or a type turno does not
    /// read (WhatsApp's `unsupported`). Recorded on the transcript; the bot does not reply.
    pub fn is_event(&self) -> bool {
        matches!(
            self,
            Content::Reaction { .. }
                | Content::Unsupported { .. }
                | Content::Edit { .. }
                | Content::Revoke { .. }
                | Content::System { .. }
                | Content::Call { .. }
                | Content::Echo { .. }
        )
    }

    /// The earlier message this one changes in place (a reaction, an edit, a deletion).
    pub fn amends(&self) -> Option<&MessageId> {
        match self {
            Content::Reaction { message_id, .. }
            | Content::Edit { message_id, .. }
            | Content::Revoke { message_id } => Some(message_id),
            _ => None,
        }
    }

    /// Whether it comes from the customer, and so opens (or extends) the 24-hour window:
    /// everything but the business's own echoes.
    pub fn from_customer(&self) -> bool {
        !matches!(self, Content::Echo { .. })
    }

    /// The id of the choice, for interactive replies (a menu option's key).
    pub fn choice_id(&self) -> Option<&str> {
        match self {
            Content::ButtonReply { id, .. } | Content::ListReply { id, .. } => Some(id),
            Content::TemplateButton { payload, .. } => Some(payload),
            _ => None,
        }
    }

    /// A short, body-free description for logs and previews (`text`, `image`, ...).
    pub fn kind(&self) -> &str {
        match self {
            Content::Text { .. } => "text",
            Content::ButtonReply { .. } => "button_reply",
            Content::ListReply { .. } => "list_reply",
            Content::TemplateButton { .. } => "button",
            Content::Media { kind, .. } => match kind {
                MediaKind::Image => "image",
                MediaKind::Audio => "audio",
                MediaKind::Video => "video",
                MediaKind::Document => "document",
                MediaKind::Sticker => "sticker",
            },
            Content::Location { .. } => "location",
            Content::Contacts { .. } => "contacts",
            Content::Reaction { .. } => "reaction",
            Content::Unsupported { .. } => "unsupported",
            Content::Edit { .. } => "edit",
            Content::Revoke { .. } => "revoke",
            Content::System { .. } => "system",
            Content::Call { .. } => "call",
            Content::Echo { .. } => "echo",
        }
    }
}

/// Which `system` notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    /// The customer moved to a new number (`new_wa_id`).
    UserChangedNumber,
    /// The customer's identity key changed (a reinstall or a new phone).
    CustomerIdentityChanged,
    /// A notice type turno does not know; its wording is kept.
    Other,
}

/// How a call from the customer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Nobody answered (or it failed before connecting).
    Missed,
    /// Someone answered, from a device outside turno.
    Answered,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    /// Whether WhatsApp shows a caption with this kind.
    pub fn takes_caption(self) -> bool {
        matches!(
            self,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        )
    }
}
