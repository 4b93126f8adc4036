//! The effects of a committed turn carried out from where they stopped, and the bot's reply
//! sends.

use tracing::{error, warn};

use crate::app::{JobError, Turno};
use crate::bot::turn::{Effect, TurnRecord};
use crate::channel::message::{Author, Body, DeliveryState, Outbound, TranscriptEntry};
use crate::kernel::ids::MessageId;
use crate::ports::SendError;
use crate::ports::jobs::TranscriptWrite;

impl Turno {
    /// Carries out a committed turn's effects from where they stopped. Replies are sent first;
    /// then the escalation (and any failed send's record) is queued in one batch, and the
    /// delivered replies' transcript entries and the progress are written in one request.
    /// A send that fails saves the progress made so far before the job goes back to the
    /// queue, so the redelivery resumes after the last delivered reply. The window left: if
    /// the process dies (or the final write fails) after a reply was delivered and before that
    /// write, the redelivery sends the reply again.
    pub(super) async fn finish_turn(&self, mut turn: TurnRecord) -> Result<(), JobError> {
        if turn.is_complete() {
            return Ok(());
        }
        let started = turn.done;
        let mut entries = Vec::new();
        let mut envelopes = Vec::new();
        while turn.done < turn.effects.len() {
            let index = turn.done;
            match turn.effects[index].clone() {
                Effect::Record { entry } => entries.push(entry),
                Effect::Escalate { job } => envelopes.push(job.envelope()),
                Effect::Reply { message } => {
                    let reply_id = MessageId::derived(&turn.message_id, &format!("r{index}"));
                    match self.send_reply(&turn, &reply_id, &message).await {
                        Ok(sent) => {
                            for entry in sent {
                                if entry.delivery.is_some() {
                                    // A refused message: the ticket-writer records the entry
                                    // and its failed state together.
                                    envelopes.push(TranscriptWrite::Append { entry }.envelope())
                                } else {
                                    entries.push(entry)
                                }
                            }
                        }
                        Err(e) => {
                            self.flush(&mut envelopes).await?;
                            if turn.done > started {
                                self.ports.store.save_turn_progress(&turn, &entries).await?;
                            }
                            return Err(e);
                        }
                    }
                }
            }
            turn.done = index + 1;
        }
        self.flush(&mut envelopes).await?;
        self.ports.store.save_turn_progress(&turn, &entries).await?;
        Ok(())
    }

    async fn flush(&self, envelopes: &mut Vec<crate::ports::Envelope>) -> Result<(), JobError> {
        if !envelopes.is_empty() {
            self.ports.queue.send(std::mem::take(envelopes)).await?;
        }
        Ok(())
    }

    /// Sends a bot reply. A retryable failure gives the job back to the queue (the reply is
    /// sent on redelivery); a permanent one is recorded on the transcript as failed, never
    /// dropped silently. A reply refused for the closed window goes as the `re_engagement`
    /// template when one is configured.
    pub(in crate::app) async fn send_reply(
        &self,
        turn: &TurnRecord,
        reply_id: &MessageId,
        message: &Outbound,
    ) -> Result<Vec<TranscriptEntry>, JobError> {
        let Some(ws) = self.config(&turn.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                turn.workspace
            )));
        };
        let now = self.now();
        let mut entry = TranscriptEntry {
            workspace: turn.workspace.clone(),
            ticket_id: turn.ticket_id.clone(),
            message_id: reply_id.clone(),
            customer: turn.customer.clone(),
            author: Author::Bot,
            at: now,
            body: Body::Outbound {
                message: message.clone(),
            },
            delivery: None,
            delivery_error: None,
            amended: None,
        };
        match self
            .send_or_re_engage(&ws, &turn.customer, Some(&turn.ticket_id), message)
            .await
        {
            Ok(sent) => return Ok(sent.entries(entry)),
            Err(e @ SendError::Unauthorized { .. }) => {
                error!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "WhatsApp refused the access token; the reply waits in the queue until it is fixed");
                return Err(JobError::retry(e));
            }
            Err(e) if e.is_retryable() => {
                warn!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "reply not sent; will retry");
                return Err(JobError::retry(e));
            }
            Err(e) => {
                warn!(workspace = %turn.workspace, wamid = %turn.message_id, error = %e, "reply rejected by WhatsApp");
                entry.delivery = Some(DeliveryState::Failed);
                entry.delivery_error = Some(e.to_string());
            }
        }
        Ok(vec![entry])
    }
}
