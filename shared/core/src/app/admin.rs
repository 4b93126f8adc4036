//! Workspace settings the console shows: teams (everyone), SLA policies and the bot's
//! configuration (admins).

use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::bot::config::BotConfig;
use crate::config::SlaConfig;
use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, TeamId};
use crate::kernel::levels::Tier;

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
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(ws.sla.clone())
    }

    /// The bot's texts, menu, keywords and understanding settings in force.
    pub async fn bot_settings(&self, actor: &Actor) -> Result<BotConfig, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(ws.bot.clone())
    }
}
