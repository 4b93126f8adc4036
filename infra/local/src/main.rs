//! `turno`: runs the whole help desk locally. See the README for configuration.

// A long-running server: a panic in one request must become that request's 500, which only
// unwinding allows.
#[cfg(panic = "abort")]
compile_error!("the local runner must be built with panic = \"unwind\"");

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
