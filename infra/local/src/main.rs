//! `turno`: runs the whole help desk locally. See the README for configuration.

// A long-running server: a panic in one request must become that request's 500, which only
// unwinding allows.
#[cfg(panic = "abort")]
compile_error!("the local runner must be built with panic = \"unwind\"");

// Many small allocations on every request, turn and queue message, from many threads:
// mimalloc's per-thread free lists cost a fraction of glibc's arenas and give pages back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    turno_local::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match turno_local::cli::run(&args).await {
        Some(result) => result,
        None => turno_local::run_from_env().await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("turno: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
