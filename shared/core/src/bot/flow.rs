//! Bot flows that look something up: slots the bot collects from the customer (an order
//! number), actions that call the business's HTTP API, and answer templates filled with what
//! came back. Also the optional LLM's settings. Pure data and text handling; the HTTP calls
//! are behind the [`crate::bot::integrations`] ports.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::kernel::lang::Localized;

/// Values for templates: slots (`order_number`), the customer (`customer.name`) and action
/// fields (`order.status`).
pub type Vars = BTreeMap<String, String>;

/// An intent the bot answers by collecting slots, calling an action and filling a template.
///
/// ```yaml
/// order_status:
///   slots:
///     order_number:
///       pattern: '\b\d{5,8}\b'
///       prompt: { es: "¿Cuál es tu número de pedido?" }
///   call: order_status
///   result: order
///   answer: { es: "Tu pedido {order_number} está {order.status}." }
///   not_found: { es: "No encuentro el pedido {order_number}." }
///   failed: { es: "No puedo consultar tu pedido ahora mismo." }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// What the bot needs from the customer, asked for in this order when missing.
    #[serde(default)]
    pub slots: BTreeMap<String, SlotConfig>,
    /// The action (under `bot.actions`) to call once every slot is filled; none: just answer.
    #[serde(default)]
    pub call: Option<String>,
    /// The name the action's fields go under in templates (`order` → `{order.status}`);
    /// the action's own name by default.
    #[serde(default)]
    pub result: Option<String>,
    /// The answer, with `{slot}`, `{customer.name}` and `{result.field}` variables.
    pub answer: Localized,
    /// Said when the business's API does not know the slot's value (HTTP 404); the bot then
    /// asks for it again and counts a failed attempt.
    #[serde(default)]
    pub not_found: Option<Localized>,
    /// Said before the handoff when the business's API fails (timeout, 5xx, unreadable).
    #[serde(default)]
    pub failed: Option<Localized>,
}

