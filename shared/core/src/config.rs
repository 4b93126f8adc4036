//! Workspace configuration: what a business sets as data (bot texts, menu, teams, agents,
//! routing, SLA targets). Read from YAML by the runners; checked here once, at start-up.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::bot::config::{BotConfig, MenuAction};
use crate::desk::agent::Role;
use crate::desk::routing::{RoutingConfig, TeamConfig};
use crate::kernel::ids::{AgentId, TeamId, WaId, WorkspaceId};
use crate::kernel::lang::Lang;
use crate::sla::calendar::CalendarConfig;
use crate::sla::{BreachActions, Policies, PolicyConfig, PolicyMatch};

mod credentials;
mod retention;
mod workspaces;

pub use credentials::CredentialsConfig;
pub use retention::{MAX_RETENTION_DAYS, RetentionConfig};
pub use workspaces::{StoredConfigError, Workspaces};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnoConfig {
    pub workspaces: Vec<WorkspaceConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// The WhatsApp phone number id this workspace answers on.
    pub id: WorkspaceId,
    pub name: String,
    #[serde(default)]
    pub default_language: Lang,
    pub bot: BotConfig,
    pub teams: Vec<TeamConfig>,
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    pub routing: RoutingConfig,
    pub sla: SlaConfig,
    #[serde(default)]
    pub tickets: TicketsConfig,
    /// Known customers and their tags (`vip`, ...), matched by phone number.
    #[serde(default)]
    pub customers: Vec<CustomerConfig>,
    /// Approved WhatsApp templates by use (`re_engagement`, `csat`, `follow_up`, ...).
    #[serde(default)]
    pub templates: crate::channel::window::TemplatesConfig,
    /// Read receipts and other channel behaviour.
    #[serde(default)]
    pub whatsapp: crate::channel::window::ChannelConfig,
    /// The WhatsApp Business Account id (digits) the number belongs to: where the approved
    /// templates are listed from (`POST /admin/templates/sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp_business_account_id: Option<String>,
    /// The satisfaction survey after a ticket is resolved.
    #[serde(default)]
    pub csat: crate::desk::csat::CsatConfig,
    /// The workspace's time zone (an IANA name): the days reports count and exports select,
    /// snooze presets. Unset: the bot's business-hours calendar's zone, else the first SLA
    /// calendar's (by name), else UTC. Rollups are kept by local day as facts happen, so a
    /// change applies from then on.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The keywords that stop or resume marketing messages (STOP, BAJA, PARAR... by default).
    #[serde(default)]
    pub opt_out: crate::channel::opt_out::OptOutConfig,
    /// The workspace's own WhatsApp credentials (references to where they are kept). Unset:
    /// the deployment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialsConfig>,
    /// How long tickets and conversations are kept (see [`RetentionConfig`]); unset: forever.
    #[serde(default, skip_serializing_if = "RetentionConfig::is_empty")]
    pub retention: RetentionConfig,
}

impl WorkspaceConfig {
    /// The name of the workspace's time zone ([`WorkspaceConfig::time_zone`], or the one its
    /// calendars use).
    pub fn time_zone_name(&self) -> String {
        if let Some(name) = &self.time_zone {
            return name.clone();
        }
        let calendars = &self.sla.calendars;
        self.bot
            .business_hours
            .as_ref()
            .and_then(|name| calendars.get(name))
            .or_else(|| {
                let mut names: Vec<_> = calendars.keys().collect();
                names.sort();
                names.first().and_then(|n| calendars.get(*n))
            })
            .map_or_else(|| "UTC".to_owned(), |c| c.timezone.clone())
    }

