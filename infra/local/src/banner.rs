//! What the runner prints when it starts: where everything is, and how to sign in.

use crate::config::{self, LocalConfig};
use crate::{Running, demo_shop, dev_login_allowed};

/// Prints the addresses of the console, sandbox, webhook and API, the demo orders, the data
/// directory and agents' sign-in tokens to stderr.
pub(crate) fn print_banner(
    running: &Running,
    cfg: &LocalConfig,
    sandbox: bool,
    default_secret: bool,
) {
    let url = running.url();
    let mut out = String::new();
    out.push_str(&format!("\n  turno is running at {url}\n\n"));
    out.push_str(&format!("  Agent console:           {url}/console/\n"));
    if sandbox {
        out.push_str(&format!(
            "  Sandbox mode (no WHATSAPP_ACCESS_TOKEN): replies stay local.\n  Chat as a customer:      {url}/sandbox\n"
        ));
    } else {
        out.push_str(&format!(
            "  Live mode: replies go to {}\n",
            cfg.api_base_url
        ));
    }
    out.push_str(&format!(
        "  WhatsApp webhook:        {url}/webhook/whatsapp\n"
    ));
    out.push_str(&format!("  Agent API:               {url}/api/v1\n"));
    if cfg.config_path.is_none() {
        let numbers: Vec<&str> = demo_shop::ORDERS.iter().map(|o| o.number).collect();
        out.push_str(&format!(
            "  Demo shop orders:        {} (ask the bot \"¿Dónde está mi paquete?\")\n",
            numbers.join(", ")
        ));
    }
    out.push_str(&format!(
        "  Data:                    {}\n",
        cfg.data_dir.display()
    ));
    if default_secret {
        out.push_str(&format!(
            "  Webhook app secret:      {} (local default; set WHATSAPP_APP_SECRET)\n",
            config::SANDBOX_APP_SECRET
        ));
    }
    out.push_str("\n  Sign in as an agent (tokens valid 12 h), e.g.\n");
    for t in &running.tokens {
        out.push_str(&format!(
            "    {} ({}):\n      export TOKEN={}\n",
            t.name, t.agent, t.token
        ));
    }
    out.push_str(&format!(
        "    curl -s -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/tickets\n"
    ));
    if dev_login_allowed(running.addr, sandbox) {
        out.push_str(&format!(
            "  or get a token: curl -s -X POST {url}/api/v1/auth/dev-login -H 'content-type: application/json' -d '{{\"agent_id\":\"ana\"}}'\n"
        ));
    } else {
        out.push_str(
            "  (no password-less sign-in: it needs a loopback TURNO_ADDR and sandbox mode)\n",
        );
    }
    out.push_str("\n  Ctrl-C stops turno.\n");
    eprintln!("{out}");
}
