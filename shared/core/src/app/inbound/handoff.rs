//! A handoff turn's commit carries its handoff: the ticket routed and, when an agent of its
//! team has room (and no queued ticket ranks ahead of it), assigned, the agent's unit of
//! capacity taken in the same write. The ticket is written once, by the commit. An agent
//! found full when the commit lands is passed over and the commit sent again for the next
//! one, with nothing read again; when nobody is left the ticket is committed queued.

use super::DecidedTurn;
use crate::app::effects::{Retry, assigned_to, found_full};
use crate::app::escalation::{Placed, Routed, Seats};
use crate::app::{JobError, Turno};
use crate::channel::message::TranscriptEntry;
use crate::config::WorkspaceConfig;
use crate::desk::agent::pick_agent;
use crate::desk::escalation::EscalationJob;
use crate::desk::ticket::{MessagePreview, TicketStatus};
use crate::ports::StoreError;

impl Turno {
    /// Routes the ticket a turn hands off, for the commit to write it so: the ticket the turn
    /// created, or the one it read (the bot's ticket as the conversation keeps it, unread, is
    /// read now). `None`: the handoff runs after the commit instead, as before (the ticket is
    /// not the bot's any more, or cannot be escalated as it is); the turn is as it was.
    pub(super) async fn route_with_commit(
        &self,
        ws: &WorkspaceConfig,
        turn: &mut DecidedTurn,
        job: &EscalationJob,
        shown: Option<&MessagePreview>,
    ) -> Result<Option<Routed>, Retry<JobError>> {
        let read = match (&turn.ticket, &turn.unchanged) {
            (Some(t), _) => t.clone(),
            (None, Some(t)) if t.version > 0 => t.clone(),
            (None, Some(held)) => {
                match self.ports.store.ticket(&held.workspace, &held.id).await? {
                    Some(t) => {
                        // Read: the handoff after the commit starts from it too.
                        turn.unchanged = Some(t.clone());
                        t
                    }
                    None => return Ok(None),
                }
            }
            (None, None) => return Ok(None),
        };
        if read.status != TicketStatus::Bot || read.id != job.ticket_id {
            return Ok(None);
        }
        let mut ticket = read;
        if ticket.last_message.is_none() {
            ticket.last_message = shown.cloned();
        }
        let Some(routed) = Box::pin(self.route_handoff(ws, job, &mut ticket)).await? else {
            return Ok(None);
        };
        turn.ticket = Some(ticket);
        turn.unchanged = None;
        // The bot no longer holds it: the customer's next turn reads it.
        turn.conversation.bot_ticket = None;
        Ok(Some(routed))
    }

    /// Commits a turn whose ticket [`route_with_commit`](Self::route_with_commit) routed,
    /// placing it as the commit writes it (see the module docs); `turn.ticket` is then the
    /// ticket as committed. The workspace's assignments take their turn meanwhile, so the
    /// handoffs of one batch read the agents after each other's commits.
    pub(super) async fn commit_handoff(
        &self,
        ws: &WorkspaceConfig,
        turn: &mut DecidedTurn,
        entries: &[TranscriptEntry],
        job: &EscalationJob,
        now: jiff::Timestamp,
    ) -> Result<Placed, StoreError> {
        let store = &self.ports.store;
        let Some(routed) = turn.ticket.clone() else {
            return Err(StoreError::Unexpected(anyhow::anyhow!(
                "a handoff's commit has no ticket"
            )));
        };
        let _turn = self.assign_gate.enter(&ws.id).await;
        let team = match (&routed.team, job.out_of_hours) {
            (Some(team), false) => team.clone(),
            _ => return self.commit_queued(turn, entries, false).await,
        };
        let mut agents = match self.seats(ws, &team, &routed).await? {
            Seats::Agents(agents) => agents,
            Seats::Queue { ahead } => return self.commit_queued(turn, entries, ahead).await,
        };
        while let Some(agent_id) = pick_agent(&agents, &team).map(|a| a.id.clone()) {
            let Some(mut assigned) = assigned_to(&routed, &agent_id, now, "at the handoff") else {
                break;
            };
            turn.outbox.assign = Some(agent_id.clone());
            let committed = store
                .commit_turn_with(
                    &mut turn.conversation,
                    Some(&mut assigned),
                    &turn.record,
                    entries,
                    &mut turn.outbox,
                )
                .await;
            turn.outbox.assign = None;
            match committed {
                Ok(()) => {
                    turn.ticket = Some(assigned);
                    return Ok(Placed::Assigned(agent_id));
                }
                // Full since the agents were read: the next one, nothing read again.
                Err(StoreError::AtCapacity) => found_full(&mut agents, &agent_id),
                Err(e) => return Err(e),
            }
        }
        self.commit_queued(turn, entries, false).await
    }

    /// Commits the turn with its ticket routed into its team's queue (`ahead`: behind tickets
    /// that waited before it while an agent has room).
    async fn commit_queued(
        &self,
        turn: &mut DecidedTurn,
        entries: &[TranscriptEntry],
        ahead: bool,
    ) -> Result<Placed, StoreError> {
        self.commit_decided(turn, entries).await?;
        Ok(Placed::Queued { ahead })
    }
}
