//! Templates and consent as WhatsApp reports them: the state of each configured template
//! (status, quality, category) kept per workspace as records of kind
//! [`RecordKind::Template`], customers' marketing preferences taken into their profiles, the
//! templates agents are offered, and the checks before an agent sends one.

use std::collections::HashMap;

use serde::Serialize;
use tracing::{info, warn};

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::channel::message::{
    HeaderMedia, MediaKind, MediaSource, Outbound, TemplateMessage, TranscriptEntry,
};
use crate::channel::templates::{
    MarketingPreference, TemplateCategory, TemplateState, TemplateUpdate,
};
use crate::channel::window::{TemplateConfig, TemplateVars};
use crate::kernel::ids::{TicketId, WaId, WorkspaceId};
use crate::ports::records::{Record, RecordKind};

/// The longest record key the stores take.
const MAX_KEY: usize = 200;

/// A configured template as agents are offered it: what the configuration says, and what
/// WhatsApp last reported about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateOffer {
    #[serde(rename = "use")]
    pub use_: String,
    #[serde(flatten)]
    pub template: TemplateConfig,
    /// WhatsApp's last status for it (`APPROVED`), when one was heard.
    pub status: Option<String>,
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`, when WhatsApp reported one.
    pub quality: Option<String>,
    /// How many body parameters every send must carry.
    pub param_count: usize,
}

impl Turno {
    /// Keeps a template change in every workspace it concerns: the one named, or (a change for
    /// the whole business account) each workspace that configures a template of that name.
    /// Returns how many workspaces took it.
    pub(super) async fn record_template_update(
        &self,
        update: &TemplateUpdate,
    ) -> Result<usize, AppError> {
        let key = TemplateState::key(&update.name, &update.language);
        if key.len() > MAX_KEY {
            warn!(
                len = key.len(),
                "template change for a name too long to keep; skipped"
            );
            return Ok(0);
        }
        let targets: Vec<WorkspaceId> = self
            .workspaces
            .iter()
            .filter(|w| update.workspace.as_ref().is_none_or(|id| *id == w.id))
            .filter(|w| {
                w.whatsapp_business_account_id.is_some()
                    || w.templates.0.values().any(|t| t.name == update.name)
            })
            .map(|w| w.id.clone())
            .collect();
        for ws in &targets {
            let key = &key;
            retry_on_conflict(|_| async move {
                let stored = self
                    .ports
                    .store
                    .record(ws, RecordKind::Template, key)
                    .await?;
                let mut state = stored_state(stored.as_ref(), &update.name, &update.language);
                if !state.apply(&update.change, update.at) {
                    return Ok(());
                }
                let mut record = Record {
                    workspace: ws.clone(),
                    kind: RecordKind::Template,
                    key: key.clone(),
                    value: serde_json::to_value(&state)
                        .map_err(|e| Retry::Fail(AppError::Unexpected(e.into())))?,
                    updated_at: self.now(),
                    version: stored.map_or(0, |r| r.version),
                };
                self.ports.store.put_record(&mut record).await?;
                info!(workspace = %ws, template = %update.name, language = %update.language, status = state.status.as_deref(), quality = state.quality.as_deref(), "template state updated from WhatsApp");
                Ok::<_, Retry<AppError>>(())
            })
            .await?;
        }
        Ok(targets.len())
    }

    /// Takes a customer's stop or resume of marketing messages into their profile, unless a
    /// later choice is recorded already.
    pub(super) async fn record_marketing_preference(
        &self,
        p: &MarketingPreference,
    ) -> Result<(), AppError> {
        retry_on_conflict(|_| async move {
            let (mut profile, record) = self.profile_record(&p.workspace, &p.customer).await?;
            if profile.consent_updated_at.is_some_and(|at| at > p.at)
                || (profile.marketing_consent == Some(p.subscribed)
                    && profile.consent_updated_at.is_some())
            {
                return Ok(());
            }
            profile.marketing_consent = Some(p.subscribed);
            profile.consent_updated_at = Some(p.at);
            let mut record = Record {
                workspace: p.workspace.clone(),
                kind: RecordKind::Customer,
                key: p.customer.as_str().to_owned(),
                value: serde_json::to_value(&profile)
                    .map_err(|e| Retry::Fail(AppError::Unexpected(e.into())))?,
                updated_at: self.now(),
                version: record.map_or(0, |r| r.version),
            };
            self.ports.store.put_record(&mut record).await?;
            info!(workspace = %p.workspace, customer_ref = %super::customer_data::customer_ref(&p.workspace, &p.customer), subscribed = p.subscribed, "marketing preference recorded from WhatsApp");
            Ok::<_, Retry<AppError>>(())
        })
        .await
    }

    /// The workspace's template states, by record key (`name#language`).
    pub(super) async fn template_states(
        &self,
        ws: &WorkspaceId,
    ) -> Result<HashMap<String, TemplateState>, AppError> {
        let records = self.ports.store.records(ws, RecordKind::Template).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| {
                let state = serde_json::from_value::<TemplateState>(r.value).ok()?;
                Some((r.key, state))
            })
            .collect())
    }

    /// `GET /templates`: the configured templates WhatsApp has not reported as unusable
    /// (rejected, paused, disabled...), each with its last known quality and category; then
    /// the approved ones a sync listed that the configuration does not name, by their name.
    pub async fn templates_offered(&self, actor: &Actor) -> Result<Vec<TemplateOffer>, AppError> {
        self.me(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let states = self.template_states(&actor.workspace).await?;
        let listed = super::template_sync::listed_configs(&ws, &states);
        Ok(ws
            .templates
            .0
            .iter()
            .chain(listed.iter().map(|t| (&t.name, t)))
            .filter_map(|(use_, t)| {
                let state = states.get(&TemplateState::key(&t.name, &t.language));
                if state.is_some_and(|s| !s.sendable()) {
                    return None;
                }
                let param_count = t.param_count();
                let mut template = t.clone();
                if let Some(c) = state.and_then(|s| s.category) {
                    template.category = Some(c);
                }
                Some(TemplateOffer {
                    use_: use_.clone(),
                    template,
                    status: state.and_then(|s| s.status.clone()),
                    quality: state.and_then(|s| s.quality.clone()),
                    param_count,
                })
            })
            .collect())
    }

    /// An agent sends a configured (or synced and approved) template by its name. Without a language, the variant for
    /// the customer's language goes (the configured default when it has none); a language it
    /// was not approved in is not found. Without values, the configured and pre-filled ones
    /// go. Either way every body placeholder must have a value WhatsApp takes, or nothing is
    /// sent ([`AppError::Invalid`] naming the placeholder).
    pub async fn agent_send_named_template(
        &self,
        actor: &Actor,
        id: &TicketId,
        name: &str,
        language: Option<String>,
        params: Option<Vec<String>>,
        header_media: Option<MediaSource>,
    ) -> Result<TranscriptEntry, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let listed;
        let config = match ws.templates.0.values().find(|t| t.name == name) {
            Some(t) => t,
            None => {
                let states = self.template_states(&actor.workspace).await?;
                listed = super::template_sync::listed_configs(&ws, &states);
                listed
                    .iter()
                    .find(|t| t.name == name)
                    .ok_or(AppError::NotFound("template"))?
            }
        };
        let ticket = self.visible_ticket(actor, id).await?;
        let language = language.unwrap_or_else(|| config.language_for(ticket.language).to_owned());
        if !config.approved_in(&language) {
            return Err(AppError::NotFound("template language"));
        }
        let vars = TemplateVars {
            customer_name: ticket.customer_name.as_deref(),
            ticket_id: Some(ticket.id.as_str()),
        };
        let mut message = config.message(ticket.language, &vars);
        message.language = language;
        if let Some(values) = params {
            message.body_params = values.into_iter().map(|v| v.trim().to_owned()).collect();
        }
        config
            .check_params(&message.body_params)
            .map_err(AppError::Invalid)?;
        message.header_media = header_media_for(config, header_media)?;
        self.agent_send(actor, id, Outbound::Template(message))
            .await
    }

    /// Refuses a template WhatsApp reported as not approved, and a marketing template for a
    /// customer who stopped marketing messages.
    pub(super) async fn check_template_send(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        template: &TemplateMessage,
    ) -> Result<(), AppError> {
        let key = TemplateState::key(&template.name, &template.language);
        let state = self
            .ports
            .store
            .record(ws, RecordKind::Template, &key)
            .await?
            .and_then(|r| serde_json::from_value::<TemplateState>(r.value).ok());
        if let Some(s) = state.as_ref().filter(|s| !s.sendable()) {
            return Err(AppError::Conflict(format!(
                "template {} ({}) is {} in WhatsApp{}: it cannot be sent until it is approved again",
                template.name,
                template.language,
                s.status.as_deref().unwrap_or("not approved"),
                s.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            )));
        }
        let configured = self.config(ws).await.and_then(|c| {
            c.templates
                .0
                .values()
                .find(|t| t.name == template.name)
                .and_then(|t| t.category)
        });
        let category = state.and_then(|s| s.category).or(configured);
        if category == Some(TemplateCategory::Marketing) {
            let (profile, _) = self.profile_record(ws, customer).await?;
            if profile.marketing_consent == Some(false) {
                let since = profile
                    .consent_updated_at
                    .map(|at| format!(" on {at}"))
                    .unwrap_or_default();
                return Err(AppError::Conflict(format!(
                    "the customer stopped marketing messages{since}: marketing template {} cannot be sent to them (utility and authentication templates still can)",
                    template.name
                )));
            }
        }
        Ok(())
    }
}

