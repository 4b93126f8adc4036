//! Admins changing a workspace's configuration while it runs: the whole of it or one section,
//! and its agents, each change checked with the YAML loader's rules, saved as the next version
//! of the configuration record (conditional on the version the admin read), audited, and in
//! force in every process within [`CHECK_EVERY`](super::CHECK_EVERY).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::config_sync::{CURRENT, SavedConfig, SavedVersion};
use super::{Actor, AppError, Turno};
use crate::config::{AgentConfig, StoredConfigError, WorkspaceConfig};
use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, TeamId, WorkspaceId};
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind};

/// The most audit entries one listing returns.
pub const AUDIT_LISTED: u32 = 200;

/// A workspace's configuration as admins edit it.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigView {
    /// 0 while only the deployed YAML has been used; each saved change adds one.
    pub version: u64,
    pub config: serde_json::Value,
    pub saved_by: Option<AgentId>,
    pub saved_at: Option<Timestamp>,
}

/// One part of the configuration an admin may replace by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSection {
    Teams,
    Agents,
    Routing,
    Sla,
    Bot,
    Templates,
    Tickets,
    Csat,
    Customers,
}

impl ConfigSection {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigSection::Teams => "teams",
            ConfigSection::Agents => "agents",
            ConfigSection::Routing => "routing",
            ConfigSection::Sla => "sla",
            ConfigSection::Bot => "bot",
            ConfigSection::Templates => "templates",
            ConfigSection::Tickets => "tickets",
            ConfigSection::Csat => "csat",
            ConfigSection::Customers => "customers",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

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

/// One saved change to the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub by: AgentId,
    /// What changed: `config`, a section's name, or `agent <id>: <what>`.
    pub what: String,
    pub from_version: u64,
    pub to_version: u64,
}

/// The most capacity an agent may be given.
const MAX_CAPACITY: u32 = 1000;

fn invalid(e: StoredConfigError) -> AppError {
    AppError::Invalid(e.to_string())
}

