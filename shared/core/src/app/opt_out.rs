//! A customer's "STOP" (or "BAJA", "PARAR", ...): marketing messages stop, recorded as
//! WhatsApp's own opt-out is (`user_preferences`), with a short confirmation; "START" resumes
//! them. The keyword is not a turn of the bot's and opens no ticket.

use tracing::{info, warn};

use super::{JobError, Turno};
use crate::channel::message::{Content, InboundMessage, Outbound};
use crate::channel::opt_out::confirmation;
use crate::channel::templates::MarketingPreference;
use crate::config::WorkspaceConfig;

impl Turno {
    /// Takes the message if it is an opt-out or opt-in keyword; `false`: it is not one.
    pub(super) async fn take_opt_out_keyword(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
    ) -> Result<bool, JobError> {
        let Content::Text { body } = &msg.content else {
            return Ok(false);
        };
        let Some(subscribed) = ws.opt_out.choice(body) else {
            return Ok(false);
        };
        let preference = MarketingPreference {
            workspace: msg.workspace.clone(),
            customer: msg.from.clone(),
            subscribed,
            at: msg.at,
        };
        self.record_marketing_preference(&preference)
            .await
            .map_err(|e| match e {
                super::AppError::Unexpected(e) => JobError::retry(e),
                e => JobError::permanent(e),
            })?;
        let lang = self
            .ports
            .store
            .conversation(&msg.workspace, &msg.from)
            .await?
            .map_or(ws.default_language, |c| c.language);
        let reply = Outbound::text(confirmation(lang, subscribed));
        if let Err(e) = self.ports.whatsapp.send(&ws.id, &msg.from, &reply).await {
            warn!(workspace = %ws.id, error = %e, "opt-out confirmation not sent");
        }
        self.mark_read(ws, msg).await;
        info!(workspace = %ws.id, subscribed, "marketing preference taken from a keyword");
        Ok(true)
    }
}
