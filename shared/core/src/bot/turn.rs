//! The record of one processed inbound message: what the bot decided, and how far carrying it
//! out has got. A redelivered message finds its record and resumes instead of deciding again,
//! so a retry never sends a second reply or writes a second transcript entry.

use serde::{Deserialize, Serialize};

use crate::bot::flow::Vars;
use crate::channel::message::{Outbound, TranscriptEntry};
use crate::desk::escalation::EscalationJob;
use crate::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};
use crate::kernel::lang::Lang;

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
    /// What the bot made of the message and did with it, when the bot answered it: what the
    /// handoff summary is built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<Box<BotInsight>>,
}

/// What the bot understood and did in one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotInsight {
    /// What the bot made of the message (`greeting`, `menu:2`, `flow:order_status:answered`,
    /// `not_understood`, `explicit_request`, ...).
    pub understood_as: String,
    pub language: Lang,
    /// The slots the customer gave so far in the flow this turn ran (the order number), by
    /// slot name.
    #[serde(default, skip_serializing_if = "Vars::is_empty")]
    pub slots: Vars,
    /// The business look-up the turn made, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
    /// Consecutive messages not understood, after this one.
    #[serde(default)]
    pub failed_attempts: u8,
    /// Signs of frustration found in the message (`negative_wording`, `all_caps`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frustration: Vec<String>,
}

/// A call to the business's API and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    pub action: String,
    pub outcome: LookupOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupOutcome {
    /// The business answered with what was asked.
    Found,
    /// The business does not know the value (an unknown order number).
    NotFound,
    /// The call failed (timeout, 5xx).
    Failed,
}

impl TurnRecord {
    pub fn is_complete(&self) -> bool {
        self.done >= self.effects.len()
    }
}
