//! The simulated workspace: the demo configuration with 20 agents in two shifts, and a
//! [`Turno`] over SQLite or DynamoDB Local on a manual clock, whose jobs the simulator runs
//! when they fall due.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use jiff::Timestamp;
use serde_yaml_ng::Value;
use turno_core::app::{Actor, Ports, Turno};
use turno_core::config::Workspaces;
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::AgentId;
use turno_core::ports::{Notification, Notifier, QueueName, Store};
use turno_embedded::{Db, SandboxWhatsApp, Settlement, SqliteEventBus, SqliteQueues, SqliteStore};
use turno_testkit::ManualClock;
use turno_testkit::harness::{DEMO_CONFIG_YAML, demo_workspace, workspaces_from_yaml};

/// Agents in the simulated team, `a01` to `a20`; the first `SPECIALISTS` also work in the
/// specialists' team.
pub const AGENTS: u32 = 20;
const SPECIALISTS: u32 = 6;
/// The supervisor who reads the inbox, the dashboard and the export.
pub const SUPERVISOR: &str = "bruno";

pub fn agent_name(i: u32) -> String {
    format!("a{:02}", i + 1)
}

pub fn actor(agent: &str, role: Role) -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(agent).expect("the simulator's agent ids are valid"),
        role,
    }
}

pub fn supervisor() -> Actor {
    actor(SUPERVISOR, Role::Supervisor)
}

/// The demo workspace with the simulated agents (all offline until their shift) and the
/// supervisor.
pub fn workspaces() -> anyhow::Result<Workspaces> {
    let mut doc: Value = serde_yaml_ng::from_str(DEMO_CONFIG_YAML)?;
    let agents: Vec<Value> = (0..AGENTS)
        .map(|i| {
            let teams = if i < SPECIALISTS {
                "[support, specialists]"
            } else {
                "[support]"
            };
            serde_yaml_ng::from_str(&format!(
                "{{ id: {}, name: Agent {}, email: {}@lumen.example, role: agent, teams: {teams}, capacity: 6 }}",
                agent_name(i),
                i + 1,
                agent_name(i)
            ))
        })
        .chain([serde_yaml_ng::from_str(
            "{ id: bruno, name: Bruno Souza, email: bruno@lumen.example, role: supervisor, teams: [support, specialists], capacity: 5 }",
        )])
        .collect::<Result<_, _>>()?;
    let ws = doc
        .get_mut("workspaces")
        .and_then(|w| w.get_mut(0))
        .context("the demo configuration has a workspace")?;
    ws["agents"] = Value::Sequence(agents);
    let text = serde_yaml_ng::to_string(&doc)?;
    Ok(workspaces_from_yaml(&text))
}

/// Notifications go nowhere; the simulator counts nothing from them.
struct Silent;

#[async_trait]
impl Notifier for Silent {
    async fn notify(&self, _: &Notification) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Where the month is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    Sqlite(std::path::PathBuf),
    /// DynamoDB Local at `TURNO_TEST_DYNAMODB_ENDPOINT`, a fresh table from `template.yaml`.
    Dynamodb,
}

impl std::str::FromStr for StoreChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some(("sqlite", path)) if !path.is_empty() => Ok(StoreChoice::Sqlite(path.into())),
            _ if s == "dynamodb" => Ok(StoreChoice::Dynamodb),
            _ => Err(format!("{s:?}: use sqlite:PATH or dynamodb")),
        }
    }
}

/// The use cases on the chosen store, with the handles the simulator drives.
pub struct World {
    pub turno: Turno,
    pub store: Arc<dyn Store>,
    pub queues: Arc<SqliteQueues>,
    pub clock: Arc<ManualClock>,
    /// DynamoDB requests made so far (DynamoDB only).
    pub requests: Option<turno_aws::RequestCounter>,
    /// Keeps the queue database of a DynamoDB run alive.
    _scratch: Option<tempfile::TempDir>,
}

impl World {
    pub async fn open(choice: &StoreChoice, start: Timestamp) -> anyhow::Result<World> {
        Self::open_with(choice, start, false).await
    }

    /// A SQLite month an earlier run simulated, to measure its reads again, with the clock at
    /// `now`.
    pub async fn reopen(choice: &StoreChoice, now: Timestamp) -> anyhow::Result<World> {
        match choice {
            StoreChoice::Sqlite(path) if path.exists() => Self::open_with(choice, now, true).await,
            _ => anyhow::bail!("--measure-only needs the sqlite:PATH of an earlier run"),
        }
    }

