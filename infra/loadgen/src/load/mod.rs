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
pub struct Runner {
    pub running: turno_local::Running,
    /// Where its webhook is.
    pub webhook_url: String,
    _data: tempfile::TempDir,
}

impl Runner {
    /// The runner on a fresh data directory with the demo workspace, sending to `graph_url`.
    pub async fn start(graph_url: String) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let mut cfg = turno_local::LocalConfig::new("127.0.0.1:0".parse()?, data.path().to_owned());
        cfg.app_secret = APP_SECRET.into();
        cfg.access_token = Some("load-test-token".into());
        cfg.api_base_url = graph_url;
        cfg.sweep_every = Duration::from_secs(60);
        let running = turno_local::start(cfg).await.context("starting turno")?;
        let webhook_url = format!("{}/webhook/whatsapp", running.url());
        Ok(Runner {
            running,
            webhook_url,
            _data: data,
        })
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// The machine's load average over the last minute (`/proc/loadavg`), zero where unknown.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}
