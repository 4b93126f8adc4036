//! Who is calling the agent API, and which tickets they may see.

use serde::{Deserialize, Serialize};

use super::{AppError, Turno};
use crate::desk::agent::{Agent, Role};
use crate::desk::ticket::Ticket;
use crate::kernel::ids::{AgentId, TicketId, WorkspaceId};

/// Who is calling the agent API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub workspace: WorkspaceId,
    pub agent: AgentId,
    pub role: Role,
}

impl Turno {
    pub(super) async fn actor_agent(&self, actor: &Actor) -> Result<Agent, AppError> {
        self.ports
            .store
            .agent(&actor.workspace, &actor.agent)
            .await?
            .ok_or_else(|| {
                AppError::Forbidden("your agent account does not exist in this workspace".into())
            })
    }

    pub(super) fn may_see(actor: &Actor, agent: &Agent, ticket: &Ticket) -> bool {
        actor.role >= Role::Supervisor
            || ticket.assignee.as_ref() == Some(&actor.agent)
            || ticket.mentioned.contains(&actor.agent)
            || ticket
                .team
                .as_ref()
                .is_some_and(|t| agent.teams.contains(t))
    }

    pub(super) async fn visible_ticket(
        &self,
        actor: &Actor,
        id: &TicketId,
    ) -> Result<Ticket, AppError> {
        let agent = self.actor_agent(actor).await?;
        let ticket = self
            .ports
            .store
            .ticket(&actor.workspace, id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if !Self::may_see(actor, &agent, &ticket) {
            // Same answer as a missing ticket: do not reveal other teams' tickets exist.
            return Err(AppError::NotFound("ticket"));
        }
        Ok(ticket)
    }
}
