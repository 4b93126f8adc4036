//! The WhatsApp channel's settings for a workspace: the approved templates turno sends for each
//! use (outside the 24-hour window only a template is delivered), and read receipts.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::channel::message::TemplateMessage;
use crate::channel::template_form::{self, TemplateField, TemplateHeader};
use crate::kernel::lang::{Lang, Localized};

/// Sent when a free-form message cannot be delivered because the window closed (Graph 131047),
/// and by agents to restart a conversation.
pub const RE_ENGAGEMENT: &str = "re_engagement";
/// The satisfaction survey sent after a ticket is resolved.
pub const CSAT: &str = "csat";
/// A follow-up sent by automation when the customer has gone quiet.
pub const FOLLOW_UP: &str = "follow_up";

/// The uses turno itself sends templates for; a workspace may configure others for agents.
pub const KNOWN_USES: [&str; 3] = [RE_ENGAGEMENT, CSAT, FOLLOW_UP];

/// The templates of a workspace, by use (`re_engagement`, `csat`, `follow_up`, or a name of
/// the business's own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplatesConfig(pub BTreeMap<String, TemplateConfig>);

/// One approved template and how to fill it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// The template's name in WhatsApp Manager.
    pub name: String,
    /// The language code it was approved in (`es`, `en_US`, `pt_BR`).
    pub language: String,
    /// The code to use for customers speaking each language, when the template was approved
    /// in several (`en: en_US`).
    #[serde(default)]
    pub languages: HashMap<Lang, String>,
    /// The header's placeholder value (at most one).
    #[serde(default)]
    pub header_params: Vec<String>,
    /// The body's placeholder values, in order. `{customer_name}` and `{ticket_id}` are filled
    /// in when sent.
    #[serde(default)]
    pub body_params: Vec<String>,
    /// Payloads of the template's quick-reply buttons, in order.
    #[serde(default)]
    pub button_payloads: Vec<String>,
    /// Its category as approved; a category WhatsApp reports later takes precedence.
    /// Marketing templates go only to customers who have not stopped marketing messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<crate::channel::templates::TemplateCategory>,
    /// The body as approved, per customer language, with its `{{1}}`… placeholders: shown to
    /// agents, and the count of parameters every send must carry.
    #[serde(default, skip_serializing_if = "template_form::is_empty")]
    pub body: Localized,
    /// The header as approved: a text (per language) or a kind of media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<TemplateHeader>,
    /// The titles of its buttons as approved, per language, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Localized>,
    /// Body placeholders filled from the customer or the ticket, by number
    /// (`"1": customer_name`): pre-filled for agents, filled in for turno's own sends.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, TemplateField>,
}

/// What a template's placeholders may refer to.
#[derive(Debug, Clone, Default)]
pub struct TemplateVars<'a> {
    pub customer_name: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
}

impl TemplateConfig {
    /// The template to send to a customer speaking `lang`, placeholders filled in. An unknown
    /// name becomes a word for "customer" in their language, so the parameter is never empty.
    pub fn message(&self, lang: Lang, vars: &TemplateVars<'_>) -> TemplateMessage {
        let fallback_name = match lang {
            Lang::Es | Lang::Pt => "cliente",
            Lang::En => "customer",
        };
        let name = vars
            .customer_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(fallback_name);
        let ticket = vars.ticket_id.unwrap_or("-");
        let filled_vars = TemplateVars {
            customer_name: Some(name),
            ticket_id: Some(ticket),
        };
        let fill = |values: &[String]| {
            values
                .iter()
                .map(|v| {
                    v.replace("{customer_name}", name)
                        .replace("{ticket_id}", ticket)
                })
                .collect()
        };
        TemplateMessage {
            name: self.name.clone(),
            language: self.languages.get(&lang).unwrap_or(&self.language).clone(),
            header_params: fill(&self.header_params),
            header_media: None,
            body_params: if self.body_params.is_empty() {
                self.prefill(&filled_vars)
            } else {
                fill(&self.body_params)
            },
            button_payloads: self.button_payloads.clone(),
        }
    }
}

impl TemplatesConfig {
    pub fn get(&self, use_: &str) -> Option<&TemplateConfig> {
        self.0.get(use_)
    }

