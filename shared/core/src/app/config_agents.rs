//! Admins inviting, changing and deactivating agents: each change is a saved version of the
//! configuration (its `agents:`), the agent's record (what sign-in and assignment read), and
//! its sign-in account through the [`Directory`](crate::ports::Directory).

use serde::Deserialize;

use super::{Actor, AppError, Turno};
use crate::config::{AgentConfig, WorkspaceConfig};
use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, TeamId};

/// An agent as an admin invites or edits one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    pub id: Option<AgentId>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub teams: Option<Vec<TeamId>>,
    pub capacity: Option<u32>,
}

/// The most capacity an agent may be given.
const MAX_CAPACITY: u32 = 1000;

impl Turno {
    /// Invites an agent: its place in the configuration, its record, and its sign-in account
    /// (a temporary password sent to its email, in its role's group). Returns the agent as
    /// configured.
    pub async fn invite_agent(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        input: AgentInput,
    ) -> Result<AgentConfig, AppError> {
        Self::admin_only(actor)?;
        let id = input
            .id
            .clone()
            .ok_or_else(|| AppError::Invalid("id: required to invite an agent".into()))?;
        let agent = self.edit_agent(actor, expected, &id, true, input).await?;
        self.directory
            .invite(&actor.workspace, &id, &agent.email, agent.role)
            .await
            .map_err(|e| {
                tracing::error!(agent = %id, error = %format!("{e:#}"), "the sign-in account could not be created");
                AppError::Conflict(format!(
                    "agent {id} was added, but its sign-in account could not be created; change its role to try again"
                ))
            })?;
        Ok(agent)
    }

    /// Changes an agent: only the fields given. A role change moves its sign-in account to
    /// the role's group.
    pub async fn update_agent(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        id: &AgentId,
        input: AgentInput,
    ) -> Result<AgentConfig, AppError> {
        Self::admin_only(actor)?;
        if input.id.as_ref().is_some_and(|body| body != id) {
            return Err(AppError::Invalid(
                "id: the body names another agent than the path".into(),
            ));
        }
        let role_change = input.role;
        let agent = self.edit_agent(actor, expected, id, false, input).await?;
        if let Some(role) = role_change {
            self.directory
                .set_role(&actor.workspace, id, role)
                .await
                .map_err(|e| {
                    tracing::error!(agent = %id, error = %format!("{e:#}"), "the sign-in group could not be changed");
                    AppError::Conflict(format!(
                        "agent {id}'s role was saved, but its sign-in group could not be changed; save the role again"
                    ))
                })?;
        }
        Ok(agent)
    }

    async fn edit_agent(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        id: &AgentId,
        creating: bool,
        input: AgentInput,
    ) -> Result<AgentConfig, AppError> {
        if input.capacity.is_some_and(|c| c > MAX_CAPACITY) {
            return Err(AppError::Invalid(format!(
                "capacity: at most {MAX_CAPACITY}"
            )));
        }
        let what = if creating {
            format!("agent {id}: invited")
        } else {
            format!("agent {id}")
        };
        let mut saved_agent = None;
        self.save_checked(actor, expected, what, |mut whole| {
            let config: WorkspaceConfig = serde_json::from_value(whole.clone())
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let mut agents = config.agents;
            let found = agents.iter().position(|a| &a.id == id);
            let index = match (found, creating) {
                (Some(_), true) => {
                    return Err(AppError::Conflict(format!("agent {id} already exists")));
                }
                (None, false) => return Err(AppError::NotFound("agent")),
                (Some(i), false) => i,
                (None, true) => {
                    let (Some(name), Some(email)) = (&input.name, &input.email) else {
                        return Err(AppError::Invalid(
                            "name, email: both are required to invite an agent".into(),
                        ));
                    };
                    agents.push(AgentConfig {
                        id: id.clone(),
                        name: name.clone(),
                        email: email.clone(),
                        role: Role::Agent,
                        teams: Vec::new(),
                        capacity: 5,
                        online: false,
                    });
                    agents.len() - 1
                }
            };
            let Some(agent) = agents.get_mut(index) else {
                return Err(AppError::NotFound("agent"));
            };
            apply_agent_input(agent, &input)?;
            saved_agent = Some(agent.clone());
            if let serde_json::Value::Object(map) = &mut whole {
                map.insert(
                    "agents".into(),
                    serde_json::to_value(&agents).unwrap_or_default(),
                );
            }
            Ok(whole)
        })
        .await?;
        saved_agent.ok_or(AppError::NotFound("agent"))
    }

    /// Takes an agent out of the configuration and out of assignment (offline, no teams, no
    /// capacity) and disables its sign-in account; the record stays, so the tickets and
    /// reports that name the agent still resolve.
    pub async fn deactivate_agent(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        id: &AgentId,
    ) -> Result<(), AppError> {
        Self::admin_only(actor)?;
        if &actor.agent == id {
            return Err(AppError::Invalid(
                "id: admins cannot deactivate themselves".into(),
            ));
        }
        let what = format!("agent {id}: deactivated");
        self.save_checked(actor, expected, what, |mut whole| {
            let config: WorkspaceConfig = serde_json::from_value(whole.clone())
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let mut agents = config.agents;
            let before = agents.len();
            agents.retain(|a| &a.id != id);
            if agents.len() == before {
                return Err(AppError::NotFound("agent"));
            }
            if let serde_json::Value::Object(map) = &mut whole {
                map.insert(
                    "agents".into(),
                    serde_json::to_value(&agents).unwrap_or_default(),
                );
            }
            Ok(whole)
        })
        .await?;
        let ws = &actor.workspace;
        if let Some(mut agent) = self.ports.store.agent(ws, id).await? {
            agent.teams.clear();
            agent.capacity = 0;
            agent.deactivated = true;
            self.ports.store.upsert_agent_profile(&agent).await?;
            self.ports
                .store
                .set_availability(ws, id, crate::desk::agent::Availability::Offline)
                .await?;
        }
        if let Err(e) = self.directory.disable(ws, id).await {
            tracing::error!(agent = %id, error = %format!("{e:#}"), "the sign-in account could not be disabled");
            return Err(AppError::Conflict(format!(
                "agent {id} was deactivated, but its sign-in account could not be disabled; deactivate again"
            )));
        }
        Ok(())
    }
}

fn apply_agent_input(agent: &mut AgentConfig, input: &AgentInput) -> Result<(), AppError> {
    if let Some(name) = &input.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::Invalid("name: 1 to 100 characters".into()));
        }
        agent.name = name.to_owned();
    }
    if let Some(email) = &input.email {
        let email = email.trim();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
            });
        if !valid {
            return Err(AppError::Invalid("email: not an email address".into()));
        }
        agent.email = email.to_owned();
    }
    if let Some(role) = input.role {
        agent.role = role;
    }
    if let Some(teams) = &input.teams {
        agent.teams.clone_from(teams);
    }
    if let Some(capacity) = input.capacity {
        agent.capacity = capacity;
    }
    Ok(())
}
