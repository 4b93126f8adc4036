//! The record of one processed inbound message: what the bot decided, and how far carrying it
//! out has got. A redelivered message finds its record and resumes instead of deciding again,
//! so a retry never sends a second reply or writes a second transcript entry.

use serde::{Deserialize, Serialize};

use crate::channel::message::{Outbound, TranscriptEntry};
use crate::desk::escalation::EscalationJob;
use crate::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Write this entry to the transcript (idempotent by message id).
    Record { entry: TranscriptEntry },
    /// Send this reply to the customer, then record it. Not idempotent on WhatsApp's side:
    /// delivered replies are written with the progress, before a failure gives the job back.
    Reply { message: Outbound },
    /// Hand the ticket to the escalation worker (idempotent per ticket).
    Escalate { job: EscalationJob },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    pub workspace: WorkspaceId,
    pub message_id: MessageId,
    pub customer: WaId,
    pub ticket_id: TicketId,
    pub effects: Vec<Effect>,
    /// How many effects, from the start, are done.
    pub done: usize,
}

impl TurnRecord {
    pub fn is_complete(&self) -> bool {
        self.done >= self.effects.len()
    }
}
