//! The agents of a workspace: their profiles, availability and load.

use async_trait::async_trait;

use crate::desk::agent::{Agent, Availability};
use crate::kernel::ids::{AgentId, WorkspaceId};
use crate::ports::StoreError;

/// Agents as assignment sees them. Their load and last assignment change only with the
/// tickets they take and give back ([`TicketStore`](super::TicketStore)).
#[async_trait]
pub trait AgentStore: Send + Sync {
    async fn agents(&self, ws: &WorkspaceId) -> Result<Vec<Agent>, StoreError>;

    async fn agent(&self, ws: &WorkspaceId, id: &AgentId) -> Result<Option<Agent>, StoreError>;

    /// Creates the agent or updates its profile (name, email, role, teams, capacity), keeping
    /// its availability, load and last assignment if it exists.
    async fn upsert_agent_profile(&self, agent: &Agent) -> Result<(), StoreError>;

    /// Returns `false` if there is no such agent.
    async fn set_availability(
        &self,
        ws: &WorkspaceId,
        id: &AgentId,
        availability: Availability,
    ) -> Result<bool, StoreError>;
}
