//! The Graph API's `/messages` request body, built from a domain `Outbound`.

use serde::Serialize;
use turno_core::ids::WaId;
use turno_core::message::{ListRow, Outbound, ReplyButton};

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
