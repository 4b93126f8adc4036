//! The use cases, one module per capability, written once over the ports. The Lambda
//! functions and the local runner call [`Turno`] and nothing else.
//!
//! | capability | module | run by |
//! |---|---|---|
//! | accept a webhook, dispatch a queued job | [`ingress`] | webhook-ingress, every consumer |
//! | the bot's turn for one inbound message | [`inbound`] (with [`bot_io`]) | bot-turn |
//! | transcript entries and delivery statuses | [`transcript`] | ticket-writer |
//! | route, queue, assign a handoff | [`escalation`] | escalation |
//! | timers, sweep, warnings, breaches | [`sla`] | sla-enforcer |
//! | what agents do to tickets | [`desk`], [`channel`], [`notes`], [`assignment`] | agent-api |
//! | a customer's change of phone number | [`renumber`] | bot-turn (a `user_changed_number` notice) |
//! | bot-only conversations ending for inactivity (`resolved_by_bot`) | [`bot_outcome`] | bot-turn (arms), sla-enforcer (the delayed job) |
//! | the satisfaction survey, its answers and the low-score alert | [`csat`] | sla-enforcer (the survey's delayed job), bot-turn (the answers) |
//! | reports over any period, from the rollups | [`reports`] | agent-api |
//! | one row per conversation created in a range of dates, JSON pages or CSV | [`export`] | agent-api |
//! | onboarding a phone number while the deployment runs (operators) | [`onboarding`] | agent-api |
//! | the console's reads | [`inbox`], [`live`], [`metrics`], [`customers`], [`admin`], [`quick_replies`], [`quarantine`] | agent-api |
//!
//! Effects several of them share (save or release, arm the SLA timer, pull the queue,
//! announce) and the one optimistic-concurrency retry loop live below them, in [`effects`];
//! who may see what, in [`access`].

use std::sync::Arc;

use jiff::Timestamp;

use crate::config::Workspaces;
use crate::ports::{Clock, EventBus, Notifier, Queue, Store, WhatsApp};

mod access;
mod admin;
mod amendments;
mod assignment;
mod attachments;
mod bot_io;
mod bot_outcome;
mod change_feed;
mod channel;
mod config_admin;
mod config_agents;
mod config_sync;
mod credentials;
mod csat;
mod customer_data;
mod customers;
mod desk;
mod effects;
mod errors;
mod escalation;
mod export;
mod handoff;
mod inbound;
mod inbox;
mod ingress;
mod live;
mod metrics;
mod notes;
mod onboarding;
mod opt_out;
mod push;
mod quarantine;
mod quick_replies;
mod renumber;
mod replies;
mod reports;
mod retention;
mod sla;
mod snooze;
mod template_sync;
mod templates;
mod transcript;

pub use access::Actor;
pub use admin::{Redriven, TeamView};
pub use attachments::{Attachment, UploadedMedia};
pub use config_admin::{AuditEntry, ConfigSection, ConfigView};
pub use config_agents::AgentInput;
pub use config_sync::CHECK_EVERY;
pub use customer_data::{
    CustomerExport, Erasure, ExportedTicket, MAX_EXPORT_TICKETS, MediaReference, customer_ref,
};
pub use customers::{CustomerPatch, CustomerProfile, CustomerView, PreviousTicket};
pub use desk::{StatusChange, TicketView, Transfer};
pub use errors::{AppError, JobError};
pub use export::{
    CSV_COLUMNS, ConversationPage, ConversationRow, ExportParams, MAX_RANGE_DAYS, SlaResult,
    csv_header, date_range, push_row,
};
pub use inbox::{
    AssigneeFilter, ListPage, ListParams, ListView, MessagePreview, SlaState, SlaSummary,
    TicketDetail, TicketSummary,
};
pub use inbox::{ChangedTickets, MAX_CHANGED};
pub use ingress::{Accepted, WebhookBatch};
pub use live::{ChangeEvent, ChangePage};
pub use metrics::{AgentLoad, CsatSummary, Dashboard, Durations, TeamQueue, dashboard};
pub use notes::mentions_in;
pub use onboarding::{MAX_WORKSPACES_LISTED, Operator, WorkspacePage, WorkspaceSummary};
pub use push::{
    MAX_PER_AGENT as MAX_PUSH_SUBSCRIPTIONS, PushKeys, PushSettings, PushSubscription,
    PushSubscriptionInput, check_subscription, forget_push_subscription, push_subscriptions,
};
pub use quarantine::{
    MAX_RAW_CHARS, QuarantineEntry, QuarantineKind, QuarantinePage, QuarantineScope,
    QuarantinedItem, truncate_raw,
};
pub use quick_replies::{QuickReply, QuickReplyInput};
pub use renumber::{NUMBER_CHANGED_ACTION, NumberChange};
pub use reports::{
    Activity, AgentFigures, ChannelFigures, CsatFigures, Dur, Figures, Filters, Granularity,
    MAX_REPORT_DAYS, PeriodFigures, ReasonCount, Report, ReportQuery, SlaFigures, SlaOutcome,
    TeamFigures, Volumes, WallAndBusiness, build_report,
};
pub use retention::{RetentionReport, SWEEP_CONVERSATIONS, SWEEP_TICKETS};
pub use sla::SweepReport;
pub use snooze::{SnoozePreset, SnoozePresets};
pub use template_sync::TemplateSync;
pub use templates::TemplateOffer;

