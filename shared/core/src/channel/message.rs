//! Messages as the domain sees them: what a customer sent, what we send, and the transcript.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use super::content::{CallOutcome, Content, MediaKind, SystemKind};
use crate::kernel::ids::{AgentId, MessageId, TicketId, WaId, WorkspaceId};

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
    /// An approved message template: the only kind WhatsApp delivers outside the 24-hour
    /// customer-service window.
    Template(TemplateMessage),
    /// An image, audio, video, document or sticker, by a media id WhatsApp already holds or by
    /// a public link.
    Media {
        kind: MediaKind,
        source: MediaSource,
        /// Images, videos and documents only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        /// Documents only: the name the customer sees.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
}

/// A template send: its name and language as approved in WhatsApp Manager, and the values of
/// its `{{1}}`, `{{2}}`, ... placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateMessage {
    pub name: String,
    /// The template's language code as approved (`es`, `en_US`, `pt_BR`).
    pub language: String,
    /// Values of the header's text placeholders, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_params: Vec<String>,
    /// The image, video or document of a template approved with a media header (boxed: a
    /// transcript entry holds a template, and most have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_media: Option<Box<HeaderMedia>>,
    /// Values of the body's placeholders, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body_params: Vec<String>,
    /// The payload returned when the customer taps each quick-reply button, in button order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub button_payloads: Vec<String>,
}

/// The media a template's header shows: its kind (image, video or document, as approved) and
/// where WhatsApp takes it from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderMedia {
    pub kind: MediaKind,
    pub source: MediaSource,
}

/// Where outbound media comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// A media id from an upload to (or a message received through) the Graph API.
    Id(String),
    /// An `https` URL WhatsApp downloads the media from.
    Link(String),
}

/// Media bytes fetched from WhatsApp, with their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

impl Outbound {
    pub fn text(body: impl Into<String>) -> Self {
        Outbound::Text {
            body: body.into(),
            preview_url: false,
        }
    }

    /// The text the customer reads: the body, a media caption (empty without one), or empty
    /// for a template, whose text lives in WhatsApp Manager.
    pub fn body(&self) -> &str {
        match self {
            Outbound::Text { body, .. }
            | Outbound::Buttons { body, .. }
            | Outbound::List { body, .. } => body,
            Outbound::Media { caption, .. } => caption.as_deref().unwrap_or_default(),
            Outbound::Template(_) => "",
        }
    }

    /// What the business sent from the WhatsApp Business app (an echo), as a message of
    /// turno's: text and media as they are, anything else as a short text saying what it was.
    pub fn from_echo(content: &Content) -> Self {
        match content {
            Content::Text { body } => Outbound::text(body.clone()),
            Content::Media {
                kind,
                media_id,
                caption,
                filename,
                ..
            } => Outbound::Media {
                kind: *kind,
                source: MediaSource::Id(media_id.clone()),
                caption: caption.clone().filter(|_| kind.takes_caption()),
                filename: filename.clone().filter(|_| *kind == MediaKind::Document),
            },
            Content::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                let place = [name.as_deref(), address.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                let place = if place.is_empty() {
                    place
                } else {
                    format!("{place} ")
                };
                Outbound::text(format!("[location] {place}({latitude}, {longitude})"))
            }
            Content::Contacts { names } => {
                Outbound::text(format!("[contacts] {}", names.join(", ")))
            }
            other => Outbound::text(format!("[{}]", other.kind())),
        }
    }

    /// Whether this is a template, the one kind WhatsApp accepts outside the 24-hour window.
    pub fn is_template(&self) -> bool {
        matches!(self, Outbound::Template(_))
    }

