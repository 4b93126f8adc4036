//! The Graph API's `/messages` request body, built from a domain `Outbound`.

use serde::Serialize;
use turno_core::channel::message::{
    HeaderMedia, ListRow, MediaKind, MediaSource, Outbound, ReplyButton, TemplateMessage,
};
use turno_core::kernel::ids::WaId;

#[derive(Debug, Serialize)]
pub(super) struct SendRequest<'a> {
    messaging_product: &'static str,
    recipient_type: &'static str,
    to: &'a str,
    #[serde(flatten)]
    payload: Payload<'a>,
}

impl<'a> SendRequest<'a> {
    pub(super) fn new(to: &'a WaId, message: &'a Outbound) -> Self {
        let payload = match message {
            Outbound::Text { body, preview_url } => Payload::Text {
                text: Text {
                    preview_url: *preview_url,
                    body,
                },
            },
            Outbound::Buttons { body, buttons } => Payload::Interactive {
                interactive: Interactive::Button {
                    body: Body { text: body },
                    action: ButtonAction {
                        buttons: buttons.iter().map(Button::reply).collect(),
                    },
                },
            },
            Outbound::List { body, button, rows } => Payload::Interactive {
                interactive: Interactive::List {
                    body: Body { text: body },
                    action: ListAction {
                        button,
                        // One untitled section: WhatsApp requires section titles only when
                        // there are several.
                        sections: vec![Section {
                            rows: rows.iter().map(Row::from).collect(),
                        }],
                    },
                },
            },
            Outbound::Template(t) => Payload::Template {
                template: Template::from(t),
            },
            Outbound::Media {
                kind,
                source,
                caption,
                filename,
            } => {
                let media = Media {
                    id: match source {
                        MediaSource::Id(id) => Some(id),
                        MediaSource::Link(_) => None,
                    },
                    link: match source {
                        MediaSource::Link(link) => Some(link),
                        MediaSource::Id(_) => None,
                    },
                    caption: caption.as_deref(),
                    filename: filename.as_deref(),
                };
                match kind {
                    MediaKind::Image => Payload::Image { image: media },
                    MediaKind::Audio => Payload::Audio { audio: media },
                    MediaKind::Video => Payload::Video { video: media },
                    MediaKind::Document => Payload::Document { document: media },
                    MediaKind::Sticker => Payload::Sticker { sticker: media },
                }
            }
        };
        SendRequest {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to: to.as_str(),
            payload,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload<'a> {
    Text { text: Text<'a> },
    Interactive { interactive: Interactive<'a> },
    Template { template: Template<'a> },
    Image { image: Media<'a> },
    Audio { audio: Media<'a> },
    Video { video: Media<'a> },
    Document { document: Media<'a> },
    Sticker { sticker: Media<'a> },
}

/// The read receipt for a message the customer sent (its ticks turn blue).
#[derive(Debug, Serialize)]
pub(super) struct ReadReceipt<'a> {
    messaging_product: &'static str,
    status: &'static str,
    message_id: &'a str,
}

impl<'a> ReadReceipt<'a> {
    pub(super) fn new(message_id: &'a str) -> Self {
        ReadReceipt {
            messaging_product: "whatsapp",
            status: "read",
            message_id,
        }
    }
}

#[derive(Debug, Serialize)]
struct Media<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Template<'a> {
    name: &'a str,
    language: Language<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component<'a>>,
}

#[derive(Debug, Serialize)]
struct Language<'a> {
    code: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Component<'a> {
    Header {
        parameters: Vec<Parameter<'a>>,
    },
    Body {
        parameters: Vec<Parameter<'a>>,
    },
    Button {
        sub_type: &'static str,
        index: String,
        parameters: Vec<Parameter<'a>>,
    },
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Parameter<'a> {
    Text { text: &'a str },
    Payload { payload: &'a str },
    Image { image: Media<'a> },
    Video { video: Media<'a> },
    Document { document: Media<'a> },
}

/// The header parameter of a template approved with a media header.
fn header_media(m: &HeaderMedia) -> Option<Parameter<'_>> {
    let (id, link) = match &m.source {
        MediaSource::Id(id) => (Some(id.as_str()), None),
        MediaSource::Link(link) => (None, Some(link.as_str())),
    };
    let media = Media {
        id,
        link,
        caption: None,
        filename: None,
    };
    match m.kind {
        MediaKind::Image => Some(Parameter::Image { image: media }),
        MediaKind::Video => Some(Parameter::Video { video: media }),
        MediaKind::Document => Some(Parameter::Document { document: media }),
        MediaKind::Audio | MediaKind::Sticker => None,
    }
}

impl<'a> From<&'a TemplateMessage> for Template<'a> {
    fn from(t: &'a TemplateMessage) -> Self {
        let texts = |values: &'a [String]| {
            values
                .iter()
                .map(|v| Parameter::Text { text: v })
                .collect::<Vec<_>>()
        };
        let mut components = Vec::new();
        if let Some(media) = t.header_media.as_deref().and_then(header_media) {
            components.push(Component::Header {
                parameters: vec![media],
            });
        } else if !t.header_params.is_empty() {
            components.push(Component::Header {
                parameters: texts(&t.header_params),
            });
        }
        if !t.body_params.is_empty() {
            components.push(Component::Body {
                parameters: texts(&t.body_params),
            });
        }
        for (i, payload) in t.button_payloads.iter().enumerate() {
            components.push(Component::Button {
                sub_type: "quick_reply",
                index: i.to_string(),
                parameters: vec![Parameter::Payload { payload }],
            });
        }
        Template {
            name: &t.name,
            language: Language { code: &t.language },
            components,
        }
    }
}

#[derive(Debug, Serialize)]
struct Text<'a> {
    preview_url: bool,
    body: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Interactive<'a> {
    Button {
        body: Body<'a>,
        action: ButtonAction<'a>,
    },
    List {
        body: Body<'a>,
        action: ListAction<'a>,
    },
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    text: &'a str,
}

#[derive(Debug, Serialize)]
struct ButtonAction<'a> {
    buttons: Vec<Button<'a>>,
}

#[derive(Debug, Serialize)]
struct Button<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    reply: Reply<'a>,
}

impl<'a> Button<'a> {
    fn reply(b: &'a ReplyButton) -> Self {
        Button {
            kind: "reply",
            reply: Reply {
                id: &b.id,
                title: &b.title,
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct Reply<'a> {
    id: &'a str,
    title: &'a str,
}

#[derive(Debug, Serialize)]
struct ListAction<'a> {
    button: &'a str,
    sections: Vec<Section<'a>>,
}

#[derive(Debug, Serialize)]
struct Section<'a> {
    rows: Vec<Row<'a>>,
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

impl<'a> From<&'a ListRow> for Row<'a> {
    fn from(r: &'a ListRow) -> Self {
        Row {
            id: &r.id,
            title: &r.title,
            description: r.description.as_deref(),
        }
    }
}