    /// The workspace's time zone; UTC if it does not resolve (start-up refuses such a
    /// configuration).
    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone_name()).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The tags configured for a customer.
    pub fn customer_tags(&self, customer: &WaId) -> Vec<String> {
        self.customers
            .iter()
            .find(|c| &c.phone == customer)
            .map(|c| c.tags.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketsConfig {
    /// A customer's message within this many hours of the ticket's last activity joins that
    /// ticket (reopening it if resolved); later, a new ticket linked to it starts.
    #[serde(default = "default_thread_window_hours")]
    pub thread_window_hours: u32,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig {
            thread_window_hours: default_thread_window_hours(),
        }
    }
}

impl TicketsConfig {
    pub fn thread_window(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(i64::from(self.thread_window_hours))
    }
}

fn default_thread_window_hours() -> u32 {
    24
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerConfig {
    pub phone: WaId,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub role: Role,
    pub teams: Vec<TeamId>,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    /// Start online (demo and tests); real agents go online from the console.
    #[serde(default)]
    pub online: bool,
}

impl AgentConfig {
    /// The agent's first record in workspace `ws`: its profile, no load, and online only if
    /// the configuration says so.
    pub fn record(&self, ws: &WorkspaceId) -> crate::desk::agent::Agent {
        use crate::desk::agent::{Agent, Availability};
        Agent {
            workspace: ws.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            teams: self.teams.clone(),
            capacity: self.capacity,
            availability: if self.online {
                Availability::Online
            } else {
                Availability::Offline
            },
            load: 0,
            last_assigned_at: None,
            deactivated: false,
        }
    }
}

/// SLA settings: calendars, policies, and how timers hop.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Shorthand for a last, 24/7 policy named `default` with only a first-response target.
    #[serde(default)]
    pub first_response_secs: Option<u64>,
    /// Business calendars by name.
    #[serde(default)]
    pub calendars: HashMap<String, CalendarConfig>,
    /// Policies in order: the first that matches a ticket applies.
    #[serde(default)]
    pub policies: Vec<PolicyConfig>,
    /// The longest single timer delay the queue allows (SQS: 900 s); a timer further out
    /// re-arms itself.
    #[serde(default = "default_max_timer_delay")]
    pub max_timer_delay_secs: u64,
    /// The policies with their calendars built, filled in by [`TurnoConfig::validate`].
    #[serde(skip)]
    compiled: Policies,
}

impl SlaConfig {
    pub fn policies(&self) -> &Policies {
        &self.compiled
    }

    fn compile(&mut self) -> Result<(), String> {
        let mut all = self.policies.clone();
        if let Some(secs) = self.first_response_secs {
            all.push(PolicyConfig {
                name: "default".into(),
                when: PolicyMatch::default(),
                calendar: None,
                first_response_secs: Some(secs),
                next_response_secs: None,
                resolution_secs: None,
                escalate_after_secs: None,
                warn_at_percent: 80,
                on_breach: BreachActions {
                    notify: true,
                    ..BreachActions::default()
                },
                escalation_team: None,
            });
        }
        self.compiled = Policies::build(&self.calendars, &all).map_err(|e| e.0)?;
        Ok(())
    }
}

fn default_capacity() -> u32 {
    5
}

fn default_max_timer_delay() -> u64 {
    900
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl TurnoConfig {
    /// Reads and builds each workspace's intent classifier. `read` gets the `intents_file` as
    /// written and returns its text (the caller resolves it against the configuration's
    /// directory). Call before [`TurnoConfig::validate`].
    pub fn load_intents(
        &mut self,
        read: impl Fn(&str) -> Result<String, String>,
    ) -> Result<(), ConfigError> {
        for ws in &mut self.workspaces {
            let w = ws.id.to_string();
            let Some(nlu) = ws.bot.nlu.as_mut() else {
                continue;
            };
            let text = read(&nlu.intents_file).map_err(|e| {
                ConfigError(format!(
                    "workspace {w}: bot.nlu.intents_file {}: {e}",
                    nlu.intents_file
                ))
            })?;
            let set = turno_nlu::IntentSet::from_yaml(&text)
                .map_err(|e| ConfigError(format!("workspace {w}: {}: {e}", nlu.intents_file)))?;
            let mut options = turno_nlu::Options::default();
            if let Some(t) = nlu.threshold {
                options.threshold = t;
            }
            let classifier = turno_nlu::Classifier::new(&set, options)
                .map_err(|e| ConfigError(format!("workspace {w}: {}: {e}", nlu.intents_file)))?;
            let known: Vec<&str> = set.names().collect();
            for name in nlu.answers.keys().chain(&nlu.handoff_intents) {
                if !known.contains(&name.as_str()) {
                    return Err(ConfigError(format!(
                        "workspace {w}: bot.nlu names intent {name:?}, which {} does not define",
                        nlu.intents_file
                    )));
                }
            }
            nlu.classifier = Some(Arc::new(classifier));
        }
        Ok(())
    }

    /// Checks everything that refers to something else, so a typo fails at start-up with its
    /// place named, not at the first message.
    pub fn validate(self) -> Result<Workspaces, ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if self.workspaces.is_empty() {
            return err("no workspaces are configured: add one under `workspaces:`".into());
        }
        let mut by_id = HashMap::new();
        for ws in self.workspaces {
            let ws = ws.validate()?;
            let w = ws.id.as_str().to_owned();
            if by_id.insert(ws.id.clone(), Arc::new(ws)).is_some() {
                return err(format!("workspace {w} is configured twice"));
            }
        }
        Ok(Workspaces::from_map(by_id))
    }
}

impl WorkspaceConfig {
    /// Checks everything in one workspace that refers to something else (the rules
    /// [`TurnoConfig::validate`] applies to each), and builds what it needs (policies,
    /// calendars, flows). Intents must already be loaded.
    pub fn validate(mut self) -> Result<WorkspaceConfig, ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        let ws = &mut self;
        let w = ws.id.as_str().to_owned();
        if ws.id.is_deployment() {
            return err(format!(
                "workspace id {w} is reserved for what belongs to the whole deployment"
            ));
        }
        if let Some(waba) = &ws.whatsapp_business_account_id
            && (waba.is_empty() || waba.len() > 32 || !waba.bytes().all(|b| b.is_ascii_digit()))
        {
            return err(format!(
                "workspace {w}: whatsapp_business_account_id must be the account's id, digits only"
            ));
        }
        if jiff::tz::TimeZone::get(&ws.time_zone_name()).is_err() {
            return err(format!(
                "workspace {w}: time_zone {:?} is not a known time zone (an IANA name such as America/Mexico_City)",
                ws.time_zone_name()
            ));
        }
        if let Err(e) = ws.opt_out.check() {
            return err(format!("workspace {w}: {e}"));
        }
        if let Err(e) = ws.retention.check() {
            return err(format!("workspace {w}: {e}"));
        }
        let teams: HashSet<&TeamId> = ws.teams.iter().map(|t| &t.id).collect();
        if teams.len() != ws.teams.len() {
            return err(format!("workspace {w}: two teams share an id"));
        }
        if !teams.contains(&ws.routing.default_team) {
            return err(format!(
                "workspace {w}: routing.default_team {} is not one of its teams",
                ws.routing.default_team
            ));
        }
        for r in &ws.routing.rules {
            if !teams.contains(&r.team) {
                return err(format!(
                    "workspace {w}: routing rule {} names unknown team {}",
                    r.name, r.team
                ));
            }
        }
        let mut agent_ids = HashSet::new();
        for a in &ws.agents {
            if !agent_ids.insert(&a.id) {
                return err(format!("workspace {w}: agent id {} is used twice", a.id));
            }
            if let Some(t) = a.teams.iter().find(|t| !teams.contains(t)) {
                return err(format!(
                    "workspace {w}: agent {} is in unknown team {t}",
                    a.id
                ));
            }
        }
        if ws.bot.inactive_after_secs < 60 {
            return err(format!(
                "workspace {w}: bot.inactive_after_secs must be at least 60"
            ));
        }
        if ws.bot.menu.options.is_empty() {
            return err(format!("workspace {w}: bot.menu.options is empty"));
        }
        let mut keys = HashSet::new();
        for o in &ws.bot.menu.options {
            if !keys.insert(o.key.as_str()) {
                return err(format!("workspace {w}: menu key {:?} is used twice", o.key));
            }
            if let MenuAction::Handoff { team: Some(t) } = &o.action
                && !teams.contains(t)
            {
                return err(format!(
                    "workspace {w}: menu option {} hands off to unknown team {t}",
                    o.key
                ));
            }
        }
        if let Err(e) = crate::bot::keywords::check(&ws.bot.keyword_triggers, &teams) {
            return err(format!("workspace {w}: {e}"));
        }
        if let Err(e) = check_bot_flows(&mut ws.bot, &ws.sla) {
            return err(format!("workspace {w}: {e}"));
        }
        if ws.sla.first_response_secs == Some(0) {
            return err(format!(
                "workspace {w}: sla.first_response_secs must be above 0"
            ));
        }
        for p in &ws.sla.policies {
            if let Some(t) = p
                .when
                .teams
                .iter()
                .chain(&p.escalation_team)
                .find(|t| !teams.contains(t))
            {
                return err(format!(
                    "workspace {w}: SLA policy {} names unknown team {t}",
                    p.name
                ));
            }
        }
        if let Some(Err(e)) = ws.credentials.as_ref().map(|c| c.check(&ws.id)) {
            return err(format!("workspace {w}: {e}"));
        }
        if let Err(e) = ws.templates.validate() {
            return err(format!("workspace {w}: {e}"));
        }
        let survey_payloads = ws
            .templates
            .get(&ws.csat.template)
            .map(|t| t.button_payloads.as_slice());
        if let Err(e) = ws.csat.validate(survey_payloads) {
            return err(format!("workspace {w}: {e}"));
        }
        if let Err(e) = ws.sla.compile() {
            return err(format!("workspace {w}: sla: {e}"));
        }
        if !(1..=900).contains(&ws.sla.max_timer_delay_secs) {
            return err(format!(
                "workspace {w}: sla.max_timer_delay_secs must be 1 to 900"
            ));
        }
        Ok(self)
    }
}

