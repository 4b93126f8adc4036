//! `POST /{phone-number-id}/media`: a file an agent sends, uploaded as a multipart form
//! (`messaging_product`, `type`, `file`); WhatsApp answers with the media id a message then
//! carries.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use tracing::{debug, warn};
use turno_core::ports::SendError;

use super::{GraphClient, response, transport_error};

#[derive(Deserialize)]
struct Uploaded {
    id: String,
}

/// The multipart body and its boundary. The type and the name were checked by the caller
/// (a known media type; plain characters), and the boundary is random, so no value can end
/// a part early.
pub(super) fn form(mime_type: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("turno-{:032x}", rand::random::<u128>());
    let name: String = filename
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    let mut body = Vec::with_capacity(bytes.len() + 512);
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("messaging_product", "whatsapp");
    field("type", mime_type);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

impl GraphClient {
    /// One attempt: a large upload is not repeated behind the agent's back; they see the
    /// error and send again.
    pub(super) async fn upload(
        &self,
        phone_number_id: &str,
        mime_type: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<String, SendError> {
        let url = format!("{}/{phone_number_id}/media", self.base_url);
        let (boundary, body) = form(mime_type, filename, bytes);
        let content_type = HeaderValue::from_str(&format!(
            "multipart/form-data; boundary={boundary}"
        ))
        .map_err(|e| SendError::Rejected {
            code: 0,
            message: format!("upload form: {e}"),
        })?;
        let response = self
            .http
            .post(&url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let retry_after = response::retry_after(response.headers());
        let answer = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            let id = serde_json::from_slice::<Uploaded>(&answer)
                .ok()
                .map(|u| u.id)
                .filter(|id| super::is_media_id(id))
                .ok_or_else(|| SendError::Rejected {
                    code: 0,
                    message: "WhatsApp's upload answer carried no media id".into(),
                })?;
            debug!(bytes = bytes.len(), "media uploaded");
            return Ok(id);
        }
        let error =
            response::classify(status, response::graph_error(&answer).as_ref(), retry_after);
        warn!(status = status.as_u16(), error = %error, "Graph API refused the upload");
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_the_three_fields_and_the_bytes_as_they_are() {
        let (boundary, body) = form("image/png", "a\"b.png", &[0, 159, 146, 150]);
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"));
        assert!(text.contains("name=\"type\"\r\n\r\nimage/png\r\n"));
        assert!(text.contains("filename=\"a_b.png\"\r\nContent-Type: image/png\r\n\r\n"));
        assert!(body.windows(4).any(|w| w == [0, 159, 146, 150]));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }
}
