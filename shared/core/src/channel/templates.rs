//! What WhatsApp reports outside conversations: how a workspace's message templates stand
//! (status, quality, category) and a customer's choice to stop or resume marketing messages.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::template_form::HeaderFormat;
use crate::kernel::ids::{WaId, WorkspaceId};

/// A template's category as WhatsApp classifies it. Marketing templates need the customer's
/// consent; utility and authentication ones do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

impl TemplateCategory {
    /// Meta writes categories in capitals (`MARKETING`); any case is taken.
    pub fn from_meta(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "marketing" => Some(TemplateCategory::Marketing),
            "utility" => Some(TemplateCategory::Utility),
            "authentication" => Some(TemplateCategory::Authentication),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateCategory::Marketing => "marketing",
            TemplateCategory::Utility => "utility",
            TemplateCategory::Authentication => "authentication",
        }
    }
}

/// What one template webhook says changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TemplateChange {
    /// `message_template_status_update`: `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, ...
    Status {
        status: String,
        reason: Option<String>,
    },
    /// `message_template_quality_update`: `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    Quality { score: String },
    /// `template_category_update`.
    Category { category: TemplateCategory },
}

/// A change to one template (by name and language) of a WhatsApp Business Account. These
/// changes carry no phone number: `workspace` is `None` and the change applies to every
/// workspace that configures the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateUpdate {
    pub workspace: Option<WorkspaceId>,
    pub name: String,
    pub language: String,
    pub change: TemplateChange,
    /// When WhatsApp made the change (the entry's `time`), when it says.
    pub at: Option<Timestamp>,
}

/// The last known state of a template, kept per workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateState {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub status_at: Option<Timestamp>,
    #[serde(default)]
    pub quality: Option<String>,
    #[serde(default)]
    pub category: Option<TemplateCategory>,
    /// The approved body with its `{{1}}`… placeholders, as the last sync from WhatsApp read
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<SyncedHeader>,
    /// Its buttons' titles, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<String>,
    /// When it was last read from WhatsApp's template list; `None` if only webhooks told of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<Timestamp>,
}

/// A template's header as WhatsApp's template list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedHeader {
    pub format: HeaderFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One template (one name in one language) as the business account's template list gives it
/// (`GET /{waba-id}/message_templates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedTemplate {
    pub name: String,
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`...
    pub status: String,
    pub category: Option<TemplateCategory>,
    pub header: Option<SyncedHeader>,
    pub body: Option<String>,
    pub buttons: Vec<String>,
}

impl TemplateState {
    /// Takes in what the template list said at `at`: its status and category (a webhook
    /// heard after `at` still wins, one from before does not), its body, header and buttons.
    pub fn apply_listed(&mut self, listed: &ListedTemplate, at: Timestamp) {
        self.apply(
            &TemplateChange::Status {
                status: listed.status.clone(),
                reason: None,
            },
            Some(at),
        );
        if let Some(c) = listed.category {
            self.category = Some(c);
        }
        self.body = listed.body.clone();
        self.header = listed.header.clone();
        self.buttons = listed.buttons.clone();
        self.synced_at = Some(at);
    }

    /// The record key of a template: its name and language.
    pub fn key(name: &str, language: &str) -> String {
        format!("{name}#{language}")
    }

    /// Takes in a change. A status older than the one kept is ignored (webhooks arrive in any
    /// order). Returns whether anything changed.
    pub fn apply(&mut self, change: &TemplateChange, at: Option<Timestamp>) -> bool {
        let before = self.clone();
        match change {
            TemplateChange::Status { status, reason } => {
                let older = matches!((at, self.status_at), (Some(a), Some(kept)) if a < kept);
                if !older {
                    self.status = Some(status.to_ascii_uppercase());
                    self.reason = reason.clone().filter(|r| r != "NONE" && !r.is_empty());
                    self.status_at = at.or(self.status_at);
                }
            }
            TemplateChange::Quality { score } => self.quality = Some(score.to_ascii_uppercase()),
            TemplateChange::Category { category } => self.category = Some(*category),
        }
        *self != before
    }

    /// Whether WhatsApp last said the template may be sent: approved, or no status heard.
    pub fn sendable(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "APPROVED")
    }
}

/// A customer stopped (`subscribed: false`) or resumed marketing messages
/// (`user_preferences`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketingPreference {
    pub workspace: WorkspaceId,
    pub customer: WaId,
    pub subscribed: bool,
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Option<Timestamp> {
        Timestamp::from_second(s).ok()
    }

    #[test]
    fn an_older_status_does_not_replace_a_newer_one() {
        let mut t = TemplateState::default();
        let status = |s: &str| TemplateChange::Status {
            status: s.into(),
            reason: Some("NONE".into()),
        };
        assert!(t.apply(&status("PAUSED"), at(20)));
        assert!(!t.sendable());
        assert!(!t.apply(&status("APPROVED"), at(10)));
        assert_eq!(t.status.as_deref(), Some("PAUSED"));
        assert!(t.apply(&status("approved"), at(30)));
        assert!(t.sendable());
        assert_eq!(t.reason, None);
    }

    #[test]
    fn a_listed_template_and_webhooks_merge_newest_first() {
        let listed = ListedTemplate {
            name: "pedido".into(),
            language: "es".into(),
            status: "APPROVED".into(),
            category: Some(TemplateCategory::Utility),
            header: None,
            body: Some("Hola {{1}}".into()),
            buttons: vec!["Ver".into()],
        };
        let mut t = TemplateState::default();
        let paused = TemplateChange::Status {
            status: "PAUSED".into(),
            reason: None,
        };
        // A webhook from before the listing is superseded by it...
        t.apply(&paused, at(10));
        t.apply_listed(&listed, Timestamp::from_second(20).unwrap());
        assert_eq!(t.status.as_deref(), Some("APPROVED"));
        assert_eq!(t.body.as_deref(), Some("Hola {{1}}"));
        assert_eq!(t.synced_at, at(20));
        // ...a late one about an older change does not undo it, a newer one does.
        assert!(!t.apply(&paused, at(15)));
        assert!(t.sendable());
        assert!(t.apply(&paused, at(30)));
        assert!(!t.sendable());
        assert_eq!(t.buttons, vec!["Ver"], "a webhook keeps the listed form");
    }

    #[test]
    fn categories_are_read_in_any_case() {
        assert_eq!(
            TemplateCategory::from_meta("MARKETING"),
            Some(TemplateCategory::Marketing)
        );
        assert_eq!(TemplateCategory::from_meta("promo"), None);
    }
}
