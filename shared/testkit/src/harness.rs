//! The in-process harness (feature `harness`): a real [`Turno`] on the embedded adapters over
//! a temporary SQLite file, on a [`ManualClock`], with the demo workspace. Nothing runs in the
//! background: a test moves the clock and then [`drains`](TestTurno::drain) the queues, so
//! every deadline is reached by arithmetic, never by waiting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use turno_core::app::{Ports, Turno, WebhookBatch};
use turno_core::channel::message::{Content, InboundMessage};
use turno_core::config::{TurnoConfig, Workspaces};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};
use turno_core::kernel::lang::Lang;
use turno_core::ports::{Clock, Notification, NotificationKind, Notifier, QueueName, Store};
use turno_embedded::{Db, SandboxWhatsApp, SqliteEventBus, SqliteQueues, SqliteStore};

use crate::ManualClock;

/// The demo workspace's configuration, as the local runner and the sample events use it.
pub const DEMO_CONFIG_YAML: &str = include_str!("../../../infra/demo/turno.yaml");
/// The bot's intents the demo configuration names.
pub const DEMO_INTENTS_YAML: &str = include_str!("../../../infra/demo/intents.yaml");
/// The demo workspace's id.
pub const DEMO_WORKSPACE: &str = "100200300400500";

/// Most jobs one [`TestTurno::drain`] runs: a job that keeps queueing itself is a bug the
/// test should report, not hang on.
const MAX_DRAINED_JOBS: usize = 10_000;

/// A YAML configuration with the demo's intents, checked.
pub fn workspaces_from_yaml(text: &str) -> Workspaces {
    let mut config: TurnoConfig =
        serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("not a turno configuration: {e}"));
    config
        .load_intents(|_| Ok(DEMO_INTENTS_YAML.to_owned()))
        .unwrap_or_else(|e| panic!("the demo intents: {e}"));
    config
        .validate()
        .unwrap_or_else(|e| panic!("configuration not usable: {e}"))
}

/// The demo workspace configuration, checked.
pub fn demo_workspaces() -> Workspaces {
    workspaces_from_yaml(DEMO_CONFIG_YAML)
}

/// The demo workspace's id, parsed.
pub fn demo_workspace() -> WorkspaceId {
    WorkspaceId::parse(DEMO_WORKSPACE).unwrap_or_else(|e| panic!("demo workspace id: {e}"))
}

/// A notifier that keeps what it was asked to send, and can play a notification endpoint
/// that is down (every notice refused, nothing kept).
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notification>>,
    down: AtomicBool,
}

impl RecordingNotifier {
    /// Everything sent so far, in order.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What was sent of this kind.
    pub fn of_kind(&self, kind: NotificationKind) -> Vec<Notification> {
        self.sent().into_iter().filter(|n| n.kind == kind).collect()
    }

    /// Takes the endpoint down (`true`) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, notification: &Notification) -> anyhow::Result<()> {
        if self.down.load(Ordering::SeqCst) {
            anyhow::bail!("the notification endpoint answered 503");
        }
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(notification.clone());
        Ok(())
    }
}

/// A [`Turno`] on the embedded adapters, with handles on what the tests look at.
pub struct TestTurno {
    /// The use cases under test.
    pub turno: Turno,
    /// The store under the use cases (without their change feed).
    pub store: Arc<SqliteStore>,
    /// The queues the use cases send to; only [`TestTurno::drain`] receives from them.
    pub queues: Arc<SqliteQueues>,
    /// The domain events published.
    pub events: Arc<SqliteEventBus>,
    /// What was sent to customers.
    pub whatsapp: Arc<SandboxWhatsApp>,
    /// What was sent to the notification webhook.
    pub notifier: Arc<RecordingNotifier>,
    /// The clock of the use cases and of the queues.
    pub clock: Arc<ManualClock>,
    /// The database under the store, the queues and the event bus.
    pub db: Db,
}

impl std::fmt::Debug for TestTurno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestTurno")
            .field("now", &self.clock.now())
            .finish_non_exhaustive()
    }
}

impl TestTurno {
    /// The demo workspace on a fresh temporary database, its agents written (both online),
    /// the clock standing at `now`.
    pub async fn demo(now: Timestamp) -> Self {
        Self::configured(demo_workspaces(), now).await
    }

    /// These workspaces on a fresh temporary database, their agents written.
    pub async fn configured(workspaces: Workspaces, now: Timestamp) -> Self {
        let t = Self::without_agents(workspaces, now);
        t.turno
            .seed_agents()
            .await
            .unwrap_or_else(|e| panic!("seeding the agents: {e}"));
        t
    }

    /// The demo workspace on a fresh temporary database with nothing written yet, as a new
    /// deployment's table.
    pub fn demo_without_agents(now: Timestamp) -> Self {
        Self::without_agents(demo_workspaces(), now)
    }

    fn without_agents(workspaces: Workspaces, now: Timestamp) -> Self {
        Self::with_store(workspaces, now, |store| store)
    }

