//! A handoff: what the escalation worker needs to route, queue and assign a ticket.

use serde::{Deserialize, Serialize};

use crate::desk::ticket::EscalationReason;
use crate::kernel::ids::{MessageId, TeamId, TicketId, WorkspaceId};
use crate::kernel::lang::Lang;
use crate::kernel::levels::Priority;

/// A handoff for the escalation worker to route, queue and assign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationJob {
    pub workspace: WorkspaceId,
    pub ticket_id: TicketId,
    pub reason: EscalationReason,
    pub requested_team: Option<TeamId>,
    pub menu_choice: Option<String>,
    /// The customer's words that led here, for keyword routing. Never logged.
    pub text: String,
    pub language: Lang,
    /// The customer message that led here: one handoff per message, so a later handoff of
    /// the same ticket (a reopen) is not taken for a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<MessageId>,
    /// The intent the bot understood, for routing rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Outside business hours: the ticket waits in its queue (reason code `out_of_hours`)
    /// instead of going to whoever is online, and no queue notice is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub out_of_hours: bool,
    /// The keyword trigger that fired, by name, and the least priority it asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
}
