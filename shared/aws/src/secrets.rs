//! Secrets from SSM Parameter Store.

use anyhow::{Context, anyhow};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;

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
