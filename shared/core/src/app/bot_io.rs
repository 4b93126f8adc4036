//! The bot's step with its outside calls: the optional LLM when the bot did not understand,
//! the business's API for a flow's action, and the out-of-hours path for a handoff outside
//! business hours.

use std::sync::Arc;

use jiff::Timestamp;
use tracing::{info, warn};

use super::Turno;
use crate::bot::conversation::Conversation;
use crate::bot::engine::{self, Customer, Step};
use crate::bot::flow::LlmMode;
use crate::bot::integrations::{IntegrationError, Integrations, Llm};
use crate::bot::llm;
use crate::bot::turn::{BotInsight, Lookup, LookupOutcome};
use crate::channel::message::Content;
use crate::config::WorkspaceConfig;
use crate::kernel::lang::Lang;

/// The reason code kept on a ticket handed off outside business hours.
pub(super) const OUT_OF_HOURS: &str = "out_of_hours";

/// The bot's adapters to the outside; none by default.
#[derive(Clone, Default)]
pub(super) struct BotIo {
    pub integrations: Option<Arc<dyn Integrations>>,
    pub llm: Option<Arc<dyn Llm>>,
}

impl Turno {
    /// One bot step, with whatever calls it needs made, and what the turn record keeps of it
    /// for the handoff summary.
    pub(super) async fn bot_step(
        &self,
        ws: &WorkspaceConfig,
        conversation: &Conversation,
        lang: Lang,
        content: &Content,
        now: Timestamp,
    ) -> (Step, BotInsight) {
        let config = &ws.bot;
        let customer = Customer {
            name: conversation.profile_name.as_deref(),
        };
        let state = &conversation.bot;
        let mut step = engine::step_for(config, state, lang, content, &customer);

        if step.not_understood()
            && let Some(text) = content.text_for_bot().filter(|t| !t.trim().is_empty())
            && let Some(better) = self.ask_llm(ws, state, lang, text, &customer).await
        {
            step = better;
        }

        let mut slots = crate::bot::flow::Vars::new();
        let mut lookup = None;
        if let Some(call) = step.call.take() {
            let outcome = match (&self.bot_io.integrations, config.actions.get(&call.action)) {
                (Some(i), Some(action)) => i.call(&ws.id, &call.action, action, &call.vars).await,
                (None, _) => Err(IntegrationError::Failed(
                    "no integrations adapter is wired into this runner".into(),
                )),
                (_, None) => Err(IntegrationError::Failed(format!(
                    "action {} is not configured",
                    call.action
                ))),
            };
            match &outcome {
                Ok(fields) => {
                    info!(workspace = %ws.id, action = %call.action, fields = fields.len(), "action answered")
                }
                Err(IntegrationError::NotFound) => {
                    info!(workspace = %ws.id, action = %call.action, "action: not found")
                }
                Err(e) => {
                    warn!(workspace = %ws.id, action = %call.action, error = %e, "action failed")
                }
            }
            slots.extend(
                call.vars
                    .iter()
                    .filter(|(k, _)| k.as_str() != engine::LANG_VAR)
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            lookup = Some(Lookup {
                action: call.action.clone(),
                outcome: match &outcome {
                    Ok(_) => LookupOutcome::Found,
                    Err(IntegrationError::NotFound) => LookupOutcome::NotFound,
                    Err(_) => LookupOutcome::Failed,
                },
            });
            // What the step said before the call (a greeting) comes before the answer.
            let before = std::mem::take(&mut step.replies);
            step = engine::complete_call(config, step.state, lang, &call, outcome, &customer);
            step.replies.splice(0..0, before);
        }

        if step.handoff.is_some() && !config.in_business_hours(now) {
            step = engine::out_of_hours(config, step, lang);
        }
        if let Some(a) = &step.state.awaiting {
            for (k, v) in &a.vars {
                slots.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let frustration = content
            .text_for_bot()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                turno_nlu::frustration(t)
                    .signals
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let insight = BotInsight {
            understood_as: step.understood_as.clone(),
            language: lang,
            slots,
            lookup,
            failed_attempts: step.state.failed_attempts,
            frustration,
        };
        (step, insight)
    }

    /// What the LLM makes of a message the bot did not understand, if it is enabled, answers
    /// in time and makes something of it. Any failure leaves the bot's own step in place.
    async fn ask_llm(
        &self,
        ws: &WorkspaceConfig,
        state: &engine::BotState,
        lang: Lang,
        text: &str,
        customer: &Customer<'_>,
    ) -> Option<Step> {
        let config = &ws.bot;
        let settings = config.llm_enabled()?;
        let llm = self.bot_io.llm.as_ref()?;
        let messages = match settings.mode {
            LlmMode::Classify => llm::llm_classify_messages(config, text),
            LlmMode::Answer => llm::llm_answer_messages(config, lang, text),
        };
        let reply = match llm.chat(settings, &messages).await {
            Ok(r) => r,
            Err(e) => {
                warn!(workspace = %ws.id, error = %e, "LLM failed; the bot answers on its own");
                return None;
            }
        };
        let step = match settings.mode {
            LlmMode::Classify => llm::parse_llm_intent(config, &reply).and_then(|intent| {
                llm::step_for_intent(config, state, lang, &intent, text, customer)
            }),
            LlmMode::Answer => llm::step_for_llm_answer(state, &reply),
        };
        info!(
            workspace = %ws.id,
            mode = ?settings.mode,
            used = step.is_some(),
            understood_as = step.as_ref().map_or("", |s| s.understood_as.as_str()),
            "LLM asked"
        );
        step
    }
}
