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
    /// Each reference set, by field name.
    pub fn references(&self) -> impl Iterator<Item = (&'static str, &SecretRef)> {
        [
            ("graph_token", &self.graph_token),
            ("app_secret", &self.app_secret),
            ("verify_token", &self.verify_token),
        ]
        .into_iter()
        .filter_map(|(name, r)| r.as_ref().map(|r| (name, r)))
    }

    /// Whether a workspace's admin may set `reference` in field `name` when `before` is
    /// what the configuration in force has: a reference kept as it is, or an SSM parameter
    /// under the workspace's own path. Others (`env:`, `file:`, which name the process's own
    /// environment and files) are the deployment's to set, in its YAML or through an
    /// operator's onboarding. `Err` names the rule.
    pub fn admin_may_set(
        ws: &WorkspaceId,
        name: &str,
        reference: &SecretRef,
        before: Option<&CredentialsConfig>,
    ) -> Result<(), String> {
        let kept = before.is_some_and(|b| b.references().any(|(n, r)| n == name && r == reference));
        let own = format!("/turno/ws/{ws}/");
        let own_ssm =
            matches!(reference.source(), Ok(SecretSource::Ssm(path)) if path.starts_with(&own));
        if kept || own_ssm {
            Ok(())
        } else {
            Err(format!(
                "credentials.{name}: an admin may name only an SSM parameter under {own} (the workspace's own path)"
            ))
        }
    }

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
        // Another workspace's path is never named: its secrets are its own.
        for (name, reference) in self.references() {
            if let Ok(SecretSource::Ssm(path)) = reference.source()
                && path.starts_with("/turno/ws/")
                && !path.starts_with(&own)
            {
                return Err(format!(
                    "credentials.{name} names another workspace's SSM path: a workspace's parameters are under {own}"
                ));
            }
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

    #[test]
    fn no_field_names_another_workspaces_path_and_admins_set_only_their_own_ssm() {
        let ws = WorkspaceId::parse("1").expect("id");
        let r = |text: &str| SecretRef::parse(text).expect("a reference");
        let borrowing = CredentialsConfig {
            app_secret: Some(r("ssm:/turno/ws/2/app-secret")),
            ..CredentialsConfig::default()
        };
        let err = borrowing.check(&ws).expect_err("another's path");
        assert!(err.contains("another workspace's SSM path"), "{err}");
        let shared = CredentialsConfig {
            app_secret: Some(r("ssm:/meta/app/secret")),
            ..CredentialsConfig::default()
        };
        assert!(shared.check(&ws).is_ok(), "a path outside /turno/ws/");

        let deployed = CredentialsConfig {
            app_secret: Some(r("file:/run/secret")),
            ..CredentialsConfig::default()
        };
        let own = r("ssm:/turno/ws/1/app-secret");
        assert!(CredentialsConfig::admin_may_set(&ws, "app_secret", &own, None).is_ok());
        let kept = r("file:/run/secret");
        assert!(
            CredentialsConfig::admin_may_set(&ws, "app_secret", &kept, Some(&deployed)).is_ok()
        );
        for refused in ["file:/run/other", "env:OTHER", "ssm:/meta/app/secret"] {
            let err =
                CredentialsConfig::admin_may_set(&ws, "app_secret", &r(refused), Some(&deployed))
                    .expect_err(refused);
            assert!(err.contains("/turno/ws/1/"), "{err}");
        }
    }
}
