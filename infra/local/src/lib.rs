//! The local runner: wires the embedded adapters (SQLite store and queues) to the same use
//! cases the Lambda functions run, starts every function's worker in this process, and serves
//! the webhook, the agent API and the sandbox on one address.

mod background;
mod banner;
pub mod cli;
pub mod config;
mod config_cli;
pub mod demo_shop;
mod sandbox;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};
use turno_core::app::{Ports, Turno};
use turno_core::kernel::ids::AgentId;
use turno_core::ports::{QueueName, WhatsApp};
use turno_embedded::{
    Db, QueueOptions, SandboxWhatsApp, SqliteEventBus, SqliteQueues, SqliteStore, WorkerOptions,
    run_worker,
};
use turno_http::{ApiState, Auth, WebhookState, api_router, events_stream_router, webhook_router};
use turno_whatsapp::breaker::{BreakerWhatsApp, CircuitBreaker};

pub use config::LocalConfig;
use tokens::{issue_operator_tokens, issue_tokens, jwt_secret};

/// Logs for people at a terminal, or JSON with `TURNO_LOG_FORMAT=json`.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = if std::env::var("TURNO_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
    // Already initialised (tests start several runners): keep the first subscriber.
    drop(result);
}

/// A started runner. Dropping it does not stop it: call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    /// A ready-to-use API token for every configured agent.
    pub tokens: Vec<AgentToken>,
    /// A deployment operator's token (onboards workspaces, `POST /api/v1/admin/workspaces`)
    /// for every configured admin: locally, whoever runs the process is the operator. The
    /// development sign-in gives one too (`"operator": true`, loopback and sandbox only).
    pub operator_tokens: Vec<AgentToken>,
    pub turno: Turno,
    pub queues: Arc<SqliteQueues>,
    pub sandbox: Option<Arc<SandboxWhatsApp>>,
    /// The breaker in front of the Graph API (live mode only).
    pub breaker: Option<Arc<CircuitBreaker>>,
    pub events: Arc<SqliteEventBus>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    /// Declared after `tasks`: dropped after them.
    _background: background::Background,
}

#[derive(Debug, Clone)]
pub struct AgentToken {
    pub workspace: String,
    pub agent: AgentId,
    pub name: String,
    pub token: String,
}