/// Everything the use cases talk to.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn Queue>,
    pub whatsapp: Arc<dyn WhatsApp>,
    pub notifier: Arc<dyn Notifier>,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
}

/// The help desk's use cases over one set of ports and the workspaces' configuration.
#[derive(Clone)]
pub struct Turno {
    ports: Ports,
    workspaces: Arc<Workspaces>,
    bot_io: bot_io::BotIo,
    dead_letters: Option<Arc<dyn crate::ports::DeadLetters>>,
    metrics: Arc<dyn crate::ports::Metrics>,
    sync: Arc<config_sync::ConfigSync>,
    directory: Arc<dyn crate::ports::Directory>,
    push: Option<push::PushSettings>,
    secrets: Arc<dyn crate::ports::SecretResolver>,
    /// One assignment write at a time per workspace in this process (see [`effects::AssignGate`]).
    assign_gate: Arc<effects::AssignGate>,
}

impl Turno {
    pub fn new(mut ports: Ports, workspaces: Workspaces) -> Self {
        let sync = config_sync::ConfigSync::new(workspaces.detached());
        let workspaces = Arc::new(workspaces);
        // Every write the use cases make also feeds the console's live updates and the
        // report rollups.
        ports.store = Arc::new(change_feed::ChangeFeedStore::new(
            ports.store,
            Arc::clone(&ports.clock),
            Arc::clone(&workspaces),
        ));
        Turno {
            ports,
            workspaces,
            bot_io: bot_io::BotIo::default(),
            dead_letters: None,
            metrics: Arc::new(crate::ports::NoMetrics),
            sync,
            directory: Arc::new(crate::ports::NoDirectory),
            push: None,
            secrets: Arc::new(crate::ports::NoSecrets),
            assign_gate: Arc::default(),
        }
    }

    /// The sign-in accounts an admin's invitations, role changes and deactivations update
    /// (none by default: the local runner signs in over the agent records).
    pub fn with_directory(mut self, directory: Arc<dyn crate::ports::Directory>) -> Self {
        self.directory = directory;
        self
    }

    /// Where the operational metrics go (none by default).
    pub fn with_metrics(mut self, metrics: Arc<dyn crate::ports::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The operational metrics, for the adapters that measure what only they see (how long
    /// a job waited in its queue).
    pub fn metrics(&self) -> &Arc<dyn crate::ports::Metrics> {
        &self.metrics
    }

    /// Lets the bot call the business's API (flows with actions) and the optional LLM.
    /// Without them an action fails (the flow hands off) and the LLM is never asked.
    /// Lets admins list and redrive the queues' dead letters.
    pub fn with_dead_letters(mut self, dead_letters: Arc<dyn crate::ports::DeadLetters>) -> Self {
        self.dead_letters = Some(dead_letters);
        self
    }

    /// Lets agents subscribe their browsers to Web Push with this deployment's VAPID key
    /// (the notifier does the sending).
    pub fn with_push(mut self, settings: push::PushSettings) -> Self {
        self.push = Some(settings);
        self
    }

    pub fn with_bot_integrations(
        mut self,
        integrations: Arc<dyn crate::bot::integrations::Integrations>,
        llm: Arc<dyn crate::bot::integrations::Llm>,
    ) -> Self {
        self.bot_io = bot_io::BotIo {
            integrations: Some(integrations),
            llm: Some(llm),
        };
        self
    }

    pub fn workspaces(&self) -> &Workspaces {
        &self.workspaces
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.ports.store
    }

    fn now(&self) -> Timestamp {
        self.ports.clock.now()
    }
}