    /// These workspaces with the store the use cases see wrapped by `wrap` (a test double
    /// that loses races, say); agents are not written.
    pub fn with_store(
        workspaces: Workspaces,
        now: Timestamp,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
    ) -> Self {
        let db = Db::open_temporary().unwrap_or_else(|e| panic!("temporary database: {e:#}"));
        let clock = Arc::new(ManualClock::new(now));
        let queues = Arc::new(SqliteQueues::with_options(
            db.clone(),
            Default::default(),
            clock.clone(),
        ));
        let store = Arc::new(SqliteStore::new(db.clone()).with_outbox(queues.clone()));
        let events = Arc::new(SqliteEventBus::new(db.clone()));
        let whatsapp = Arc::new(SandboxWhatsApp::new(db.clone()));
        let notifier = Arc::new(RecordingNotifier::default());
        let ports = Ports {
            store: wrap(store.clone()),
            queue: queues.clone(),
            whatsapp: whatsapp.clone(),
            notifier: notifier.clone(),
            events: events.clone(),
            clock: clock.clone(),
        };
        TestTurno {
            turno: Turno::new(ports, workspaces),
            store,
            queues,
            events,
            whatsapp,
            notifier,
            clock,
            db,
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: SignedDuration) {
        self.clock.advance(by);
    }

    /// Runs every job that is due by the clock, and whatever those jobs queue that is due
    /// too, until nothing is left to run now: what the workers would do before the clock
    /// moves again. Returns how many jobs ran. Panics on a failed job, naming it.
    pub async fn drain(&self) -> usize {
        let mut ran = 0;
        loop {
            let mut ran_this_round = 0;
            for queue in QueueName::ALL {
                let deliveries = self
                    .queues
                    .receive(queue, 10, Duration::from_secs(60))
                    .unwrap_or_else(|e| panic!("receiving from {}: {e:#}", queue.as_str()));
                for d in deliveries {
                    if let Err(e) = self.turno.handle_job(queue, &d.body).await {
                        panic!("{} job failed: {e}\n{}", queue.as_str(), d.body);
                    }
                    self.queues
                        .ack(&d.receipt)
                        .unwrap_or_else(|e| panic!("acknowledging a job: {e:#}"));
                    ran_this_round += 1;
                }
            }
            if ran_this_round == 0 {
                return ran;
            }
            ran += ran_this_round;
            assert!(ran < MAX_DRAINED_JOBS, "jobs keep queueing jobs: {ran} ran");
        }
    }

    /// Moves the clock by `by` and runs what fell due: a deadline passing, in one step.
    pub async fn advance_and_drain(&self, by: SignedDuration) -> usize {
        self.advance(by);
        self.drain().await
    }

    /// A message from customer `from` (WhatsApp profile name "Lucía") in the demo workspace,
    /// accepted as the webhook would, and everything it causes run.
    pub async fn customer_sends(&self, from: &str, id: &str, content: Content) {
        let message = InboundMessage {
            workspace: demo_workspace(),
            id: MessageId::parse(id).unwrap_or_else(|e| panic!("message id {id}: {e}")),
            from: WaId::parse(from).unwrap_or_else(|e| panic!("customer {from}: {e}")),
            profile_name: Some("Lucía".into()),
            at: self.clock.now(),
            content,
            context: None,
        };
        self.turno
            .accept_webhook(WebhookBatch {
                messages: vec![message],
                ..WebhookBatch::default()
            })
            .await
            .unwrap_or_else(|e| panic!("accepting the message: {e}"));
        self.drain().await;
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

    /// A ticket of `customer` the bot is handing off (seeded as [`Self::seed_bot_ticket`]
    /// leaves it), and the job that hands it off because the customer asked for a person.
    pub async fn bot_handoff(&self, customer: &str) -> turno_core::desk::escalation::EscalationJob {
        let ws = demo_workspace();
        let id = TicketId::generate();
        let customer = WaId::parse(customer).unwrap_or_else(|e| panic!("{customer}: {e}"));
        self.seed_bot_ticket(&ws, &id, &customer).await;
        turno_core::desk::escalation::EscalationJob {
            workspace: ws,
            ticket_id: id,
            reason: turno_core::desk::ticket::EscalationReason::ExplicitRequest,
            requested_team: None,
            menu_choice: None,
            text: "quiero hablar con un agente".into(),
            language: Lang::Es,
            trigger: None,
            intent: None,
            out_of_hours: false,
            keyword: None,
            priority: None,
        }
    }

    /// The ticket as stored now.
    pub async fn ticket(&self, ws: &WorkspaceId, id: &TicketId) -> Ticket {
        self.turno
            .store()
            .ticket(ws, id)
            .await
            .unwrap_or_else(|e| panic!("reading ticket {id}: {e}"))
            .unwrap_or_else(|| panic!("no ticket {id}"))
    }
}
