//! Synchronous waits on the adapters' async work, safe on any thread.
//!
//! The adapters' synchronous methods (for tests, tools and the month simulator) may be called
//! from inside a tokio runtime, even on a current-thread runtime's only thread. Blocking that
//! thread on a future with an outside executor deadlocks as soon as the future needs the
//! runtime, and it needs it sooner than it looks: tokio's cooperative budget belongs to the
//! task being polled, and once the task has spent it (some hundred operations in one poll,
//! which a loop of synchronous calls reaches) every tokio resource, the writer's reply
//! channel included, answers "pending" and leaves its wake-up to the scheduler, which the
//! blocked thread never hands control back to.
//!
//! So the future always runs on a small runtime of its own, never inside the caller's: on
//! this thread when it is outside any runtime, otherwise on a thread of its own that this one
//! waits for. Whatever the future needs (timers, the blocking pool, a spawned task) that
//! runtime drives.

use std::future::Future;

use anyhow::Context;

/// Runs `fut` to completion and returns its output, blocking this thread.
pub(crate) fn wait<F>(fut: F) -> anyhow::Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(own_runtime()?.block_on(fut));
    }
    std::thread::scope(|scope| {
        let waiter = std::thread::Builder::new()
            .name("turno-wait".into())
            .spawn_scoped(scope, move || Ok(own_runtime()?.block_on(fut)))
            .context("cannot start a thread to wait on")?;
        waiter
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn own_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start a runtime to wait on")
}
