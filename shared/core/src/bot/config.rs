//! What a business configures of its bot: texts, the menu, intents, flows and actions.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::bot::flow::{ActionConfig, FlowConfig, LlmConfig};
use crate::bot::keywords::KeywordTrigger;
use crate::kernel::ids::TeamId;
use crate::kernel::lang::Localized;
use crate::kernel::text::Phrase;
use crate::sla::calendar::Calendar;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    pub greeting: Localized,
    pub menu: MenuConfig,
    /// Said when the conversation goes to a person.
    pub handoff: Localized,
    /// Said when the bot did not understand.
    pub fallback: Localized,
    /// Said when nobody can take a handed-off conversation at once; `{position}` becomes the
    /// customer's place in the queue. Nothing is said if unset.
    #[serde(default)]
    pub queued: Option<Localized>,
    /// Words that ask for a person (also as the start of a word) in a message that is short
    /// (up to three words) or asks for one explicitly ("quiero hablar con un agente"): "the
    /// first person to climb Everest" does not.
    #[serde(default = "default_escalation_keywords")]
    pub escalation_keywords: Vec<Phrase>,
    /// Words or phrases that hand off at once with their own team and priority (a lawyer,
    /// fraud, a consumer authority), reason `keyword`.
    #[serde(default)]
    pub keyword_triggers: Vec<KeywordTrigger>,
    /// Words that open a conversation (and show the menu again).
    #[serde(default = "default_greeting_words")]
    pub greeting_words: Vec<Phrase>,
    /// Consecutive messages the bot may fail to understand before it hands off.
    #[serde(default = "default_max_failed_attempts")]
    pub max_failed_attempts: u8,
    /// Understanding free text: intents, their answers, and which of them go to a person.
    #[serde(default)]
    pub nlu: Option<NluConfig>,
    /// Intents (or menu options) answered by collecting slots and calling an action.
    #[serde(default)]
    pub flows: HashMap<String, FlowConfig>,
    /// Calls to the business's HTTP API, by name.
    #[serde(default)]
    pub actions: HashMap<String, ActionConfig>,
    /// The SLA calendar (under `sla.calendars`) of the hours people answer; outside them a
    /// handoff takes the out-of-hours path. None: people answer around the clock.
    #[serde(default)]
    pub business_hours: Option<String>,
    /// Said instead of `handoff` outside business hours: when to expect an answer, and other
    /// ways to write (email). Required with `business_hours`.
    #[serde(default)]
    pub out_of_hours: Option<Localized>,
    /// An optional LLM asked when the bot's own understanding is not confident.
    #[serde(default)]
    pub llm: Option<LlmConfig>,
    /// A conversation only the bot handled ends, counted as resolved by the bot, after this
    /// long without a message from the customer; their next message starts a new one.
    #[serde(default = "default_inactive_after_secs")]
    pub inactive_after_secs: u64,
    /// The business-hours calendar, built by [`TurnoConfig::validate`].
    #[serde(skip)]
    pub hours: Option<Arc<Calendar>>,
}

impl BotConfig {
    /// Whether people answer at `at` (always, without `business_hours`).
    pub fn in_business_hours(&self, at: jiff::Timestamp) -> bool {
        self.hours.as_ref().is_none_or(|c| c.is_open(at))
    }

    /// The LLM settings, if it is enabled.
    pub fn llm_enabled(&self) -> Option<&LlmConfig> {
        self.llm.as_ref().filter(|l| l.enabled)
    }
}

/// The bot's natural-language understanding.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NluConfig {
    /// A YAML file of example phrases per intent and language (see `infra/demo/intents.yaml`),
    /// relative to the configuration file.
    pub intents_file: String,
    /// Below this confidence a message counts as not understood (default 0.25).
    #[serde(default)]
    pub threshold: Option<f32>,
    /// What the bot answers to each intent it handles itself.
    #[serde(default)]
    pub answers: HashMap<String, Localized>,
    /// Intents that always go to a person (sensitive topics: refunds, billing, cancellations).
    #[serde(default)]
    pub handoff_intents: Vec<String>,
    /// Hand off when the customer sounds frustrated (negative words, ALL CAPS, "!!!").
    #[serde(default = "yes")]
    pub frustration_handoff: bool,
    /// The classifier, built by [`TurnoConfig::load_intents`].
    #[serde(skip)]
    pub(crate) classifier: Option<Arc<turno_nlu::Classifier>>,
}