/// The header media a send carries: required by a template approved with an image, video or
/// document header, refused by any other.
fn header_media_for(
    config: &crate::channel::window::TemplateConfig,
    given: Option<MediaSource>,
) -> Result<Option<Box<HeaderMedia>>, AppError> {
    use crate::channel::template_form::HeaderFormat;
    let kind = match config.header.as_ref().map(|h| h.format) {
        Some(HeaderFormat::Image) => Some(MediaKind::Image),
        Some(HeaderFormat::Video) => Some(MediaKind::Video),
        Some(HeaderFormat::Document) => Some(MediaKind::Document),
        _ => None,
    };
    match (kind, given) {
        (Some(kind), Some(source)) => Ok(Some(Box::new(HeaderMedia { kind, source }))),
        (Some(kind), None) => Err(AppError::Invalid(format!(
            "template {} has a{} {} header: header_media must give its link or an uploaded media id",
            config.name,
            if kind == MediaKind::Image { "n" } else { "" },
            kind.as_str()
        ))),
        (None, Some(_)) => Err(AppError::Invalid(format!(
            "template {} has no media header: send it without header_media",
            config.name
        ))),
        (None, None) => Ok(None),
    }
}

/// The template state kept in `stored`, or a new one for `name` in `language` (none kept, or
/// one that no longer reads).
pub(super) fn stored_state(stored: Option<&Record>, name: &str, language: &str) -> TemplateState {
    stored
        .and_then(|r| serde_json::from_value::<TemplateState>(r.value.clone()).ok())
        .unwrap_or_else(|| TemplateState {
            name: name.to_owned(),
            language: language.to_owned(),
            ..TemplateState::default()
        })
}
