//! The satisfaction survey: queued when a ticket is resolved, sent once when its delay has
//! passed (a list inside the 24-hour window, the configured template outside it), unless the
//! customer opted out or the ticket was reopened meanwhile. The answers are in [`answer`].
//!
//! One survey per ticket: the job claims the ticket's `csat` field with a versioned write
//! before sending, so a redelivered job (or a second resolution) finds it taken and sends
//! nothing. A send that fails gives the claim back, so the redelivery tries again.

use std::time::Duration;

use tracing::{debug, info, warn};

use super::effects::{Retry, retry_on_conflict};
use super::{AppError, JobError, Turno};
use crate::channel::message::{Author, Body, Outbound, TranscriptEntry};
use crate::channel::window::TemplateVars;
use crate::config::WorkspaceConfig;
use crate::desk::csat::{SurveyChannel, TicketCsat, survey_list};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::MessageId;
use crate::ports::SendError;
use crate::ports::jobs::{CsatSurvey, DelayedJob, TranscriptWrite};

mod answer;

/// A customer's conversation and its current ticket, as read for an inbound message, and the
/// message's turn record if an earlier delivery of it was processed.
pub(super) struct Prefetched {
    pub conversation: Option<crate::bot::conversation::Conversation>,
    pub current: Option<Ticket>,
    /// Instead of `current`, unread: the ticket the bot holds, as the conversation keeps it.
    pub held: Option<crate::bot::conversation::BotTicket>,
    /// The store's count of writes to the customer's bot-held tickets, read with the
    /// conversation.
    pub bot_ticket_changes: u64,
    pub turn: Option<crate::bot::turn::TurnRecord>,
}

/// Whether the survey took an inbound message; if not, what was read to tell (the
/// conversation and its ticket, when they were read), for the turn to reuse.
pub(super) enum CsatCheck {
    Taken,
    NotAnswer(Option<Box<Prefetched>>),
}

fn job_error(e: AppError) -> JobError {
    match e {
        AppError::Unexpected(e) => JobError::retry(e),
        e => JobError::permanent(e),
    }
}

impl Turno {
    /// Reads a customer's conversation (with the message's turn record, in one request where
    /// the store can) and its current ticket (in that same request where the store reads it
    /// there), unless the store vouches for the conversation's `bot_ticket` (the ticket still
    /// in the bot's hands as the last turn left it).
    pub(super) async fn read_conversation(
        &self,
        msg: &crate::channel::message::InboundMessage,
    ) -> Result<Prefetched, JobError> {
        let store = &self.ports.store;
        let reads = store.turn_reads(&msg.workspace, &msg.from, &msg.id).await?;
        let conversation = reads.conversation;
        let held = conversation
            .as_ref()
            .and_then(|c| {
                c.bot_ticket
                    .clone()
                    .filter(|b| c.ticket_id.as_ref() == Some(&b.id))
            })
            .filter(|_| reads.bot_ticket_held && reads.turn.is_none());
        let current = match conversation.as_ref().and_then(|c| c.ticket_id.as_ref()) {
            Some(id) if reads.turn.is_none() && held.is_none() => {
                match reads.ticket.filter(|t| &t.id == id) {
                    Some(read) => Some(read),
                    None => store.ticket(&msg.workspace, id).await?,
                }
            }
            _ => None,
        };
        Ok(Prefetched {
            conversation,
            current,
            held,
            bot_ticket_changes: reads.bot_ticket_changes,
            turn: reads.turn,
        })
    }

    /// After a resolution: queues the ticket's survey for the workspace's delay. A ticket
    /// surveyed before is not surveyed again. A failure to queue is logged and leaves the
    /// resolution as it is.
    pub(super) async fn schedule_csat(&self, ws: &WorkspaceConfig, ticket: &Ticket) {
        if !ws.csat.enabled || ticket.csat.is_some() || ticket.status != TicketStatus::Resolved {
            return;
        }
        let Some(resolved_at) = ticket.resolved_at else {
            return;
        };
        let now = self.now();
        let delay =
            jiff::SignedDuration::from_secs(i64::try_from(ws.csat.delay_secs).unwrap_or(i64::MAX));
        let due_at = now.checked_add(delay).unwrap_or(now);
        let job = DelayedJob::CsatSurvey(CsatSurvey {
            workspace: ws.id.clone(),
            ticket_id: ticket.id.clone(),
            resolved_at,
            due_at,
        });
        let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
        if let Err(e) = self.ports.queue.send(vec![job.envelope(now, max)]).await {
            warn!(workspace = %ws.id, ticket_id = %ticket.id, error = %e, "satisfaction survey not queued");
        }
    }