fn yes() -> bool {
    true
}

impl NluConfig {
    pub fn classifier(&self) -> Option<&turno_nlu::Classifier> {
        self.classifier.as_deref()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuConfig {
    pub prompt: Localized,
    pub options: Vec<MenuOption>,
    /// Send the menu as an interactive list instead of numbered text.
    #[serde(default)]
    pub interactive: bool,
    /// The list's button text (interactive menus only).
    #[serde(default)]
    pub button: Localized,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuOption {
    /// What the customer types (usually a number) to pick this option.
    pub key: String,
    pub title: Localized,
    pub action: MenuAction,
}

/// Written in YAML as a map with one key: `answer: {es: …}` or `handoff: {team: …}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "MenuActionMap", into = "MenuActionMap")]
pub enum MenuAction {
    /// Answer with a fixed text (an FAQ).
    Answer(Localized),
    /// Hand the conversation to a team (the routing default when none is named).
    Handoff { team: Option<TeamId> },
    /// Start a flow (under `bot.flows`): ask for its slots, call its action, answer.
    Flow(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MenuActionMap {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<Localized>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handoff: Option<HandoffTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flow: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoffTarget {
    #[serde(default)]
    team: Option<TeamId>,
}

impl TryFrom<MenuActionMap> for MenuAction {
    type Error = String;
    fn try_from(m: MenuActionMap) -> Result<Self, Self::Error> {
        match (m.answer, m.handoff, m.flow) {
            (Some(a), None, None) => Ok(MenuAction::Answer(a)),
            (None, Some(h), None) => Ok(MenuAction::Handoff { team: h.team }),
            (None, None, Some(f)) => Ok(MenuAction::Flow(f)),
            _ => Err(
                "a menu action is exactly one of `answer: {…}`, `handoff: {team: …}` or `flow: <name>`"
                    .into(),
            ),
        }
    }
}

impl From<MenuAction> for MenuActionMap {
    fn from(a: MenuAction) -> Self {
        match a {
            MenuAction::Answer(t) => MenuActionMap {
                answer: Some(t),
                ..MenuActionMap::default()
            },
            MenuAction::Handoff { team } => MenuActionMap {
                handoff: Some(HandoffTarget { team }),
                ..MenuActionMap::default()
            },
            MenuAction::Flow(f) => MenuActionMap {
                flow: Some(f),
                ..MenuActionMap::default()
            },
        }
    }
}

fn default_escalation_keywords() -> Vec<Phrase> {
    [
        "agente",
        "humano",
        "asesor",
        "persona",
        "agent",
        "human",
        "person",
        "atendente",
        "pessoa",
    ]
    .map(Phrase::from)
    .to_vec()
}

fn default_greeting_words() -> Vec<Phrase> {
    [
        "hola",
        "buenas",
        "buenos dias",
        "buenas tardes",
        "buenas noches",
        "buen dia",
        "hi",
        "hello",
        "hey",
        "good morning",
        "good afternoon",
        "good evening",
        "ola",
        "oi",
        "bom dia",
        "boa tarde",
        "boa noite",
        "que tal",
        "q tal",
        "que onda",
        "q onda",
        "e ai",
        "eai",
        "opa",
        "tudo bem",
        "td bem",
        // Openers that announce a question without asking it yet.
        "consulta",
        "una consulta",
        "tengo una consulta",
        "una pregunta",
        "tengo una pregunta",
        "una duda",
        "tengo una duda",
        "uma pergunta",
        "tenho uma pergunta",
        "uma duvida",
        "tenho uma duvida",
        "quick question",
        "i have a question",
        "menu",
    ]
    .map(Phrase::from)
    .to_vec()
}

fn default_max_failed_attempts() -> u8 {
    3
}

fn default_inactive_after_secs() -> u64 {
    30 * 60
}
