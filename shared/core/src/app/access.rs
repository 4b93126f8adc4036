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
    /// The caller as its agent record has it: the record decides the role (the sign-in
    /// group only follows it, and a token keeps the group it was issued with until it
    /// expires). A caller without a record, or whose record an admin deactivated, is refused.
    pub async fn signed_in(&self, claimed: Actor) -> Result<Actor, AppError> {
        let agent = self.actor_agent(&claimed).await?;
        if agent.deactivated {
            return Err(AppError::Forbidden(
                "your agent account was deactivated; an admin can invite you again".into(),
            ));
        }
        if agent.role != claimed.role {
            tracing::info!(
                workspace = %claimed.workspace,
                agent = %claimed.agent,
                token_role = ?claimed.role,
                record_role = ?agent.role,
                "the sign-in role differs from the agent record's; the record's is used"
            );
        }
        Ok(Actor {
            role: agent.role,
            ..claimed
        })
    }

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
