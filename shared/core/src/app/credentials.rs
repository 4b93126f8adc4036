//! The secrets a workspace's own credentials name, read through the process's resolver: its
//! Meta app's secret (to check its webhooks) and its verify token (for the handshake).

use std::sync::Arc;

use super::Turno;
use crate::kernel::ids::WorkspaceId;
use crate::ports::{Secret, SecretError, SecretResolver};

impl Turno {
    /// Where the secrets the workspaces' configurations name are read from (by default
    /// nowhere: a workspace with its own credentials cannot use them).
    pub fn with_secrets(mut self, secrets: Arc<dyn SecretResolver>) -> Self {
        self.secrets = secrets;
        self
    }

    pub fn secrets(&self) -> &Arc<dyn SecretResolver> {
        &self.secrets
    }

    /// The app secret that signs the workspace's webhooks: `Ok(None)` for a workspace that
    /// has none of its own (or that the deployment does not know), which uses the
    /// deployment's. The configuration is the one in force, checked for edits and for newly
    /// onboarded workspaces as every use case checks it (at most once per
    /// [`CHECK_EVERY`](super::CHECK_EVERY)), so a new number or a changed secret is taken
    /// in by webhook-ingress too.
    pub async fn app_secret(&self, ws: &WorkspaceId) -> Result<Option<Secret>, SecretError> {
        let reference = self
            .config(ws)
            .await
            .and_then(|c| c.credentials.as_ref()?.app_secret.clone());
        match reference {
            Some(r) => self.secrets.resolve(&r).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every verify token the workspaces' own credentials name, those that can be read.
    pub async fn verify_tokens(&self) -> Vec<Secret> {
        if let Err(e) = self.refresh_index(false).await {
            tracing::warn!(error = %e, "the index of onboarded workspaces could not be checked");
        }
        let mut tokens = Vec::new();
        let mut seen = Vec::new();
        for ws in self.workspaces.iter() {
            let Some(r) = ws.credentials.as_ref().and_then(|c| c.verify_token.clone()) else {
                continue;
            };
            if seen.contains(&r) {
                continue;
            }
            match self.secrets.resolve(&r).await {
                Ok(token) => tokens.push(token),
                Err(e) => {
                    tracing::warn!(workspace = %ws.id, error = %e, "a verify token cannot be read");
                }
            }
            seen.push(r);
        }
        tokens
    }
}
