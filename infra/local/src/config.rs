//! The local runner's settings, from the environment, checked at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use turno_core::config::{TurnoConfig, Workspaces};
use turno_core::ports::{Clock, SystemClock};

/// The demo workspace, used when `TURNO_CONFIG` is not set.
pub const DEMO_CONFIG: &str = include_str!("../../demo/turno.yaml");
/// The demo's intents, read when the demo configuration names `intents.yaml`.
pub const DEMO_INTENTS: &str = include_str!("../../demo/intents.yaml");

/// Used when `WHATSAPP_APP_SECRET` is not set: only for local trials, printed at start-up so
/// a signed webhook can be sent by hand.
pub const SANDBOX_APP_SECRET: &str = "turno-sandbox-app-secret";
pub const DEFAULT_VERIFY_TOKEN: &str = "turno-local-verify-token";
/// The VAPID contact when `TURNO_PUSH_SUBJECT` is not set.
pub const DEFAULT_PUSH_SUBJECT: &str = "mailto:push@localhost";
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v21.0";

#[derive(Clone)]
pub struct LocalConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: the built-in demo workspace.
    pub config_path: Option<PathBuf>,
    pub app_secret: String,
    pub verify_token: String,
    /// `None`: sandbox mode, messages to customers stay local.
    pub access_token: Option<String>,
    pub api_base_url: String,
    pub notify_url: Option<String>,
    /// The contact push services see in the VAPID token (`mailto:` or `https:`).
    pub push_subject: String,
    /// `None`: a secret generated once and kept in the data directory.
    pub jwt_secret: Option<String>,
    pub sweep_every: Duration,
    /// How often the retention sweep deletes what expired (a bounded batch each run).
    pub retention_every: Duration,
    /// What the use cases and the queues take the time from: the system clock, or a manual
    /// one in tests that move it past a deadline instead of waiting for it.
    pub clock: Arc<dyn Clock>,
    /// When sending to the Graph API pauses and how it probes again.
    pub breaker: turno_whatsapp::breaker::BreakerOptions,
}

/// The retention sweep's period: ten minutes (`TURNO_RETENTION_SWEEP_SECS`).
pub const DEFAULT_RETENTION_EVERY: Duration = Duration::from_secs(600);

impl std::fmt::Debug for LocalConfig {
    // Secrets stay out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalConfig")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("config_path", &self.config_path)
            .field("sandbox", &self.access_token.is_none())
            .field("api_base_url", &self.api_base_url)
            .finish_non_exhaustive()
    }
}

