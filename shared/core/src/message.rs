//! Messages as the domain sees them: what a customer sent, what we send, and the transcript.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, MessageId, TicketId, WaId, WorkspaceId};

/// One message a customer sent, as taken from a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub workspace: WorkspaceId,
    pub id: MessageId,
    pub from: WaId,
    /// The customer's profile name as WhatsApp reports it, when it does.
    pub profile_name: Option<String>,
    pub at: Timestamp,
    pub content: Content,
    /// The message this one replies to, when the customer used "reply".
    pub context: Option<MessageId>,
}

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
        }
    }
}

/// A reply button (WhatsApp allows 3, titles of at most 20 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// A message turno sends to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    Text {
        body: String,
        #[serde(default)]
        preview_url: bool,
    },
    Buttons {
        body: String,
        buttons: Vec<ReplyButton>,
    },
    List {
        body: String,
        button: String,
        rows: Vec<ListRow>,
    },
}

impl Outbound {
    pub fn text(body: impl Into<String>) -> Self {
        Outbound::Text {
            body: body.into(),
            preview_url: false,
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Outbound::Text { body, .. }
            | Outbound::Buttons { body, .. }
            | Outbound::List { body, .. } => body,
        }
    }

    /// Checks WhatsApp's limits before anything is sent, so a bad message fails here with a
    /// clear reason instead of as a Graph API error.
    pub fn validate(&self) -> Result<(), String> {
        const TEXT_MAX: usize = 4096;
        const INTERACTIVE_BODY_MAX: usize = 1024;
        let count = |s: &str| s.chars().count();
        let body = self.body();
        if body.trim().is_empty() {
            return Err("message body is empty".into());
        }
        let body_max = match self {
            Outbound::Text { .. } => TEXT_MAX,
            _ => INTERACTIVE_BODY_MAX,
        };
        if count(body) > body_max {
            return Err(format!("message body is longer than {body_max} characters"));
        }
        let check_ids = |ids: Vec<&str>, max: usize| -> Result<(), String> {
            let mut seen = std::collections::HashSet::new();
            for id in ids {
                if id.is_empty() || count(id) > max {
                    return Err(format!("option id {id:?} must be 1 to {max} characters"));
                }
                if !seen.insert(id) {
                    return Err(format!("option id {id:?} is used twice"));
                }
            }
            Ok(())
        };
        let check_title = |title: &str, max: usize, what: &str| -> Result<(), String> {
            if title.trim().is_empty() || count(title) > max {
                return Err(format!("{what} {title:?} must be 1 to {max} characters"));
            }
            Ok(())
        };
        match self {
            Outbound::Text { .. } => Ok(()),
            Outbound::Buttons { buttons, .. } => {
                if buttons.is_empty() || buttons.len() > 3 {
                    return Err("reply buttons need 1 to 3 buttons".into());
                }
                for b in buttons {
                    check_title(&b.title, 20, "button title")?;
                }
                check_ids(buttons.iter().map(|b| b.id.as_str()).collect(), 256)
            }
            Outbound::List { button, rows, .. } => {
                if rows.is_empty() || rows.len() > 10 {
                    return Err("a list needs 1 to 10 rows".into());
                }
                check_title(button, 20, "list button text")?;
                for r in rows {
                    check_title(&r.title, 24, "list row title")?;
                    if r.description.as_deref().is_some_and(|d| count(d) > 72) {
                        return Err(format!(
                            "list row {:?} has a description longer than 72 characters",
                            r.id
                        ));
                    }
                }
                check_ids(rows.iter().map(|r| r.id.as_str()).collect(), 200)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryState {
    /// Statuses arrive out of order; a later state never goes back to an earlier one, and a
    /// failure is final.
    pub fn advances(self, current: Option<DeliveryState>) -> bool {
        match current {
            None => true,
            Some(DeliveryState::Failed) => false,
            Some(cur) => self == DeliveryState::Failed || self > cur,
        }
    }
}

/// A delivery status WhatsApp reported for a message we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    pub workspace: WorkspaceId,
    pub message_id: MessageId,
    pub recipient: WaId,
    pub state: DeliveryState,
    pub at: Timestamp,
    /// WhatsApp's error code and title, for failures.
    pub error: Option<String>,
}

/// Who wrote a transcript entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Customer,
    Bot,
    Agent { id: AgentId },
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum Body {
    Inbound {
        content: Content,
    },
    Outbound {
        message: Outbound,
    },
    /// A private note between agents; never sent to the customer.
    Note {
        text: String,
        /// The agents it @mentions.
        #[serde(default)]
        mentions: Vec<AgentId>,
    },
}

/// One line of a ticket's transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub workspace: WorkspaceId,
    pub ticket_id: TicketId,
    pub message_id: MessageId,
    pub customer: WaId,
    pub author: Author,
    pub at: Timestamp,
    pub body: Body,
    /// The latest delivery status (outbound messages only), filled in when read.
    #[serde(default)]
    pub delivery: Option<DeliveryState>,
    #[serde(default)]
    pub delivery_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_states_only_move_forward_and_failure_is_final() {
        use DeliveryState::*;
        assert!(Delivered.advances(Some(Sent)));
        assert!(!Sent.advances(Some(Read)));
        assert!(Failed.advances(Some(Delivered)));
        assert!(!Read.advances(Some(Failed)));
        assert!(Sent.advances(None));
    }

    #[test]
    fn buttons_over_whatsapp_limits_are_rejected_before_sending() {
        let b = |t: &str| ReplyButton {
            id: t.into(),
            title: t.into(),
        };
        let four = Outbound::Buttons {
            body: "pick".into(),
            buttons: vec![b("a"), b("b"), b("c"), b("d")],
        };
        assert!(four.validate().unwrap_err().contains("1 to 3"));
        let long = Outbound::Buttons {
            body: "pick".into(),
            buttons: vec![b("a title that is far too long")],
        };
        assert!(long.validate().unwrap_err().contains("1 to 20 characters"));
        let twice = Outbound::Buttons {
            body: "pick".into(),
            buttons: vec![b("a"), b("a")],
        };
        assert!(twice.validate().unwrap_err().contains("used twice"));
        let long_body = Outbound::Buttons {
            body: "x".repeat(1025),
            buttons: vec![b("a")],
        };
        assert!(long_body.validate().unwrap_err().contains("1024"));
        assert!(Outbound::text(" ").validate().is_err());
        assert!(Outbound::text("hola").validate().is_ok());
    }
}
