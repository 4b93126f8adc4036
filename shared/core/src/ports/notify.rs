//! Telling people (agents, supervisors) and integrations what happened.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{AgentId, TicketId, WorkspaceId};
use crate::ports::domain_events::DomainEvent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    TicketAssigned,
    SlaWarning,
    SlaBreached,
    /// An agent was @mentioned in a private note.
    Mentioned,
    /// The workspace's rolling satisfaction average dropped below its threshold.
    CsatLow,
    /// The customer wrote on a ticket assigned to the agent (for the agent's own devices, not
    /// the workspace's webhook).
    CustomerReplied,
}

/// A notice to people (agents, supervisors). Holds no customer message text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub workspace: WorkspaceId,
    pub kind: NotificationKind,
    pub ticket_id: TicketId,
    pub agent: Option<AgentId>,
    pub text: String,
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: &Notification) -> anyhow::Result<()>;
}

/// Domain events for integrations (EventBridge in AWS).
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()>;
}
