//! Probing one function: its real binary started the way Lambda starts it, its peak memory,
//! its init and invocation times, and the AWS requests it made.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::routing::{get, post};
use tokio::sync::{Notify, mpsc};

use crate::MEMORY_MB;
use crate::fakes::{Outcome, Rt, Runtime, error, init_error, next, response};
use crate::proxy::{Meter, Usage, serve};

#[derive(Debug, Default, Clone)]
pub(crate) struct Probe {
    pub(crate) function: String,
    pub(crate) invocations: usize,
    pub(crate) records: usize,
    /// Records reported failed (to be delivered again).
    pub(crate) failed: usize,
    pub(crate) peak_kb: u64,
    pub(crate) init_ms: f64,
    pub(crate) invoke_ms: Vec<f64>,
    pub(crate) init_usage: Usage,
    pub(crate) usage: Usage,
}

impl Probe {
    pub(crate) fn mean_ms(&self) -> f64 {
        if self.invoke_ms.is_empty() {
            return 0.0;
        }
        self.invoke_ms.iter().sum::<f64>() / self.invoke_ms.len() as f64
    }
}

#[derive(Clone)]
pub(crate) struct Deployment {
    pub(crate) bin_dir: PathBuf,
    pub(crate) show_logs: bool,
    pub(crate) env: HashMap<String, String>,
    pub(crate) meter: Meter,
}

pub(crate) fn peak_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}

impl Deployment {
    /// Starts `function`'s binary on a fresh fake runtime, hands it `events` one after
    /// another (a warm function), and reads its peak memory before stopping it.
    pub(crate) async fn probe(
        &self,
        function: &str,
        events: Vec<String>,
        records: usize,
    ) -> anyhow::Result<Probe> {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let rt = Arc::new(Runtime {
            pending: Mutex::new(VecDeque::new()),
            arrived: Notify::new(),
            started: Mutex::new(HashMap::new()),
            ready: Mutex::new(None),
            done: done_tx,
            meter: self.meter.clone(),
        });
        let api = serve(
            Router::new()
                .route("/2018-06-01/runtime/invocation/next", get(next))
                .route(
                    "/2018-06-01/runtime/invocation/{id}/response",
                    post(response),
                )
                .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
                .route("/2018-06-01/runtime/init/error", post(init_error))
                .with_state(Arc::clone(&rt)),
        )
        .await?;
        let binary = self.bin_dir.join(function);
        let before = self.meter.snapshot();
        let spawned_at = Instant::now();
        let mut child = std::process::Command::new(&binary)
            .envs(&self.env)
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY_MB.to_string())
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function}"),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "probe")
            .stdout(if self.show_logs {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stderr(if self.show_logs {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .with_context(|| format!("cannot start {} (build it first)", binary.display()))?;
        let pid = child.id();
        let result = self
            .drive(
                function,
                &rt,
                events,
                records,
                pid,
                spawned_at,
                before,
                &mut done_rx,
            )
            .await;
        child.kill().ok();
        child.wait().ok();
        result
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn drive(
        &self,
        function: &str,
        rt: &Rt,
        events: Vec<String>,
        records: usize,
        pid: u32,
        spawned_at: Instant,
        before: Usage,
        done_rx: &mut mpsc::UnboundedReceiver<(String, Outcome)>,
    ) -> anyhow::Result<Probe> {
        let mut probe = Probe {
            function: function.to_owned(),
            records,
            ..Probe::default()
        };
        let invocations = events.len();
        for event in events {
            let id = uuid::Uuid::new_v4().to_string();
            rt.pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back((id.clone(), event));
            rt.arrived.notify_waiters();
            rt.arrived.notify_one();
            let (got, outcome) = tokio::time::timeout(Duration::from_secs(60), done_rx.recv())
                .await
                .with_context(|| format!("{function} did not answer within 60 s"))?
                .context("the runtime stopped")?;
            if !outcome.ok || got != id {
                bail!("{function} failed: {}", outcome.body);
            }
            // Records the function gave back to the queue (a lost race it gave up on, say):
            // counted and shown, since what they cost is part of the figure.
            probe.failed += outcome.body.matches("\"itemIdentifier\"").count();
            let (started, at_start) = rt
                .started
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id)
                .context("an answer to an invocation never handed out")?;
            probe
                .invoke_ms
                .push(outcome.at.duration_since(started).as_secs_f64() * 1000.0);
            let used = outcome.usage.minus(&at_start);
            for (op, n) in used.requests {
                *probe.usage.requests.entry(op).or_default() += n;
            }
            probe.usage.wcu += used.wcu;
            probe.usage.index_wcu += used.index_wcu;
            probe.usage.rcu += used.rcu;
            probe.usage.sqs_fifo += used.sqs_fifo;
            probe.usage.sqs_standard += used.sqs_standard;
            probe.usage.events += used.events;
        }
        probe.invocations = invocations;
        // With no event, the probe is of its cold start alone: until it asks for the first.
        let waiting_since = Instant::now();
        while invocations == 0
            && rt
                .ready
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none()
        {
            if waiting_since.elapsed() > Duration::from_secs(60) {
                bail!("{function} did not finish its init within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        probe.peak_kb = peak_kb(pid)?;
        if let Some((ready_at, usage)) = rt
            .ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            probe.init_ms = ready_at.duration_since(spawned_at).as_secs_f64() * 1000.0;
            probe.init_usage = usage.minus(&before);
        }
        Ok(probe)
    }
}