impl Running {
    /// Stops accepting requests, lets workers finish what they hold, and waits for them.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// How many bot turns (and, separately, transcript writes) the runner works on at once.
pub const TURN_CONCURRENCY: usize = 64;

/// Starts everything and returns once the server is listening.
pub async fn start(cfg: LocalConfig) -> anyhow::Result<Running> {
    // Listen first: the demo's shop lookup calls this runner, so its URL needs the address.
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (TURNO_ADDR): is another turno running?",
                cfg.addr
            )
        })?;
    let addr = listener.local_addr()?;
    let workspaces = cfg.workspaces_at(Some(&self_address(addr)))?;
    std::fs::create_dir_all(&cfg.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {} (TURNO_DATA_DIR)",
            cfg.data_dir.display()
        )
    })?;
    // The operational counters and timings, scraped at GET /metrics (Prometheus text).
    let metrics = Arc::new(turno_telemetry::Registry::for_prometheus());
    let db = Db::open_observed(&cfg.data_dir.join("turno.db"), metrics.clone())?;
    let queues = Arc::new(SqliteQueues::with_options(
        db.clone(),
        QueueOptions::default(),
        cfg.clock.clone(),
    ));
    // A bot turn's timer and events commit with the turn: one write per turn.
    let store = Arc::new(SqliteStore::new(db.clone()).with_outbox(queues.clone()));
    // This process is the database's only consumer: whatever the previous run held when it
    // stopped is free to run again now, not after its visibility timeout.
    let released = queues.release_in_flight()?;
    if released > 0 {
        info!(released, "resuming work the previous run left unfinished");
    }
    let events = Arc::new(SqliteEventBus::new(db.clone()));
    let mut breaker = None;
    // The workspaces' own credentials are read from the environment or files (`env:`,
    // `file:`), and kept for a while.
    let secrets: Arc<dyn turno_core::ports::SecretResolver> =
        Arc::new(turno_core::ports::CachedSecrets::new(
            Arc::new(turno_core::ports::LocalSecrets::new()),
            turno_core::ports::SecretCacheTtl::default(),
        ));
    let own_tokens = workspaces.iter().any(|ws| {
        ws.credentials
            .as_ref()
            .is_some_and(|c| c.graph_token.is_some())
    });
    let (whatsapp, sandbox): (Arc<dyn WhatsApp>, Option<Arc<SandboxWhatsApp>>) =
        if cfg.access_token.is_some() || own_tokens {
            // Without a deployment token the client's own is never used: each workspace
            // sends with its own.
            let token = cfg.access_token.as_deref().unwrap_or("unset");
            let graph = turno_whatsapp::graph::GraphClient::new(&cfg.api_base_url, token)?;
            let graph = Arc::new(turno_whatsapp::graph::WorkspaceGraph::new(
                graph,
                cfg.access_token.is_some(),
                workspaces.clone(),
                secrets.clone(),
            ));
            let b = Arc::new(CircuitBreaker::new(cfg.breaker, cfg.clock.clone()));
            breaker = Some(b.clone());
            (Arc::new(BreakerWhatsApp::new(graph, b)), None)
        } else {
            let s = Arc::new(SandboxWhatsApp::new(db.clone()));
            (s.clone(), Some(s))
        };
    let webhook = Arc::new(
        turno_notify::WebhookNotifier::new(cfg.notify_url.clone())?
            .with_workspaces(workspaces.clone()),
    );
    // Web Push with a VAPID key made at the first start and kept beside the database.
    let vapid = turno_notify::push::VapidKey::load_or_create(&cfg.data_dir.join("vapid.key"))?;
    let push = turno_core::app::PushSettings {
        public_key: vapid.public_key().to_owned(),
        // Browsers' push services are https; a loopback http one is a test's.
        allow_loopback_http: addr.ip().is_loopback(),
    };
    // Pushes go on a task of their own: a push service that hangs delays nothing here.
    let notifier = Arc::new(
        turno_notify::push::PushNotifier::new(
            webhook,
            turno_notify::push::PushSender::new(vapid, cfg.push_subject.clone())?,
            store.clone(),
            cfg.clock.clone(),
        )
        .detached(),
    );
    let turno = Turno::new(
        Ports {
            store,
            queue: queues.clone(),
            whatsapp,
            notifier,
            events: events.clone(),
            clock: cfg.clock.clone(),
        },
        workspaces,
    )
    .with_dead_letters(queues.clone())
    .with_secrets(secrets)
    .with_push(push)
    .with_metrics(metrics.clone())
    .with_bot_integrations(
        Arc::new(turno_integrations::HttpIntegrations::with_env(demo_env())?),
        Arc::new(turno_integrations::OpenAiLlm::new()?),
    );
    turno
        .seed_agents()
        .await
        .context("cannot write the configured agents")?;
    for ws in turno.workspaces().iter() {
        turno
            .seed_quick_replies(&ws.id, &demo_quick_replies())
            .await
            .context("cannot write the demo quick replies")?;
    }

    let auth = Arc::new(Auth::hs256(jwt_secret(&cfg)?.as_bytes())?);
    let tokens = issue_tokens(&turno, &auth)?;
    let operator_tokens = issue_operator_tokens(&turno, &auth)?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let background = background::Background::start(worker_niceness())
        .context("cannot start the threads that run the queues' jobs")?;
    for queue in QueueName::ALL {
        let turno = turno.clone();
        let handler = move |body: String| {
            let turno = turno.clone();
            async move { turno.handle_job(queue, &body).await }
        };
        // Bot turns and ticket writes wait mostly on the network and on SQLite's single
        // writer, not on the CPU: run more of them at once.
        let worker_metrics = turno_embedded::WorkerMetrics(metrics.clone());
        let options = match queue {
            QueueName::Inbound | QueueName::TicketWrites => WorkerOptions {
                concurrency: turn_concurrency(),
                batch: 32,
                metrics: worker_metrics,
                ..WorkerOptions::default()
            },
            _ => WorkerOptions {
                metrics: worker_metrics,
                ..WorkerOptions::default()
            },
        };
        background.spawn(
            &mut tasks,
            run_worker(queues.clone(), queue, options, handler, shutdown_rx.clone()),
        );
    }
    background.spawn(
        &mut tasks,
        sweep_loop(turno.clone(), cfg.sweep_every, shutdown_rx.clone()),
    );
    background.spawn(
        &mut tasks,
        retention_loop(turno.clone(), cfg.retention_every, shutdown_rx.clone()),
    );

    let dev_login = dev_login_allowed(addr, sandbox.is_some());
    let app = Router::new()
        .merge(webhook_router(WebhookState {
            turno: turno.clone(),
            app_secret: cfg.app_secret.as_bytes().into(),
            verify_token: cfg.verify_token.as_str().into(),
        }))
        .merge(sandbox::router(sandbox::SandboxState {
            turno: turno.clone(),
            sandbox: sandbox.clone(),
            queues: queues.clone(),
            breaker: breaker.clone(),
        }))
        .merge(turno_http::console_router(&console_config(
            &turno,
            sandbox.is_some(),
            dev_login,
        )))
        .merge(events_stream_router(
            ApiState {
                turno: turno.clone(),
                auth: auth.clone(),
                dev_login: false,
            },
            shutdown_rx.clone(),
        ))
        .merge(api_router(ApiState {
            turno: turno.clone(),
            auth,
            dev_login,
        }))
        .merge(demo_shop::router(demo_shop::token_from(env_var)))
        .merge(metrics_router(metrics));
    let app = guarded(app);

    let mut server_shutdown = shutdown_rx.clone();
    tasks.spawn(async move {
        let stop = async move {
            let _ = server_shutdown.wait_for(|s| *s).await;
        };
        turno_http::serve(listener, app, turno_http::serve::IDLE_TIMEOUT, stop).await;
    });
    info!(%addr, sandbox = sandbox.is_some(), dev_login, "turno is running");
    Ok(Running {
        addr,
        tokens,
        operator_tokens,
        turno,
        queues,
        sandbox,
        breaker,
        events,
        shutdown,
        tasks,
        _background: background,
    })
}

