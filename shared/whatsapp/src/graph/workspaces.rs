//! Sending from each workspace with its own Graph token: a workspace whose configuration names
//! one (`credentials.graph_token`) sends, uploads, downloads and marks as read with it; the
//! others with the deployment's. Tokens are read through the secret resolver (which keeps
//! them for its time to live), and one client is kept per token, sharing one connection pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use tracing::warn;
use turno_core::channel::message::{MediaFile, Outbound};
use turno_core::config::Workspaces;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{MediaError, Secret, SecretRef, SecretResolver, SendError, WhatsApp};

use super::GraphClient;

/// The Graph API with a token per workspace.
pub struct WorkspaceGraph {
    /// The client with the deployment's token, or, when there is none, one whose token is
    /// never used (it only lends its settings and connection pool).
    base: Arc<GraphClient>,
    has_default_token: bool,
    workspaces: Workspaces,
    secrets: Arc<dyn SecretResolver>,
    clients: Mutex<HashMap<SecretRef, (Secret, Arc<GraphClient>)>>,
}

impl WorkspaceGraph {
    /// `base` carries the deployment's token when `has_default_token`; `workspaces` is the
    /// configuration the process keeps current (a clone shares it).
    pub fn new(
        base: GraphClient,
        has_default_token: bool,
        workspaces: Workspaces,
        secrets: Arc<dyn SecretResolver>,
    ) -> Self {
        WorkspaceGraph {
            base: Arc::new(base),
            has_default_token,
            workspaces,
            secrets,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for the workspace's token. A token that cannot be read is a refused token
    /// (it needs an operator): the message waits in its queue and alarms from there.
    async fn client(&self, ws: &WorkspaceId) -> Result<Arc<GraphClient>, SendError> {
        let reference = self
            .workspaces
            .get(ws)
            .and_then(|c| c.credentials.as_ref()?.graph_token.clone());
        let Some(reference) = reference else {
            if self.has_default_token {
                return Ok(Arc::clone(&self.base));
            }
            warn!(workspace = %ws, "no Graph token: neither the workspace nor the deployment has one");
            return Err(SendError::Unauthorized { code: 0 });
        };
        let secret = self.secrets.resolve(&reference).await.map_err(|e| {
            warn!(workspace = %ws, error = %e, "the workspace's Graph token cannot be read");
            SendError::Unauthorized { code: 0 }
        })?;
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, client)) = clients.get(&reference)
            && *known == secret
        {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(self.base.with_token(secret.expose()).map_err(|_| {
            warn!(workspace = %ws, "the workspace's Graph token is not valid in an HTTP header");
            SendError::Unauthorized { code: 0 }
        })?);
        clients.insert(reference, (secret, Arc::clone(&client)));
        Ok(client)
    }
}

impl GraphClient {
    /// The same client (settings and connection pool) with another access token.
    pub fn with_token(&self, access_token: &str) -> Result<GraphClient, super::BuildError> {
        if access_token.trim().is_empty() {
            return Err(super::BuildError::AccessToken);
        }
        let mut authorization = HeaderValue::try_from(format!("Bearer {access_token}"))
            .map_err(|_| super::BuildError::AccessToken)?;
        authorization.set_sensitive(true);
        Ok(GraphClient {
            authorization,
            ..self.clone()
        })
    }
}

fn media_error(e: SendError) -> MediaError {
    match e {
        SendError::Unauthorized { code } => MediaError::Unauthorized { code },
        other => MediaError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl WhatsApp for WorkspaceGraph {
    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError> {
        self.client(ws).await?.send(ws, to, message).await
    }

    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError> {
        self.client(ws)
            .await
            .map_err(media_error)?
            .media(ws, media_id)
            .await
    }

    async fn upload_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SendError> {
        self.client(ws)
            .await?
            .upload_media(ws, mime_type, filename, bytes)
            .await
    }

    async fn message_templates(
        &self,
        ws: &WorkspaceId,
        waba_id: &str,
    ) -> Result<Vec<turno_core::channel::templates::ListedTemplate>, SendError> {
        self.client(ws).await?.message_templates(ws, waba_id).await
    }

    async fn mark_read(&self, ws: &WorkspaceId, message: &MessageId) -> Result<(), SendError> {
        self.client(ws).await?.mark_read(ws, message).await
    }
}
