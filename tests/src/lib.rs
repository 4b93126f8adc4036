//! Test support for turno's end-to-end tests: the local runner on port 0 with fakes at the
//! network edge only (the Graph API and the notification webhook).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::SignedDuration;
use serde_json::{Value, json};
use sha2::Sha256;
use turno_core::app::SweepReport;
use turno_core::ports::QueueName;
use turno_embedded::SqliteEventBus;
use turno_local::{LocalConfig, Running};
pub use turno_testkit::ManualClock;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const WORKSPACE: &str = "100200300400500";
pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";

/// The demo configuration with a first-response target of `secs` seconds.
pub fn demo_config_with_first_response(secs: u64) -> String {
    turno_local::config::DEMO_CONFIG.replace(
        "first_response_secs: 900",
        &format!("first_response_secs: {secs}"),
    )
}

/// A fake Graph API: answers every send with a fresh `wamid`, records what it got. It can play
/// an outage ([`FakeGraph::fail_with`]) until told to recover.
pub struct FakeGraph {
    pub server: MockServer,
    fault: Arc<Mutex<Option<Fault>>>,
    delivered: Arc<Mutex<Vec<Value>>>,
}

/// What the fake answers every request with while it plays an outage.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub status: u16,
    /// Graph's error code in the body (130429 for throughput throttling).
    pub code: i64,
    /// A `Retry-After` header, in seconds.
    pub retry_after_secs: Option<u64>,
}

struct NewWamid {
    next: AtomicU64,
    latency: Duration,
    fault: Arc<Mutex<Option<Fault>>>,
    delivered: Arc<Mutex<Vec<Value>>>,
}

impl Respond for NewWamid {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let fault = *self.fault.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = fault {
            let mut answer = ResponseTemplate::new(f.status).set_body_json(json!({
                "error": { "message": "fake outage", "type": "OAuthException", "code": f.code }
            }));
            if let Some(secs) = f.retry_after_secs {
                answer = answer.insert_header("retry-after", secs.to_string().as_str());
            }
            return answer;
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::from_slice::<Value>(&req.body).unwrap_or_default();
        let to = body["to"].as_str().unwrap_or_default().to_owned();
        if body["status"] != "read" {
            self.delivered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(body);
        }
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{ "input": to, "wa_id": to }],
                "messages": [{ "id": format!("wamid.fake.{n}") }]
            }))
            .set_delay(self.latency)
    }
}

impl FakeGraph {
    pub async fn start() -> Self {
        Self::start_with_latency(Duration::ZERO).await
    }

    /// A fake Graph API that takes `latency` to answer each send.
    pub async fn start_with_latency(latency: Duration) -> Self {
        let server = MockServer::start().await;
        let fault = Arc::new(Mutex::new(None));
        let delivered = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .and(path_regex(r"^/[0-9]+/messages$"))
            .respond_with(NewWamid {
                next: AtomicU64::new(1),
                latency,
                fault: fault.clone(),
                delivered: delivered.clone(),
            })
            .mount(&server)
            .await;
        FakeGraph {
            server,
            fault,
            delivered,
        }
    }

    /// Answers every request with `fault` until [`FakeGraph::recover`].
    pub fn fail_with(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(fault);
    }

