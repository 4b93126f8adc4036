//! A workspace's own WhatsApp credentials, as references to where they are kept. A workspace
//! without them uses the deployment's (the token, app secret and verify token every function
//! is given); one with them sends with its own token and has its webhooks checked with its
//! own Meta app's secret.

use serde::{Deserialize, Serialize};

use crate::kernel::ids::WorkspaceId;
use crate::ports::{SecretRef, SecretSource};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// The Graph API access token the workspace sends with.
    #[serde(default)]
    pub graph_token: Option<SecretRef>,
    /// The secret of the Meta app the phone number belongs to: signs its webhooks. Several
    /// numbers of one app name the same reference.
    #[serde(default)]
    pub app_secret: Option<SecretRef>,
    /// The token Meta echoes in the app's verification handshake.
    #[serde(default)]
    pub verify_token: Option<SecretRef>,
    /// Where the workspace's notifications (breaches, escalations) are posted, instead of the
    /// deployment's notification URL.
    #[serde(default)]
    pub notification_url: Option<String>,
}

impl CredentialsConfig {
    /// Every field a reference, and the notification URL an http(s) URL. A Graph token in SSM
    /// must be under the workspace's own path (`/turno/ws/<id>/`), so that one workspace's
    /// configuration cannot borrow another's token.
    pub(super) fn check(&self, ws: &WorkspaceId) -> Result<(), String> {
        for (name, reference) in [
            ("graph_token", &self.graph_token),
            ("app_secret", &self.app_secret),
            ("verify_token", &self.verify_token),
        ] {
            if let Some(r) = reference {
                r.source().map_err(|e| format!("credentials.{name} {e}"))?;
            }
        }
        let own = format!("/turno/ws/{ws}/");
        if let Some(Ok(SecretSource::Ssm(name))) = self.graph_token.as_ref().map(SecretRef::source)
            && !name.starts_with(&own)
        {
            return Err(format!(
                "credentials.graph_token must be an SSM parameter under {own}"
            ));
        }
        if let Some(url) = &self.notification_url {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2048
                && !url.chars().any(|c| c.is_control() || c.is_whitespace());
            if !ok {
                return Err("credentials.notification_url must be an http(s) URL".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(graph_token: &str) -> CredentialsConfig {
        CredentialsConfig {
            graph_token: Some(serde_json::from_value(graph_token.into()).expect("a string")),
            ..CredentialsConfig::default()
        }
    }

    #[test]
    fn references_pass_and_a_raw_token_is_refused_by_name() {
        let ws = WorkspaceId::parse("1").expect("id");
        assert!(with("ssm:/turno/ws/1/graph-token").check(&ws).is_ok());
        let err = with("ssm:/turno/ws/2/graph-token")
            .check(&ws)
            .expect_err("another's");
        assert!(err.contains("/turno/ws/1/"), "{err}");
        let err = with("EAAGm0PX4ZCpsBAKZCZCYZD").check(&ws).expect_err("raw");
        assert!(
            err.starts_with("credentials.graph_token must be a reference"),
            "{err}"
        );
        assert!(!err.contains("EAAG"), "{err}");
        let bad_url = CredentialsConfig {
            notification_url: Some("ftp://x".into()),
            ..CredentialsConfig::default()
        };
        assert!(bad_url.check(&ws).is_err());
    }
}
