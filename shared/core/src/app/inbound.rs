//! bot-turn: one conversation step per inbound message: decide ([`decide`]: thread window, bot or
//! person), send the replies, commit the decision with the customer's transcript entry and
//! the replies' (see [`replies`](super::replies) for why the sends come first and what
//! at-least-once means then), queue what follows, finish what a crash left undone, and run
//! the handoff the turn decided (see [`escalation`](super::escalation)) in the same invocation:
//! a handoff of the bot's ticket goes with the commit itself ([`handoff`]).

mod decide;
mod finish;
mod handoff;

use super::csat::CsatCheck;
use super::effects::{Retry, SlaTarget, retry_on_conflict};
use super::escalation::{Handoff, Placed, Routed, WrittenHandoff};
use super::replies::SentReplies;
use super::{AppError, JobError, Turno};
use crate::bot::conversation::Conversation;
use crate::bot::turn::{Effect, TurnRecord};
use crate::channel::message::{Content, InboundMessage, SystemKind, TranscriptEntry};
use crate::config::WorkspaceConfig;
use crate::desk::escalation::EscalationJob;
use crate::desk::ticket::Ticket;
use crate::ports::domain_events::DomainEvent;
use crate::ports::{StoreError, TurnOutbox};

/// The transcript entries a turn's commit writes: its leading `Record` effects, the ones
/// counted done from the start.
fn committed_entries(record: &TurnRecord) -> Vec<TranscriptEntry> {
    record.effects[..record.done.min(record.effects.len())]
        .iter()
        .filter_map(|e| match e {
            Effect::Record { entry } => Some(entry.clone()),
            _ => None,
        })
        .collect()
}

/// Keeps the replies an attempt sent before its commit failed, all of them delivered, for the
/// next attempt to commit instead of sending them again.
fn keep_sent(sent_before: &std::sync::Mutex<Option<SentReplies>>, sent: SentReplies) {
    if sent.failed.is_none()
        && !sent.replies.is_empty()
        && let Ok(mut keep) = sent_before.lock()
    {
        *keep = Some(sent);
    }
}

/// Whose decision a turn carries out: one committed by an earlier delivery of the message, or
/// the one just committed.
enum Committed {
    Before(TurnRecord),
    Now(Box<DecidedTurn>),
}

struct DecidedTurn {
    conversation: Conversation,
    ticket: Option<Ticket>,
    /// The ticket as read, when the turn does not change it.
    unchanged: Option<Ticket>,
    ticket_created: bool,
    record: TurnRecord,
    /// The ticket's next SLA event before this message (a customer message may start or
    /// resume a clock).
    sla_before: Option<SlaTarget>,
    /// What goes out with the commit; what the store did not take in its own write is sent
    /// after it.
    outbox: TurnOutbox,
    /// The reply send that failed before the commit, if one did: the job's error once the
    /// commit and what follows it are done.
    send_failed: Option<JobError>,
    /// The handoff this turn carries out right after its commit, in the same invocation (the
    /// turn is committed complete with it), and the ticket's latest message for the list.
    escalate_now: Option<(EscalationJob, Option<crate::desk::ticket::MessagePreview>)>,
    /// The handoff the commit wrote instead (the ticket routed, and assigned or queued).
    handed: Option<(EscalationJob, Routed, Placed)>,
}

impl Turno {
    /// One conversation step for one inbound message. Safe to run again for the same message:
    /// the first run's decision is recorded and a rerun only finishes what it left undone.
    pub async fn handle_inbound(&self, msg: InboundMessage) -> Result<(), JobError> {
        // The handoff runs from here, after the turn's future is done with: the two do not
        // nest, which keeps the stack of a debug build within a worker thread's.
        match Box::pin(self.take_turn(msg)).await? {
            None => Ok(()),
            Some(Handoff::Now(job, known)) => Box::pin(self.escalate(job, Some(*known))).await,
            Some(Handoff::Again(job)) => Box::pin(self.escalate_again(job)).await,
            Some(Handoff::Written(w)) => {
                let WrittenHandoff {
                    ws,
                    job,
                    ticket,
                    routed,
                    placed,
                } = *w;
                Box::pin(self.after_escalation(&ws, &job, ticket, routed, placed)).await
            }
        }
    }

    /// Commits a turn as decided: its conversation, ticket (if it wrote one), record,
    /// transcript entries and outbox, in one write.
    async fn commit_decided(
        &self,
        turn: &mut DecidedTurn,
        entries: &[TranscriptEntry],
    ) -> Result<(), StoreError> {
        self.ports
            .store
            .commit_turn_with(
                &mut turn.conversation,
                turn.ticket.as_mut(),
                &turn.record,
                entries,
                &mut turn.outbox,
            )
            .await
    }