    async fn open_with(
        choice: &StoreChoice,
        start: Timestamp,
        existing: bool,
    ) -> anyhow::Result<World> {
        let clock = Arc::new(ManualClock::new(start));
        let queues_on = |db: &Db| {
            Arc::new(SqliteQueues::with_options(
                db.clone(),
                Default::default(),
                clock.clone(),
            ))
        };
        let (store, db, queues, requests, scratch): (Arc<dyn Store>, Db, _, _, _) = match choice {
            StoreChoice::Sqlite(path) => {
                if path.exists() && !existing {
                    anyhow::bail!(
                        "{} exists: the simulator writes a new database",
                        path.display()
                    );
                }
                let db = Db::open(path)?;
                let queues = queues_on(&db);
                // As the local runner builds it: a turn's jobs and events in the turn's write.
                let store = SqliteStore::new(db.clone()).with_outbox(queues.clone());
                (Arc::new(store), db, queues, None, None)
            }
            StoreChoice::Dynamodb => {
                let counter = turno_aws::RequestCounter::default();
                let clients = turno_aws::testing::counted_emulator_clients(&counter).await;
                let table = turno_aws::testing::table(&clients.dynamodb).await;
                let scratch = tempfile::tempdir()?;
                let db = Db::open(&scratch.path().join("queues.db"))?;
                let queues = queues_on(&db);
                // The counts and rollups a report reads are applied from the stream first,
                // as the ticket-counts function does.
                let store = turno_aws::testing::caught_up_store(clients.dynamodb, &table).await;
                (Arc::new(store), db, queues, Some(counter), Some(scratch))
            }
        };
        let ports = Ports {
            store: store.clone(),
            queue: queues.clone(),
            whatsapp: Arc::new(SandboxWhatsApp::new(db.clone())),
            notifier: Arc::new(Silent),
            events: Arc::new(SqliteEventBus::new(db)),
            clock: clock.clone(),
        };
        let turno =
            Turno::new(ports, workspaces()?).with_bot_integrations(Arc::new(Shop), Arc::new(NoLlm));
        turno.seed_agents().await?;
        Ok(World {
            turno,
            store,
            queues,
            clock,
            requests,
            _scratch: scratch,
        })
    }

    /// Runs every job due by the clock (and what they queue that is due too). Returns how
    /// many ran and how many failed (a failed job is dropped, as a dead letter would be).
    pub async fn drain(&self) -> anyhow::Result<(u64, u64)> {
        let (mut ran, mut failed) = (0, 0);
        loop {
            let mut this_round = 0;
            for queue in QueueName::ALL {
                let deliveries = self
                    .queues
                    .receive_async(queue, 10, Duration::from_secs(60))
                    .await?;
                for d in deliveries {
                    if self.turno.handle_job(queue, &d.body).await.is_err() {
                        failed += 1;
                    }
                    self.queues
                        .settle_async(vec![(d.receipt, Settlement::Ack)])
                        .await?;
                    this_round += 1;
                }
            }
            if this_round == 0 {
                return Ok((ran, failed));
            }
            ran += this_round;
        }
    }
}

/// The database file a SQLite run writes, for the report.
pub fn describe(choice: &StoreChoice) -> String {
    match choice {
        StoreChoice::Sqlite(p) => format!("SQLite {}", Path::new(p).display()),
        StoreChoice::Dynamodb => "DynamoDB Local".into(),
    }
}

/// The demo shop's order API as the simulated month sees it: every order is on its way
/// (orders ending in 0 are unknown, so some look-ups fail as in life).
struct Shop;

#[async_trait::async_trait]
impl turno_core::bot::integrations::Integrations for Shop {
    async fn call(
        &self,
        _ws: &turno_core::kernel::ids::WorkspaceId,
        _name: &str,
        _action: &turno_core::bot::flow::ActionConfig,
        vars: &turno_core::bot::flow::Vars,
    ) -> Result<turno_core::bot::flow::Vars, turno_core::bot::integrations::IntegrationError> {
        if vars.get("order_number").is_some_and(|n| n.ends_with('0')) {
            return Err(turno_core::bot::integrations::IntegrationError::NotFound);
        }
        Ok([
            ("status".to_owned(), "en camino".to_owned()),
            ("eta".to_owned(), "mañana".to_owned()),
        ]
        .into_iter()
        .collect())
    }
}

/// No LLM: the demo workspace configures none.
struct NoLlm;

#[async_trait::async_trait]
impl turno_core::bot::integrations::Llm for NoLlm {
    async fn chat(
        &self,
        _config: &turno_core::bot::flow::LlmConfig,
        _messages: &[turno_core::bot::integrations::ChatMessage],
    ) -> Result<String, turno_core::bot::integrations::LlmError> {
        Err(turno_core::bot::integrations::LlmError(
            "no LLM in the simulation".into(),
        ))
    }
}
