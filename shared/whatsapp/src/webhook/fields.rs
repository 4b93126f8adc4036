//! The webhook fields besides `messages` that turno acts on: calls, marketing preferences,
//! and template status, quality and category changes. Echoes of the WhatsApp Business app
//! share the message shape ([`super::payload::RawEcho`]).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use tracing::debug;
use turno_core::channel::message::{CallOutcome, Content, InboundMessage};
use turno_core::channel::templates::{
    MarketingPreference, TemplateCategory, TemplateChange, TemplateUpdate,
};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};

use super::payload::{ParseError, timestamp};

fn wa_id(value: &str, path: String) -> Result<WaId, ParseError> {
    WaId::parse(value).map_err(|e| ParseError::invalid(path, e.to_string()))
}

/// One item of the `calls` field.
#[derive(Deserialize)]
pub(super) struct RawCall {
    id: String,
    from: Option<String>,
    event: String,
    #[serde(default)]
    timestamp: Value,
    direction: Option<String>,
    status: Option<String>,
    duration: Option<Value>,
}

impl RawCall {
    /// A call from the customer that ended, as a transcript event; `None` for the other
    /// moments of a call (`connect`) and for calls the business placed.
    pub(super) fn into_domain(
        self,
        workspace: &WorkspaceId,
        path: &str,
    ) -> Result<Option<InboundMessage>, ParseError> {
        if self.event != "terminate" || self.direction.as_deref() == Some("BUSINESS_INITIATED") {
            debug!(event = %self.event, "call event skipped: only a customer's ended call is recorded");
            return Ok(None);
        }
        let from = self
            .from
            .ok_or_else(|| ParseError::invalid(format!("{path}.from"), "missing"))?;
        let from = wa_id(&from, format!("{path}.from"))?;
        let at = timestamp(&self.timestamp, path)?;
        let call_id = MessageId::parse(self.id.clone())
            .map_err(|e| ParseError::invalid(format!("{path}.id"), e.to_string()))?;
        let duration_secs = match &self.duration {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let answered =
            self.status.as_deref() == Some("COMPLETED") && duration_secs.unwrap_or(0) > 0;
        Ok(Some(InboundMessage {
            workspace: workspace.clone(),
            // One line per call, whatever the number of its webhooks.
            id: MessageId::derived(&call_id, "call"),
            from,
            profile_name: None,
            at,
            content: Content::Call {
                call_id: self.id,
                outcome: if answered {
                    CallOutcome::Answered
                } else {
                    CallOutcome::Missed
                },
                duration_secs: duration_secs.filter(|_| answered),
            },
            context: None,
        }))
    }
}

/// One item of the `user_preferences` field.
#[derive(Deserialize)]
pub(super) struct RawPreference {
    wa_id: String,
    category: String,
    value: String,
    #[serde(default)]
    timestamp: Value,
}

impl RawPreference {
    /// `None` for a category other than marketing messages.
    pub(super) fn into_domain(
        self,
        workspace: &WorkspaceId,
        path: &str,
    ) -> Result<Option<MarketingPreference>, ParseError> {
        if self.category != "marketing_messages" {
            debug!(category = %self.category, "user preference skipped: not about marketing messages");
            return Ok(None);
        }
        let subscribed = match self.value.as_str() {
            "stop" => false,
            "resume" => true,
            _ => {
                return Err(ParseError::invalid(
                    format!("{path}.value"),
                    "must be stop or resume",
                ));
            }
        };
        Ok(Some(MarketingPreference {
            workspace: workspace.clone(),
            customer: wa_id(&self.wa_id, format!("{path}.wa_id"))?,
            subscribed,
            at: timestamp(&self.timestamp, path)?,
        }))
    }
}

/// The value of a `message_template_status_update`, `message_template_quality_update` or
/// `template_category_update` change.
#[derive(Deserialize)]
pub(super) struct RawTemplateChange {
    message_template_name: String,
    message_template_language: String,
    event: Option<String>,
    reason: Option<String>,
    new_quality_score: Option<String>,
    new_category: Option<String>,
}

impl RawTemplateChange {
    pub(super) fn into_domain(
        self,
        field: &str,
        workspace: Option<WorkspaceId>,
        at: Option<Timestamp>,
        path: &str,
    ) -> Result<TemplateUpdate, ParseError> {
        let need = |v: Option<String>, name: &str| {
            v.filter(|s| !s.trim().is_empty())
                .ok_or_else(|| ParseError::invalid(format!("{path}.{name}"), "missing"))
        };
        let change = match field {
            "message_template_status_update" => TemplateChange::Status {
                status: need(self.event, "event")?,
                reason: self.reason,
            },
            "message_template_quality_update" => TemplateChange::Quality {
                score: need(self.new_quality_score, "new_quality_score")?,
            },
            _ => {
                let raw = need(self.new_category, "new_category")?;
                TemplateChange::Category {
                    category: TemplateCategory::from_meta(&raw).ok_or_else(|| {
                        ParseError::invalid(
                            format!("{path}.new_category"),
                            "must be MARKETING, UTILITY or AUTHENTICATION",
                        )
                    })?,
                }
            }
        };
        if self.message_template_name.is_empty() || self.message_template_language.is_empty() {
            return Err(ParseError::invalid(
                path,
                "the template name and language must not be empty",
            ));
        }
        Ok(TemplateUpdate {
            workspace,
            name: self.message_template_name,
            language: self.message_template_language,
            change,
            at,
        })
    }
}