    /// The turn of [`handle_inbound`](Self::handle_inbound), up to the handoff it leaves to
    /// run.
    async fn take_turn(&self, msg: InboundMessage) -> Result<Option<Handoff>, JobError> {
        let Some(ws) = self.config(&msg.workspace).await else {
            return Err(JobError::permanent(anyhow::anyhow!(
                "workspace {} is not configured",
                msg.workspace
            )));
        };
        // A reaction, edit or deletion of a message on the current ticket marks that message
        // and is not a line of its own.
        if let Some(target) = msg.content.amends()
            && self.amend_message(&msg, target).await?
        {
            self.mark_read(&ws, &msg).await;
            return Ok(None);
        }
        // "STOP", "BAJA", "START"...: a marketing preference, not a turn.
        if self.take_opt_out_keyword(&ws, &msg).await? {
            return Ok(None);
        }
        // A satisfaction survey's answer (or the comment after it) is not the bot's. What the
        // check read serves the first attempt below.
        let prefetched = match self.take_csat_answer(&ws, &msg).await? {
            CsatCheck::Taken => return Ok(None),
            CsatCheck::NotAnswer(read) => std::sync::Mutex::new(read),
        };
        // The replies an attempt sent before its commit lost a race: a later attempt that
        // decides the same replies commits them instead of sending them again.
        let sent_before = std::sync::Mutex::new(None::<SentReplies>);
        let (ws, msg, prefetched, sent_before) = (&ws, &msg, &prefetched, &sent_before);
        let committed = retry_on_conflict(|attempt| async move {
            let read = (attempt == 0)
                .then(|| prefetched.lock().ok().and_then(|mut p| p.take()))
                .flatten();
            let read = match read {
                Some(read) => *read,
                None => self.read_conversation(msg).await.map_err(Retry::Fail)?,
            };
            // A message seen before: finish what its first run decided.
            if let Some(turn) = read.turn.clone() {
                return Ok(Committed::Before(turn));
            }
            let mut turn = self.decide_turn(ws, msg, read).await.map_err(Retry::Fail)?;
            let recorded = committed_entries(&turn.record);
            if let Some(t) = turn.ticket.as_mut().filter(|t| t.status.is_human())
                && let Some(shown) = recorded.iter().rev().find_map(super::inbox::preview)
            {
                t.last_message = Some(shown);
            }
            let earlier = sent_before.lock().ok().and_then(|mut s| s.take());
            let sent = match earlier {
                Some(sent) if sent.match_decision(&turn.record) => {
                    Self::reuse_sent(&mut turn.record, &sent);
                    sent
                }
                _ => self.send_before_commit(&mut turn.record).await,
            };
            if !sent.refused.is_empty() {
                self.ports.queue.send(sent.refused.clone()).await?;
            }
            let mut entries = recorded;
            entries.extend(sent.entries.iter().cloned());
            // Nothing left but the handoff: it runs with the commit (or right after it), here,
            // rather than as a job of its own; a redelivery runs it again (it is idempotent).
            if let Some(Effect::Escalate { job }) = turn.record.effects.get(turn.record.done)
                && turn.record.done + 1 == turn.record.effects.len()
            {
                let shown = entries.iter().rev().find_map(super::inbox::preview);
                turn.escalate_now = Some((job.clone(), shown));
                turn.record.done += 1;
            }
            turn.outbox = self.turn_outbox(ws, msg, &turn);
            let offered = turn.outbox.events.clone();
            // A handoff of the bot's ticket goes with the commit: the ticket routed here.
            let routed = match turn.escalate_now.clone() {
                Some((job, shown)) => {
                    // Boxed, as the commit below: the turn's future stays small on the stack.
                    match Box::pin(self.route_with_commit(ws, &mut turn, &job, shown.as_ref()))
                        .await
                    {
                        Ok(routed) => routed.map(|routed| (job, routed)),
                        Err(e) => {
                            keep_sent(sent_before, sent);
                            return Err(e);
                        }
                    }
                }
                None => None,
            };
            let commit = match &routed {
                Some((job, r)) => {
                    Box::pin(self.commit_handoff(ws, &mut turn, &entries, job, r.now))
                        .await
                        .map(Some)
                }
                None => self
                    .commit_decided(&mut turn, &entries)
                    .await
                    .map(|()| None),
            };
            let placed = match commit {
                Ok(placed) => placed,
                Err(e) => {
                    keep_sent(sent_before, sent);
                    return Err(e.into());
                }
            };
            if let (Some((job, routed)), Some(placed)) = (routed, placed) {
                turn.escalate_now = None;
                turn.handed = Some((job, routed, placed));
            }
            if turn.outbox.events.is_empty() {
                // Published with the commit: counted as a publish would.
                offered.iter().for_each(|e| self.count_event(e));
            }
            turn.send_failed = sent.failed;
            Ok(Committed::Now(Box::new(turn)))
        })
        .await?;
        // After the notice is on the old number's transcript, so the line moves with it; on a
        // redelivery too, since the move is safe to repeat and may not have finished.
        self.follow_number_change(msg).await?;
        let mut turn = match committed {
            Committed::Before(record) => {
                let again = match record.effects.last() {
                    Some(Effect::Escalate { job }) if record.is_complete() => {
                        Some(Handoff::Again(job.clone()))
                    }
                    _ => None,
                };
                self.finish_turn(record).await?;
                return Ok(again);
            }
            Committed::Now(turn) => turn,
        };
        if msg.content.from_customer() && !matches!(msg.content, Content::Call { .. }) {
            self.mark_read(ws, msg).await;
        }
        let jobs = std::mem::take(&mut turn.outbox.jobs);
        if !jobs.is_empty() {
            self.ports.queue.send(jobs).await?;
        }
        // A handoff the commit wrote arms its own timer (below).
        if let Some(t) = turn
            .ticket
            .as_ref()
            .filter(|t| t.status.is_human() && turn.handed.is_none())
        {
            // The customer's message may have started or resumed a clock.
            self.arm_sla_timer(ws, t, turn.sla_before).await?;
            if msg.content.from_customer() && !msg.content.is_event() && !turn.ticket_created {
                self.announce_customer_reply(t).await;
            }
        }
        if !turn.outbox.events.is_empty() {
            self.publish(&turn.outbox.events).await;
        }
        let handoff = match turn.handed.take() {
            Some((job, routed, placed)) => turn.ticket.take().map(|ticket| {
                Handoff::Written(Box::new(WrittenHandoff {
                    ws: ws.clone(),
                    job,
                    ticket,
                    routed,
                    placed,
                }))
            }),
            None => turn.escalate_now.take().and_then(|(job, shown)| {
                let mut known = turn.ticket.take().or(turn.unchanged.take())?;
                if known.last_message.is_none() {
                    known.last_message = shown;
                }
                Some(Handoff::Now(job, Box::new(known)))
            }),
        };
        if let Some(e) = turn.send_failed.take() {
            // What went out before the failed send is recorded with the turn; the redelivery
            // resumes at that reply.
            return Err(e);
        }
        self.finish_turn(turn.record).await?;
        Ok(handoff)
    }

