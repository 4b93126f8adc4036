//! Keeping each process's workspace configuration as admins last saved it: the saved one is
//! a versioned record in the store, and every use case reading the configuration first asks
//! (at most once per [`CHECK_EVERY`] per workspace) for the small version record, reloading
//! the whole configuration only when that version moved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::Turno;
use crate::config::{WorkspaceConfig, Workspaces};
use crate::kernel::ids::{AgentId, WorkspaceId};
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind};

/// How long a process uses a workspace's configuration before asking the store whether it
/// changed.
pub const CHECK_EVERY: SignedDuration = SignedDuration::from_secs(5);

/// The key of a workspace's one configuration record and one version record.
pub(super) const CURRENT: &str = "current";

/// What the configuration record holds besides its version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SavedConfig {
    pub config: serde_json::Value,
    pub saved_by: AgentId,
}

/// What the version record holds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct SavedVersion {
    pub version: u64,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    version: u64,
    checked_at: Timestamp,
}

/// The configurations the process started with (the YAML, for the intents it names and as
/// the base before anything is saved) and the version last seen of each workspace.
#[derive(Debug)]
pub(super) struct ConfigSync {
    pub deployed: Workspaces,
    seen: Mutex<HashMap<WorkspaceId, Seen>>,
    /// Held while a check reads the store: the jobs of one batch that find the check due at
    /// once wait for one read instead of each making its own.
    pub checking: futures::lock::Mutex<()>,
    /// The version of the index of onboarded workspaces last taken in, and when it was last
    /// read (see [`Turno::refresh_index`](super::Turno)).
    pub index: Mutex<Option<IndexSeen>>,
}

/// The index of onboarded workspaces as the process last read it.
#[derive(Debug, Clone, Copy)]
pub(super) struct IndexSeen {
    pub version: u64,
    pub checked_at: Timestamp,
}

impl ConfigSync {
    pub fn new(deployed: Workspaces) -> Arc<Self> {
        Arc::new(ConfigSync {
            deployed,
            seen: Mutex::new(HashMap::new()),
            checking: futures::lock::Mutex::new(()),
            index: Mutex::new(None),
        })
    }

    fn seen(&self, ws: &WorkspaceId) -> Option<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(ws)
            .copied()
    }

    pub fn mark(&self, ws: &WorkspaceId, version: u64, at: Timestamp) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                ws.clone(),
                Seen {
                    version,
                    checked_at: at,
                },
            );
    }
}

impl Turno {
    /// The workspace's configuration, reloaded first if the stored one changed since it was
    /// last looked at (and that was more than [`CHECK_EVERY`] ago). A store that cannot be
    /// read leaves the configuration in use as it is.
    ///
    /// A workspace the process does not have may be one an operator onboarded since it
    /// started: the index of onboarded workspaces is read then (at most once per
    /// [`CHECK_EVERY`], whatever the ids asked for), never for a workspace it has.
    pub(super) async fn config(&self, ws: &WorkspaceId) -> Option<Arc<WorkspaceConfig>> {
        if !self.workspaces.contains(ws)
            && let Err(e) = self.refresh_index(false).await
        {
            tracing::warn!(error = %e, "the index of onboarded workspaces could not be checked");
        }
        let current = self.workspaces.get(ws)?;
        if let Err(e) = self.refresh_config(ws).await {
            tracing::warn!(workspace = %ws, error = %e, "the stored configuration could not be checked");
        }
        Some(self.workspaces.get(ws).unwrap_or(current))
    }

    /// Reads every workspace's stored configuration now, whatever was last checked: for a
    /// process starting up, so what it does first already uses the saved configuration.
    pub async fn load_stored_config(&self) -> Result<(), StoreError> {
        self.refresh_index(true).await?;
        for ws in self.sync.deployed.iter() {
            self.sync
                .mark(&ws.id, self.stored_version_seen(&ws.id), Timestamp::MIN);
            self.refresh_config(&ws.id).await?;
        }
        Ok(())
    }

    fn stored_version_seen(&self, ws: &WorkspaceId) -> u64 {
        self.sync.seen(ws).map_or(0, |s| s.version)
    }

    async fn refresh_config(&self, ws: &WorkspaceId) -> Result<(), StoreError> {
        let checked_lately = |sync: &ConfigSync, now: Timestamp| {
            sync.seen(ws)
                .is_some_and(|s| now < s.checked_at + CHECK_EVERY)
        };
        if checked_lately(&self.sync, self.now()) {
            return Ok(());
        }
        let _checking = self.sync.checking.lock().await;
        let now = self.now();
        // Another job may have checked while this one waited.
        if checked_lately(&self.sync, now) {
            return Ok(());
        }
        let seen = self.sync.seen(ws);
        let known = seen.map_or(0, |s| s.version);
        let stored = self
            .ports
            .store
            .record(ws, RecordKind::ConfigVersion, CURRENT)
            .await?
            .and_then(|r| serde_json::from_value::<SavedVersion>(r.value).ok())
            .map_or(0, |v| v.version);
        if stored <= known {
            self.sync.mark(ws, known, now);
            return Ok(());
        }
        let Some(record) = self
            .ports
            .store
            .record(ws, RecordKind::WorkspaceConfig, CURRENT)
            .await?
        else {
            self.sync.mark(ws, known, now);
            return Ok(());
        };
        self.apply_saved(ws, &record);
        self.sync.mark(ws, record.version, now);
        Ok(())
    }

    /// Puts a saved configuration record in force in this process. One that no longer
    /// passes the checks (a deployment with stricter rules) is logged and left aside.
    pub(super) fn apply_saved(&self, ws: &WorkspaceId, record: &Record) {
        if !self.workspaces.contains(ws) {
            return;
        }
        match self.check_saved(ws, record) {
            Ok(config) => {
                self.workspaces.replace(config);
                tracing::info!(workspace = %ws, version = record.version, "stored configuration in force");
            }
            Err(e) => tracing::error!(
                workspace = %ws,
                version = record.version,
                error = %e,
                "the stored configuration is not usable; the one in force stays"
            ),
        }
    }
}

impl Turno {
    /// A saved configuration record's configuration, checked (see [`Turno::check_stored`]);
    /// the error says why it cannot be used.
    pub(super) fn check_saved(
        &self,
        ws: &WorkspaceId,
        record: &Record,
    ) -> Result<WorkspaceConfig, String> {
        serde_json::from_value::<SavedConfig>(record.value.clone())
            .map_err(|e| e.to_string())
            .and_then(|saved| {
                self.check_stored(ws, saved.config)
                    .map_err(|e| e.to_string())
            })
    }

    /// A workspace's configuration from its stored (or submitted) JSON, checked: against the
    /// deployed one for a workspace the deployment started with, as an onboarded one's
    /// otherwise.
    pub(super) fn check_stored(
        &self,
        ws: &WorkspaceId,
        value: serde_json::Value,
    ) -> Result<WorkspaceConfig, crate::config::StoredConfigError> {
        match self.sync.deployed.get(ws) {
            Some(deployed) => WorkspaceConfig::from_stored(value, &deployed),
            None => WorkspaceConfig::from_stored_onboarded(value, ws, &self.sync.deployed),
        }
    }
}
