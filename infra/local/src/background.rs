//! The runtime the queue workers and the periodic sweeps run on: apart from the one that
//! serves HTTP, on threads the kernel schedules after the server's when both want the CPU.
//!
//! A webhook is answered once its messages are durably queued; the bot turns, transcript
//! writes and SLA timers behind it can wait. Under a burst the server keeps answering Meta at
//! once (its retries start when answers are slow) while the backlog drains behind it, and
//! the backlog still gets its share: a lower priority is a smaller share of a busy CPU, never
//! none.

use std::future::Future;

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinSet;

/// How much lower the workers' scheduling priority is than the server's, in `nice` steps, by
/// default. At 5 a busy worker thread gets about a quarter of a CPU it shares with a busy
/// server thread.
pub const NICENESS: i32 = 5;

/// The workers' runtime. Dropping it stops its threads without waiting for them (the
/// runner's tasks have ended by then, or are being dropped with it).
#[derive(Debug)]
pub struct Background {
    handle: Handle,
    /// Taken only by the drop.
    runtime: Option<Runtime>,
}

impl Background {
    /// A runtime with a worker thread per CPU, each `niceness` steps (0 to 19) below the
    /// calling thread.
    pub fn start(niceness: i32) -> std::io::Result<Background> {
        // One level for every thread, computed here: a thread the runtime starts later (for
        // blocking reads) starts from its parent's level, already lowered.
        let niceness = niceness.clamp(0, LOWEST);
        let level = priority()
            .filter(|_| niceness > 0)
            .map(|now| (now + niceness).min(LOWEST));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("turno-work")
            .on_thread_start(move || {
                if let Some(level) = level {
                    set_priority(level);
                }
            })
            .build()?;
        Ok(Background {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// Runs `task` on the workers' runtime, in `tasks`.
    pub fn spawn<F>(&self, tasks: &mut JoinSet<()>, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        tasks.spawn_on(task, &self.handle);
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its threads end, which an async context may not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The lowest scheduling priority (the highest `nice`).
pub const LOWEST: i32 = 19;

/// The calling thread's scheduling priority (`nice`), where the kernel says.
fn priority() -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        rustix::process::getpriority_process(None).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Sets the calling thread's scheduling priority (Linux: per thread). Where the kernel
/// refuses, the thread keeps the server's.
fn set_priority(level: i32) {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(None, level) {
        tracing::debug!(error = %e, "could not lower a worker thread's priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = level;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_and_their_blocking_reads_run_below_the_servers_priority() {
        let server = priority().expect("this thread's priority");
        let background = Background::start(NICENESS).expect("runtime");
        let mut tasks = JoinSet::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        background.spawn(&mut tasks, async move {
            let job = priority();
            let blocking = tokio::task::spawn_blocking(priority).await.ok().flatten();
            let _ = tx.send((job, blocking));
        });
        let (job, blocking) = rx.await.expect("the job ran");
        let lowered = (server + NICENESS).min(LOWEST);
        assert_eq!(job, Some(lowered), "a job's thread");
        assert_eq!(
            blocking,
            Some(lowered),
            "a blocking read's thread, lowered once"
        );
        assert_eq!(
            priority(),
            Some(server),
            "the server's thread keeps its priority"
        );
        while tasks.join_next().await.is_some() {}
    }
}
