//! A customer's "STOP" (or "BAJA", "PARAR", ...): marketing messages stop, recorded as
//! WhatsApp's own opt-out is (`user_preferences`), with a short confirmation; "START" resumes
//! them. The keyword is not a turn of the bot's and opens no ticket.

use tracing::{info, warn};

use super::{JobError, Turno};
use crate::channel::message::{Content, InboundMessage, Outbound};
use crate::channel::opt_out::confirmation;
use crate::channel::templates::MarketingPreference;
use crate::config::WorkspaceConfig;
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind};

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
        if !self.claim_keyword_reply(msg).await? {
            info!(workspace = %ws.id, wamid = %msg.id, "keyword already answered; redelivery dropped");
            return Ok(true);
        }
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

    /// Claims the message's confirmation: `false` if a delivery of the same message claimed
    /// it before. The claim comes before the send, so a redelivered keyword is confirmed at
    /// most once (a crash between the two leaves it unconfirmed; the preference is recorded
    /// either way).
    async fn claim_keyword_reply(&self, msg: &InboundMessage) -> Result<bool, JobError> {
        let mut claim = Record {
            workspace: msg.workspace.clone(),
            kind: RecordKind::KeywordReply,
            key: msg.id.as_str().to_owned(),
            value: serde_json::json!({ "at": msg.at }),
            updated_at: self.now(),
            version: 0,
        };
        match self.ports.store.put_record(&mut claim).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
