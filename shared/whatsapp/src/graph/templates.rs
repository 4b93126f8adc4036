//! `GET /{waba-id}/message_templates`: the business account's templates, page by page
//! (`paging.next`), read into [`ListedTemplate`]s: name, language, status, category, and of
//! the components the header's format and text, the body's text with its `{{n}}`
//! placeholders, and the buttons' titles.

use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use tracing::{debug, warn};
use turno_core::channel::template_form::HeaderFormat;
use turno_core::channel::templates::{ListedTemplate, SyncedHeader, TemplateCategory};
use turno_core::ports::SendError;

use super::{GraphClient, response, transport_error};

/// The fields asked for, and the page size (Graph's largest).
const QUERY: &str = "fields=name,status,category,language,components&limit=100";
/// At most this many pages are read (10,000 templates, far beyond WhatsApp's per-account
/// limit); a list that goes on is refused rather than kept in part.
pub const MAX_PAGES: usize = 100;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Template>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    next: Option<String>,
}

#[derive(Deserialize)]
struct Template {
    name: String,
    language: String,
    #[serde(default)]
    status: String,
    category: Option<String>,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "type", default)]
    kind: String,
    format: Option<String>,
    text: Option<String>,
    #[serde(default)]
    buttons: Vec<Button>,
}

#[derive(Deserialize)]
struct Button {
    text: Option<String>,
}

fn header_format(format: &str) -> Option<HeaderFormat> {
    match format.to_ascii_uppercase().as_str() {
        "TEXT" => Some(HeaderFormat::Text),
        "IMAGE" => Some(HeaderFormat::Image),
        "VIDEO" => Some(HeaderFormat::Video),
        "DOCUMENT" => Some(HeaderFormat::Document),
        "LOCATION" => Some(HeaderFormat::Location),
        _ => None,
    }
}

impl From<Template> for ListedTemplate {
    fn from(t: Template) -> Self {
        let mut listed = ListedTemplate {
            name: t.name,
            language: t.language,
            status: t.status.to_ascii_uppercase(),
            category: t.category.as_deref().and_then(TemplateCategory::from_meta),
            header: None,
            body: None,
            buttons: Vec::new(),
        };
        for c in t.components {
            match c.kind.to_ascii_uppercase().as_str() {
                "HEADER" => {
                    listed.header =
                        c.format
                            .as_deref()
                            .and_then(header_format)
                            .map(|format| SyncedHeader {
                                format,
                                text: c.text.filter(|_| format == HeaderFormat::Text),
                            });
                }
                "BODY" => listed.body = c.text,
                "BUTTONS" => {
                    listed.buttons = c.buttons.into_iter().filter_map(|b| b.text).collect();
                }
                _ => {}
            }
        }
        listed
    }
}

/// Parses one page's body: its templates and the next page's address.
fn page(body: &[u8]) -> Result<(Vec<ListedTemplate>, Option<String>), SendError> {
    let page: Page = serde_json::from_slice(body).map_err(|e| SendError::Rejected {
        code: 0,
        message: format!("WhatsApp's template list could not be read: {e}"),
    })?;
    let next = page.paging.and_then(|p| p.next).filter(|n| !n.is_empty());
    Ok((page.data.into_iter().map(Into::into).collect(), next))
}

impl GraphClient {
    /// Every page of the account's template list, or the first error. The next page's
    /// address is followed only when it is on the configured Graph API (the token goes with
    /// it).
    pub(super) async fn list_templates(
        &self,
        waba_id: &str,
    ) -> Result<Vec<ListedTemplate>, SendError> {
        if !super::is_phone_number_id(waba_id) {
            return Err(SendError::Rejected {
                code: 0,
                message: "the WhatsApp Business Account id must be digits only".into(),
            });
        }
        let mut url = format!("{}/{waba_id}/message_templates?{QUERY}", self.base_url);
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let (templates, next) = self.template_page(&url).await?;
            all.extend(templates);
            match next {
                None => {
                    debug!(templates = all.len(), "template list read");
                    return Ok(all);
                }
                Some(next) if next.starts_with(&format!("{}/", self.base_url)) => url = next,
                Some(_) => {
                    warn!("template list's next page is not on the Graph API; refused");
                    return Err(SendError::Rejected {
                        code: 0,
                        message: "WhatsApp's template list pointed to a page elsewhere".into(),
                    });
                }
            }
        }
        Err(SendError::Rejected {
            code: 0,
            message: format!("WhatsApp's template list goes on beyond {MAX_PAGES} pages"),
        })
    }

    async fn template_page(
        &self,
        url: &str,
    ) -> Result<(Vec<ListedTemplate>, Option<String>), SendError> {
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let retry_after = response::retry_after(response.headers());
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            return page(&body);
        }
        let error = response::classify(status, response::graph_error(&body).as_ref(), retry_after);
        warn!(status = status.as_u16(), error = %error, "Graph API refused the template list");
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_each_templates_form_and_the_next_address() {
        let body = serde_json::json!({
            "data": [{
                "name": "pedido_enviado", "language": "es_MX", "status": "APPROVED",
                "category": "UTILITY", "id": "1",
                "components": [
                    { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["x"] } },
                    { "type": "BODY", "text": "Hola {{1}}, tu pedido {{2}} salió." },
                    { "type": "FOOTER", "text": "Tienda" },
                    { "type": "BUTTONS", "buttons": [
                        { "type": "QUICK_REPLY", "text": "Gracias" },
                        { "type": "URL", "text": "Seguir", "url": "https://x.example/{{1}}" }
                    ] }
                ]
            }, {
                "name": "aviso", "language": "en_US", "status": "rejected",
                "category": "MARKETING",
                "components": [{ "type": "HEADER", "format": "TEXT", "text": "News" }]
            }],
            "paging": { "cursors": { "before": "a", "after": "b" }, "next": "https://g.example/next" }
        });
        let (list, next) = page(body.to_string().as_bytes()).unwrap();
        assert_eq!(next.as_deref(), Some("https://g.example/next"));
        assert_eq!(list.len(), 2);
        let p = &list[0];
        assert_eq!(
            (p.name.as_str(), p.language.as_str()),
            ("pedido_enviado", "es_MX")
        );
        assert_eq!(p.category, Some(TemplateCategory::Utility));
        assert_eq!(
            p.body.as_deref(),
            Some("Hola {{1}}, tu pedido {{2}} salió.")
        );
        assert_eq!(
            p.header.as_ref().map(|h| h.format),
            Some(HeaderFormat::Image)
        );
        assert_eq!(p.header.as_ref().and_then(|h| h.text.clone()), None);
        assert_eq!(p.buttons, vec!["Gracias", "Seguir"]);
        assert_eq!(list[1].status, "REJECTED");
        assert_eq!(
            list[1].header.as_ref().and_then(|h| h.text.as_deref()),
            Some("News")
        );
        let (_, last) = page(br#"{"data": [], "paging": {"cursors": {}}}"#).unwrap();
        assert_eq!(last, None);
        assert!(page(b"<html>").is_err());
    }
}