/// Password-less sign-in only where nobody else can use it: a listener on a loopback address
/// (nobody on the network reaches it) in sandbox mode (no real customers or WhatsApp account
/// behind the desk). The route also refuses requests whose `Host` is not a loopback name, so
/// a web page cannot reach it through DNS rebinding.
/// `GET /metrics`: the operational metrics in Prometheus text (the local runner listens on
/// loopback unless told otherwise; labels hold codes and names, never customer data).
fn metrics_router(metrics: Arc<turno_telemetry::Registry>) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    metrics.prometheus(),
                )
            }
        }),
    )
}

pub(crate) fn dev_login_allowed(addr: SocketAddr, sandbox: bool) -> bool {
    addr.ip().is_loopback() && sandbox
}

/// Every route of the runner, with a panicking request answered 500 rather than dropped.
fn guarded(app: Router) -> Router {
    app.layer(turno_http::error::catch_panic())
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// With the dev login the console lists the configured agents to pick from; without it the
/// agent pastes a token (printed at start-up).
fn console_config(turno: &Turno, sandbox: bool, dev_login: bool) -> turno_http::ConsoleConfig {
    use turno_http::console_files::{DevAgent, SignIn};
    if !dev_login {
        return turno_http::ConsoleConfig {
            sign_in: SignIn::Token,
            sandbox,
        };
    }
    let mut agents = Vec::new();
    for ws in turno.workspaces().iter() {
        for a in &ws.agents {
            agents.push(DevAgent {
                workspace: ws.id.to_string(),
                id: a.id.to_string(),
                name: a.name.clone(),
                role: serde_json::to_value(a.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            });
        }
    }
    turno_http::ConsoleConfig {
        sign_in: SignIn::Dev { agents },
        sandbox,
    }
}

/// A few quick replies for a workspace that has none yet, so `/saludo` works in the demo.
fn demo_quick_replies() -> Vec<turno_core::app::QuickReplyInput> {
    let q = |shortcut: &str, text: &str, language| turno_core::app::QuickReplyInput {
        shortcut: shortcut.into(),
        text: text.into(),
        language: Some(language),
    };
    vec![
        q(
            "saludo",
            "Hola {{customer_name}}, soy {{agent_name}}. ¿En qué puedo ayudarte?",
            turno_core::kernel::lang::Lang::Es,
        ),
        q(
            "hello",
            "Hi {{customer_name}}, this is {{agent_name}}. How can I help?",
            turno_core::kernel::lang::Lang::En,
        ),
        q(
            "gracias",
            "¡Gracias por escribirnos! Si necesitas algo más, aquí estamos.",
            turno_core::kernel::lang::Lang::Es,
        ),
    ]
}

/// `host:port` to reach this runner from itself: a wildcard listen address becomes loopback.
fn self_address(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port()).to_string()
}

/// [`background::NICENESS`], or `TURNO_WORKER_NICENESS` when set to a number from 0 (the
/// workers at the server's priority) to [`background::LOWEST`].
fn worker_niceness() -> i32 {
    env_var("TURNO_WORKER_NICENESS")
        .and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|n| (0..=background::LOWEST).contains(n))
        .unwrap_or(background::NICENESS)
}

