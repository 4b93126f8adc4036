//! The checked configuration of every workspace, swappable while the process runs: an admin's
//! edit, stored as a versioned record, replaces one workspace's configuration in place, and a
//! workspace an operator onboards (a phone number the deployment did not start with) is added.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::{ConfigError, WorkspaceConfig};
use crate::kernel::ids::WorkspaceId;

/// The checked configuration of every workspace, by id. Clones share one map, so a
/// workspace replaced through any of them is what every holder reads next.
#[derive(Debug, Clone, Default)]
pub struct Workspaces {
    by_id: Arc<RwLock<HashMap<WorkspaceId, Arc<WorkspaceConfig>>>>,
}

impl Workspaces {
    pub(super) fn from_map(by_id: HashMap<WorkspaceId, Arc<WorkspaceConfig>>) -> Self {
        Workspaces {
            by_id: Arc::new(RwLock::new(by_id)),
        }
    }

    pub fn get(&self, id: &WorkspaceId) -> Option<Arc<WorkspaceConfig>> {
        self.by_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Every workspace's configuration as it stands now.
    pub fn iter(&self) -> std::vec::IntoIter<Arc<WorkspaceConfig>> {
        let map = self.by_id.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<_> = map.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all.into_iter()
    }

    /// A copy that later replacements through `self` do not reach (and the other way).
    pub fn detached(&self) -> Workspaces {
        let map = self.by_id.read().unwrap_or_else(PoisonError::into_inner);
        Workspaces::from_map(map.clone())
    }

    /// Puts a checked configuration in place of the workspace's (only a workspace the
    /// process already has: a new one comes in through [`Workspaces::insert`]). Returns
    /// whether it did.
    pub fn replace(&self, config: WorkspaceConfig) -> bool {
        let mut map = self.by_id.write().unwrap_or_else(PoisonError::into_inner);
        match map.get_mut(&config.id) {
            Some(slot) => {
                *slot = Arc::new(config);
                true
            }
            None => false,
        }
    }

    /// Adds a workspace the process did not have (one onboarded while it runs). Returns
    /// whether it did: a workspace it has already is left as it is.
    pub fn insert(&self, config: WorkspaceConfig) -> bool {
        let mut map = self.by_id.write().unwrap_or_else(PoisonError::into_inner);
        if map.contains_key(&config.id) {
            return false;
        }
        map.insert(config.id.clone(), Arc::new(config));
        true
    }

    pub fn contains(&self, id: &WorkspaceId) -> bool {
        self.by_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(id)
    }
}

/// Why a stored or submitted configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoredConfigError {
    /// It is not a workspace configuration at all (a missing or unknown field, a wrong type).
    #[error("not a workspace configuration: {0}")]
    Shape(String),
    /// It reads, but breaks a rule the YAML loader checks too.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
}

impl WorkspaceConfig {
    /// A workspace's configuration from its stored (or submitted) JSON, checked with the same
    /// rules as the YAML. `deployed` is the configuration the process started with: the
    /// workspace id must match it, and the bot's intents classifier (built from a file
    /// deployed with the functions) is taken from it, so the intents file cannot change here.
    pub fn from_stored(
        value: serde_json::Value,
        deployed: &WorkspaceConfig,
    ) -> Result<WorkspaceConfig, StoredConfigError> {
        let mut config = shape(value)?;
        if config.id != deployed.id {
            return Err(ConfigError(format!(
                "id: the configuration is for workspace {}, not {}",
                config.id, deployed.id
            ))
            .into());
        }
        match (config.bot.nlu.as_mut(), deployed.bot.nlu.as_ref()) {
            (None, _) => {}
            (Some(nlu), Some(known)) if nlu.intents_file == known.intents_file => {
                nlu.classifier.clone_from(&known.classifier);
            }
            (Some(nlu), _) => {
                return Err(ConfigError(format!(
                    "bot.nlu.intents_file: {:?} is not the intents file deployed with the functions",
                    nlu.intents_file
                ))
                .into());
            }
        }
        Ok(config.validate()?)
    }

    /// The configuration of workspace `id`, one the deployment did not start with (onboarded
    /// while it runs), from its stored (or submitted) JSON, checked with the same rules as the
    /// YAML. The intents files are deployed with the functions, so its `bot.nlu.intents_file`
    /// must be one a deployed workspace names, and it takes that workspace's classifier (built
    /// at start-up, with that workspace's threshold): the first such workspace by id.
    pub fn from_stored_onboarded(
        value: serde_json::Value,
        id: &WorkspaceId,
        deployed: &Workspaces,
    ) -> Result<WorkspaceConfig, StoredConfigError> {
        let mut config = shape(value)?;
        if config.id != *id {
            return Err(ConfigError(format!(
                "id: the configuration is for workspace {}, not {id}",
                config.id
            ))
            .into());
        }
        if let Some(nlu) = config.bot.nlu.as_mut() {
            let known = deployed.iter().find_map(|d| {
                d.bot
                    .nlu
                    .as_ref()
                    .filter(|k| k.intents_file == nlu.intents_file)
                    .map(|k| k.classifier.clone())
            });
            match known {
                Some(classifier) => nlu.classifier = classifier,
                None => {
                    return Err(ConfigError(format!(
                        "bot.nlu.intents_file: {:?} is not an intents file deployed with the functions (use one a deployed workspace names)",
                        nlu.intents_file
                    ))
                    .into());
                }
            }
        }
        Ok(config.validate()?)
    }

    /// The configuration as stored: the JSON [`WorkspaceConfig::from_stored`] reads back.
    pub fn to_stored(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn shape(value: serde_json::Value) -> Result<WorkspaceConfig, StoredConfigError> {
    serde_json::from_value(value).map_err(|e| StoredConfigError::Shape(e.to_string()))
}