impl FlowConfig {
    /// The name the action's fields go under in templates.
    pub fn result_name(&self) -> Option<&str> {
        self.result.as_deref().or(self.call.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotConfig {
    /// A regular expression that finds the value in the customer's words; the first capture
    /// group if it has one, else the whole match.
    pub pattern: String,
    /// How the bot asks for it.
    pub prompt: Localized,
    /// The compiled pattern, filled in by the configuration check.
    #[serde(skip)]
    compiled: Option<Arc<regex::Regex>>,
}

impl SlotConfig {
    pub(crate) fn compile(&mut self) -> Result<(), String> {
        let re = regex::Regex::new(&self.pattern).map_err(|e| e.to_string())?;
        self.compiled = Some(Arc::new(re));
        Ok(())
    }

    /// The slot's value in `text`, if it is there; failing that, in `text` with digit groups
    /// joined (`456 789`, `234-567`, `12.34.56` as customers type a number) and digits set
    /// apart from a word they follow (`nº123456`, `pedido123456`).
    pub fn find(&self, text: &str) -> Option<String> {
        self.find_in(text).or_else(|| {
            let spaced = digits_apart(text);
            join_digit_groups(&spaced)
                .map(|t| self.find_in(&t))
                .unwrap_or_else(|| self.find_in(&spaced))
        })
    }

    fn find_in(&self, text: &str) -> Option<String> {
        let re = self.compiled.as_ref()?;
        let caps = re.captures(text)?;
        caps.get(1)
            .or_else(|| caps.get(0))
            .map(|m| m.as_str().trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// `text` with a space between a letter and a digit that follows it.
fn digits_apart(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut after_letter = false;
    for c in text.chars() {
        if c.is_ascii_digit() && after_letter {
            out.push(' ');
        }
        after_letter = c.is_alphabetic();
        out.push(c);
    }
    out
}

/// `text` with groups of two or more digits that one space, dash or dot separates written
/// together; `None` when there are none.
fn join_digit_groups(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let run_before = |i: usize| {
        chars[..i]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let run_after = |i: usize| {
        chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut out = String::with_capacity(text.len());
    let mut joined = false;
    for (i, c) in chars.iter().enumerate() {
        let separator = matches!(c, ' ' | '-' | '.');
        if separator && i > 0 && run_before(i) >= 2 && run_after(i) >= 2 {
            joined = true;
            continue;
        }
        out.push(*c);
    }
    joined.then_some(out)
}

/// A call to the business's HTTP API.
///
/// ```yaml
/// order_status:
///   url: "https://shop.example/api/orders/{order_number}"
///   method: GET
///   headers:
///     Accept: application/json
///     Authorization: { env: SHOP_API_TOKEN, prefix: "Bearer " }
///   timeout_ms: 3000
///   fields: { status: "$.status", eta: "$.delivery.eta" }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// The URL, with `{slot}` variables (their values are percent-encoded).
    pub url: String,
    #[serde(default)]
    pub method: HttpMethod,
    /// Request headers: a fixed value, or `{env: NAME, prefix: "Bearer "}` to read a secret
    /// from the environment when the call is made (never written in the file or the logs).
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValue>,
    /// A JSON body template for POST, with `{slot}` variables (their values JSON-escaped).
    #[serde(default)]
    pub body: Option<String>,
    /// How long to wait for the whole answer (default 5000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// What to take from the JSON answer: a name for templates and a path (`$.a.b`, `$.items[0].c`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn default_timeout_ms() -> u64 {
    5000
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    Fixed(String),
    /// The value of an environment variable, after `prefix`.
    FromEnv {
        env: String,
        #[serde(default)]
        prefix: String,
    },
}

impl ActionConfig {
    /// The URL with its variables filled in, percent-encoded.
    pub fn url_with(&self, vars: &Vars) -> String {
        render_with(&self.url, vars, percent_encode)
    }

    /// The body with its variables filled in, JSON-escaped.
    pub fn body_with(&self, vars: &Vars) -> Option<String> {
        self.body.as_deref().map(|b| {
            render_with(b, vars, |v| {
                let quoted = serde_json::Value::String(v.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            })
        })
    }

    /// The configured fields read from a JSON answer; a path that is absent gives nothing.
    pub fn fields_from(&self, answer: &serde_json::Value) -> Vars {
        self.fields
            .iter()
            .filter_map(|(name, path)| json_path(answer, path).map(|v| (name.clone(), v)))
            .collect()
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(format!(
                "url {:?} must start with http:// or https://",
                self.url
            ));
        }
        if !(1..=30_000).contains(&self.timeout_ms) {
            return Err("timeout_ms must be 1 to 30000".into());
        }
        for (name, path) in &self.fields {
            parse_path(path).ok_or_else(|| {
                format!("field {name}: path {path:?} must look like $.status or $.items[0].name")
            })?;
        }
        Ok(())
    }
}

/// Fills `{name}` variables from `vars`; an unknown variable becomes empty text.
pub fn render(template: &str, vars: &Vars) -> String {
    render_with(template, vars, str::to_owned)
}

fn render_with(template: &str, vars: &Vars, encode: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if !after[..close].is_empty()
                    && after[..close]
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.') =>
            {
                if let Some(v) = vars.get(&after[..close]) {
                    out.push_str(&encode(v));
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn percent_encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<PathStep<'_>>> {
    let rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(PathStep::Key(&r[..end]));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            steps.push(PathStep::Index(r[..end].trim().parse().ok()?));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The value at a `$.a.b[0]` path, as text: strings as they are, numbers and booleans
/// written out, objects and arrays as JSON; absent or null gives nothing.
pub fn json_path(value: &serde_json::Value, path: &str) -> Option<String> {
    let mut v = value;
    for step in parse_path(path)? {
        v = match step {
            PathStep::Key(k) => v.get(k)?,
            PathStep::Index(i) => v.get(i)?,
        };
    }
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The optional LLM: an OpenAI-compatible `/chat/completions` endpoint the bot asks only
/// when its own understanding is not confident. Off unless `enabled`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    #[serde(default)]
    pub enabled: bool,
    /// The API base, e.g. `https://api.openai.com/v1` (`/chat/completions` is added).
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key (sent as a bearer token); none: no key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default = "default_llm_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub mode: LlmMode,
}

fn default_llm_timeout_ms() -> u64 {
    4000
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmMode {
    /// Pick one of the configured intents; the bot then handles it as if it had understood.
    #[default]
    Classify,
    /// Answer from the configured FAQ answers only, or say it cannot.
    Answer,
}

/// Checks the bot's flows, actions and LLM settings and compiles the slot patterns.
pub(crate) fn check_flows(
    flows: &mut HashMap<String, FlowConfig>,
    actions: &HashMap<String, ActionConfig>,
    llm: Option<&LlmConfig>,
) -> Result<(), String> {
    for (name, a) in actions {
        a.check().map_err(|e| format!("bot.actions.{name}: {e}"))?;
    }
    for (name, f) in flows.iter_mut() {
        if let Some(call) = &f.call
            && !actions.contains_key(call)
        {
            return Err(format!(
                "bot.flows.{name} calls {call:?}, which is not under bot.actions"
            ));
        }
        for (slot, s) in f.slots.iter_mut() {
            s.compile()
                .map_err(|e| format!("bot.flows.{name}.slots.{slot}.pattern: {e}"))?;
        }
    }
    if let Some(l) = llm.filter(|l| l.enabled) {
        if !(l.base_url.starts_with("http://") || l.base_url.starts_with("https://")) {
            return Err("bot.llm.base_url must start with http:// or https://".into());
        }
        if l.model.trim().is_empty() {
            return Err("bot.llm.model is empty: name the model to ask".into());
        }
        if !(1..=30_000).contains(&l.timeout_ms) {
            return Err("bot.llm.timeout_ms must be 1 to 30000".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn templates_fill_known_variables_and_drop_unknown_ones() {
        let v = vars(&[("order.status", "enviado"), ("customer.name", "Lucía")]);
        assert_eq!(
            render(
                "Hola {customer.name}: {order.status}{order.eta}. {no cerrado",
                &v
            ),
            "Hola Lucía: enviado. {no cerrado"
        );
    }

    #[test]
    fn url_variables_are_percent_encoded() {
        let a: ActionConfig =
            serde_json::from_value(json!({"url": "https://shop.example/orders/{n}?x=1"})).unwrap();
        assert_eq!(
            a.url_with(&vars(&[("n", "12/34 ab")])),
            "https://shop.example/orders/12%2F34%20ab?x=1"
        );
    }

    #[test]
    fn fields_are_read_by_path_and_missing_ones_are_left_out() {
        let a: ActionConfig = serde_json::from_value(json!({
            "url": "https://x.example/{n}",
            "fields": {"status": "$.status", "eta": "$.delivery.eta", "first": "$.items[0].sku",
                       "count": "$.count", "gone": "$.nope.deeper"}
        }))
        .unwrap();
        let got = a.fields_from(&json!({
            "status": "shipped", "delivery": {"eta": "2026-11-24"},
            "items": [{"sku": "A1"}], "count": 3
        }));
        assert_eq!(
            got,
            vars(&[
                ("status", "shipped"),
                ("eta", "2026-11-24"),
                ("first", "A1"),
                ("count", "3")
            ])
        );
    }

    #[test]
    fn a_bad_path_or_url_is_refused_with_the_field_named() {
        let a: ActionConfig =
            serde_json::from_value(json!({"url": "https://x.example/", "fields": {"s": "status"}}))
                .unwrap();
        assert!(a.check().unwrap_err().contains("field s"));
        let b: ActionConfig = serde_json::from_value(json!({"url": "x.example/"})).unwrap();
        assert!(b.check().unwrap_err().contains("http"));
    }

    #[test]
    fn a_slot_takes_its_first_capture_group_or_the_whole_match() {
        let mut s: SlotConfig = serde_json::from_value(
            json!({"pattern": r"(?i)pedido\s*#?(\d{5,8})", "prompt": {"es": "?"}}),
        )
        .unwrap();
        s.compile().unwrap();
        assert_eq!(
            s.find("mi Pedido #123456 no llega").as_deref(),
            Some("123456")
        );
        assert_eq!(s.find("no sé el número"), None);
        let mut whole: SlotConfig =
            serde_json::from_value(json!({"pattern": r"\b\d{5,8}\b", "prompt": {"es": "?"}}))
                .unwrap();
        whole.compile().unwrap();
        assert_eq!(whole.find("es el 4815162").as_deref(), Some("4815162"));
    }

    #[test]
    fn a_number_typed_in_groups_is_found_whole_and_separate_numbers_stay_apart() {
        let mut s: SlotConfig =
            serde_json::from_value(json!({"pattern": r"\b(\d{5,8})\b", "prompt": {"es": "?"}}))
                .unwrap();
        s.compile().unwrap();
        for (text, want) in [
            ("456 789", Some("456789")),
            ("el pedido 234-567 no llegó", Some("234567")),
            ("order 12.34.56", Some("123456")),
            ("tengo 2 pedidos, el 123456", Some("123456")),
            ("2 - 3 veces", None),
            ("1 234", None),
            ("pedido nº123456", Some("123456")),
            ("mi pedido123456", Some("123456")),
        ] {
            assert_eq!(s.find(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn post_bodies_escape_values_as_json() {
        let a: ActionConfig = serde_json::from_value(
            json!({"url": "https://x.example/", "method": "POST", "body": "{\"n\": \"{n}\"}"}),
        )
        .unwrap();
        assert_eq!(
            a.body_with(&vars(&[("n", "a\"b")])).unwrap(),
            "{\"n\": \"a\\\"b\"}"
        );
        assert_eq!(a.method, HttpMethod::Post);
    }
}