impl LocalConfig {
    /// Defaults for a run in `data_dir` on `addr` (tests use port 0).
    pub fn new(addr: SocketAddr, data_dir: PathBuf) -> Self {
        LocalConfig {
            addr,
            data_dir,
            config_path: None,
            app_secret: SANDBOX_APP_SECRET.into(),
            verify_token: DEFAULT_VERIFY_TOKEN.into(),
            access_token: None,
            api_base_url: DEFAULT_GRAPH_URL.into(),
            notify_url: None,
            push_subject: DEFAULT_PUSH_SUBJECT.into(),
            jwt_secret: None,
            sweep_every: Duration::from_secs(5),
            retention_every: DEFAULT_RETENTION_EVERY,
            clock: Arc::new(SystemClock),
            breaker: turno_whatsapp::breaker::BreakerOptions::default(),
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let addr = var("TURNO_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("TURNO_ADDR must be host:port, e.g. 127.0.0.1:3000")?;
        let mut cfg = LocalConfig::new(
            addr,
            var("TURNO_DATA_DIR")
                .unwrap_or_else(|| ".turno-data".into())
                .into(),
        );
        cfg.config_path = var("TURNO_CONFIG").map(PathBuf::from);
        if let Some(s) = var("WHATSAPP_APP_SECRET") {
            cfg.app_secret = s;
        }
        if let Some(t) = var("WHATSAPP_VERIFY_TOKEN") {
            cfg.verify_token = t;
        }
        cfg.access_token = var("WHATSAPP_ACCESS_TOKEN");
        if let Some(u) = var("WHATSAPP_API_BASE_URL") {
            cfg.api_base_url = u.trim_end_matches('/').to_owned();
        }
        cfg.notify_url = var("TURNO_NOTIFY_URL");
        if let Some(s) = var("TURNO_PUSH_SUBJECT") {
            cfg.push_subject = s;
        }
        cfg.jwt_secret = var("TURNO_JWT_SECRET");
        if let Some(s) = var("TURNO_SLA_SWEEP_SECS") {
            let secs: u64 = s
                .parse()
                .context("TURNO_SLA_SWEEP_SECS must be a whole number of seconds")?;
            cfg.sweep_every = Duration::from_secs(secs.max(1));
        }
        if let Some(s) = var("TURNO_RETENTION_SWEEP_SECS") {
            let secs: u64 = s
                .parse()
                .context("TURNO_RETENTION_SWEEP_SECS must be a whole number of seconds")?;
            cfg.retention_every = Duration::from_secs(secs.max(1));
        }
        if cfg.access_token.is_some() && cfg.app_secret == SANDBOX_APP_SECRET {
            anyhow::bail!(
                "WHATSAPP_ACCESS_TOKEN is set but WHATSAPP_APP_SECRET is not: set the Meta app secret so webhooks can be verified"
            );
        }
        Ok(cfg)
    }

    pub fn workspaces(&self) -> anyhow::Result<Workspaces> {
        self.workspaces_at(None)
    }

    /// [`LocalConfig::workspaces`] with `{runner_address}` in action URLs replaced by
    /// `runner_address` (the runner's own `host:port`), as the demo's shop lookup needs.
    pub fn workspaces_at(&self, runner_address: Option<&str>) -> anyhow::Result<Workspaces> {
        let (text, origin, dir) = match &self.config_path {
            Some(p) => (
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read TURNO_CONFIG file {}", p.display()))?,
                p.display().to_string(),
                p.parent().map(std::path::Path::to_path_buf),
            ),
            None => (
                DEMO_CONFIG.to_owned(),
                "the built-in demo configuration".into(),
                None,
            ),
        };
        parse_config_at(&text, dir.as_deref(), runner_address)
            .with_context(|| format!("in {origin}"))
    }
}

/// Parses and checks a YAML (or JSON, which is YAML) workspace configuration; files it names
/// are read relative to `dir` (with no directory, the demo's own files are used).
pub fn parse_config_in(text: &str, dir: Option<&std::path::Path>) -> anyhow::Result<Workspaces> {
    parse_config_at(text, dir, None)
}

/// [`parse_config_in`], and with a `runner_address` every `{runner_address}` in an action's
/// URL becomes it. Without one the placeholder stays (and the call fails when made).
pub fn parse_config_at(
    text: &str,
    dir: Option<&std::path::Path>,
    runner_address: Option<&str>,
) -> anyhow::Result<Workspaces> {
    let mut config: TurnoConfig =
        serde_yaml_ng::from_str(text).context("the configuration is not valid")?;
    if let Some(address) = runner_address {
        for ws in &mut config.workspaces {
            for action in ws.bot.actions.values_mut() {
                action.url = action
                    .url
                    .replace(crate::demo_shop::RUNNER_ADDRESS, address);
            }
        }
    }
    config.load_intents(|file| match dir {
        Some(dir) => std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string()),
        None if file == "intents.yaml" => Ok(DEMO_INTENTS.to_owned()),
        None => Err("only the demo's intents.yaml is built in; set TURNO_CONFIG to a file".into()),
    })?;
    Ok(config.validate()?)
}

/// [`parse_config_in`] for the built-in demo's directory.
pub fn parse_config(text: &str) -> anyhow::Result<Workspaces> {
    parse_config_in(text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_configuration_is_valid() {
        let ws = parse_config(DEMO_CONFIG).unwrap();
        assert_eq!(ws.iter().count(), 1);
    }

    #[test]
    fn a_routing_rule_naming_an_unknown_team_fails_with_its_name() {
        let broken = DEMO_CONFIG.replace("team: specialists", "team: lawyers");
        let err = format!("{:#}", parse_config(&broken).unwrap_err());
        assert!(
            err.contains("routing rule money_matters") && err.contains("lawyers"),
            "{err}"
        );
    }

    #[test]
    fn the_runner_address_fills_the_demo_action_url() {
        let ws = parse_config_at(DEMO_CONFIG, None, Some("127.0.0.1:4321")).unwrap();
        let bot = &ws.iter().next().unwrap().bot;
        assert_eq!(
            bot.actions["order_status"].url,
            "http://127.0.0.1:4321/demo/shop/orders/{order_number}?lang={lang}"
        );
        // Without an address (a deployment's loader) the configuration is still valid.
        let ws = parse_config(DEMO_CONFIG).unwrap();
        let bot = &ws.iter().next().unwrap().bot;
        assert!(bot.actions["order_status"].url.contains("{runner_address}"));
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let broken = DEMO_CONFIG.replace("max_failed_attempts: 3", "max_failed_atempts: 3");
        assert!(parse_config(&broken).is_err());
    }
    /// The complete bot example in docs/configuration.md is a valid configuration.
    #[test]
    fn the_documented_bot_example_loads() {
        let docs = include_str!("../../../docs/configuration.md");
        let start = docs.find("```yaml\nbot:\n").unwrap() + "```yaml\n".len();
        let block = &docs[start..start + docs[start..].find("```").unwrap()];
        let mut yaml = String::from("workspaces:\n  - id: \"1\"\n    name: Docs\n");
        for line in block.lines() {
            yaml.push_str(&format!("    {line}\n"));
        }
        yaml.push_str(
            "    teams: [{ id: support, name: Support, tier: L2 }]\n    routing: { default_team: support }\n    sla: { first_response_secs: 900 }\n",
        );
        let ws = parse_config(&yaml).unwrap();
        let bot = &ws.iter().next().unwrap().bot;
        assert!(bot.flows.contains_key("order_status"));
    }

    #[test]
    fn a_flow_calling_an_unknown_action_fails_with_its_name() {
        let broken = DEMO_CONFIG.replace("call: order_status", "call: order_lookup");
        let err = format!("{:#}", parse_config(&broken).unwrap_err());
        assert!(err.contains("order_lookup"), "{err}");
    }

    #[test]
    fn business_hours_without_an_out_of_hours_text_is_refused() {
        let mut config: TurnoConfig = serde_yaml_ng::from_str(DEMO_CONFIG).unwrap();
        config.workspaces[0].bot.business_hours = Some("office".into());
        config.workspaces[0].bot.out_of_hours = None;
        config
            .load_intents(|_| Ok(DEMO_INTENTS.to_owned()))
            .unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("bot.out_of_hours"), "{err}");

        let fine = DEMO_CONFIG.replace("# business_hours: office", "business_hours: office");
        let ws = parse_config(&fine).unwrap();
        assert!(ws.iter().next().unwrap().bot.hours.is_some());
    }
}
