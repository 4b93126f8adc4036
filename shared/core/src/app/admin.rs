//! Workspace settings the console shows: teams (everyone), SLA policies and the bot's
//! configuration (admins).

use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::bot::config::BotConfig;
use crate::config::SlaConfig;
use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, TeamId};
use crate::kernel::levels::Tier;
use crate::ports::{DeadLetterView, QueueName};

/// The most dead letters one listing returns per queue.
const DEAD_LETTERS_LISTED: usize = 100;

/// What a redrive moved back, per queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redriven {
    pub queue: QueueName,
    pub moved: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub tier: Tier,
    pub members: Vec<AgentId>,
}

impl Turno {
    pub(super) fn admin_only(actor: &Actor) -> Result<(), AppError> {
        if actor.role < Role::Admin {
            return Err(AppError::Forbidden(
                "only admins see and change the workspace configuration".into(),
            ));
        }
        Ok(())
    }

    pub async fn teams(&self, actor: &Actor) -> Result<Vec<TeamView>, AppError> {
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let agents = self.ports.store.agents(&actor.workspace).await?;
        Ok(ws
            .teams
            .iter()
            .map(|t| TeamView {
                id: t.id.clone(),
                name: t.name.clone(),
                tier: t.tier,
                members: agents
                    .iter()
                    .filter(|a| a.teams.contains(&t.id))
                    .map(|a| a.id.clone())
                    .collect(),
            })
            .collect())
    }

    /// The SLA calendars and policies in force.
    pub async fn sla_settings(&self, actor: &Actor) -> Result<SlaConfig, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(ws.sla.clone())
    }

    /// The bot's texts, menu, keywords and understanding settings in force.
    pub async fn bot_settings(&self, actor: &Actor) -> Result<BotConfig, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(ws.bot.clone())
    }

    fn dead_letter_port(&self) -> Result<&dyn crate::ports::DeadLetters, AppError> {
        self.dead_letters.as_deref().ok_or_else(|| {
            AppError::Invalid("this deployment has no dead-letter access configured".into())
        })
    }

    /// The dead letters of `queue` (every queue when `None`), oldest first. Admins only: they
    /// are the deployment's, not one workspace's, so only ids, groups and reasons are shown.
    pub async fn dead_letters(
        &self,
        actor: &Actor,
        queue: Option<QueueName>,
    ) -> Result<Vec<DeadLetterView>, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        let port = self.dead_letter_port()?;
        let mut out = Vec::new();
        for q in queue.map_or(QueueName::ALL.to_vec(), |q| vec![q]) {
            out.extend(port.list(q, DEAD_LETTERS_LISTED).await?);
        }
        Ok(out)
    }

    /// Sends the dead letters of `queue` (every queue when `None`) back to their queues.
    pub async fn redrive_dead_letters(
        &self,
        actor: &Actor,
        queue: Option<QueueName>,
    ) -> Result<Vec<Redriven>, AppError> {
        Self::admin_only(actor)?;
        let agent = self.actor_agent(actor).await?;
        let port = self.dead_letter_port()?;
        let mut out = Vec::new();
        for q in queue.map_or(QueueName::ALL.to_vec(), |q| vec![q]) {
            let moved = port.redrive(q).await?;
            tracing::info!(agent = %agent.id, queue = q.as_str(), moved, "dead letters redriven");
            out.push(Redriven { queue: q, moved });
        }
        Ok(out)
    }
}
