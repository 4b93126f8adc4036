//! Who may sign in: the accounts of the identity provider (Cognito on AWS), kept in step with
//! the agent records, which decide each agent's role.

use async_trait::async_trait;

use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, WorkspaceId};

/// The sign-in accounts. An agent's account is named by its id; its group is its role.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Creates the account with a temporary password sent to `email`, in the role's group.
    async fn invite(
        &self,
        ws: &WorkspaceId,
        agent: &AgentId,
        email: &str,
        role: Role,
    ) -> anyhow::Result<()>;

    /// Moves the account to the role's group (and out of the others).
    async fn set_role(&self, ws: &WorkspaceId, agent: &AgentId, role: Role) -> anyhow::Result<()>;

    /// Stops the account from signing in.
    async fn disable(&self, ws: &WorkspaceId, agent: &AgentId) -> anyhow::Result<()>;
}

/// No identity provider: the local runner, where sign-in is the development login over the
/// agent records themselves.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDirectory;

#[async_trait]
impl Directory for NoDirectory {
    async fn invite(&self, _: &WorkspaceId, _: &AgentId, _: &str, _: Role) -> anyhow::Result<()> {
        Ok(())
    }

    async fn set_role(&self, _: &WorkspaceId, _: &AgentId, _: Role) -> anyhow::Result<()> {
        Ok(())
    }

    async fn disable(&self, _: &WorkspaceId, _: &AgentId) -> anyhow::Result<()> {
        Ok(())
    }
}
