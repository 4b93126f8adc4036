//! The WhatsApp channel's use cases: what agents send besides text (templates, media), the
//! 24-hour window with its template fallback, media downloads, and read receipts.

use tracing::{info, warn};

use super::{AppError, Turno};
use crate::app::Actor;
use crate::channel::message::{
    Author, Body, Content, DeliveryState, InboundMessage, MediaFile, MediaSource, Outbound,
    TranscriptEntry,
};
use crate::channel::window::{RE_ENGAGEMENT, TemplateVars};
use crate::config::WorkspaceConfig;
use crate::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};
use crate::ports::jobs::TranscriptWrite;
use crate::ports::{MediaError, SendError};

/// How a message went out.
#[derive(Debug)]
pub(super) enum Sent {
    /// As it was.
    Direct(MessageId),
    /// WhatsApp refused it because the window had closed (131047), and the workspace's
    /// `re_engagement` template went instead.
    FellBack {
        wamid: MessageId,
        template: Outbound,
    },
}

impl Sent {
    /// The transcript entries for a send described by `entry` (its author and message; its id
    /// is kept for the refused original of a fallback).
    pub(super) fn entries(self, mut entry: TranscriptEntry) -> Vec<TranscriptEntry> {
        match self {
            Sent::Direct(wamid) => {
                entry.message_id = wamid;
                vec![entry]
            }
            Sent::FellBack { wamid, template } => {
                let mut fallback = entry.clone();
                fallback.message_id = wamid;
                fallback.author = Author::System;
                fallback.body = Body::Outbound { message: template };
                entry.delivery = Some(DeliveryState::Failed);
                entry.delivery_error = Some(format!(
                    "131047 {}: the {RE_ENGAGEMENT} template was sent instead",
                    SendError::WindowClosed
                ));
                vec![entry, fallback]
            }
        }
    }
}

impl Turno {
    /// An agent's public reply: sent on WhatsApp inside the 24-hour window, added to the
    /// transcript, and the first one stops the first-response clock.
    pub async fn agent_reply(
        &self,
        actor: &Actor,
        id: &TicketId,
        text: &str,
    ) -> Result<TranscriptEntry, AppError> {
        let body = text.trim();
        // A link shows its preview, as it would had the agent typed it in WhatsApp.
        let message = Outbound::Text {
            body: body.to_owned(),
            preview_url: body.contains("https://") || body.contains("http://"),
        };
        self.agent_send(actor, id, message).await
    }

    /// Sends a message; if WhatsApp answers that the customer's 24-hour window has closed
    /// (131047) and the workspace configures a `re_engagement` template, sends that instead.
    pub(super) async fn send_or_re_engage(
        &self,
        ws: &WorkspaceConfig,
        to: &WaId,
        ticket: Option<&TicketId>,
        message: &Outbound,
    ) -> Result<Sent, SendError> {
        match self.timed_send(ws, to, message).await {
            Ok(wamid) => Ok(Sent::Direct(wamid)),
            Err(SendError::WindowClosed) if !message.is_template() => {
                let Some(config) = ws.templates.get(RE_ENGAGEMENT) else {
                    warn!(workspace = %ws.id, "the window is closed and no re_engagement template is configured");
                    return Err(SendError::WindowClosed);
                };
                let conversation = self
                    .ports
                    .store
                    .conversation(&ws.id, to)
                    .await
                    .ok()
                    .flatten();
                let language = conversation
                    .as_ref()
                    .map_or(ws.default_language, |c| c.language);
                let vars = TemplateVars {
                    customer_name: conversation
                        .as_ref()
                        .and_then(|c| c.profile_name.as_deref()),
                    ticket_id: ticket.map(TicketId::as_str),
                };
                let template = Outbound::Template(config.message(language, &vars));
                info!(workspace = %ws.id, "window closed: sending the re_engagement template instead");
                let wamid = self.timed_send(ws, to, &template).await?;
                Ok(Sent::FellBack { wamid, template })
            }
            Err(e) => Err(e),
        }
    }

    /// One send to WhatsApp, timed, with its failure counted by code.
    async fn timed_send(
        &self,
        ws: &WorkspaceConfig,
        to: &WaId,
        message: &Outbound,
    ) -> Result<crate::kernel::ids::MessageId, SendError> {
        let started = std::time::Instant::now();
        let sent = self.ports.whatsapp.send(&ws.id, to, message).await;
        self.metrics
            .time(crate::ports::Timing::SendLatency, None, started.elapsed());
        if let Err(e) = &sent {
            self.metrics
                .count(crate::ports::Counter::GraphErrors, Some(&e.code()), 1);
        }
        sent
    }

    /// Sends the read receipt for a customer's message, if the workspace wants them. A failure
    /// is logged and changes nothing else.
    pub(super) async fn mark_read(&self, ws: &WorkspaceConfig, msg: &InboundMessage) {
        if !ws.whatsapp.mark_as_read {
            return;
        }
        if let Err(e) = self.ports.whatsapp.mark_read(&ws.id, &msg.id).await {
            warn!(workspace = %ws.id, wamid = %msg.id, error = %e, "read receipt not sent");
        }
    }

