//! Asking the optional LLM: which intent a message means, or a short answer, and how the
//! bot takes the reply.

use crate::bot::config::{BotConfig, MenuAction, NluConfig};
use crate::bot::engine::*;
use crate::bot::integrations::ChatMessage;
use crate::channel::message::Outbound;
use crate::kernel::lang::Lang;

/// The longest LLM answer sent to a customer, in characters.
const MAX_LLM_ANSWER_CHARS: usize = 1000;

fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Es => "Spanish",
        Lang::En => "English",
        Lang::Pt => "Portuguese",
    }
}

/// The intents the LLM may pick from: every intent but `greeting`.
fn llm_intents(config: &BotConfig) -> Vec<&str> {
    config
        .nlu
        .as_ref()
        .and_then(NluConfig::classifier)
        .map(|c| {
            c.intents()
                .iter()
                .map(String::as_str)
                .filter(|i| *i != "greeting")
                .collect()
        })
        .unwrap_or_default()
}

/// The messages asking the LLM to classify `text` into one of the configured intents.
pub fn llm_classify_messages(config: &BotConfig, text: &str) -> Vec<ChatMessage> {
    let intents = llm_intents(config).join(", ");
    vec![
        ChatMessage {
            role: "system",
            content: format!(
                "You classify a customer's WhatsApp message to a help desk. The intents are: \
                 {intents}. Reply with exactly one intent name from that list and nothing \
                 else, or with `none` if no intent fits."
            ),
        },
        ChatMessage {
            role: "user",
            content: text.to_owned(),
        },
    ]
}

/// The intent in the LLM's reply, if it is one of the configured intents.
pub fn parse_llm_intent(config: &BotConfig, reply: &str) -> Option<String> {
    let word = reply
        .trim()
        .trim_matches(|c: char| c == '`' || c == '"' || c == '\'' || c == '.')
        .trim()
        .to_lowercase();
    llm_intents(config)
        .into_iter()
        .find(|i| *i == word)
        .map(str::to_owned)
}

/// The step for an intent the LLM recognised, if the bot handles that intent.
pub fn step_for_intent(
    config: &BotConfig,
    state: &BotState,
    lang: Lang,
    intent: &str,
    text: &str,
    customer: &Customer<'_>,
) -> Option<Step> {
    let nlu = config.nlu.as_ref()?;
    let mut s = on_intent(config, nlu, state.clone(), lang, intent, text, customer)?;
    s.understood_as = format!("llm:{}", s.understood_as);
    Some(s)
}

/// The messages asking the LLM to answer `text` from the configured answers only.
pub fn llm_answer_messages(config: &BotConfig, lang: Lang, text: &str) -> Vec<ChatMessage> {
    let mut facts = String::new();
    if let Some(nlu) = &config.nlu {
        let mut answers: Vec<_> = nlu.answers.iter().collect();
        answers.sort_by(|a, b| a.0.cmp(b.0));
        for (intent, answer) in answers {
            facts.push_str(&format!("- {intent}: {}\n", answer.get(lang)));
        }
    }
    for o in &config.menu.options {
        if let MenuAction::Answer(a) = &o.action {
            facts.push_str(&format!("- {}: {}\n", o.title.get(lang), a.get(lang)));
        }
    }
    vec![
        ChatMessage {
            role: "system",
            content: format!(
                "You answer a customer's WhatsApp message for a help desk, in {}, briefly, \
                 using only these facts:\n{facts}If the facts do not answer the message, \
                 reply with exactly NONE.",
                language_name(lang)
            ),
        },
        ChatMessage {
            role: "user",
            content: text.to_owned(),
        },
    ]
}

/// The step for an answer the LLM wrote, unless it said it has none.
pub fn step_for_llm_answer(state: &BotState, reply: &str) -> Option<Step> {
    let reply = reply.trim();
    if reply.is_empty() || reply.to_uppercase().starts_with("NONE") {
        return None;
    }
    let mut next = state.clone();
    next.failed_attempts = 0;
    next.greeted = true;
    next.awaiting = None;
    let answer: String = reply.chars().take(MAX_LLM_ANSWER_CHARS).collect();
    Some(Step::reply(
        next,
        vec![Outbound::text(answer)],
        "llm:answer",
    ))
}
