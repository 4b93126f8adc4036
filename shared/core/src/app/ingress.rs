//! webhook-ingress: a verified webhook's messages and statuses onto the queues, and the
//! dispatch of every queued job to its use case.

use serde::Serialize;
use tracing::warn;

use super::quarantine::{QuarantineKind, QuarantinedItem};
use super::{AppError, JobError, Turno};
use crate::channel::message::{DeliveryStatus, InboundMessage};
use crate::channel::templates::{MarketingPreference, TemplateUpdate};
use crate::kernel::ids::WorkspaceId;
use crate::ports::QueueName;
use crate::ports::jobs::{DelayedJob, inbound_envelope};

/// A webhook's content, split into what the queues carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookBatch {
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<DeliveryStatus>,
    /// Customers who stopped or resumed marketing messages.
    pub preferences: Vec<MarketingPreference>,
    /// Template status, quality and category changes.
    pub templates: Vec<TemplateUpdate>,
    /// Items that could not be read, or changes for fields turno does not act on: kept raw,
    /// never a reason to refuse the rest of the delivery.
    pub quarantined: Vec<QuarantinedItem>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub messages: usize,
    pub statuses: usize,
    /// Marketing preferences taken into customer profiles.
    pub preferences: usize,
    /// Template changes kept (once per workspace that configures the template).
    pub templates: usize,
    /// Items for phone numbers this deployment does not serve.
    pub ignored: usize,
    /// Items that could not be read, kept for admins with their reason.
    pub quarantined: usize,
    /// Changes for webhook fields turno does not act on, kept the same way.
    pub unhandled: usize,
}

impl Turno {
    /// Enqueues every message and status of a verified webhook and keeps its quarantined
    /// items. Returns once all are durably queued or stored; only then may the webhook be
    /// answered 200.
    pub async fn accept_webhook(&self, batch: WebhookBatch) -> Result<Accepted, AppError> {
        let mut accepted = Accepted::default();
        let mut envelopes = Vec::with_capacity(batch.messages.len() + batch.statuses.len());
        for m in &batch.messages {
            if self.config(&m.workspace).await.is_none() {
                warn!(workspace = %m.workspace, wamid = %m.id, "message for a phone number this deployment does not serve; ignored");
                accepted.ignored += 1;
                continue;
            }
            envelopes.push(inbound_envelope(m));
            accepted.messages += 1;
        }
        // A delivery status is one forward-only, idempotent write: recorded here, with no
        // queue and no consumer between (a failure fails the webhook, which Meta delivers
        // again).
        // Recording one needs only to know the workspace is served, not its latest saved
        // settings: a workspace this process holds asks the store nothing.
        let mut statuses = Vec::with_capacity(batch.statuses.len());
        for s in &batch.statuses {
            if self.workspaces.get(&s.workspace).is_none()
                && self.config(&s.workspace).await.is_none()
            {
                accepted.ignored += 1;
                continue;
            }
            statuses.push(self.ports.store.record_delivery(s));
            accepted.statuses += 1;
        }
        for recorded in futures::future::join_all(statuses).await {
            recorded?;
        }
        for item in &batch.quarantined {
            let targets: Vec<_> = match &item.workspace {
                Some(ws) if self.config(ws).await.is_some() => vec![ws.clone()],
                Some(ws) => {
                    warn!(workspace = %ws, id = %item.fingerprint, "quarantined item for a phone number this deployment does not serve; ignored");
                    accepted.ignored += 1;
                    continue;
                }
                // No phone number: the deployment's, kept once, listed to every workspace.
                None => vec![WorkspaceId::deployment()],
            };
            for ws in &targets {
                self.quarantine_item(ws, item).await?;
            }
            match item.kind {
                QuarantineKind::Malformed => accepted.quarantined += 1,
                QuarantineKind::UnhandledField => accepted.unhandled += 1,
            }
        }
        for p in &batch.preferences {
            if self.config(&p.workspace).await.is_none() {
                accepted.ignored += 1;
                continue;
            }
            self.record_marketing_preference(p).await?;
            accepted.preferences += 1;
        }
        for t in &batch.templates {
            accepted.templates += self.record_template_update(t).await?;
        }
        if !envelopes.is_empty() {
            self.ports.queue.send(envelopes).await?;
        }
        if accepted.messages > 0 {
            self.metrics.count(
                crate::ports::Counter::InboundMessages,
                None,
                accepted.messages as u64,
            );
        }
        Ok(accepted)
    }

    /// Decodes and runs one queued job. Used by every queue consumer, Lambda or local.
    pub async fn handle_job(&self, queue: QueueName, body: &str) -> Result<(), JobError> {
        match queue {
            QueueName::Inbound => self.handle_inbound_job(body).await,
            QueueName::TicketWrites => self.handle_ticket_write_job(body).await,
            QueueName::Escalations => self.handle_escalation_job(body).await,
            QueueName::SlaTimers => self.handle_timer_job(body).await,
        }
    }

    /// Decodes and runs one job of the inbound queue: a bot turn. A consumer of one queue
    /// calls its queue's method rather than [`Turno::handle_job`], so its binary links only
    /// that queue's use cases.
    pub async fn handle_inbound_job(&self, body: &str) -> Result<(), JobError> {
        self.handle_inbound(decode(body)?).await
    }

    /// Decodes and runs one job of the ticket-writes queue: a transcript entry or a
    /// delivery status.
    pub async fn handle_ticket_write_job(&self, body: &str) -> Result<(), JobError> {
        self.write_transcript(decode(body)?).await
    }

    /// Decodes and runs one job of the escalations queue: a handoff to route and assign.
    pub async fn handle_escalation_job(&self, body: &str) -> Result<(), JobError> {
        self.handle_escalation(decode(body)?).await
    }

    /// Decodes and runs one job of the timers queue: an SLA timer or a delayed job.
    pub async fn handle_timer_job(&self, body: &str) -> Result<(), JobError> {
        if DelayedJob::is_one(body) {
            self.handle_delayed_job(decode(body)?).await
        } else {
            self.handle_sla_timer(decode(body)?).await
        }
    }

    /// Runs a delayed job from the timers queue.
    async fn handle_delayed_job(&self, job: DelayedJob) -> Result<(), JobError> {
        match job {
            DelayedJob::CsatSurvey(survey) => self.send_csat_survey(survey).await,
            DelayedJob::BotInactive(job) => self.end_inactive_bot_conversation(job).await,
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, JobError> {
    serde_json::from_str(body)
        .map_err(|e| JobError::permanent(anyhow::anyhow!("malformed job body: {e}")))
}
