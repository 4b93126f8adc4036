//! The local runner, built inside the test crate so the restart test can run it as a child
//! process and kill it.

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
