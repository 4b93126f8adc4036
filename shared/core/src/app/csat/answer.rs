//! A survey's answer: a tap on the list or on the template's buttons, or a digit typed right
//! after the survey, is the surveyed ticket's score; the customer's next text within a short
//! time is their comment. Both are thanked, kept on the ticket (and its audit trail and
//! transcript), and each score moves the workspace's rolling average, which alerts once when
//! it drops below the threshold and re-arms when it climbs back.

use tracing::{info, warn};

use super::super::effects::{Retry, retry_on_conflict};
use super::super::{JobError, Turno};
use super::{CsatCheck, Prefetched};
use crate::channel::message::{Author, Body, Content, InboundMessage, Outbound, TranscriptEntry};
use crate::config::WorkspaceConfig;
use crate::desk::csat::{
    AlertChange, Answer, MAX_COMMENT_CHARS, ScoreRing, answer_in, thanks_for_comment,
    thanks_for_score,
};
use crate::desk::ticket::Ticket;
use crate::kernel::ids::TicketId;
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::TranscriptWrite;
use crate::ports::records::{Record, RecordKind};
use crate::ports::{Notification, NotificationKind};

/// The key of a workspace's [`ScoreRing`] record.
const RING_KEY: &str = "ring";

/// What a message did to a survey.
enum Taken {
    Score(u8),
    Comment,
    /// Already taken (a redelivery), or a tap on a survey answered before: kept on the
    /// transcript, nothing else.
    Nothing,
}

impl Turno {
    /// Takes a customer's message as the answer to a survey, or as the comment after one.
    /// Returns whether it did: the message is then not the bot's (nor does it reopen the
    /// ticket). The surveyed ticket is the conversation's current one, or, for a tap, the one
    /// before it (the customer wrote something else first); a reopened ticket still counts.
    pub(in crate::app) async fn take_csat_answer(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
    ) -> Result<CsatCheck, JobError> {
        if !ws.csat.enabled || !msg.content.from_customer() {
            return Ok(CsatCheck::NotAnswer(None));
        }
        let answer = answer_in(&msg.content);
        let text = match &msg.content {
            Content::Text { body } => Some(body.trim()).filter(|b| !b.is_empty()),
            _ => None,
        };
        if answer.is_none() && text.is_none() {
            return Ok(CsatCheck::NotAnswer(None));
        }
        let read = self.read_conversation(msg).await?;
        let Some(target) = self.surveyed_ticket(msg, answer, &read).await? else {
            return Ok(CsatCheck::NotAnswer(Some(Box::new(read))));
        };
        let store = &self.ports.store;
        let cfg = &ws.csat;
        let target_id = &target;
        let taken: Option<(Taken, Ticket)> = retry_on_conflict(|_| async move {
            let Some(mut t) = store.ticket(&msg.workspace, target_id).await? else {
                return Ok(None);
            };
            let now = self.now();
            let Some(c) = t.csat.as_mut() else {
                return Ok(None);
            };
            let seen = [&c.answer_message, &c.comment_message]
                .iter()
                .any(|m| m.as_ref() == Some(&msg.id));
            let taken = match answer {
                _ if seen => Taken::Nothing,
                Some(Answer::Tap(_)) if c.score.is_some() => Taken::Nothing,
                Some(Answer::Tap(s)) => Taken::Score(s),
                Some(Answer::Digit(s)) if c.awaits_score(now, cfg.answer_window_secs) => {
                    Taken::Score(s)
                }
                _ if c.awaits_comment(now, cfg.comment_window_secs) => Taken::Comment,
                _ => return Ok(None),
            };
            match taken {
                Taken::Nothing => return Ok(Some((taken, t))),
                Taken::Score(s) => {
                    c.score = Some(s);
                    c.answered_at = Some(now);
                    c.answer_message = Some(msg.id.clone());
                    t.record(now, None, "csat_answered", Some(format!("score {s}")));
                }
                Taken::Comment => {
                    let comment: String = text
                        .unwrap_or_default()
                        .chars()
                        .take(MAX_COMMENT_CHARS)
                        .collect();
                    c.comment = Some(comment.clone());
                    c.commented_at = Some(now);
                    c.comment_message = Some(msg.id.clone());
                    t.record(now, None, "csat_comment", Some(comment));
                }
            }
            store.save_ticket(&mut t).await.map_err(Retry::from)?;
            Ok(Some((taken, t)))
        })
        .await
        .map_err(|e: JobError| e)?;
        let Some((taken, ticket)) = taken else {
            // Read again: the survey's write (by another delivery) may have changed it.
            return Ok(CsatCheck::NotAnswer(None));
        };
        self.after_csat_answer(ws, msg, &ticket, taken).await?;
        Ok(CsatCheck::Taken)
    }

    /// The ticket a message may answer the survey of.
    async fn surveyed_ticket(
        &self,
        msg: &InboundMessage,
        answer: Option<Answer>,
        read: &Prefetched,
    ) -> Result<Option<TicketId>, JobError> {
        let store = &self.ports.store;
        // A ticket the bot holds as the conversation keeps it has no survey of its own (a
        // turn keeps no surveyed ticket there).
        let previous = match (&read.current, &read.held) {
            (Some(ticket), _) if ticket.csat.is_some() => return Ok(Some(ticket.id.clone())),
            (Some(ticket), _) => &ticket.previous_ticket,
            (None, Some(held)) => &held.previous_ticket,
            (None, None) => return Ok(None),
        };
        match (previous, answer) {
            (Some(previous), Some(Answer::Tap(_))) => Ok(store
                .ticket(&msg.workspace, previous)
                .await?
                .filter(|t| t.csat.is_some())
                .map(|t| t.id)),
            _ => Ok(None),
        }
    }