    /// What a decided turn queues and publishes with its commit: a new ticket's
    /// bot-inactivity timer and its creation event.
    fn turn_outbox(
        &self,
        ws: &WorkspaceConfig,
        msg: &InboundMessage,
        turn: &DecidedTurn,
    ) -> TurnOutbox {
        let mut outbox = TurnOutbox::default();
        if !turn.ticket_created {
            return outbox;
        }
        // A ticket handed to people in its first turn has no bot conversation to end.
        if turn.escalate_now.is_none() {
            outbox
                .jobs
                .extend(self.bot_inactivity_job(ws, msg, &turn.record.ticket_id));
        }
        outbox.events.push(DomainEvent::TicketCreated {
            workspace: msg.workspace.clone(),
            ticket_id: turn.record.ticket_id.clone(),
            at: self.now(),
        });
        outbox
    }

    /// WhatsApp's `user_changed_number` notice: the customer's conversation, tickets and
    /// profile move to the new number, so their next message continues where they were.
    async fn follow_number_change(&self, msg: &InboundMessage) -> Result<(), JobError> {
        let Content::System {
            kind: SystemKind::UserChangedNumber,
            new_wa_id: Some(to),
            ..
        } = &msg.content
        else {
            return Ok(());
        };
        if *to == msg.from {
            return Ok(());
        }
        match self
            .change_customer_number(&msg.workspace, &msg.from, to)
            .await
        {
            Ok(_) => Ok(()),
            Err(AppError::Unexpected(e)) => Err(JobError::retry(e)),
            Err(AppError::Conflict(e)) => Err(JobError::retry(anyhow::anyhow!(e))),
            Err(e) => Err(JobError::permanent(e)),
        }
    }
}
