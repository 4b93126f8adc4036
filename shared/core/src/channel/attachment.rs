//! Files agents send: the types the WhatsApp Cloud API takes for each kind of media message,
//! and its size limit for each, checked before anything is uploaded.

use super::content::MediaKind;

const MB: usize = 1024 * 1024;

/// The Cloud API's supported media types, the kind of message each goes as, and its limit.
const TYPES: &[(&str, MediaKind, usize)] = &[
    ("image/jpeg", MediaKind::Image, 5 * MB),
    ("image/png", MediaKind::Image, 5 * MB),
    // Animated stickers may be 500 KB (static ones 100 KB): the larger is the limit here.
    ("image/webp", MediaKind::Sticker, 500 * 1024),
    ("audio/aac", MediaKind::Audio, 16 * MB),
    ("audio/amr", MediaKind::Audio, 16 * MB),
    ("audio/mpeg", MediaKind::Audio, 16 * MB),
    ("audio/mp4", MediaKind::Audio, 16 * MB),
    ("audio/ogg", MediaKind::Audio, 16 * MB),
    ("video/mp4", MediaKind::Video, 16 * MB),
    ("video/3gpp", MediaKind::Video, 16 * MB),
    ("text/plain", MediaKind::Document, 100 * MB),
    ("application/pdf", MediaKind::Document, 100 * MB),
    ("application/msword", MediaKind::Document, 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        MediaKind::Document,
        100 * MB,
    ),
    ("application/vnd.ms-excel", MediaKind::Document, 100 * MB),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        MediaKind::Document,
        100 * MB,
    ),
    (
        "application/vnd.ms-powerpoint",
        MediaKind::Document,
        100 * MB,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        MediaKind::Document,
        100 * MB,
    ),
];

/// The largest file any kind takes (a document's 100 MB).
pub const ATTACHMENT_MAX_BYTES: usize = 100 * MB;

/// Why a file cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error(
        "WhatsApp does not take files of type {0:?}: send JPEG or PNG images, WebP stickers, AAC, AMR, MP3, M4A or OGG audio, MP4 or 3GPP video, or PDF, text and Office documents"
    )]
    Unsupported(String),
    #[error("the file is {size} bytes; WhatsApp takes {kind} files up to {limit} bytes")]
    TooLarge {
        kind: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("the file is empty")]
    Empty,
}

/// The media type without its parameters, lower case: `Image/PNG; q=1` → `image/png`.
pub fn essence(mime_type: &str) -> String {
    mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The kind of message a file of `mime_type` and `size` bytes goes as, or why it cannot.
pub fn check_attachment(mime_type: &str, size: usize) -> Result<MediaKind, AttachmentError> {
    let essence = essence(mime_type);
    let (_, kind, limit) = TYPES
        .iter()
        .find(|(t, _, _)| *t == essence)
        .ok_or_else(|| AttachmentError::Unsupported(essence.clone()))?;
    if size == 0 {
        return Err(AttachmentError::Empty);
    }
    if size > *limit {
        return Err(AttachmentError::TooLarge {
            kind: kind_name(*kind),
            size,
            limit: *limit,
        });
    }
    Ok(*kind)
}

fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
        MediaKind::Document => "document",
        MediaKind::Sticker => "sticker",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_goes_as_its_kind_within_its_limit() {
        assert_eq!(
            check_attachment("image/PNG; x=1", 1000),
            Ok(MediaKind::Image)
        );
        assert_eq!(check_attachment("image/webp", 1000), Ok(MediaKind::Sticker));
        assert_eq!(check_attachment("audio/ogg", 1000), Ok(MediaKind::Audio));
        assert_eq!(check_attachment("video/mp4", 1000), Ok(MediaKind::Video));
        assert_eq!(
            check_attachment("application/pdf", 50 * MB),
            Ok(MediaKind::Document)
        );
    }

    #[test]
    fn too_large_unsupported_and_empty_files_are_refused_with_the_limit() {
        let err = check_attachment("image/jpeg", 5 * MB + 1).unwrap_err();
        assert!(matches!(err, AttachmentError::TooLarge { limit, .. } if limit == 5 * MB));
        assert!(err.to_string().contains("image"));
        assert!(check_attachment("video/mp4", 16 * MB + 1).is_err());
        assert!(check_attachment("application/pdf", 100 * MB + 1).is_err());
        assert!(matches!(
            check_attachment("image/gif", 10),
            Err(AttachmentError::Unsupported(_))
        ));
        assert!(matches!(
            check_attachment("text/html", 10),
            Err(AttachmentError::Unsupported(_))
        ));
        assert_eq!(
            check_attachment("image/png", 0),
            Err(AttachmentError::Empty)
        );
    }
}