    /// A short, body-free description for logs (`text`, `template`, `image`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Outbound::Text { .. } => "text",
            Outbound::Buttons { .. } => "buttons",
            Outbound::List { .. } => "list",
            Outbound::Template(_) => "template",
            Outbound::Media { kind, .. } => kind.as_str(),
        }
    }

    /// Checks WhatsApp's limits before anything is sent, so a bad message fails here with a
    /// clear reason instead of as a Graph API error.
    pub fn validate(&self) -> Result<(), String> {
        const TEXT_MAX: usize = 4096;
        const INTERACTIVE_BODY_MAX: usize = 1024;
        let count = |s: &str| s.chars().count();
        match self {
            Outbound::Template(t) => return t.validate(),
            Outbound::Media {
                kind,
                source,
                caption,
                filename,
            } => return validate_media(*kind, source, caption.as_deref(), filename.as_deref()),
            _ => {}
        }
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
            Outbound::Text { .. } | Outbound::Template(_) | Outbound::Media { .. } => Ok(()),
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

impl TemplateMessage {
    /// A template with no placeholders.
    pub fn new(name: impl Into<String>, language: impl Into<String>) -> Self {
        TemplateMessage {
            name: name.into(),
            language: language.into(),
            header_params: Vec::new(),
            header_media: None,
            body_params: Vec::new(),
            button_payloads: Vec::new(),
        }
    }

    /// WhatsApp's rules for a template send: a name of lowercase letters, digits and `_`; a
    /// language code such as `es` or `pt_BR`; placeholder values that are not empty and hold no
    /// new lines, tabs or more than four spaces in a row (Graph error 132018 otherwise).
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 512
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(format!(
                "template name {:?} must be 1 to 512 lowercase letters, digits or underscores",
                self.name
            ));
        }
        if !is_language_code(&self.language) {
            return Err(format!(
                "template language {:?} must be a code such as es, en_US or pt_BR",
                self.language
            ));
        }
        let check = |what: &str, values: &[String], max_len: usize| -> Result<(), String> {
            for (i, v) in values.iter().enumerate() {
                let n = i + 1;
                if v.trim().is_empty() || v.chars().count() > max_len {
                    return Err(format!(
                        "template {what} parameter {n} must be 1 to {max_len} characters"
                    ));
                }
                if v.contains(['\n', '\t']) || v.contains("     ") {
                    return Err(format!(
                        "template {what} parameter {n} may not hold new lines, tabs or more than four spaces in a row"
                    ));
                }
            }
            Ok(())
        };
        if self.header_params.len() > 1 {
            return Err("a template header takes at most 1 parameter".into());
        }
        check("header", &self.header_params, 60)?;
        if let Some(m) = &self.header_media {
            if !matches!(
                m.kind,
                MediaKind::Image | MediaKind::Video | MediaKind::Document
            ) {
                return Err("a template header shows an image, a video or a document".into());
            }
            if !self.header_params.is_empty() {
                return Err("a template header is either text or media, not both".into());
            }
            validate_media(m.kind, &m.source, None, None)?;
        }
        check("body", &self.body_params, 1024)?;
        if self.button_payloads.len() > 10 {
            return Err("a template has at most 10 quick-reply buttons".into());
        }
        for (i, p) in self.button_payloads.iter().enumerate() {
            if p.is_empty() || p.chars().count() > 128 {
                return Err(format!(
                    "template button payload {} must be 1 to 128 characters",
                    i + 1
                ));
            }
        }
        Ok(())
    }
}

/// `es`, `pt_BR`, `zh_CN`, `fil`: two or three lowercase letters, optionally `_` and a region.
fn is_language_code(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

fn validate_media(
    kind: MediaKind,
    source: &MediaSource,
    caption: Option<&str>,
    filename: Option<&str>,
) -> Result<(), String> {
    const CAPTION_MAX: usize = 1024;
    const FILENAME_MAX: usize = 240;
    match source {
        MediaSource::Id(id) => {
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("media id {id:?} must be 1 to 64 letters or digits"));
            }
        }
        MediaSource::Link(link) => {
            let scheme_ok = link.starts_with("https://") || link.starts_with("http://");
            if !scheme_ok || link.len() > 2048 || link.contains(char::is_whitespace) {
                return Err(format!(
                    "media link must be an http(s) URL without spaces, up to 2048 characters: {link:?}"
                ));
            }
        }
    }
    if let Some(c) = caption {
        if !kind.takes_caption() {
            return Err(format!(
                "{} messages take no caption: send the text as its own message",
                kind.as_str()
            ));
        }
        if c.trim().is_empty() || c.chars().count() > CAPTION_MAX {
            return Err(format!("a caption must be 1 to {CAPTION_MAX} characters"));
        }
    }
    if let Some(f) = filename {
        if kind != MediaKind::Document {
            return Err("only documents take a filename".into());
        }
        if f.trim().is_empty() || f.chars().count() > FILENAME_MAX || f.contains(['/', '\\']) {
            return Err(format!(
                "a document filename must be 1 to {FILENAME_MAX} characters without slashes"
            ));
        }
    }
    Ok(())
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
    Agent {
        id: AgentId,
    },
    System,
    /// A person at the business, writing from the WhatsApp Business app (an echo).
    BusinessApp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum Body {
    Inbound {
        content: Content,
        /// The message the customer replied to, when they used "reply".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<MessageId>,
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
    /// What later events did to this message, filled in when read: the customer's reaction,
    /// an edit, a deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended: Option<Box<Amended>>,
}

/// The marks later events leave on a transcript entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Amended {
    /// The emoji the customer reacted with; `None` when they did not, or took it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    /// When the author last edited the message (its content is then the edited one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Timestamp>,
    /// The message's earlier versions, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Content>,
    /// When the author deleted the message for everyone; its content is then hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests;
