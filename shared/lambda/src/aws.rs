//! Where the AWS adapters will be built. This milestone has none, so every function stops at
//! start-up with [`aws_adapters_missing`] instead of pretending to run.

use anyhow::Context;
use turno_core::app::Turno;
use turno_core::config::Workspaces;

/// The error a function stops with while this build has no AWS adapters.
pub fn aws_adapters_missing(function: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "turno {function}: this build has no AWS adapters (DynamoDB, SQS, EventBridge) yet, so it \
         cannot run on Lambda; run turno locally with the local runner instead"
    )
}

/// The use cases on the AWS adapters, built once per execution environment.
///
/// Today this always fails with [`aws_adapters_missing`]; the functions call it where the
/// adapters will be built, so adding them changes only this function.
pub async fn connect(function: &str, workspaces: Workspaces) -> anyhow::Result<Turno> {
    // The adapters will take the workspaces along with the SDK clients.
    drop(workspaces);
    Err(aws_adapters_missing(function))
}

/// A secret (WhatsApp app secret, verify token, JWT key) from the SSM SecureString parameter
/// whose name is in the environment variable `name_var`.
///
/// Checks the variable now, so a template that forgot it is named first; reading SSM needs the
/// AWS SDK, which arrives with the adapters, so it then fails with [`aws_adapters_missing`].
pub async fn secret(function: &str, name_var: &str) -> anyhow::Result<String> {
    std::env::var(name_var).with_context(|| {
        format!("turno {function}: {name_var} must name the SSM parameter that holds the secret")
    })?;
    Err(aws_adapters_missing(function))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_aws_adapters_connect_fails_naming_the_function_and_the_way_out() {
        let err = connect("bot-turn", Workspaces::default())
            .await
            .err()
            .expect("no adapters yet");
        let msg = err.to_string();
        assert!(
            msg.starts_with("turno bot-turn: this build has no AWS adapters"),
            "{msg}"
        );
        assert!(msg.contains("local runner"), "{msg}");
    }

    #[tokio::test]
    async fn a_secret_whose_parameter_name_is_not_configured_names_the_variable() {
        let err = secret("webhook-ingress", "TURNO_TEST_NEVER_SET_PARAM")
            .await
            .expect_err("no parameter name is configured");
        let msg = format!("{err:#}");
        assert!(
            msg.contains("TURNO_TEST_NEVER_SET_PARAM must name the SSM parameter"),
            "{msg}"
        );
    }
}