    pub fn recover(&self) {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The messages (read receipts aside) the fake accepted with a 200, in order.
    pub fn delivered(&self) -> Vec<Value> {
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many requests reached the fake, failed ones included.
    pub async fn requests(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }

    /// Every message body sent so far (read receipts aside).
    pub async fn sent(&self) -> Vec<Value> {
        self.posts_to_messages()
            .await
            .into_iter()
            .filter(|m| m["status"] != "read")
            .collect()
    }

    /// The ids of the customer messages marked as read, in order.
    pub async fn read_receipts(&self) -> Vec<String> {
        self.posts_to_messages()
            .await
            .into_iter()
            .filter(|m| m["status"] == "read")
            .filter_map(|m| m["message_id"].as_str().map(str::to_owned))
            .collect()
    }

    async fn posts_to_messages(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().ends_with("/messages"))
            .filter_map(|r| serde_json::from_slice(&r.body).ok())
            .collect()
    }

    /// The texts (body of text or interactive messages) sent to `to`.
    pub async fn texts_to(&self, to: &str) -> Vec<String> {
        self.sent()
            .await
            .into_iter()
            .filter(|m| m["to"] == to)
            .map(|m| {
                m["text"]["body"]
                    .as_str()
                    .or_else(|| m["interactive"]["body"]["text"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

/// A fake notification webhook that records what it got.
pub struct FakeNotify {
    pub server: MockServer,
}

impl FakeNotify {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        FakeNotify { server }
    }

    pub async fn received(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|r| serde_json::from_slice(&r.body).ok())
            .collect()
    }

    pub async fn of_kind(&self, kind: &str) -> Vec<Value> {
        self.received()
            .await
            .into_iter()
            .filter(|n| n["turno"]["kind"] == kind)
            .collect()
    }
}

/// A running turno with its fakes and a data directory that lives as long as it does.
pub struct TestApp {
    pub running: Running,
    pub graph: FakeGraph,
    pub notify: FakeNotify,
    pub http: reqwest::Client,
    pub data_dir: Arc<tempfile::TempDir>,
    /// The runner's clock when it runs on a manual one ([`Options::manual_clock`]).
    pub clock: Option<Arc<ManualClock>>,
}

pub struct Options {
    pub config: String,
    pub sweep_every: Duration,
    /// Runs the use cases and the queues on a [`ManualClock`] that starts at the real time
    /// and moves only by [`TestApp::advance`]: deadlines pass when the test says, and the
    /// test drives the sweep itself ([`TestApp::sweep`]). Off by default, because on a
    /// stopped clock a failed job's retry never comes due.
    pub manual_clock: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: turno_local::config::DEMO_CONFIG.to_owned(),
            sweep_every: Duration::from_secs(60),
            manual_clock: false,
        }
    }
}

/// What a stopped [`TestApp`] leaves to look at: everything it did is finished.
pub struct Stopped {
    pub graph: FakeGraph,
    pub notify: FakeNotify,
    pub events: Arc<SqliteEventBus>,
}

impl TestApp {
    /// Waits until every queue is empty but for timers not due yet (each bot turn arms one
    /// for the conversation's inactivity): all accepted work has been processed.
    pub async fn settled(&self) {
        eventually("queues to drain", || async {
            let h: Value = self
                .http
                .get(self.url("/healthz"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let timers = QueueName::SlaTimers.as_str();
            let busy = h["queues"]
                .as_array()?
                .iter()
                .filter(|q| q["queue"] != timers)
                .any(|q| q["depth"].as_u64() != Some(0));
            let timer_due = self
                .running
                .queues
                .next_visible_in(QueueName::SlaTimers)
                .ok()?
                .is_some_and(|d| d.is_zero());
            (!busy && !timer_due).then_some(())
        })
        .await;
    }

    /// The manual clock the runner tells time by; panics if it runs on the system clock.
    pub fn manual_clock(&self) -> &ManualClock {
        self.clock
            .as_deref()
            .expect("spawned with Options { manual_clock: true, .. }")
    }

    /// Moves the runner's manual clock forward by `by` and wakes every worker, so what fell
    /// due runs now instead of at the workers' next poll.
    pub fn advance(&self, by: SignedDuration) {
        self.manual_clock().advance(by);
        for queue in QueueName::ALL {
            self.running.queues.waker(queue).notify_waiters();
        }
    }

    /// One SLA sweep, now by the runner's clock, as the periodic sweep would run it.
    pub async fn sweep(&self) -> SweepReport {
        self.running.turno.sla_sweep().await.expect("the SLA sweep")
    }

    /// Waits until no queue holds a message that is due by the runner's clock: every job
    /// that could run now has been taken by a worker. Delayed ones (timers not due) stay.
    pub async fn idle(&self) {
        eventually("no job due", || async {
            QueueName::ALL
                .iter()
                .all(|q| {
                    self.running
                        .queues
                        .next_visible_in(*q)
                        .expect("next visible")
                        .is_none_or(|d| !d.is_zero())
                })
                .then_some(())
        })
        .await;
    }

    /// [`idle`](Self::idle), and no job is running either: on a manual clock, what is left
    /// waits for the clock to move.
    pub async fn quiet(&self) {
        eventually("no job due or running", || async {
            let idle = QueueName::ALL.iter().all(|q| {
                self.running
                    .queues
                    .next_visible_in(*q)
                    .expect("next visible")
                    .is_none_or(|d| !d.is_zero())
            });
            (idle && self.running.queues.held() == 0).then_some(())
        })
        .await;
    }

    /// [`idle`](Self::idle), then stops the runner, which waits for the jobs its workers
    /// hold: what is left to look at is final, so "exactly once" can be checked without
    /// waiting for a duplicate that might still come.
    pub async fn stop_when_idle(self) -> Stopped {
        self.idle().await;
        let events = self.running.events.clone();
        self.running.stop().await;
        Stopped {
            graph: self.graph,
            notify: self.notify,
            events,
        }
    }

    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> Self {
        Self::spawn_configured(opts, Some("test-access-token")).await
    }

    /// The local runner in sandbox mode: no access token, so WhatsApp is the sandbox channel
    /// (the fake Graph API is there but never called).
    pub async fn spawn_sandbox() -> Self {
        Self::spawn_sandbox_with(Options::default()).await
    }

    /// [`spawn_sandbox`](Self::spawn_sandbox) with these options.
    pub async fn spawn_sandbox_with(opts: Options) -> Self {
        Self::spawn_configured(opts, None).await
    }

    async fn spawn_configured(opts: Options, access_token: Option<&str>) -> Self {
        let data_dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let graph = FakeGraph::start().await;
        let notify = FakeNotify::start().await;
        let config_path = data_dir.path().join("turno.yaml");
        std::fs::write(&config_path, &opts.config).expect("write config");
        std::fs::write(
            data_dir.path().join("intents.yaml"),
            turno_local::config::DEMO_INTENTS,
        )
        .expect("write intents");
        let mut cfg = LocalConfig::new(
            "127.0.0.1:0".parse().expect("addr"),
            data_dir.path().join("data"),
        );
        cfg.config_path = Some(config_path);
        cfg.app_secret = APP_SECRET.into();
        cfg.verify_token = VERIFY_TOKEN.into();
        cfg.access_token = access_token.map(str::to_owned);
        cfg.api_base_url = graph.server.uri();
        cfg.notify_url = Some(format!("{}/notify", notify.server.uri()));
        cfg.sweep_every = opts.sweep_every;
        let clock = opts
            .manual_clock
            .then(|| Arc::new(ManualClock::new(jiff::Timestamp::now())));
        if let Some(clock) = &clock {
            cfg.clock = clock.clone();
        }
        let running = turno_local::start(cfg).await.expect("turno starts");
        TestApp {
            running,
            graph,
            notify,
            http: reqwest::Client::new(),
            data_dir,
            clock,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url())
    }

    pub fn token(&self, agent: &str) -> String {
        self.running
            .tokens
            .iter()
            .find(|t| t.agent.as_str() == agent)
            .map(|t| t.token.clone())
            .unwrap_or_else(|| panic!("no token for agent {agent}"))
    }

    /// POSTs a webhook body signed with `secret`.
    pub async fn post_webhook_signed_with(&self, body: &str, secret: &str) -> reqwest::Response {
        self.http
            .post(self.url("/webhook/whatsapp"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(secret, body.as_bytes()))
            .body(body.to_owned())
            .send()
            .await
            .expect("webhook request")
    }

    pub async fn post_webhook(&self, body: &str) -> reqwest::Response {
        self.post_webhook_signed_with(body, APP_SECRET).await
    }

    /// A GET on the agent API as `agent`, returning status and JSON.
    pub async fn api_get(&self, agent: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token(agent))
            .send()
            .await
            .expect("api request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn api_post(&self, agent: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token(agent))
            .json(&body)
            .send()
            .await
            .expect("api request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The customer's ticket as the supervisor sees it (with transcript), if there is one.
    pub async fn ticket_of(&self, customer: &str) -> Option<Value> {
        let (_, list) = self.api_get("bruno", "/api/v1/tickets?limit=500").await;
        let id = list["items"]
            .as_array()?
            .iter()
            .find(|t| t["customer"] == customer)?["id"]
            .as_str()?
            .to_owned();
        let (_, t) = self
            .api_get("bruno", &format!("/api/v1/tickets/{id}"))
            .await;
        Some(t)
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, body): what Meta puts in `X-Hub-Signature-256`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length works");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook body with one text message, shaped like the WhatsApp Cloud API's.
pub fn text_webhook(from: &str, name: &str, wamid: &str, text: &str) -> String {
    webhook_with_messages(&[(from, name, wamid, text)])
}

/// A webhook body with one text message sent at `unix_secs`.
pub fn text_webhook_at(from: &str, name: &str, wamid: &str, text: &str, unix_secs: i64) -> String {
    webhook_at(&[(from, name, wamid, text)], unix_secs)
}

/// A webhook body with several text messages in one change.
pub fn webhook_with_messages(messages: &[(&str, &str, &str, &str)]) -> String {
    webhook_at(messages, jiff::Timestamp::now().as_second())
}

fn webhook_at(messages: &[(&str, &str, &str, &str)], unix_secs: i64) -> String {
    let now = unix_secs.to_string();
    let contacts: Vec<Value> = messages
        .iter()
        .map(|(from, name, _, _)| json!({ "profile": { "name": name }, "wa_id": from }))
        .collect();
    let msgs: Vec<Value> = messages
        .iter()
        .map(|(from, _, wamid, text)| {
            json!({ "from": from, "id": wamid, "timestamp": now, "type": "text", "text": { "body": text } })
        })
        .collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "15550783881", "phone_number_id": WORKSPACE },
                    "contacts": contacts,
                    "messages": msgs
                }
            }]
        }]
    })
    .to_string()
}

/// How long an end-to-end test waits for something the runner does in the background (a
/// reply, an assignment, a drained queue) before it fails. Generous, because a test that
/// passes stops waiting as soon as it sees the result; only a failing one waits this long,
/// and a loaded CI machine must not turn a slow pass into a failure.
pub const EVENTUALLY: Duration = Duration::from_secs(30);

/// Waits until `check` returns `Some`, polling; panics with `what` after [`EVENTUALLY`].
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(what, EVENTUALLY, check).await
}

/// [`eventually`] with another limit, for the rare wait that is known to take longer.
pub async fn eventually_within<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How often [`eventually`] looks again.
const POLL: Duration = Duration::from_millis(25);

/// A fresh unique WhatsApp message id.
pub fn wamid() -> String {
    format!("wamid.test.{}", uuid::Uuid::new_v4().simple())
}
