//! Domain events published for integrations.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{AgentId, TeamId, TicketId, WaId, WorkspaceId};
use crate::kernel::levels::Tier;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DomainEvent {
    TicketCreated {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        at: Timestamp,
    },
    Escalated {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        team: TeamId,
        tier: Tier,
        reasons: Vec<String>,
        at: Timestamp,
    },
    Assigned {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        agent: AgentId,
        at: Timestamp,
    },
    SlaWarning {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        clock: String,
        due_at: Timestamp,
        at: Timestamp,
    },
    SlaBreached {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        clock: String,
        due_at: Timestamp,
        at: Timestamp,
    },
    Resolved {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        at: Timestamp,
    },
    /// A conversation only the bot handled ended after the customer went quiet (deflected).
    ResolvedByBot {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        at: Timestamp,
    },
    /// A customer answered a ticket's satisfaction survey.
    CsatAnswered {
        workspace: WorkspaceId,
        ticket_id: TicketId,
        score: u8,
        agent: Option<AgentId>,
        team: Option<TeamId>,
        at: Timestamp,
    },
    /// The rolling average of the latest `window` scores dropped below the workspace's
    /// threshold (sent once, until the average climbs back).
    CsatAlert {
        workspace: WorkspaceId,
        average: f64,
        window: usize,
        threshold: f64,
        at: Timestamp,
    },
    /// A customer changed phone number: their conversation, tickets and profile now belong to
    /// `to`. `tickets` are every ticket of the customer (the ones moved earlier included).
    CustomerNumberChanged {
        workspace: WorkspaceId,
        from: WaId,
        to: WaId,
        tickets: Vec<TicketId>,
        at: Timestamp,
    },
}

impl DomainEvent {
    /// The event's type name (`detail-type` on EventBridge).
    pub fn name(&self) -> &'static str {
        match self {
            DomainEvent::TicketCreated { .. } => "TicketCreated",
            DomainEvent::Escalated { .. } => "Escalated",
            DomainEvent::Assigned { .. } => "Assigned",
            DomainEvent::SlaWarning { .. } => "SlaWarning",
            DomainEvent::SlaBreached { .. } => "SlaBreached",
            DomainEvent::Resolved { .. } => "Resolved",
            DomainEvent::CustomerNumberChanged { .. } => "CustomerNumberChanged",
            DomainEvent::ResolvedByBot { .. } => "ResolvedByBot",
            DomainEvent::CsatAnswered { .. } => "CsatAnswered",
            DomainEvent::CsatAlert { .. } => "CsatAlert",
        }
    }

    pub fn workspace(&self) -> &WorkspaceId {
        match self {
            DomainEvent::TicketCreated { workspace, .. }
            | DomainEvent::Escalated { workspace, .. }
            | DomainEvent::Assigned { workspace, .. }
            | DomainEvent::SlaWarning { workspace, .. }
            | DomainEvent::SlaBreached { workspace, .. }
            | DomainEvent::Resolved { workspace, .. }
            | DomainEvent::CustomerNumberChanged { workspace, .. }
            | DomainEvent::ResolvedByBot { workspace, .. }
            | DomainEvent::CsatAnswered { workspace, .. }
            | DomainEvent::CsatAlert { workspace, .. } => workspace,
        }
    }
}