impl Turno {
    /// The configuration in force, with its version (what `If-Match` must name to change it).
    pub async fn admin_config(&self, actor: &Actor) -> Result<ConfigView, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        self.config_view(&actor.workspace).await
    }

    /// Every workspace's configuration as saved (or as deployed, before anything is saved),
    /// for an export.
    pub async fn config_views(&self) -> Result<Vec<ConfigView>, AppError> {
        let mut out = Vec::new();
        for ws in self.sync.deployed.iter() {
            out.push(self.config_view(&ws.id).await?);
        }
        Ok(out)
    }

    /// Saves a workspace's whole configuration on behalf of `by` (an operator's import,
    /// outside the API), checked, versioned and audited like an admin's.
    pub async fn import_config(
        &self,
        ws: &WorkspaceId,
        by: &AgentId,
        config: serde_json::Value,
    ) -> Result<ConfigView, AppError> {
        self.save_as(ws, by, None, "import".into(), |_| Ok(config))
            .await
    }

    async fn config_view(&self, ws: &WorkspaceId) -> Result<ConfigView, AppError> {
        let stored = self
            .ports
            .store
            .record(ws, RecordKind::WorkspaceConfig, CURRENT)
            .await?;
        if let Some(record) = &stored
            && let Ok(saved) = serde_json::from_value::<SavedConfig>(record.value.clone())
        {
            return Ok(ConfigView {
                version: record.version,
                config: saved.config,
                saved_by: Some(saved.saved_by),
                saved_at: Some(record.updated_at),
            });
        }
        let deployed = self
            .sync
            .deployed
            .get(ws)
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(ConfigView {
            version: 0,
            config: deployed.to_stored(),
            saved_by: None,
            saved_at: None,
        })
    }

    /// Replaces the whole configuration, if `expected` is still its version.
    pub async fn save_config(
        &self,
        actor: &Actor,
        expected: u64,
        config: serde_json::Value,
    ) -> Result<ConfigView, AppError> {
        self.save_checked(actor, Some(expected), "config".into(), |_| Ok(config))
            .await
    }

    /// Replaces one section of the configuration; `expected`, when given, must still be the
    /// configuration's version.
    pub async fn save_config_section(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        section: ConfigSection,
        value: serde_json::Value,
    ) -> Result<ConfigView, AppError> {
        Self::admin_only(actor)?;
        let name = section.as_str();
        self.save_checked(actor, expected, name.into(), |mut whole| {
            let serde_json::Value::Object(map) = &mut whole else {
                return Err(AppError::Invalid(
                    "the stored configuration is not an object".into(),
                ));
            };
            map.insert(name.to_owned(), value);
            Ok(whole)
        })
        .await
    }

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

    /// The latest saved changes, newest first.
    pub async fn config_audit(&self, actor: &Actor) -> Result<Vec<AuditEntry>, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        let page = self
            .ports
            .store
            .records_page(
                &actor.workspace,
                RecordKind::ConfigAudit,
                None,
                AUDIT_LISTED,
            )
            .await?;
        let mut entries: Vec<AuditEntry> = page
            .records
            .into_iter()
            .filter_map(|r| serde_json::from_value(r.value).ok())
            .collect();
        entries.sort_by(|a, b| b.to_version.cmp(&a.to_version));
        Ok(entries)
    }

    /// Builds the next configuration from the current one's JSON with `edit`, checks it with
    /// the loader's rules, and saves it as the next version if the current one is still
    /// `expected` (any, if `None`): the record, its version, the audit entry, the agents'
    /// records; then puts it in force here.
    async fn save_checked(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        what: String,
        edit: impl FnOnce(serde_json::Value) -> Result<serde_json::Value, AppError>,
    ) -> Result<ConfigView, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        self.save_as(&actor.workspace, &actor.agent, expected, what, edit)
            .await
    }

    async fn save_as(
        &self,
        ws: &WorkspaceId,
        by: &AgentId,
        expected: Option<u64>,
        what: String,
        edit: impl FnOnce(serde_json::Value) -> Result<serde_json::Value, AppError>,
    ) -> Result<ConfigView, AppError> {
        let deployed = self
            .sync
            .deployed
            .get(ws)
            .ok_or(AppError::NotFound("workspace"))?;
        let current = self.config_view(ws).await?;
        if let Some(expected) = expected
            && expected != current.version
        {
            return Err(stale(expected, current.version));
        }
        let next = edit(current.config)?;
        let checked = WorkspaceConfig::from_stored(next, &deployed).map_err(invalid)?;
        let now = self.now();
        let mut record = Record {
            workspace: ws.clone(),
            kind: RecordKind::WorkspaceConfig,
            key: CURRENT.into(),
            value: serde_json::to_value(SavedConfig {
                config: checked.to_stored(),
                saved_by: by.clone(),
            })
            .map_err(|e| AppError::Invalid(e.to_string()))?,
            updated_at: now,
            version: current.version,
        };
        match self.ports.store.put_record(&mut record).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(stale(current.version, current.version + 1)),
            Err(e) => return Err(e.into()),
        }
        let to = record.version;
        self.publish_version(ws, to, now).await?;
        let entry = AuditEntry {
            at: now,
            by: by.clone(),
            what,
            from_version: current.version,
            to_version: to,
        };
        let mut audit = Record {
            workspace: ws.clone(),
            kind: RecordKind::ConfigAudit,
            key: format!("{to:012}"),
            value: serde_json::to_value(&entry).map_err(|e| AppError::Invalid(e.to_string()))?,
            updated_at: now,
            version: 0,
        };
        self.ports.store.put_record(&mut audit).await?;
        tracing::info!(workspace = %ws, by = %by, what = %entry.what, from = current.version, to, "configuration saved");
        self.sync_agent_records(ws, &checked).await?;
        let config = checked.to_stored();
        self.workspaces.replace(checked);
        self.sync.mark(ws, to, now);
        Ok(ConfigView {
            version: to,
            config,
            saved_by: Some(by.clone()),
            saved_at: Some(now),
        })
    }

    /// Moves the small version record up to `version` (never down: a slower writer of an
    /// older version leaves it).
    async fn publish_version(
        &self,
        ws: &WorkspaceId,
        version: u64,
        now: Timestamp,
    ) -> Result<(), AppError> {
        for _ in 0..3 {
            let existing = self
                .ports
                .store
                .record(ws, RecordKind::ConfigVersion, CURRENT)
                .await?;
            let (stored_version, record_version) = existing
                .as_ref()
                .map(|r| {
                    let v = serde_json::from_value::<SavedVersion>(r.value.clone())
                        .map_or(0, |v| v.version);
                    (v, r.version)
                })
                .unwrap_or((0, 0));
            if stored_version >= version {
                return Ok(());
            }
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::ConfigVersion,
                key: CURRENT.into(),
                value: serde_json::json!({ "version": version }),
                updated_at: now,
                version: record_version,
            };
            match self.ports.store.put_record(&mut record).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict(
            "the configuration's version could not be published; save again".into(),
        ))
    }

    /// Writes the profile (name, email, role, teams, capacity) of every configured agent
    /// whose record differs, keeping availability and load: the agent records are what
    /// sign-in and assignment read.
    async fn sync_agent_records(
        &self,
        ws: &WorkspaceId,
        config: &WorkspaceConfig,
    ) -> Result<(), AppError> {
        for a in &config.agents {
            let wanted = a.record(ws);
            let stored = self.ports.store.agent(ws, &a.id).await?;
            let same = stored.as_ref().is_some_and(|s| {
                s.name == wanted.name
                    && s.email == wanted.email
                    && s.role == wanted.role
                    && s.teams == wanted.teams
                    && s.capacity == wanted.capacity
            });
            if !same {
                let profile = crate::desk::agent::Agent {
                    availability: crate::desk::agent::Availability::Offline,
                    ..wanted
                };
                self.ports.store.upsert_agent_profile(&profile).await?;
            }
        }
        Ok(())
    }
}

fn stale(expected: u64, current: u64) -> AppError {
    AppError::Conflict(format!(
        "the configuration changed since it was read (version {expected}, now {current}): reload and edit again"
    ))
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
