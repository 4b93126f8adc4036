//! Who works on what: assigning by hand, availability (coming online pulls the queue), the
//! agents' list, and their records at start-up.

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::desk::agent::{Agent, Availability, Role};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, TicketId};
use crate::ports::StoreError;

impl Turno {
    /// Writes each configured agent's profile, keeping what the store knows of their
    /// availability and load. Agents marked `online` in the configuration start online.
    pub async fn seed_agents(&self) -> Result<(), StoreError> {
        // Admins' saved configuration first: its agents, not the YAML's, are the ones seeded.
        self.load_stored_config().await?;
        for ws in self.workspaces.iter() {
            for a in &ws.agents {
                let agent = a.record(&ws.id);
                self.ports.store.upsert_agent_profile(&agent).await?;
                if a.online {
                    self.ports
                        .store
                        .set_availability(&ws.id, &a.id, Availability::Online)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Assigns (or transfers) a ticket to an agent, within that agent's capacity.
    pub async fn assign(
        &self,
        actor: &Actor,
        id: &TicketId,
        to: &AgentId,
    ) -> Result<Ticket, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let target = self
            .ports
            .store
            .agent(&actor.workspace, to)
            .await?
            .ok_or(AppError::NotFound("agent"))?;
        if actor.role < Role::Supervisor && to != &actor.agent {
            return Err(AppError::Forbidden(
                "only supervisors assign tickets to somebody else".into(),
            ));
        }
        let target = &target;
        let assigned = retry_on_conflict(|_| async move {
            let mut ticket = self.visible_ticket(actor, id).await?;
            if ticket
                .team
                .as_ref()
                .is_some_and(|t| !target.teams.contains(t))
            {
                return Err(Retry::Fail(AppError::Invalid(format!(
                    "agent {to} is not in the ticket's team"
                ))));
            }
            let now = self.now();
            let previous = match ticket.status {
                TicketStatus::Queued => None,
                TicketStatus::Assigned | TicketStatus::Pending | TicketStatus::Snoozed => {
                    if ticket.assignee.as_ref() == Some(to) {
                        return Ok(None);
                    }
                    Some(ticket.unassign(now)?)
                }
                _ => {
                    return Err(Retry::Fail(AppError::Conflict(format!(
                        "a {} ticket cannot be assigned: escalate or reopen it first",
                        ticket.status.as_str()
                    ))));
                }
            };
            ticket.assign(to.clone(), now)?;
            self.ports
                .store
                .assign_ticket(&mut ticket, to, previous.as_ref(), now)
                .await?;
            Ok(Some((ticket, previous, now)))
        })
        .await?;
        let Some((ticket, previous, now)) = assigned else {
            // Already theirs.
            return self.visible_ticket(actor, id).await;
        };
        self.announce_assignment(&ticket, to, now).await;
        if previous.is_some()
            && let Some(team) = ticket.team.clone()
        {
            self.assign_from_queue(&ws, &team).await?;
        }
        Ok(ticket)
    }

    pub async fn agents(&self, actor: &Actor) -> Result<Vec<Agent>, AppError> {
        self.actor_agent(actor).await?;
        Ok(self.ports.store.agents(&actor.workspace).await?)
    }

    pub async fn me(&self, actor: &Actor) -> Result<Agent, AppError> {
        self.actor_agent(actor).await
    }

    /// Sets an agent's availability; coming online pulls waiting tickets at once.
    pub async fn set_availability(
        &self,
        actor: &Actor,
        availability: Availability,
    ) -> Result<Agent, AppError> {
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        if !self
            .ports
            .store
            .set_availability(&actor.workspace, &actor.agent, availability)
            .await?
        {
            return Err(AppError::NotFound("agent"));
        }
        let agent = self.actor_agent(actor).await?;
        if availability == Availability::Online {
            for team in &agent.teams {
                self.assign_from_queue(&ws, team).await?;
            }
        }
        self.actor_agent(actor).await
    }
}