/// [`TURN_CONCURRENCY`], or `TURNO_TURN_CONCURRENCY` when set to a positive number (for
/// measuring other sizes without a rebuild).
fn turn_concurrency() -> usize {
    env_var("TURNO_TURN_CONCURRENCY")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(TURN_CONCURRENCY)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The environment the bot's actions read secrets from, plus the demo shop's token when
/// `LUMEN_API_TOKEN` is not set, so the demo's lookup works with no setup.
fn demo_env() -> turno_integrations::Env {
    Arc::new(|name| {
        env_var(name)
            .or_else(|| (name == demo_shop::TOKEN_ENV).then(|| demo_shop::DEMO_TOKEN.to_owned()))
    })
}

/// Runs `run` every `every` (the first run at start-up) until shutdown; a run that is late
/// waits for its turn rather than bunching up.
async fn every_tick<F, Fut>(every: Duration, mut shutdown: watch::Receiver<bool>, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        run().await;
    }
}

async fn sweep_loop(turno: Turno, every: Duration, shutdown: watch::Receiver<bool>) {
    every_tick(every, shutdown, || async {
        match turno.sla_sweep().await {
            Ok(r) if r.breaches > 0 => {
                info!(looked_at = r.looked_at, breaches = r.breaches, "SLA sweep")
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "SLA sweep failed; next tick retries"),
        }
    })
    .await
}

/// Deletes what the workspaces' retention let expire, a bounded batch per run.
async fn retention_loop(turno: Turno, every: Duration, shutdown: watch::Receiver<bool>) {
    every_tick(every, shutdown, || async {
        if let Err(e) = turno.retention_sweep().await {
            warn!(error = %e, "retention sweep failed; the next run retries");
        }
    })
    .await
}

/// `turno` with no arguments: start from the environment, print where to look, run until
/// Ctrl-C.
pub async fn run_from_env() -> anyhow::Result<()> {
    let cfg = LocalConfig::from_env()?;
    let sandbox = cfg.access_token.is_none();
    let secret_is_default = cfg.app_secret == config::SANDBOX_APP_SECRET;
    let running = start(cfg.clone()).await?;
    banner::print_banner(&running, &cfg, sandbox, secret_is_default);
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    eprintln!(
        "\nturno: stopping; queued work is kept in {}",
        cfg.data_dir.display()
    );
    running.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get_raw(addr: SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The runner's routes go through [`guarded`]: a test-only route that panics shows what
    /// any of them would do.
    #[tokio::test]
    async fn a_panicking_route_answers_500_and_the_runner_serves_the_next_request() {
        let app = guarded(
            Router::new()
                .route(
                    "/test/panic",
                    get(|| async {
                        let v: Vec<u8> = Vec::new();
                        v[1].to_string()
                    }),
                )
                .route("/test/ok", get(|| async { "ok" })),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(turno_http::serve(
            listener,
            app,
            turno_http::serve::IDLE_TIMEOUT,
            std::future::pending(),
        ));

        let panicked = get_raw(addr, "/test/panic").await;

        assert!(panicked.starts_with("HTTP/1.1 500"), "{panicked}");
        assert!(
            panicked.contains(r#"{"error":{"code":"internal","#),
            "{panicked}"
        );
        assert!(!panicked.contains("index out of bounds"), "{panicked}");
        let next = get_raw(addr, "/test/ok").await;
        assert!(next.starts_with("HTTP/1.1 200"), "{next}");
        server.abort();
    }

    #[test]
    fn dev_login_needs_a_loopback_listener_and_the_sandbox() {
        let at = |a: &str| a.parse::<SocketAddr>().unwrap();
        assert!(dev_login_allowed(at("127.0.0.1:3000"), true));
        assert!(dev_login_allowed(at("[::1]:3000"), true));
        assert!(!dev_login_allowed(at("127.0.0.1:3000"), false));
        assert!(!dev_login_allowed(at("0.0.0.0:3000"), true));
        assert!(!dev_login_allowed(at("[::]:3000"), true));
        assert!(!dev_login_allowed(at("192.168.1.10:3000"), true));
    }
}
