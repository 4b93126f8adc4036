//! Load runs, in this process, with a fake Graph API: against the local runner, the burst
//! ([`burst`]: N customers each send one message at once) and the sustained run
//! ([`sustained`]: an open-loop schedule of customer messages and delivery statuses at fixed
//! rates for a fixed time); and against the AWS topology's handlers on the emulators
//! ([`aws`]: the AWS requests per message under concurrency).

pub mod aws;
pub mod burst;
pub mod graph;
pub mod mix;
pub mod stats;
pub mod store;
pub mod sustained;
mod sustained_report;

use std::time::Duration;

use anyhow::Context;
use turno_tests::APP_SECRET;

/// The local runner started for a load run, with its data directory.
///
/// It runs on a runtime of its own, as the `turno` binary does: the load generator's client
/// and the fake Graph API are the runner's network peers, and on one runtime their tasks
/// would wait in the runner's run queue (and its tasks in theirs), which no deployment does.
/// The threads share the machine's cores as separate processes would.
pub struct Runner {
    running: Option<turno_local::Running>,
    runtime: Option<tokio::runtime::Runtime>,
    /// Where its webhook is.
    pub webhook_url: String,
    /// Its base URL (`/metrics` is there).
    pub url: String,
    _data: tempfile::TempDir,
}

/// The runner's threads (its runtime's workers and blocking pool), as `/proc` names them.
pub const RUNNER_THREADS: &str = "turno-runner";

impl Runner {
    /// The runner on a fresh data directory with the demo workspace, sending to `graph_url`.
    pub async fn start(graph_url: String) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let mut cfg = turno_local::LocalConfig::new("127.0.0.1:0".parse()?, data.path().to_owned());
        cfg.app_secret = APP_SECRET.into();
        cfg.access_token = Some("load-test-token".into());
        cfg.api_base_url = graph_url;
        cfg.sweep_every = Duration::from_secs(60);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name(RUNNER_THREADS)
            .build()
            .context("starting the runner's runtime")?;
        let running = runtime
            .spawn(turno_local::start(cfg))
            .await?
            .context("starting turno")?;
        let url = running.url();
        Ok(Runner {
            running: Some(running),
            runtime: Some(runtime),
            webhook_url: format!("{url}/webhook/whatsapp"),
            url,
            _data: data,
        })
    }

    pub async fn stop(mut self) {
        if let (Some(running), Some(runtime)) = (self.running.take(), &self.runtime) {
            let _ = runtime.spawn(running.stop()).await;
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        // A runtime cannot be dropped (which waits for its threads) inside another one.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The machine's load average over the last minute (`/proc/loadavg`), zero where unknown.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}