    /// What follows a taken answer: the message on the transcript, the 24-hour window, the
    /// read receipt, the thanks, and for a score its event and the rolling average.
    async fn after_csat_answer(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
        ticket: &Ticket,
        taken: Taken,
    ) -> Result<(), JobError> {
        let inbound = TranscriptEntry {
            workspace: msg.workspace.clone(),
            ticket_id: ticket.id.clone(),
            message_id: msg.id.clone(),
            customer: msg.from.clone(),
            author: Author::Customer,
            at: msg.at,
            body: Body::Inbound {
                content: msg.content.clone(),
                context: msg.context.clone(),
            },
            delivery: None,
            delivery_error: None,
            amended: None,
        };
        self.ports
            .queue
            .send(vec![TranscriptWrite::Append { entry: inbound }.envelope()])
            .await?;
        self.note_customer_message(msg).await?;
        self.mark_read(ws, msg).await;
        let thanks = match taken {
            Taken::Nothing => return Ok(()),
            Taken::Score(score) => {
                info!(workspace = %msg.workspace, ticket_id = %ticket.id, score, "satisfaction score recorded");
                let csat = ticket.csat.as_ref();
                self.publish(&[DomainEvent::CsatAnswered {
                    workspace: msg.workspace.clone(),
                    ticket_id: ticket.id.clone(),
                    score,
                    agent: csat.and_then(|c| c.agent.clone()),
                    team: csat.and_then(|c| c.team.clone()),
                    at: self.now(),
                }])
                .await;
                self.track_csat_average(ws, &ticket.id, score).await?;
                thanks_for_score(ticket.language)
            }
            Taken::Comment => {
                info!(workspace = %msg.workspace, ticket_id = %ticket.id, "satisfaction comment recorded");
                thanks_for_comment(ticket.language)
            }
        };
        self.send_csat_thanks(ticket, thanks).await
    }

    /// The customer's message opens the 24-hour window, as any message of theirs does.
    async fn note_customer_message(&self, msg: &InboundMessage) -> Result<(), JobError> {
        let store = &self.ports.store;
        retry_on_conflict(|_| async move {
            let Some(mut c) = store.conversation(&msg.workspace, &msg.from).await? else {
                return Ok(());
            };
            if c.last_customer_message_at.is_some_and(|at| at >= msg.at) {
                return Ok(());
            }
            c.last_customer_message_at = Some(msg.at);
            store.save_conversation(&mut c).await.map_err(Retry::from)?;
            Ok(())
        })
        .await
    }

    /// Sends the thanks; a failure is logged (the answer is kept all the same).
    async fn send_csat_thanks(&self, ticket: &Ticket, message: Outbound) -> Result<(), JobError> {
        let sent = self
            .ports
            .whatsapp
            .send(&ticket.workspace, &ticket.customer, &message)
            .await;
        let wamid = match sent {
            Ok(wamid) => wamid,
            Err(e) => {
                warn!(workspace = %ticket.workspace, ticket_id = %ticket.id, error = %e, "thanks for the survey answer not sent");
                return Ok(());
            }
        };
        self.append_bot_message(ticket, wamid, message).await
    }

    /// Adds a score to the workspace's rolling average (one record, versioned); alerts once
    /// when the average of the latest answers drops below the threshold.
    async fn track_csat_average(
        &self,
        ws: &WorkspaceConfig,
        ticket: &TicketId,
        score: u8,
    ) -> Result<(), JobError> {
        let store = &self.ports.store;
        let cfg = &ws.csat;
        let change = retry_on_conflict(|_| async move {
            let record = store.record(&ws.id, RecordKind::CsatScores, RING_KEY).await?;
            let mut ring: ScoreRing = match &record {
                Some(r) => serde_json::from_value(r.value.clone()).unwrap_or_else(|e| {
                    warn!(workspace = %ws.id, error = %e, "stored satisfaction scores unreadable; starting afresh");
                    ScoreRing::default()
                }),
                None => ScoreRing::default(),
            };
            let change = ring.push(score, cfg.alert_window, cfg.alert_below);
            let value = serde_json::to_value(&ring)
                .map_err(|e| Retry::Fail(JobError::permanent(e)))?;
            let mut record = record.unwrap_or_else(|| Record {
                workspace: ws.id.clone(),
                kind: RecordKind::CsatScores,
                key: RING_KEY.to_owned(),
                value: serde_json::Value::Null,
                updated_at: self.now(),
                version: 0,
            });
            record.value = value;
            record.updated_at = self.now();
            store.put_record(&mut record).await.map_err(Retry::from)?;
            Ok(change)
        })
        .await?;
        match change {
            Some(AlertChange::Fired { average }) => {
                let threshold = cfg.alert_below.unwrap_or_default();
                warn!(workspace = %ws.id, average, threshold, "satisfaction average below the threshold");
                let text = format!(
                    "CSAT average {average:.2} over the last {} answers is below {threshold}",
                    cfg.alert_window
                );
                let notice = Notification {
                    workspace: ws.id.clone(),
                    kind: NotificationKind::CsatLow,
                    ticket_id: ticket.clone(),
                    agent: None,
                    text,
                };
                if let Err(e) = self.ports.notifier.notify(&notice).await {
                    warn!(workspace = %ws.id, error = %format!("{e:#}"), "satisfaction alert not delivered");
                }
                self.publish(&[DomainEvent::CsatAlert {
                    workspace: ws.id.clone(),
                    average,
                    window: cfg.alert_window,
                    threshold,
                    at: self.now(),
                }])
                .await;
            }
            Some(AlertChange::Rearmed { average }) => {
                info!(workspace = %ws.id, average, "satisfaction average back above the threshold");
            }
            None => {}
        }
        Ok(())
    }
}
