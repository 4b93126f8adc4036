//! The items of a webhook body as WhatsApp sends them (messages, statuses, contacts), and
//! their translation into domain types. An error names where it is, like
//! `entry[0].changes[1].value.messages[2].from`.

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::debug;
use turno_core::channel::message::{
    Content, DeliveryState, DeliveryStatus, InboundMessage, MediaKind, SystemKind,
};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};

/// Why a webhook body could not be read. Messages name the offending place in the body but
/// never quote message text, so they can be logged and returned to the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    #[error("the body is not a WhatsApp Business Account webhook: {0}")]
    WrongObject(String),
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl ParseError {
    pub(super) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ParseError::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

pub(super) fn decode<T: DeserializeOwned>(value: Value, path: &str) -> Result<T, ParseError> {
    serde_json::from_value(value).map_err(|e| ParseError::invalid(path, describe(&e)))
}

/// serde's message, minus any quoted string value: for a wrongly shaped message that value can
/// be the customer's own words, and these messages end up in logs.
pub(super) fn describe(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    for marker in ["invalid type: string ", "invalid value: string "] {
        if let (Some(start), Some(end)) = (msg.find(marker), msg.rfind(", expected")) {
            let kept = start + marker.len() - 1;
            if end > kept {
                return format!("{}{}", &msg[..kept], &msg[end..]);
            }
        }
    }
    msg
}

pub(super) fn timestamp(value: &Value, path: &str) -> Result<Timestamp, ParseError> {
    let path = format!("{path}.timestamp");
    // The Cloud API sends unix seconds as a string; a number is taken too.
    let seconds = match value {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        Value::Null => return Err(ParseError::invalid(path, "missing")),
        _ => None,
    }
    .ok_or_else(|| ParseError::invalid(&path, "must be unix seconds"))?;
    Timestamp::from_second(seconds).map_err(|_| ParseError::invalid(path, "is out of range"))
}

fn message_id(value: String, path: String) -> Result<MessageId, ParseError> {
    MessageId::parse(value).map_err(|e| ParseError::invalid(path, e.to_string()))
}

fn wa_id(value: &str, path: String) -> Result<WaId, ParseError> {
    WaId::parse(value).map_err(|e| ParseError::invalid(path, e.to_string()))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

fn missing(path: &str, field: &str, kind: &str) -> ParseError {
    ParseError::invalid(
        format!("{path}.{field}"),
        format!("missing for a {kind} message"),
    )
}

#[derive(Deserialize)]
pub(super) struct RawContact {
    pub(super) wa_id: Option<String>,
    pub(super) profile: Option<RawProfile>,
}

#[derive(Deserialize)]
pub(super) struct RawProfile {
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RawError {
    pub(super) code: Option<i64>,
    pub(super) title: Option<String>,
    message: Option<String>,
}

impl RawError {
    /// `131047 Re-engagement message`: the code and Meta's short title.
    pub(super) fn describe(&self) -> String {
        let title = self
            .title
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("");
        match self.code {
            Some(code) => format!("{code} {title}").trim_end().to_owned(),
            None => title.to_owned(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RawMessage {
    from: String,
    id: String,
    #[serde(default)]
    timestamp: Value,
    context: Option<RawContext>,
    #[serde(flatten)]
    body: RawBody,
}

/// What a message says: its type and the object of that type. The same shape is the body of
/// a message, of an edit's new version, and of a business echo.
#[derive(Deserialize)]
pub(super) struct RawBody {
    #[serde(rename = "type")]
    kind: String,
    text: Option<RawText>,
    interactive: Option<RawInteractive>,
    button: Option<RawButton>,
    image: Option<RawMedia>,
    audio: Option<RawMedia>,
    video: Option<RawMedia>,
    document: Option<RawMedia>,
    sticker: Option<RawMedia>,
    location: Option<RawLocation>,
    contacts: Option<Vec<RawSharedContact>>,
    reaction: Option<RawReaction>,
    edit: Option<RawEdit>,
    revoke: Option<RawRevoke>,
    system: Option<RawSystem>,
    #[serde(default)]
    errors: Vec<RawError>,
}

#[derive(Deserialize)]
struct RawEdit {
    original_message_id: String,
    /// The message as it reads after the edit.
    message: Option<Box<RawBody>>,
}

#[derive(Deserialize)]
struct RawRevoke {
    original_message_id: String,
}

#[derive(Deserialize)]
struct RawSystem {
    body: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// For `user_changed_number`: the customer's new WhatsApp id.
    new_wa_id: Option<String>,
    /// The same, as older payloads name it.
    wa_id: Option<String>,
}

#[derive(Deserialize)]
struct RawContext {
    /// Absent when the context only says the message was forwarded.
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawText {
    body: String,
}

#[derive(Deserialize)]
struct RawInteractive {
    #[serde(rename = "type")]
    kind: String,
    button_reply: Option<RawReply>,
    list_reply: Option<RawReply>,
}

#[derive(Deserialize)]
struct RawReply {
    id: String,
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawButton {
    #[serde(default)]
    payload: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct RawMedia {
    id: String,
    mime_type: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
}

#[derive(Deserialize)]
struct RawLocation {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct RawSharedContact {
    name: Option<RawContactName>,
}

#[derive(Deserialize)]
struct RawContactName {
    formatted_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

impl RawContactName {
    fn display(self) -> Option<String> {
        non_empty(self.formatted_name).or_else(|| {
            let parts: Vec<String> = [self.first_name, self.last_name]
                .into_iter()
                .filter_map(non_empty)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    }
}

#[derive(Deserialize)]
struct RawReaction {
    message_id: String,
    /// Empty or absent when the customer removed their reaction.
    emoji: Option<String>,
}

impl RawMessage {
    pub(super) fn into_domain(
        self,
        workspace: &WorkspaceId,
        path: &str,
    ) -> Result<InboundMessage, ParseError> {
        let from = wa_id(&self.from, format!("{path}.from"))?;
        let id = message_id(self.id, format!("{path}.id"))?;
        let at = timestamp(&self.timestamp, path)?;
        let context = match self.context.and_then(|c| c.id) {
            Some(c) => Some(message_id(c, format!("{path}.context.id"))?),
            None => None,
        };
        let content = self.body.into_content(path)?;
        Ok(InboundMessage {
            workspace: workspace.clone(),
            id,
            from,
            profile_name: None,
            at,
            content,
            context,
        })
    }
}

/// A message the business sent from the WhatsApp Business app (`smb_message_echoes`): from
/// the business's number to a customer.
#[derive(Deserialize)]
pub(super) struct RawEcho {
    to: String,
    id: String,
    #[serde(default)]
    timestamp: Value,
    #[serde(flatten)]
    body: RawBody,
}

impl RawEcho {
    /// The echo as an [`InboundMessage`] of the customer's conversation (`from` is the
    /// customer it went to), carrying [`Content::Echo`].
    pub(super) fn into_domain(
        self,
        workspace: &WorkspaceId,
        path: &str,
    ) -> Result<InboundMessage, ParseError> {
        let customer = wa_id(&self.to, format!("{path}.to"))?;
        let id = message_id(self.id, format!("{path}.id"))?;
        let at = timestamp(&self.timestamp, path)?;
        let content = self.body.into_content(path)?;
        Ok(InboundMessage {
            workspace: workspace.clone(),
            id,
            from: customer,
            profile_name: None,
            at,
            content: Content::Echo {
                content: Box::new(content),
            },
            context: None,
        })
    }
}

impl RawBody {
    fn into_content(self, path: &str) -> Result<Content, ParseError> {
        let error = self.errors.first().map(RawError::describe);
        let unsupported = |kind: &str| Content::Unsupported {
            kind: kind.to_owned(),
            error: error.clone(),
        };
        let media = |kind: MediaKind, raw: Option<RawMedia>, field: &str| {
            let m = raw.ok_or_else(|| missing(path, field, field))?;
            Ok::<_, ParseError>(Content::Media {
                kind,
                media_id: m.id,
                mime_type: m.mime_type,
                caption: non_empty(m.caption),
                filename: m.filename,
            })
        };
        let content = match self.kind.as_str() {
            "text" => Content::Text {
                body: self.text.ok_or_else(|| missing(path, "text", "text"))?.body,
            },
            "interactive" => {
                let i = self
                    .interactive
                    .ok_or_else(|| missing(path, "interactive", "interactive"))?;
                let subpath = format!("{path}.interactive");
                match i.kind.as_str() {
                    "button_reply" => {
                        let r = i
                            .button_reply
                            .ok_or_else(|| missing(&subpath, "button_reply", "button_reply"))?;
                        Content::ButtonReply {
                            id: r.id,
                            title: r.title,
                        }
                    }
                    "list_reply" => {
                        let r = i
                            .list_reply
                            .ok_or_else(|| missing(&subpath, "list_reply", "list_reply"))?;
                        Content::ListReply {
                            id: r.id,
                            title: r.title,
                            description: non_empty(r.description),
                        }
                    }
                    // Flow replies (`nfm_reply`) and whatever comes next.
                    other => unsupported(other),
                }
            }
            "button" => {
                let b = self
                    .button
                    .ok_or_else(|| missing(path, "button", "button"))?;
                Content::TemplateButton {
                    payload: b.payload,
                    text: b.text,
                }
            }
            "image" => media(MediaKind::Image, self.image, "image")?,
            "audio" => media(MediaKind::Audio, self.audio, "audio")?,
            "video" => media(MediaKind::Video, self.video, "video")?,
            "document" => media(MediaKind::Document, self.document, "document")?,
            "sticker" => media(MediaKind::Sticker, self.sticker, "sticker")?,
            "location" => {
                let l = self
                    .location
                    .ok_or_else(|| missing(path, "location", "location"))?;
                Content::Location {
                    latitude: l.latitude,
                    longitude: l.longitude,
                    name: non_empty(l.name),
                    address: non_empty(l.address),
                }
            }
            "contacts" => Content::Contacts {
                names: self
                    .contacts
                    .ok_or_else(|| missing(path, "contacts", "contacts"))?
                    .into_iter()
                    .filter_map(|c| c.name.and_then(RawContactName::display))
                    .collect(),
            },
            "reaction" => {
                let r = self
                    .reaction
                    .ok_or_else(|| missing(path, "reaction", "reaction"))?;
                Content::Reaction {
                    message_id: message_id(r.message_id, format!("{path}.reaction.message_id"))?,
                    emoji: non_empty(r.emoji),
                }
            }
            "edit" => {
                let e = self.edit.ok_or_else(|| missing(path, "edit", "edit"))?;
                let epath = format!("{path}.edit");
                let message_id = message_id(
                    e.original_message_id,
                    format!("{epath}.original_message_id"),
                )?;
                let body = e
                    .message
                    .ok_or_else(|| missing(&epath, "message", "edit"))?;
                if matches!(body.kind.as_str(), "edit" | "revoke") {
                    return Err(ParseError::invalid(
                        format!("{epath}.message.type"),
                        "an edit cannot hold another edit or a deletion",
                    ));
                }
                Content::Edit {
                    message_id,
                    content: Box::new(body.into_content(&format!("{epath}.message"))?),
                }
            }
            "revoke" => {
                let r = self
                    .revoke
                    .ok_or_else(|| missing(path, "revoke", "revoke"))?;
                Content::Revoke {
                    message_id: message_id(
                        r.original_message_id,
                        format!("{path}.revoke.original_message_id"),
                    )?,
                }
            }
            "system" => {
                let s = self
                    .system
                    .ok_or_else(|| missing(path, "system", "system"))?;
                let kind = match s.kind.as_deref() {
                    Some("user_changed_number") => SystemKind::UserChangedNumber,
                    Some("customer_identity_changed") => SystemKind::CustomerIdentityChanged,
                    _ => SystemKind::Other,
                };
                let new_wa_id = match (kind, s.new_wa_id.or(s.wa_id)) {
                    (SystemKind::UserChangedNumber, None) => {
                        return Err(missing(
                            &format!("{path}.system"),
                            "new_wa_id",
                            "user_changed_number",
                        ));
                    }
                    (_, Some(w)) => Some(wa_id(&w, format!("{path}.system.new_wa_id"))?),
                    (_, None) => None,
                };
                Content::System {
                    kind,
                    new_wa_id,
                    body: non_empty(s.body),
                }
            }
            other => unsupported(other),
        };
        Ok(content)
    }
}

#[derive(Deserialize)]
pub(super) struct RawStatus {
    id: String,
    status: String,
    #[serde(default)]
    timestamp: Value,
    recipient_id: String,
    #[serde(default)]
    errors: Vec<RawError>,
}

impl RawStatus {
    /// `None` for states turno does not track (`deleted`, `warning`...).
    pub(super) fn into_domain(
        self,
        workspace: &WorkspaceId,
        path: &str,
    ) -> Result<Option<DeliveryStatus>, ParseError> {
        let state = match self.status.as_str() {
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            "failed" => DeliveryState::Failed,
            other => {
                debug!(status = other, "delivery status skipped");
                return Ok(None);
            }
        };
        Ok(Some(DeliveryStatus {
            workspace: workspace.clone(),
            message_id: message_id(self.id, format!("{path}.id"))?,
            recipient: wa_id(&self.recipient_id, format!("{path}.recipient_id"))?,
            state,
            at: timestamp(&self.timestamp, path)?,
            error: self.errors.first().map(RawError::describe),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_do_not_quote_string_values() {
        let e = serde_json::from_value::<RawText>(Value::String("secret words".into()))
            .err()
            .map(|e| describe(&e))
            .unwrap_or_default();
        assert!(!e.contains("secret"), "{e}");
        assert!(e.starts_with("invalid type: string, expected"), "{e}");
    }

    #[test]
    fn timestamps_are_read_from_strings_or_numbers() {
        let t = |v: Value| timestamp(&v, "m");
        assert_eq!(
            t(Value::from("1700000000")).ok(),
            Timestamp::from_second(1_700_000_000).ok()
        );
        assert_eq!(
            t(Value::from(1_700_000_000)).ok(),
            Timestamp::from_second(1_700_000_000).ok()
        );
        assert!(
            matches!(t(Value::from("soon")), Err(ParseError::Invalid { path, .. }) if path == "m.timestamp")
        );
        assert!(t(Value::Null).is_err());
    }
}
