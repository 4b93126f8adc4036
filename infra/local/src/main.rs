//! `turno`: runs the whole help desk locally. See the README for configuration.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    turno_local::init_tracing();
    match turno_local::run_from_env().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("turno: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
