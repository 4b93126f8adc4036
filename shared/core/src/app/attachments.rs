//! Files agents send: checked against WhatsApp's types and limits, uploaded to WhatsApp, and
//! sent as an image, document, audio, video or sticker message on the ticket's transcript;
//! or only uploaded, for a template's header to name by its media id.

use serde::Serialize;
use tracing::info;

use super::{Actor, AppError, Turno};
use crate::channel::attachment::{check_attachment, essence};
use crate::channel::message::{MediaKind, MediaSource, Outbound, TranscriptEntry};
use crate::kernel::ids::TicketId;

/// A file an agent sends, as the console uploads it.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub mime_type: String,
    /// The file's name as the agent's computer had it; a document shows it to the customer.
    pub filename: Option<String>,
    /// Shown under images, videos and documents; WhatsApp shows none for audio or stickers.
    pub caption: Option<String>,
    pub bytes: Vec<u8>,
}

/// A file uploaded to WhatsApp and not sent: its media id goes in a later message (a
/// template's image, video or document header).
#[derive(Debug, Clone, Serialize)]
pub struct UploadedMedia {
    pub media_id: String,
    pub kind: MediaKind,
    pub mime_type: String,
    pub size: usize,
}

/// Letters, digits, dots, dashes, underscores and spaces, at most 240 characters: what goes
/// into the upload's form and the document's name.
fn plain_filename(name: Option<&str>) -> Option<String> {
    let plain: String = name?
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(240)
        .collect();
    let plain = plain.trim().trim_start_matches('.').to_owned();
    (!plain.is_empty()).then_some(plain)
}

impl Turno {
    /// Sends a file on a ticket: refused before any upload when its type or size is not one
    /// WhatsApp takes (422), when the ticket takes no replies (409) or the 24-hour window is
    /// closed (`WindowClosed`); otherwise uploaded and sent by its media id.
    pub async fn agent_send_attachment(
        &self,
        actor: &Actor,
        id: &TicketId,
        file: Attachment,
    ) -> Result<TranscriptEntry, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let kind = check_attachment(&file.mime_type, file.bytes.len())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        if !ticket.status.is_human() {
            return Err(AppError::Conflict(format!(
                "the ticket is {}: only tickets with a person (queued, assigned, pending, snoozed) take replies",
                ticket.status.as_str()
            )));
        }
        let conversation = self
            .ports
            .store
            .conversation(&actor.workspace, &ticket.customer)
            .await?
            .ok_or(AppError::NotFound("conversation"))?;
        if !conversation.window_open(self.now()) {
            return Err(AppError::WindowClosed);
        }
        let caption = file
            .caption
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty() && kind.takes_caption());
        let filename = plain_filename(file.filename.as_deref());
        let (media_id, _) = self
            .upload_to_whatsapp(actor, id, &file.mime_type, filename.as_deref(), file.bytes)
            .await?;
        let message = Outbound::Media {
            kind,
            source: MediaSource::Id(media_id),
            caption,
            filename: filename.filter(|_| kind == MediaKind::Document),
        };
        self.agent_send(actor, id, message).await
    }

    /// Uploads a file for a later message on a ticket the agent sees (a template's header
    /// media, which may go with the window closed), without sending anything: refused before
    /// any upload when its type or size is not one WhatsApp takes (422).
    pub async fn agent_upload_media(
        &self,
        actor: &Actor,
        id: &TicketId,
        file: Attachment,
    ) -> Result<UploadedMedia, AppError> {
        self.visible_ticket(actor, id).await?;
        let kind = check_attachment(&file.mime_type, file.bytes.len())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let filename = plain_filename(file.filename.as_deref());
        let size = file.bytes.len();
        let (media_id, mime_type) = self
            .upload_to_whatsapp(actor, id, &file.mime_type, filename.as_deref(), file.bytes)
            .await?;
        Ok(UploadedMedia {
            media_id,
            kind,
            mime_type,
            size,
        })
    }

    /// The upload itself: the media id WhatsApp gave and the type it was uploaded as.
    async fn upload_to_whatsapp(
        &self,
        actor: &Actor,
        id: &TicketId,
        mime_type: &str,
        filename: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<(String, String), AppError> {
        let mime_type = essence(mime_type);
        let size = bytes.len();
        let media_id = self
            .ports
            .whatsapp
            .upload_media(
                &actor.workspace,
                &mime_type,
                filename.unwrap_or("file"),
                bytes,
            )
            .await
            .map_err(AppError::Channel)?;
        info!(workspace = %actor.workspace, ticket_id = %id, agent = %actor.agent, mime_type, size, "file uploaded to WhatsApp");
        Ok((media_id, mime_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_plain_characters() {
        assert_eq!(
            plain_filename(Some("factura 12.pdf")).as_deref(),
            Some("factura 12.pdf")
        );
        assert_eq!(
            plain_filename(Some("../../etc/\"x\".pdf")).as_deref(),
            Some("_.._etc__x_.pdf")
        );
        assert_eq!(plain_filename(Some("...")), None);
        assert_eq!(plain_filename(None), None);
    }
}
