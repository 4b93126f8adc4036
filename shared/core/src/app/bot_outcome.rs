//! How bot-only conversations end: each bot turn arms a delayed job for the workspace's
//! `bot.inactive_after_secs`; if the customer has not written since when it runs, and the
//! conversation is still the bot's, its ticket closes as `resolved_by_bot` (deflected) and a
//! `ResolvedByBot` event is published. The customer's next message starts a new ticket.
//! A job armed before the customer's latest message is stale and dropped, so one chain lives
//! per conversation; escalated conversations are left alone (they keep their reasons).

use std::time::Duration;

use tracing::{debug, info};

use super::effects::{Retry, retry_on_conflict};
use super::{JobError, Turno};
use crate::channel::message::InboundMessage;
use crate::config::WorkspaceConfig;
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::TicketId;
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::{BotInactive, DelayedJob};

impl Turno {
    /// After a bot turn: arms the inactivity job for this message. `ticket` is the ticket the
    /// turn wrote, if it wrote one (a bot turn on an existing conversation writes none).
    pub(super) async fn arm_bot_inactivity(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
        ticket_id: &TicketId,
        ticket: Option<&Ticket>,
    ) -> Result<(), JobError> {
        if !msg.content.from_customer() || msg.content.is_event() {
            return Ok(());
        }
        if ticket.is_some_and(|t| t.status != TicketStatus::Bot) {
            return Ok(());
        }
        let secs = i64::try_from(ws.bot.inactive_after_secs).unwrap_or(i64::MAX);
        let due_at = msg
            .at
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap_or(msg.at);
        let job = DelayedJob::BotInactive(BotInactive {
            workspace: msg.workspace.clone(),
            customer: msg.from.clone(),
            ticket_id: ticket_id.clone(),
            last_message_at: msg.at,
            due_at,
        });
        let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
        self.ports
            .queue
            .send(vec![job.envelope(self.now(), max)])
            .await?;
        Ok(())
    }

    pub(super) async fn end_inactive_bot_conversation(
        &self,
        job: BotInactive,
    ) -> Result<(), JobError> {
        let Some(ws) = self.config(&job.workspace) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                job.workspace
            )));
        };
        let store = &self.ports.store;
        let now = self.now();
        let conversation = store.conversation(&job.workspace, &job.customer).await?;
        let current = conversation.as_ref().is_some_and(|c| {
            c.ticket_id.as_ref() == Some(&job.ticket_id)
                && c.last_customer_message_at == Some(job.last_message_at)
        });
        if !current {
            debug!(workspace = %job.workspace, ticket_id = %job.ticket_id, "stale inactivity job dropped");
            return Ok(());
        }
        if job.due_at > now {
            let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
            let again = DelayedJob::BotInactive(job);
            self.ports
                .queue
                .send(vec![again.envelope(now, max)])
                .await?;
            return Ok(());
        }
        let job = &job;
        let inactive_after = ws.bot.inactive_after_secs;
        let ended = retry_on_conflict(|_| async move {
            let Some(mut t) = store.ticket(&job.workspace, &job.ticket_id).await? else {
                return Ok(false);
            };
            if t.status != TicketStatus::Bot {
                return Ok(false);
            }
            let now = self.now();
            t.end_bot_conversation(now)
                .map_err(|e| Retry::Fail(JobError::permanent(e)))?;
            t.record(
                now,
                None,
                "resolved_by_bot",
                Some(format!(
                    "no message from the customer for {inactive_after} s"
                )),
            );
            store.save_ticket(&mut t).await.map_err(Retry::from)?;
            Ok(true)
        })
        .await?;
        if ended {
            info!(workspace = %job.workspace, ticket_id = %job.ticket_id, "bot conversation ended: resolved by the bot");
            self.publish(&[DomainEvent::ResolvedByBot {
                workspace: job.workspace.clone(),
                ticket_id: job.ticket_id.clone(),
                at: now,
            }])
            .await;
        }
        Ok(())
    }
}