/// Checks the bot's flows, actions, menu flows, business hours and LLM settings, and builds
/// what they need (slot patterns, the business-hours calendar).
fn check_bot_flows(bot: &mut BotConfig, sla: &SlaConfig) -> Result<(), String> {
    crate::bot::flow::check_flows(&mut bot.flows, &bot.actions, bot.llm.as_ref())?;
    for o in &bot.menu.options {
        if let MenuAction::Flow(f) = &o.action
            && !bot.flows.contains_key(f)
        {
            return Err(format!(
                "menu option {} starts flow {f:?}, which is not under bot.flows",
                o.key
            ));
        }
    }
    if let Some(nlu) = &bot.nlu
        && let Some(c) = nlu.classifier()
    {
        for name in bot.flows.keys() {
            let used_by_menu = bot
                .menu
                .options
                .iter()
                .any(|o| matches!(&o.action, MenuAction::Flow(f) if f == name));
            if !used_by_menu && !c.intents().iter().any(|i| i == name) {
                return Err(format!(
                    "bot.flows.{name} is neither an intent of {} nor started from the menu",
                    nlu.intents_file
                ));
            }
        }
    }
    match (&bot.business_hours, &bot.out_of_hours) {
        (Some(name), Some(_)) => {
            let cal = sla.calendars.get(name).ok_or_else(|| {
                format!(
                    "bot.business_hours names calendar {name:?}, which is not under sla.calendars"
                )
            })?;
            let built = cal
                .build()
                .map_err(|e| format!("sla.calendars.{name}: {}", e.0))?;
            bot.hours = Some(Arc::new(built));
        }
        (Some(_), None) => {
            return Err(
                "bot.business_hours is set but bot.out_of_hours is not: write what the bot says outside business hours"
                    .into(),
            );
        }
        (None, _) => bot.hours = None,
    }
    Ok(())
}
