//! Secrets from SSM Parameter Store.

use anyhow::{Context, anyhow};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;
use turno_core::ports::{Secret, SecretError, SecretRef, SecretResolver, SecretSource};

/// The decrypted value of the SSM parameter `name` (a SecureString). Errors name the
/// parameter, never its value.
pub async fn parameter(client: &Client, name: &str) -> anyhow::Result<String> {
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "cannot read SSM parameter {name}: {}",
                DisplayErrorContext(&e)
            )
        })?;
    out.parameter
        .and_then(|p| p.value)
        .with_context(|| format!("SSM parameter {name} has no value"))
}

/// The secrets workspaces' configurations name, read from SSM Parameter Store: only `ssm:`
/// references are read here (a function's environment holds no workspace's secret). Put a
/// [`CachedSecrets`](turno_core::ports::CachedSecrets) in front: each read is a request.
#[derive(Debug, Clone)]
pub struct SsmSecrets {
    client: Client,
}

impl SsmSecrets {
    pub fn new(client: Client) -> Self {
        SsmSecrets { client }
    }
}

#[async_trait::async_trait]
impl SecretResolver for SsmSecrets {
    async fn resolve(&self, reference: &SecretRef) -> Result<Secret, SecretError> {
        match reference.source() {
            Ok(SecretSource::Ssm(name)) => parameter(&self.client, name)
                .await
                .map(Secret::new)
                .map_err(|e| SecretError::new(reference, format!("{e:#}"))),
            Ok(_) => Err(SecretError::new(
                reference,
                "only ssm: references are read by the AWS functions",
            )),
            Err(e) => Err(SecretError::new(reference, e)),
        }
    }
}
