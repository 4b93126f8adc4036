//! Admins changing a workspace's configuration while it runs: the whole of it or one section,
//! and its agents, each change checked with the YAML loader's rules, saved as the next version
//! of the configuration record (conditional on the version the admin read), audited, and in
//! force in every process within [`CHECK_EVERY`](super::CHECK_EVERY).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::config_sync::{CURRENT, SavedConfig, SavedVersion};
use super::{Actor, AppError, Turno};
use crate::config::{CredentialsConfig, StoredConfigError, WorkspaceConfig};
use crate::desk::agent::Role;
use crate::kernel::ids::{AgentId, WorkspaceId};
use crate::ports::records::{Record, RecordKind};
use crate::ports::{SecretRef, StoreError};

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
    Retention,
    /// The workspace's own WhatsApp credentials (references only).
    Credentials,
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
            ConfigSection::Retention => "retention",
            ConfigSection::Credentials => "credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
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

fn invalid(e: StoredConfigError) -> AppError {
    AppError::Invalid(e.to_string())
}

impl Turno {
    /// The configuration in force, with its version (what `If-Match` must name to change it).
    pub async fn admin_config(&self, actor: &Actor) -> Result<ConfigView, AppError> {
        self.stored_admin(actor).await?;
        self.config_view(&actor.workspace).await
    }

    /// Every workspace's configuration as saved (or as deployed, before anything is saved),
    /// for an export.
    pub async fn config_views(&self) -> Result<Vec<ConfigView>, AppError> {
        let mut out = Vec::new();
        for ws in self.workspaces.iter() {
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

    pub(super) async fn config_view(&self, ws: &WorkspaceId) -> Result<ConfigView, AppError> {
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

    /// The latest saved changes, newest first.
    pub async fn config_audit(&self, actor: &Actor) -> Result<Vec<AuditEntry>, AppError> {
        self.stored_admin(actor).await?;
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
        entries.sort_by_key(|e| std::cmp::Reverse(e.to_version));
        Ok(entries)
    }

    /// Builds the next configuration from the current one's JSON with `edit`, checks it with
    /// the loader's rules, and saves it as the next version if the current one is still
    /// `expected` (any, if `None`): the record, its version, the audit entry, the agents'
    /// records; then puts it in force here.
    pub(super) async fn save_checked(
        &self,
        actor: &Actor,
        expected: Option<u64>,
        what: String,
        edit: impl FnOnce(serde_json::Value) -> Result<serde_json::Value, AppError>,
    ) -> Result<ConfigView, AppError> {
        self.stored_admin(actor).await?;
        let before = self
            .workspaces
            .get(&actor.workspace)
            .and_then(|c| c.credentials.clone());
        let ws = actor.workspace.clone();
        self.save_as(&actor.workspace, &actor.agent, expected, what, |current| {
            let next = edit(current)?;
            admin_credentials(&ws, &next, before.as_ref())?;
            Ok(next)
        })
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
        if !self.workspaces.contains(ws) {
            return Err(AppError::NotFound("workspace"));
        }
        let current = self.config_view(ws).await?;
        if let Some(expected) = expected
            && expected != current.version
        {
            return Err(stale(expected, current.version));
        }
        let next = edit(current.config)?;
        let checked = self.check_stored(ws, next).map_err(invalid)?;
        let (view, checked) = self
            .write_config(ws, by, current.version, what, checked)
            .await?;
        self.workspaces.replace(checked);
        self.sync.mark(ws, view.version, self.now());
        Ok(view)
    }

    /// Saves a checked configuration as the version after `from` (the stored record's
    /// version, 0 for none): the record, its version, the audit entry, the agents' records.
    /// Putting it in force in this process is the caller's.
    pub(super) async fn write_config(
        &self,
        ws: &WorkspaceId,
        by: &AgentId,
        from: u64,
        what: String,
        checked: WorkspaceConfig,
    ) -> Result<(ConfigView, WorkspaceConfig), AppError> {
        let current_version = from;
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
            version: current_version,
        };
        match self.ports.store.put_record(&mut record).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(stale(current_version, current_version + 1)),
            Err(e) => return Err(e.into()),
        }
        let to = record.version;
        self.publish_version(ws, to, now).await?;
        let entry = AuditEntry {
            at: now,
            by: by.clone(),
            what,
            from_version: current_version,
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
        tracing::info!(workspace = %ws, by = %by, what = %entry.what, from = current_version, to, "configuration saved");
        self.sync_agent_records(ws, &checked).await?;
        let config = checked.to_stored();
        let view = ConfigView {
            version: to,
            config,
            saved_by: Some(by.clone()),
            saved_at: Some(now),
        };
        Ok((view, checked))
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
                    && !s.deactivated
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

impl Turno {
    /// An admin by the token's role and by the agent record's, which is the one the
    /// invitations and role changes set (the sign-in group only follows it).
    pub(super) async fn stored_admin(&self, actor: &Actor) -> Result<(), AppError> {
        Self::admin_only(actor)?;
        let agent = self.actor_agent(actor).await?;
        if agent.role < Role::Admin {
            return Err(AppError::Forbidden(
                "your agent record is no longer an admin's".into(),
            ));
        }
        Ok(())
    }
}

/// The credential references an admin's edit sets: each one kept as in force, or an SSM
/// parameter under the workspace's own path (see [`CredentialsConfig::admin_may_set`]). A
/// reference that is not one at all is left to the loader's check, which says so.
fn admin_credentials(
    ws: &WorkspaceId,
    next: &serde_json::Value,
    before: Option<&CredentialsConfig>,
) -> Result<(), AppError> {
    let empty = serde_json::Map::new();
    let fields = match next.get("credentials") {
        Some(serde_json::Value::Object(fields)) => fields,
        _ => &empty,
    };
    // Dropping one would have the workspace use the deployment's instead.
    for (name, _) in before.into_iter().flat_map(CredentialsConfig::references) {
        if !fields.get(name).is_some_and(serde_json::Value::is_string) {
            return Err(AppError::Invalid(format!(
                "credentials.{name}: an admin may replace the workspace's reference, not remove it"
            )));
        }
    }
    for (name, value) in fields {
        let Some(text) = value.as_str() else {
            continue;
        };
        if name == "notification_url" {
            continue;
        }
        let Ok(reference) = SecretRef::parse(text) else {
            continue;
        };
        CredentialsConfig::admin_may_set(ws, name, &reference, before)
            .map_err(AppError::Invalid)?;
    }
    Ok(())
}

fn stale(expected: u64, current: u64) -> AppError {
    AppError::Conflict(format!(
        "the configuration changed since it was read (version {expected}, now {current}): reload and edit again"
    ))
}
