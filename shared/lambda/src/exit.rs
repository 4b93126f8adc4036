use std::error::Error;
use std::process::ExitCode;

use tracing::error;

/// Ends a function's process: logs why it stopped as one JSON line at error level, with the
/// whole cause chain, and turns the result into the exit status Lambda reports.
pub fn exit_status(function: &str, result: Result<(), Box<dyn Error + Send + Sync>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!(function, error = %chain(e.as_ref()), "turno {function} stopped");
            ExitCode::FAILURE
        }
    }
}

/// The error and its sources, outermost first, as `a: b: c`.
fn chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_exits_non_zero_and_success_exits_zero() {
        let failed: Box<dyn Error + Send + Sync> = "no adapters".into();
        assert_eq!(exit_status("bot-turn", Err(failed)), ExitCode::FAILURE);
        assert_eq!(exit_status("bot-turn", Ok(())), ExitCode::SUCCESS);
    }

    #[test]
    fn the_logged_error_keeps_its_whole_cause_chain() {
        let err = anyhow::anyhow!("not a valid turno configuration")
            .context("TURNO_CONFIG=/opt/turno.yaml");
        let boxed: Box<dyn Error + Send + Sync> = err.into();
        assert_eq!(
            chain(boxed.as_ref()),
            "TURNO_CONFIG=/opt/turno.yaml: not a valid turno configuration"
        );
    }
}
