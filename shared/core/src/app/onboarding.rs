//! Operators onboarding a WhatsApp number while the deployment runs: the new workspace's
//! configuration is checked with the YAML loader's rules, saved as its first configuration
//! record (audited), and added to the deployment's index of onboarded workspaces, the small
//! record every process reads, at most once per [`CHECK_EVERY`], when it is asked for a
//! workspace it does not have. No process restarts and nothing is redeployed.
//!
//! Who may onboard: an operator of the deployment, a role apart from the workspaces' own
//! (agent, supervisor, admin). The sign-in says who is one (the Cognito group `operators`;
//! locally the development sign-in, loopback only), and an operator must also be a signed-in,
//! active agent of some workspace (its home). A workspace's admin, whatever the workspace, is
//! not an operator: it can neither create a workspace nor list the others.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::config_sync::{CHECK_EVERY, CURRENT, IndexSeen};
use super::{Actor, AppError, Turno};
use crate::kernel::ids::{AgentId, WorkspaceId};
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind};

/// The most workspaces one listing returns.
pub const MAX_WORKSPACES_LISTED: u32 = 200;

/// The fields of a template workspace's configuration that are the template's own and are
/// never copied into a new workspace: who it is, its people, its customers, its credentials
/// and its WhatsApp Business Account.
const NOT_COPIED: &[&str] = &[
    "id",
    "name",
    "agents",
    "customers",
    "credentials",
    "whatsapp_business_account_id",
];

/// A deployment operator, as the sign-in vouched for and the home workspace's agent record
/// confirmed (see [`Turno::signed_in_operator`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub agent: AgentId,
    /// The workspace whose agent the operator is.
    pub home: WorkspaceId,
}

/// One onboarded workspace in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IndexEntry {
    id: WorkspaceId,
    created_at: Timestamp,
    created_by: AgentId,
}

/// The index of onboarded workspaces; the record's version is the index's.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct WorkspaceIndex {
    workspaces: Vec<IndexEntry>,
}

/// A workspace as operators list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkspaceSummary {
    pub id: WorkspaceId,
    pub name: String,
    /// Onboarded while the deployment runs (not in its YAML).
    pub onboarded: bool,
    /// When an operator onboarded it (none for a deployed workspace).
    pub created_at: Option<Timestamp>,
    pub created_by: Option<AgentId>,
    /// The configured agents whose sign-in account could not be created (the operator
    /// creates them, or an admin invites them again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts_not_created: Vec<AgentId>,
}

/// One page of workspaces, by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkspacePage {
    pub workspaces: Vec<WorkspaceSummary>,
    /// The last id of the page when more follow: pass it as `after`.
    pub next: Option<WorkspaceId>,
}

fn index_record(index: &WorkspaceIndex, version: u64, now: Timestamp) -> Record {
    Record {
        workspace: WorkspaceId::deployment(),
        kind: RecordKind::WorkspaceIndex,
        key: CURRENT.into(),
        value: serde_json::to_value(index).unwrap_or(serde_json::Value::Null),
        updated_at: now,
        version,
    }
}

fn summary(ws: &crate::config::WorkspaceConfig, index: &WorkspaceIndex) -> WorkspaceSummary {
    let entry = index.workspaces.iter().find(|e| e.id == ws.id);
    WorkspaceSummary {
        id: ws.id.clone(),
        name: ws.name.clone(),
        onboarded: entry.is_some(),
        created_at: entry.map(|e| e.created_at),
        created_by: entry.map(|e| e.created_by.clone()),
        accounts_not_created: Vec::new(),
    }
}

impl Turno {
    /// The caller as an operator. `verified_operator` is what the sign-in vouched for (the
    /// caller's token is in the operators' group); the caller must also be an active agent of
    /// the workspace its token names. Otherwise 403.
    pub async fn signed_in_operator(
        &self,
        claimed: Actor,
        verified_operator: bool,
    ) -> Result<Operator, AppError> {
        let actor = self.signed_in(claimed).await?;
        if !verified_operator {
            return Err(AppError::Forbidden(
                "only a deployment operator (the Cognito group operators) manages workspaces; a workspace's admin does not"
                    .into(),
            ));
        }
        Ok(Operator {
            agent: actor.agent,
            home: actor.workspace,
        })
    }

