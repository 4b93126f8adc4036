//! The business account's templates as WhatsApp lists them: an admin's sync reads the whole
//! list (`GET /{waba-id}/message_templates`) and keeps each template, merged with what the
//! status webhooks said, as records of kind [`RecordKind::Template`]; the approved ones that
//! the configuration does not name are offered to agents too, with their body, header,
//! buttons and languages as WhatsApp approved them.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tracing::{info, warn};

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::channel::template_form::TemplateHeader;
use crate::channel::templates::{ListedTemplate, TemplateState};
use crate::channel::window::TemplateConfig;
use crate::config::WorkspaceConfig;
use crate::kernel::ids::WorkspaceId;
use crate::kernel::lang::{Lang, Localized};
use crate::ports::records::{Record, RecordKind};

/// The longest record key the stores take.
const MAX_KEY: usize = 200;

/// What a sync did, and every template the workspace now knows of.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateSync {
    /// How many templates WhatsApp listed.
    pub listed: usize,
    pub templates: Vec<TemplateState>,
}

/// The customer language a WhatsApp language code is for: `es_AR` → `es`.
fn lang_of(code: &str) -> Option<Lang> {
    let prefix = code.split(['_', '-']).next().unwrap_or(code);
    serde_json::from_value(serde_json::Value::String(prefix.to_ascii_lowercase())).ok()
}

/// The approved templates kept from WhatsApp's list whose names the configuration does not
/// name, each as a configured template would be: one per name, its languages gathered (the
/// workspace's default language first when it was approved in it).
pub(super) fn listed_configs(
    ws: &WorkspaceConfig,
    states: &HashMap<String, TemplateState>,
) -> Vec<TemplateConfig> {
    let mut by_name: BTreeMap<&str, Vec<&TemplateState>> = BTreeMap::new();
    for s in states.values() {
        let configured = ws.templates.0.values().any(|t| t.name == s.name);
        if s.synced_at.is_some() && s.status.as_deref() == Some("APPROVED") && !configured {
            by_name.entry(s.name.as_str()).or_default().push(s);
        }
    }
    by_name
        .into_values()
        .filter_map(|mut variants| {
            variants.sort_by(|a, b| a.language.cmp(&b.language));
            let first = variants.first()?;
            let default = variants
                .iter()
                .find(|v| lang_of(&v.language) == Some(ws.default_language))
                .unwrap_or(first);
            let mut t = TemplateConfig {
                name: first.name.clone(),
                language: default.language.clone(),
                languages: HashMap::new(),
                header_params: Vec::new(),
                body_params: Vec::new(),
                button_payloads: Vec::new(),
                category: default.category,
                body: Localized::default(),
                header: None,
                buttons: Vec::new(),
                fields: BTreeMap::new(),
            };
            // The default variant first, so it holds each language it speaks.
            let ordered = std::iter::once(*default).chain(
                variants
                    .iter()
                    .copied()
                    .filter(|v| v.language != default.language),
            );
            for v in ordered {
                let Some(lang) = lang_of(&v.language) else {
                    continue;
                };
                if t.languages.contains_key(&lang) || t.body.0.contains_key(&lang) {
                    continue;
                }
                t.languages.insert(lang, v.language.clone());
                if let Some(body) = &v.body {
                    t.body.0.insert(lang, body.clone());
                }
                if let Some(h) = &v.header {
                    let header = t.header.get_or_insert_with(|| TemplateHeader {
                        format: h.format,
                        text: Localized::default(),
                    });
                    if let Some(text) = &h.text {
                        header.text.0.insert(lang, text.clone());
                    }
                }
                for (i, title) in v.buttons.iter().enumerate() {
                    if t.buttons.len() <= i {
                        t.buttons.push(Localized::default());
                    }
                    if let Some(b) = t.buttons.get_mut(i) {
                        b.0.insert(lang, title.clone());
                    }
                }
            }
            Some(t)
        })
        .collect()
}

impl Turno {
    /// `POST /admin/templates/sync`: reads every template of the workspace's business account
    /// from WhatsApp and keeps each. Nothing is written unless the whole list was read.
    pub async fn sync_templates(&self, actor: &Actor) -> Result<TemplateSync, AppError> {
        self.stored_admin(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let waba = ws.whatsapp_business_account_id.as_deref().ok_or_else(|| {
            AppError::Invalid(
                "whatsapp_business_account_id: set the WhatsApp Business Account id in the configuration to list its templates".into(),
            )
        })?;
        let listed = self
            .ports
            .whatsapp
            .message_templates(&actor.workspace, waba)
            .await
            .map_err(AppError::Channel)?;
        let now = self.now();
        for t in &listed {
            self.keep_listed(&actor.workspace, t, now).await?;
        }
        info!(workspace = %actor.workspace, listed = listed.len(), "templates synced from WhatsApp");
        Ok(TemplateSync {
            listed: listed.len(),
            templates: self.admin_template_list(&actor.workspace).await?,
        })
    }

    /// Whether agents may send a template of this name: configured, or synced and approved.
    pub async fn template_known(&self, ws: &WorkspaceId, name: &str) -> Result<bool, AppError> {
        let config = self
            .config(ws)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        if config.templates.0.values().any(|t| t.name == name) {
            return Ok(true);
        }
        let states = self.template_states(ws).await?;
        Ok(listed_configs(&config, &states)
            .iter()
            .any(|t| t.name == name))
    }

    /// `GET /admin/templates`: every template the workspace knows of from WhatsApp (listed or
    /// heard of in a webhook), whatever its status, by name and language.
    pub async fn admin_templates(&self, actor: &Actor) -> Result<Vec<TemplateState>, AppError> {
        self.stored_admin(actor).await?;
        self.admin_template_list(&actor.workspace).await
    }

    async fn admin_template_list(&self, ws: &WorkspaceId) -> Result<Vec<TemplateState>, AppError> {
        let mut list: Vec<TemplateState> = self
            .ports
            .store
            .records(ws, RecordKind::Template)
            .await?
            .into_iter()
            .filter_map(|r| serde_json::from_value(r.value).ok())
            .collect();
        list.sort_by(|a, b| (&a.name, &a.language).cmp(&(&b.name, &b.language)));
        Ok(list)
    }

    async fn keep_listed(
        &self,
        ws: &WorkspaceId,
        listed: &ListedTemplate,
        now: jiff::Timestamp,
    ) -> Result<(), AppError> {
        let key = TemplateState::key(&listed.name, &listed.language);
        if key.len() > MAX_KEY {
            warn!(
                len = key.len(),
                "listed template with a name too long to keep; skipped"
            );
            return Ok(());
        }
        let key = &key;
        retry_on_conflict(|_| async move {
            let stored = self
                .ports
                .store
                .record(ws, RecordKind::Template, key)
                .await?;
            let mut state =
                super::templates::stored_state(stored.as_ref(), &listed.name, &listed.language);
            state.apply_listed(listed, now);
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::Template,
                key: key.clone(),
                value: serde_json::to_value(&state)
                    .map_err(|e| Retry::Fail(AppError::Unexpected(e.into())))?,
                updated_at: now,
                version: stored.map_or(0, |r| r.version),
            };
            self.ports.store.put_record(&mut record).await?;
            Ok::<_, Retry<AppError>>(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_map_to_customer_languages() {
        assert_eq!(lang_of("es_AR"), Some(Lang::Es));
        assert_eq!(lang_of("en_US"), Some(Lang::En));
        assert_eq!(lang_of("pt_BR"), Some(Lang::Pt));
        assert_eq!(lang_of("fr"), None);
    }
}