    /// An agent's message of any kind: free-form inside the 24-hour window, a template at any
    /// time. Free-form outside the window is refused with [`AppError::WindowClosed`]. If
    /// WhatsApp still answers 131047, the workspace's `re_engagement` template goes instead and
    /// both are on the transcript (the refused message as failed); the template's entry is
    /// returned. An agent's own send counts as a person's reply for the SLA; the fallback does
    /// not.
    pub async fn agent_send(
        &self,
        actor: &Actor,
        id: &TicketId,
        message: Outbound,
    ) -> Result<TranscriptEntry, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        if !ticket.status.is_human() {
            return Err(AppError::Conflict(format!(
                "the ticket is {}: only tickets with a person (queued, assigned, pending, snoozed) take replies",
                ticket.status.as_str()
            )));
        }
        message.validate().map_err(AppError::Invalid)?;
        if let Outbound::Template(t) = &message {
            self.check_template_send(&actor.workspace, &ticket.customer, t)
                .await?;
        }
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let now = self.now();
        if !message.is_template() {
            let conversation = self
                .ports
                .store
                .conversation(&actor.workspace, &ticket.customer)
                .await?
                .ok_or(AppError::NotFound("conversation"))?;
            if !conversation.window_open(now) {
                return Err(AppError::WindowClosed);
            }
        }
        let sent = self
            .send_or_re_engage(&ws, &ticket.customer, Some(&ticket.id), &message)
            .await
            .map_err(|e| match e {
                SendError::WindowClosed => AppError::WindowClosed,
                other => AppError::Channel(other),
            })?;
        let fell_back = matches!(sent, Sent::FellBack { .. });
        let entry = TranscriptEntry {
            workspace: actor.workspace.clone(),
            ticket_id: ticket.id.clone(),
            message_id: MessageId::local(),
            customer: ticket.customer.clone(),
            author: Author::Agent {
                id: actor.agent.clone(),
            },
            at: now,
            body: Body::Outbound { message },
            delivery: None,
            delivery_error: None,
            amended: None,
        };
        let entries = sent.entries(entry);
        for e in &entries {
            self.write_transcript(TranscriptWrite::Append { entry: e.clone() })
                .await
                .map_err(|e| AppError::Unexpected(e.source))?;
        }
        if !fell_back {
            let updated = self
                .update_ticket(&actor.workspace, id, |t| {
                    t.record_human_reply(ws.sla.policies(), now)?;
                    Ok::<_, AppError>(None)
                })
                .await?
                .ok_or(AppError::NotFound("ticket"))?;
            // A reply stops the response clock: what is due next (resolution, say) needs its
            // own timer.
            self.arm_sla_timer(&ws, &updated.ticket, updated.sla_before)
                .await?;
        }
        let last = entries.into_iter().last().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("a send produced no transcript entry"))
        })?;
        info!(
            workspace = %actor.workspace, ticket_id = %id, agent = %actor.agent,
            kind = last_kind(&last), fell_back, "agent message sent"
        );
        Ok(last)
    }

    /// Sends the workspace's template for `use_` (`re_engagement`, `follow_up`, ...), filled in
    /// for this ticket's customer. Allowed whether or not the window is open.
    pub async fn agent_send_template(
        &self,
        actor: &Actor,
        id: &TicketId,
        use_: &str,
    ) -> Result<TranscriptEntry, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let config = ws.templates.get(use_).ok_or_else(|| {
            let known: Vec<&str> = ws.templates.0.keys().map(String::as_str).collect();
            AppError::Invalid(format!(
                "no template is configured for {use_:?}; this workspace has: {}",
                if known.is_empty() {
                    "none (add them under `templates:` in the configuration)".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let ticket = self.visible_ticket(actor, id).await?;
        let vars = TemplateVars {
            customer_name: ticket.customer_name.as_deref(),
            ticket_id: Some(ticket.id.as_str()),
        };
        let message = Outbound::Template(config.message(ticket.language, &vars));
        self.agent_send(actor, id, message).await
    }

    /// The bytes of media on a ticket's transcript, fetched from WhatsApp. Only media that
    /// appears on this ticket, for someone who may see the ticket.
    pub async fn ticket_media(
        &self,
        actor: &Actor,
        id: &TicketId,
        media_id: &str,
    ) -> Result<MediaFile, AppError> {
        self.visible_ticket(actor, id).await?;
        let transcript = self.transcript_view(&actor.workspace, id).await?;
        let on_ticket = transcript.iter().any(|e| match &e.body {
            Body::Inbound {
                content: Content::Media { media_id: m, .. },
                ..
            } => m == media_id,
            Body::Outbound {
                message:
                    Outbound::Media {
                        source: MediaSource::Id(m),
                        ..
                    },
            } => m == media_id,
            _ => false,
        });
        if !on_ticket {
            return Err(AppError::NotFound("media"));
        }
        self.fetch_media(&actor.workspace, media_id).await
    }

    async fn fetch_media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, AppError> {
        self.ports
            .whatsapp
            .media(ws, media_id)
            .await
            .map_err(|e| match e {
                MediaError::NotFound => AppError::NotFound("media"),
                other => AppError::Media(other),
            })
    }
}

fn last_kind(entry: &TranscriptEntry) -> &'static str {
    match &entry.body {
        Body::Outbound { message } => message.kind(),
        Body::Inbound { .. } => "inbound",
        Body::Note { .. } => "note",
    }
}