    /// Checks every template as WhatsApp would, with sample values in the placeholders, so a
    /// mistake fails at start-up and not when the template is first needed.
    pub fn validate(&self) -> Result<(), String> {
        for (use_, t) in &self.0 {
            let use_ok = !use_.is_empty()
                && use_
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !use_ok {
                return Err(format!(
                    "templates: use {use_:?} must be lowercase letters, digits or underscores (re_engagement, csat, follow_up, ...)"
                ));
            }
            t.check_form()
                .map_err(|e| format!("templates.{use_}: {e}"))?;
            let sample = TemplateVars {
                customer_name: Some("Ana"),
                ticket_id: Some("T-1"),
            };
            for lang in Lang::ALL {
                let mut message = t.message(lang, &sample);
                // turno sends these itself: nobody is there to fill a placeholder in.
                let unfilled = message.body_params.iter().any(|p| p.is_empty());
                if KNOWN_USES.contains(&use_.as_str()) && unfilled {
                    return Err(format!(
                        "templates.{use_}: the body takes {} parameter(s); give each a value in body_params or fields, as turno sends this template itself",
                        t.param_count()
                    ));
                }
                // What an agent will type, checked when it is typed.
                for p in message.body_params.iter_mut().filter(|p| p.is_empty()) {
                    p.push_str("sample");
                }
                message
                    .validate()
                    .map_err(|e| format!("templates.{use_}: {e}"))?;
            }
        }
        Ok(())
    }
}

/// Channel behaviour that is not a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Send a read receipt (blue ticks) for each customer message the bot or an agent's queue
    /// has taken in. Default `true`.
    #[serde(default = "yes")]
    pub mark_as_read: bool,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig { mark_as_read: true }
    }
}

fn yes() -> bool {
    true
}

/// How long after a customer's last message a business may write to them freely.
pub const SERVICE_WINDOW: SignedDuration = SignedDuration::from_hours(24);

/// The 24-hour customer-service window as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WindowState {
    /// Whether a free-form message may be sent now.
    pub open: bool,
    /// When it closes (or closed); `None` if the customer never wrote.
    pub closes_at: Option<Timestamp>,
}

impl WindowState {
    /// The window at `now`, given when the customer last wrote (`None`: never).
    pub fn at(last_customer_message: Option<Timestamp>, now: Timestamp) -> Self {
        let closes_at = last_customer_message.and_then(|t| t.checked_add(SERVICE_WINDOW).ok());
        WindowState {
            open: closes_at.is_some_and(|c| now < c),
            closes_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: serde_json::Value) -> TemplatesConfig {
        serde_json::from_value(json).expect("templates")
    }

    #[test]
    fn a_template_is_filled_in_for_the_customers_language_and_name() {
        let t = config(serde_json::json!({
            "re_engagement": {
                "name": "retomar_conversacion",
                "language": "es",
                "languages": { "en": "en_US" },
                "body_params": ["{customer_name}", "{ticket_id}"],
                "button_payloads": ["reopen"]
            }
        }));
        t.validate().unwrap();
        let re = t.get(RE_ENGAGEMENT).unwrap();
        let vars = TemplateVars {
            customer_name: Some("Lucía"),
            ticket_id: Some("T-9"),
        };
        let en = re.message(Lang::En, &vars);
        assert_eq!(en.language, "en_US");
        assert_eq!(en.body_params, vec!["Lucía", "T-9"]);
        assert_eq!(en.button_payloads, vec!["reopen"]);
        let pt = re.message(Lang::Pt, &TemplateVars::default());
        assert_eq!(pt.language, "es", "no pt code configured: the default");
        assert_eq!(pt.body_params[0], "cliente");
    }

    #[test]
    fn a_template_whatsapp_would_refuse_fails_validation_with_its_use_named() {
        use serde_json::json;
        let bad = config(json!({"csat": {"name": "Encuesta CSAT", "language": "es"}}));
        assert!(bad.validate().unwrap_err().contains("templates.csat"));
        let bad_use = config(json!({"Re-Engage": {"name": "hello", "language": "es"}}));
        assert!(bad_use.validate().unwrap_err().contains("lowercase"));
        let bad_param = config(
            json!({"follow_up": {"name": "hello", "language": "es", "body_params": ["a\nb"]}}),
        );
        assert!(bad_param.validate().unwrap_err().contains("new lines"));
        // turno's own sends need a value for every placeholder; agents' templates do not.
        let body = json!({"name": "hello", "language": "es", "body": {"es": "Hola {{1}}"}});
        let unfilled = config(json!({ "follow_up": body.clone() }));
        assert!(
            unfilled
                .validate()
                .unwrap_err()
                .contains("body_params or fields")
        );
        config(json!({ "order_update": body })).validate().unwrap();
    }
}
