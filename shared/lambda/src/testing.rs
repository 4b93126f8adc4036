//! Test support for the functions' handler tests (feature `testing`): a real [`Turno`] on the
//! embedded adapters over a temporary SQLite file, configured with the demo workspace, and the
//! sample events from `events/`.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use aws_lambda_events::sqs::SqsEvent;
use turno_core::Timestamp;
use turno_core::app::{Ports, Turno};
use turno_core::config::Workspaces;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{TicketId, WaId, WorkspaceId};
use turno_core::kernel::lang::Lang;
use turno_core::ports::{Clock, Notification, Notifier};
use turno_embedded::{Db, SandboxWhatsApp, SqliteEventBus, SqliteQueues, SqliteStore};

/// The demo workspace every sample event belongs to.
pub const DEMO_CONFIG_YAML: &str = include_str!("../../../infra/demo/turno.yaml");
/// The Meta app secret that signs `events/apigw-webhook-post.json`.
pub const SAMPLE_APP_SECRET: &str = "turno-sample-app-secret";
/// The verify token in `events/apigw-webhook-verify.json`.
pub const SAMPLE_VERIFY_TOKEN: &str = "turno-sample-verify-token";

/// The text of `events/<name>`.
pub fn sample(name: &str) -> String {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read sample event {path}: {e}"))
}

/// `events/<name>` as an SQS event.
pub fn sqs_sample(name: &str) -> SqsEvent {
    serde_json::from_str(&sample(name))
        .unwrap_or_else(|e| panic!("{name} is not an SQS event: {e}"))
}

/// The demo workspace configuration, checked.
pub fn demo_workspaces() -> Workspaces {
    crate::config::config_from_yaml(DEMO_CONFIG_YAML)
        .unwrap_or_else(|e| panic!("demo configuration: {e:#}"))
}

/// A clock that stands still until told otherwise.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(now: Timestamp) -> Self {
        ManualClock(Mutex::new(now))
    }

    pub fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A notifier that keeps what it was asked to send.
#[derive(Debug, Default)]
pub struct RecordingNotifier(Mutex<Vec<Notification>>);

impl RecordingNotifier {
    pub fn sent(&self) -> Vec<Notification> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, notification: &Notification) -> anyhow::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(notification.clone());
        Ok(())
    }
}

/// A [`Turno`] on the embedded adapters, with handles on what the tests look at.
pub struct TestTurno {
    pub turno: Turno,
    pub store: Arc<SqliteStore>,
    pub queues: Arc<SqliteQueues>,
    pub events: Arc<SqliteEventBus>,
    pub whatsapp: Arc<SandboxWhatsApp>,
    pub notifier: Arc<RecordingNotifier>,
    pub clock: Arc<ManualClock>,
}

impl TestTurno {
    /// The demo workspace on a fresh temporary database, its agents written (both online),
    /// the clock standing at `now`.
    pub async fn demo(now: Timestamp) -> Self {
        let t = Self::demo_without_agents(now);
        t.turno
            .seed_agents()
            .await
            .unwrap_or_else(|e| panic!("seeding the demo agents: {e}"));
        t
    }

    /// The demo workspace on a fresh temporary database with nothing written yet, as a new
    /// deployment's table.
    pub fn demo_without_agents(now: Timestamp) -> Self {
        let db = Db::open_temporary().unwrap_or_else(|e| panic!("temporary database: {e:#}"));
        let clock = Arc::new(ManualClock::new(now));
        let store = Arc::new(SqliteStore::new(db.clone()));
        let queues = Arc::new(SqliteQueues::with_options(
            db.clone(),
            Default::default(),
            clock.clone(),
        ));
        let events = Arc::new(SqliteEventBus::new(db.clone()));
        let whatsapp = Arc::new(SandboxWhatsApp::new(db));
        let notifier = Arc::new(RecordingNotifier::default());
        let ports = Ports {
            store: store.clone(),
            queue: queues.clone(),
            whatsapp: whatsapp.clone(),
            notifier: notifier.clone(),
            events: events.clone(),
            clock: clock.clone(),
        };
        let turno = Turno::new(ports, demo_workspaces());
        TestTurno {
            turno,
            store,
            queues,
            events,
            whatsapp,
            notifier,
            clock,
        }
    }

    /// Stores a ticket with this id that the bot still handles, as the bot leaves it before a
    /// handoff (the escalation and SLA samples refer to one).
    pub async fn seed_bot_ticket(
        &self,
        ws: &WorkspaceId,
        id: &TicketId,
        customer: &WaId,
    ) -> Ticket {
        let mut ticket = Ticket::new(
            ws.clone(),
            customer.clone(),
            None,
            Lang::Es,
            self.clock.now(),
        );
        ticket.id = id.clone();
        self.turno
            .store()
            .save_ticket(&mut ticket)
            .await
            .unwrap_or_else(|e| panic!("saving ticket {id}: {e}"));
        ticket
    }
}