    pub(super) async fn send_csat_survey(&self, job: CsatSurvey) -> Result<(), JobError> {
        let Some(ws) = self.config(&job.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                job.workspace
            )));
        };
        let now = self.now();
        if job.due_at > now {
            let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
            let again = DelayedJob::CsatSurvey(job);
            self.ports
                .queue
                .send(vec![again.envelope(now, max)])
                .await?;
            return Ok(());
        }
        if !ws.csat.enabled {
            return Ok(());
        }
        let store = &self.ports.store;
        let Some(ticket) = store.ticket(&job.workspace, &job.ticket_id).await? else {
            return Ok(());
        };
        if !still_resolved(&ticket, &job) {
            debug!(workspace = %job.workspace, ticket_id = %job.ticket_id, "ticket reopened or already surveyed; no survey");
            return Ok(());
        }
        let (profile, _) = self
            .profile_record(&job.workspace, &ticket.customer)
            .await
            .map_err(job_error)?;
        if profile.marketing_consent == Some(false) {
            info!(workspace = %job.workspace, ticket_id = %job.ticket_id, "customer opted out of messages; no survey");
            return Ok(());
        }
        let conversation = store.conversation(&job.workspace, &ticket.customer).await?;
        let window_open = conversation.as_ref().is_some_and(|c| c.window_open(now));
        let channel = if window_open {
            SurveyChannel::List
        } else {
            SurveyChannel::Template
        };
        let Some(ticket) = self.claim_survey(&job, channel).await? else {
            return Ok(());
        };
        let message = match channel {
            SurveyChannel::List => survey_list(ticket.language),
            SurveyChannel::Template => self.survey_template(&ws, &ticket, conversation.as_ref())?,
        };
        match self
            .ports
            .whatsapp
            .send(&ws.id, &ticket.customer, &message)
            .await
        {
            Ok(wamid) => {
                info!(workspace = %ws.id, ticket_id = %ticket.id, channel = ?channel, "satisfaction survey sent");
                self.record_survey(&ticket, wamid, message).await
            }
            Err(e) if e.is_retryable() || matches!(e, SendError::WindowClosed) => {
                // Not sent: the claim is given back, and the redelivery decides again (the
                // window may have closed meanwhile: the template goes then).
                self.release_survey(&job).await?;
                warn!(workspace = %ws.id, ticket_id = %ticket.id, error = %e, "satisfaction survey not sent; will retry");
                Err(JobError::retry(e))
            }
            Err(e) => {
                warn!(workspace = %ws.id, ticket_id = %ticket.id, error = %e, "satisfaction survey refused by WhatsApp");
                self.update_ticket(&job.workspace, &job.ticket_id, |t| {
                    t.record(now, None, "csat_failed", Some(e.to_string()));
                    Ok::<_, JobError>(None)
                })
                .await?;
                Ok(())
            }
        }
    }

    /// Marks the ticket surveyed (a versioned write only one delivery wins). `None`: the
    /// ticket was reopened, resolved again or surveyed meanwhile.
    async fn claim_survey(
        &self,
        job: &CsatSurvey,
        channel: SurveyChannel,
    ) -> Result<Option<Ticket>, JobError> {
        let store = &self.ports.store;
        retry_on_conflict(|_| async move {
            let Some(mut t) = store.ticket(&job.workspace, &job.ticket_id).await? else {
                return Ok(None);
            };
            if !still_resolved(&t, job) {
                return Ok(None);
            }
            let now = self.now();
            t.csat = Some(TicketCsat {
                sent_at: now,
                channel,
                survey_message: None,
                score: None,
                answered_at: None,
                answer_message: None,
                comment: None,
                commented_at: None,
                comment_message: None,
                agent: t.assignee.clone(),
                team: t.team.clone(),
            });
            let how = match channel {
                SurveyChannel::List => "list",
                SurveyChannel::Template => "template",
            };
            t.record(now, None, "csat_sent", Some(how.into()));
            store.save_ticket(&mut t).await.map_err(Retry::from)?;
            Ok(Some(t))
        })
        .await
    }

    /// Gives back a claim whose send failed.
    async fn release_survey(&self, job: &CsatSurvey) -> Result<(), JobError> {
        self.update_ticket(&job.workspace, &job.ticket_id, |t| {
            if t.csat.as_ref().is_some_and(|c| c.survey_message.is_none()) {
                t.csat = None;
                if t.audit.last().is_some_and(|a| a.action == "csat_sent") {
                    t.audit.pop();
                }
            }
            Ok::<_, JobError>(None)
        })
        .await?;
        Ok(())
    }

    fn survey_template(
        &self,
        ws: &WorkspaceConfig,
        ticket: &Ticket,
        conversation: Option<&crate::bot::conversation::Conversation>,
    ) -> Result<Outbound, JobError> {
        let Some(config) = ws.templates.get(&ws.csat.template) else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {}: the survey template {} is not configured",
                ws.id,
                ws.csat.template
            )));
        };
        let vars = TemplateVars {
            customer_name: conversation
                .and_then(|c| c.profile_name.as_deref())
                .or(ticket.customer_name.as_deref()),
            ticket_id: Some(ticket.id.as_str()),
        };
        Ok(Outbound::Template(config.message(ticket.language, &vars)))
    }

    /// Keeps the survey's WhatsApp id on the ticket and puts the survey on its transcript.
    async fn record_survey(
        &self,
        ticket: &Ticket,
        wamid: MessageId,
        message: Outbound,
    ) -> Result<(), JobError> {
        let id = wamid.clone();
        self.update_ticket(&ticket.workspace, &ticket.id, |t| {
            if let Some(c) = t.csat.as_mut() {
                c.survey_message = Some(id.clone());
            }
            Ok::<_, JobError>(None)
        })
        .await?;
        self.append_bot_message(ticket, wamid, message).await
    }

    /// Puts a message the survey sent (the question, the thanks) on the ticket's transcript,
    /// through the transcript queue like every sent message.
    pub(super) async fn append_bot_message(
        &self,
        ticket: &Ticket,
        wamid: MessageId,
        message: Outbound,
    ) -> Result<(), JobError> {
        let entry = TranscriptEntry {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            message_id: wamid,
            customer: ticket.customer.clone(),
            author: Author::Bot,
            at: self.now(),
            body: Body::Outbound { message },
            delivery: None,
            delivery_error: None,
            amended: None,
        };
        self.ports
            .queue
            .send(vec![TranscriptWrite::Append { entry }.envelope()])
            .await?;
        Ok(())
    }
}

/// Whether the resolution a survey job is about still stands and the ticket is not surveyed.
fn still_resolved(ticket: &Ticket, job: &CsatSurvey) -> bool {
    ticket.status == TicketStatus::Resolved
        && ticket.resolved_at == Some(job.resolved_at)
        && ticket.csat.is_none()
}