    /// Onboards a workspace from its configuration's JSON (an object with at least its `id`,
    /// the phone number id): checked with the YAML loader's rules, its first version saved
    /// and audited, its configured agents' records written (and sign-in accounts created),
    /// then added to the index, so every process takes it in within [`CHECK_EVERY`].
    /// `template`, when given, is a workspace whose configuration (bot, teams, routing, SLA,
    /// templates, ...; never its id, name, agents, customers, credentials or business
    /// account) is the base the submitted fields replace. A workspace that exists: 409.
    pub async fn onboard_workspace(
        &self,
        op: &Operator,
        config: serde_json::Value,
        template: Option<&WorkspaceId>,
    ) -> Result<WorkspaceSummary, AppError> {
        let serde_json::Value::Object(submitted) = config else {
            return Err(AppError::Invalid(
                "the body must be a workspace configuration (a JSON object)".into(),
            ));
        };
        let id = submitted
            .get("id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| AppError::Invalid("id: the WhatsApp phone number id, required".into()))
            .and_then(|s| {
                WorkspaceId::parse(s).map_err(|e| AppError::Invalid(format!("id: {e}")))
            })?;
        let (index, _) = self.read_index().await?;
        if self.sync.deployed.contains(&id) || index.workspaces.iter().any(|e| e.id == id) {
            return Err(AppError::Conflict(format!("workspace {id} exists already")));
        }
        let mut whole = match template {
            Some(t) => {
                if !self.workspaces.contains(t) {
                    return Err(AppError::NotFound("template workspace"));
                }
                match self.config_view(t).await?.config {
                    serde_json::Value::Object(mut base) => {
                        for field in NOT_COPIED {
                            base.remove(*field);
                        }
                        base
                    }
                    _ => serde_json::Map::new(),
                }
            }
            None => serde_json::Map::new(),
        };
        whole.extend(submitted);
        let checked = self
            .check_stored(&id, serde_json::Value::Object(whole))
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        // A record left by an onboarding that stopped before the index: taken over.
        let from = self
            .ports
            .store
            .record(&id, RecordKind::WorkspaceConfig, CURRENT)
            .await?
            .map_or(0, |r| r.version);
        let what = format!(
            "onboarded by operator {} of workspace {}",
            op.agent, op.home
        );
        let (view, checked) = self
            .write_config(&id, &op.agent, from, what, checked)
            .await?;
        let now = self.now();
        let entry = IndexEntry {
            id: id.clone(),
            created_at: now,
            created_by: op.agent.clone(),
        };
        self.add_to_index(entry).await?;
        let mut not_created = Vec::new();
        for a in &checked.agents {
            if let Err(e) = self.directory.invite(&id, &a.id, &a.email, a.role).await {
                tracing::error!(workspace = %id, agent = %a.id, error = %format!("{e:#}"), "the sign-in account could not be created");
                not_created.push(a.id.clone());
            }
        }
        let name = checked.name.clone();
        self.workspaces.insert(checked);
        self.sync.mark(&id, view.version, now);
        tracing::info!(workspace = %id, operator = %op.agent, home = %op.home, "workspace onboarded");
        Ok(WorkspaceSummary {
            id,
            name,
            onboarded: true,
            created_at: Some(now),
            created_by: Some(op.agent.clone()),
            accounts_not_created: not_created,
        })
    }

    /// Every workspace of the deployment, deployed and onboarded, by id: up to `limit` (at
    /// most [`MAX_WORKSPACES_LISTED`]) after `after`.
    pub async fn workspace_list(
        &self,
        _op: &Operator,
        after: Option<&WorkspaceId>,
        limit: u32,
    ) -> Result<WorkspacePage, AppError> {
        self.refresh_index(true).await?;
        let (index, _) = self.read_index().await?;
        let mut all: Vec<WorkspaceSummary> = self
            .workspaces
            .iter()
            .map(|ws| summary(&ws, &index))
            .filter(|w| after.is_none_or(|a| w.id.as_str() > a.as_str()))
            .collect();
        all.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let limit = limit.clamp(1, MAX_WORKSPACES_LISTED) as usize;
        let more = all.len() > limit;
        all.truncate(limit);
        let next = more.then(|| all.last().map(|w| w.id.clone())).flatten();
        Ok(WorkspacePage {
            workspaces: all,
            next,
        })
    }

    /// One workspace as [`Turno::workspace_list`] lists it; 404 for one the deployment does
    /// not have.
    pub async fn workspace_summary(
        &self,
        _op: &Operator,
        id: &WorkspaceId,
    ) -> Result<WorkspaceSummary, AppError> {
        // One onboarded by another process a moment ago is found too.
        self.refresh_index(!self.workspaces.contains(id)).await?;
        let (index, _) = self.read_index().await?;
        let ws = self
            .workspaces
            .get(id)
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(summary(&ws, &index))
    }

    async fn read_index(&self) -> Result<(WorkspaceIndex, u64), StoreError> {
        let record = self
            .ports
            .store
            .record(
                &WorkspaceId::deployment(),
                RecordKind::WorkspaceIndex,
                CURRENT,
            )
            .await?;
        Ok(match record {
            Some(r) => (
                serde_json::from_value(r.value).unwrap_or_default(),
                r.version,
            ),
            None => (WorkspaceIndex::default(), 0),
        })
    }

    /// Adds the workspace to the index, conditional on the version read (read again and
    /// retried when another onboarding wrote in between).
    async fn add_to_index(&self, entry: IndexEntry) -> Result<(), AppError> {
        for _ in 0..5 {
            let (mut index, version) = self.read_index().await?;
            if index.workspaces.iter().any(|e| e.id == entry.id) {
                return Err(AppError::Conflict(format!(
                    "workspace {} exists already",
                    entry.id
                )));
            }
            index.workspaces.push(entry.clone());
            let mut record = index_record(&index, version, self.now());
            match self.ports.store.put_record(&mut record).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict(
            "the index of workspaces kept changing; onboard again".into(),
        ))
    }

    /// Takes in the workspaces onboarded since the index was last read: each one's stored
    /// configuration, checked. Reads the index only if `force` or it was last read more than
    /// [`CHECK_EVERY`] ago; one that cannot be taken in yet (its configuration missing or not
    /// usable) is tried again at the next read.
    pub(super) async fn refresh_index(&self, force: bool) -> Result<(), StoreError> {
        let seen = || {
            *self
                .sync
                .index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let due = |now: Timestamp| seen().is_none_or(|s| now >= s.checked_at + CHECK_EVERY);
        if !force && !due(self.now()) {
            return Ok(());
        }
        let _checking = self.sync.checking.lock().await;
        let now = self.now();
        if !force && !due(now) {
            return Ok(());
        }
        let known = seen().map_or(0, |s| s.version);
        let (index, version) = self.read_index().await?;
        let mut complete = true;
        if version > known {
            for entry in &index.workspaces {
                if self.workspaces.contains(&entry.id) {
                    continue;
                }
                complete &= self.take_in(&entry.id, now).await?;
            }
        }
        let version = if complete { version.max(known) } else { known };
        *self
            .sync
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(IndexSeen {
            version,
            checked_at: now,
        });
        Ok(())
    }

    /// Reads an onboarded workspace's stored configuration and adds it. Returns whether it
    /// did.
    async fn take_in(&self, ws: &WorkspaceId, now: Timestamp) -> Result<bool, StoreError> {
        let Some(record) = self
            .ports
            .store
            .record(ws, RecordKind::WorkspaceConfig, CURRENT)
            .await?
        else {
            tracing::warn!(workspace = %ws, "an onboarded workspace has no stored configuration yet");
            return Ok(false);
        };
        match self.check_saved(ws, &record) {
            Ok(config) => {
                self.workspaces.insert(config);
                self.sync.mark(ws, record.version, now);
                tracing::info!(workspace = %ws, version = record.version, "onboarded workspace taken in");
                Ok(true)
            }
            Err(e) => {
                tracing::error!(workspace = %ws, error = %e, "an onboarded workspace's configuration is not usable");
                Ok(false)
            }
        }
    }
}
