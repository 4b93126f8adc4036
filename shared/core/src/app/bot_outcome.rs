//! How bot-only conversations end: a new bot conversation arms a delayed job for the
//! workspace's `bot.inactive_after_secs`. When it runs and the customer wrote since, it sleeps
//! again until the quiet time after their latest message (one job per conversation, so a bot
//! turn costs no queue request); when the customer has been quiet that long and the
//! conversation is still the bot's, its ticket closes as `resolved_by_bot` (deflected) and a
//! `ResolvedByBot` event is published. The customer's next message starts a new ticket. A
//! job for a conversation that moved on to another ticket is dropped; escalated conversations
//! are left alone (they keep their reasons).

use std::time::Duration;

use tracing::{debug, info};

use super::effects::{Retry, retry_on_conflict};
use super::{JobError, Turno};
use crate::channel::message::InboundMessage;
use crate::config::WorkspaceConfig;
use crate::desk::ticket::TicketStatus;
use crate::kernel::ids::TicketId;
use crate::ports::Envelope;
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::{BotInactive, DelayedJob};

impl Turno {
    /// When a bot conversation starts: its inactivity job, due the quiet time from now; none
    /// for a message that is not the customer's own (an echo, an event).
    pub(super) fn bot_inactivity_job(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
        ticket_id: &TicketId,
    ) -> Option<Envelope> {
        if !msg.content.from_customer() || msg.content.is_event() {
            return None;
        }
        let now = self.now();
        let job = DelayedJob::BotInactive(BotInactive {
            workspace: msg.workspace.clone(),
            customer: msg.from.clone(),
            ticket_id: ticket_id.clone(),
            last_message_at: msg.at,
            due_at: after_quiet(ws, now),
        });
        let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
        Some(job.envelope(now, max))
    }

    pub(super) async fn end_inactive_bot_conversation(
        &self,
        job: BotInactive,
    ) -> Result<(), JobError> {
        let Some(ws) = self.config(&job.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                job.workspace
            )));
        };
        let store = &self.ports.store;
        let now = self.now();
        let conversation = store.conversation(&job.workspace, &job.customer).await?;
        let Some(conversation) =
            conversation.filter(|c| c.ticket_id.as_ref() == Some(&job.ticket_id))
        else {
            debug!(workspace = %job.workspace, ticket_id = %job.ticket_id, "inactivity job for a conversation that moved on; dropped");
            return Ok(());
        };
        let mut job = job;
        if let Some(last) = conversation.last_customer_message_at
            && last > job.last_message_at
        {
            // The customer wrote since: the quiet time runs from their latest message. The
            // next hop checks the ticket is still the bot's.
            job.last_message_at = last;
            job.due_at = after_quiet(&ws, last).max(job.due_at);
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
        let store = &self.ports.store;
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

/// When a conversation quiet since `from` ends.
fn after_quiet(ws: &WorkspaceConfig, from: jiff::Timestamp) -> jiff::Timestamp {
    let secs = i64::try_from(ws.bot.inactive_after_secs).unwrap_or(i64::MAX);
    from.checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap_or(from)
}
