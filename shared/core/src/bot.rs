//! The level-1 bot: one step per customer message, a pure function of the configuration, the
//! conversation's bot state and the message.

use serde::{Deserialize, Serialize};

use crate::config::{BotConfig, MenuAction, MenuOption};
use crate::ids::TeamId;
use crate::lang::Lang;
use crate::message::{Content, ListRow, Outbound};
use crate::text::{contains_phrase, normalise};
use crate::ticket::EscalationReason;

/// What the bot remembers between messages of one conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotState {
    /// Consecutive messages the bot did not understand.
    pub failed_attempts: u8,
    /// Whether the customer has seen the greeting in this conversation.
    pub greeted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub reason: EscalationReason,
    /// A team the customer chose from the menu; routing decides otherwise.
    pub team: Option<TeamId>,
    /// The menu key chosen, for routing rules.
    pub menu_choice: Option<String>,
    /// The intent understood, for routing rules.
    pub intent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub replies: Vec<Outbound>,
    pub handoff: Option<Handoff>,
    pub state: BotState,
    /// What the bot made of the message, for logs and reports (`greeting`, `menu:2`, ...).
    pub understood_as: String,
}

const MENU_CHOICE_PREFIX: &str = "menu:";

/// Runs one bot step for a message in `lang`.
pub fn step(config: &BotConfig, state: &BotState, lang: Lang, content: &Content) -> Step {
    let text = content.text_for_bot().map(normalise).unwrap_or_default();
    let mut next = state.clone();

    if config
        .escalation_keywords
        .iter()
        .any(|k| contains_phrase(&text, &normalise(k)))
    {
        return handoff(
            config,
            next,
            lang,
            EscalationReason::ExplicitRequest,
            None,
            None,
            "explicit_request",
        );
    }

    let raw = content.text_for_bot().unwrap_or_default();
    if let Some(nlu) = &config.nlu
        && nlu.frustration_handoff
        && !raw.trim().is_empty()
    {
        let f = turno_nlu::frustration(raw);
        if f.frustrated {
            return handoff(
                config,
                next,
                lang,
                EscalationReason::Frustration,
                None,
                None,
                &format!("frustrated:{}", f.signals.join("+")),
            );
        }
    }

    if let Some(option) = chosen_option(config, content, &text) {
        next.failed_attempts = 0;
        next.greeted = true;
        return match &option.action {
            MenuAction::Answer(answer) => Step {
                replies: vec![Outbound::text(answer.get(lang))],
                handoff: None,
                state: next,
                understood_as: format!("menu:{}", option.key),
            },
            MenuAction::Handoff { team } => handoff(
                config,
                next,
                lang,
                EscalationReason::MenuChoice,
                team.clone(),
                Some(option.key.clone()),
                &format!("menu:{}", option.key),
            ),
        };
    }

    let understood = config
        .nlu
        .as_ref()
        .and_then(|nlu| nlu.classifier().map(|c| (nlu, c.classify(raw))))
        .filter(|_| !text.is_empty());
    if let Some((nlu, c)) = &understood
        && let Some(intent) = c.intent.as_deref()
        && intent != "greeting"
    {
        next.failed_attempts = 0;
        next.greeted = true;
        if intent == "human_agent" {
            let mut s = handoff(
                config,
                next,
                lang,
                EscalationReason::ExplicitRequest,
                None,
                None,
                "intent:human_agent",
            );
            if let Some(h) = s.handoff.as_mut() {
                h.intent = Some(intent.to_owned());
            }
            return s;
        }
        if nlu.handoff_intents.iter().any(|i| i == intent) {
            let mut s = handoff(
                config,
                next,
                lang,
                EscalationReason::SensitiveTopic,
                None,
                None,
                &format!("intent:{intent}"),
            );
            if let Some(h) = s.handoff.as_mut() {
                h.intent = Some(intent.to_owned());
            }
            return s;
        }
        if let Some(answer) = nlu.answers.get(intent) {
            return Step {
                replies: vec![Outbound::text(answer.get(lang))],
                handoff: None,
                state: next,
                understood_as: format!("intent:{intent}"),
            };
        }
    }

    let is_greeting = config
        .greeting_words
        .iter()
        .any(|g| text == normalise(g) || text.starts_with(&format!("{} ", normalise(g))))
        || understood
            .as_ref()
            .is_some_and(|(_, c)| c.intent.as_deref() == Some("greeting"));
    if is_greeting || !state.greeted {
        next.failed_attempts = 0;
        next.greeted = true;
        return Step {
            replies: vec![
                Outbound::text(config.greeting.get(lang)),
                menu(config, lang),
            ],
            handoff: None,
            state: next,
            understood_as: "greeting".into(),
        };
    }

    next.failed_attempts = next.failed_attempts.saturating_add(1);
    if next.failed_attempts >= config.max_failed_attempts {
        return handoff(
            config,
            next,
            lang,
            EscalationReason::FailedAttempts,
            None,
            None,
            "not_understood",
        );
    }
    Step {
        replies: vec![
            Outbound::text(config.fallback.get(lang)),
            menu(config, lang),
        ],
        handoff: None,
        state: next,
        understood_as: "not_understood".into(),
    }
}

fn handoff(
    config: &BotConfig,
    mut state: BotState,
    lang: Lang,
    reason: EscalationReason,
    team: Option<TeamId>,
    menu_choice: Option<String>,
    understood_as: &str,
) -> Step {
    state.failed_attempts = 0;
    Step {
        replies: vec![Outbound::text(config.handoff.get(lang))],
        handoff: Some(Handoff {
            reason,
            team,
            menu_choice,
            intent: None,
        }),
        state,
        understood_as: understood_as.into(),
    }
}

fn chosen_option<'a>(
    config: &'a BotConfig,
    content: &Content,
    text: &str,
) -> Option<&'a MenuOption> {
    let options = &config.menu.options;
    if let Some(id) = content
        .choice_id()
        .and_then(|id| id.strip_prefix(MENU_CHOICE_PREFIX))
    {
        return options.iter().find(|o| o.key == id);
    }
    options.iter().find(|o| {
        text == normalise(&o.key)
            || o.title.0.values().any(|t| {
                let t = normalise(t);
                !t.is_empty() && text == t
            })
    })
}

/// The menu, as numbered text or as an interactive list.
pub fn menu(config: &BotConfig, lang: Lang) -> Outbound {
    let m = &config.menu;
    if m.interactive {
        let button = match m.button.get(lang) {
            "" => "Menu",
            b => b,
        };
        return Outbound::List {
            body: m.prompt.get(lang).to_owned(),
            button: button.to_owned(),
            rows: m
                .options
                .iter()
                .map(|o| ListRow {
                    id: format!("{MENU_CHOICE_PREFIX}{}", o.key),
                    title: o.title.get(lang).to_owned(),
                    description: None,
                })
                .collect(),
        };
    }
    let mut body = m.prompt.get(lang).to_owned();
    for o in &m.options {
        body.push_str(&format!("\n{}. {}", o.key, o.title.get(lang)));
    }
    Outbound::text(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MenuConfig;
    use crate::lang::Localized;
    use std::collections::BTreeMap;

    fn loc(es: &str, en: &str) -> Localized {
        Localized(BTreeMap::from([
            (Lang::Es, es.to_owned()),
            (Lang::En, en.to_owned()),
        ]))
    }

    fn config() -> BotConfig {
        BotConfig {
            greeting: loc("¡Hola!", "Hi!"),
            menu: MenuConfig {
                prompt: loc("Elige una opción:", "Pick one:"),
                options: vec![
                    MenuOption {
                        key: "1".into(),
                        title: loc("Horario", "Opening hours"),
                        action: MenuAction::Answer(loc("9 a 18 h", "9am to 6pm")),
                    },
                    MenuOption {
                        key: "2".into(),
                        title: loc("Hablar con una persona", "Talk to a person"),
                        action: MenuAction::Handoff { team: None },
                    },
                ],
                interactive: false,
                button: Localized::default(),
            },
            handoff: loc("Te paso con una persona", "Passing you to a person"),
            fallback: loc("No entendí", "I did not understand"),
            queued: None,
            escalation_keywords: vec!["agente".into(), "humano".into(), "agent".into()],
            greeting_words: vec!["hola".into(), "hi".into(), "menu".into()],
            max_failed_attempts: 3,
            nlu: None,
        }
    }

    fn text(s: &str) -> Content {
        Content::Text { body: s.into() }
    }

    #[test]
    fn greeting_gets_greeting_and_numbered_menu() {
        let s = step(&config(), &BotState::default(), Lang::Es, &text("Hola"));
        assert_eq!(s.replies.len(), 2);
        assert_eq!(s.replies[0].body(), "¡Hola!");
        assert!(s.replies[1].body().contains("1. Horario"));
        assert!(s.handoff.is_none());
        assert!(s.state.greeted);
    }

    #[test]
    fn when_customer_asks_for_agent_should_escalate_with_explicit_reason() {
        let s = step(
            &config(),
            &BotState::default(),
            Lang::Es,
            &text("quiero hablar con un agente"),
        );
        assert_eq!(s.handoff.unwrap().reason, EscalationReason::ExplicitRequest);
        assert_eq!(s.replies[0].body(), "Te paso con una persona");
    }

    #[test]
    fn menu_number_answers_the_faq_in_the_customers_language() {
        let greeted = BotState {
            greeted: true,
            failed_attempts: 2,
        };
        let s = step(&config(), &greeted, Lang::En, &text(" 1 "));
        assert_eq!(s.replies[0].body(), "9am to 6pm");
        assert_eq!(s.state.failed_attempts, 0);
    }

    #[test]
    fn menu_handoff_choice_escalates_with_menu_reason() {
        let greeted = BotState {
            greeted: true,
            failed_attempts: 0,
        };
        let s = step(&config(), &greeted, Lang::Es, &text("2"));
        let h = s.handoff.unwrap();
        assert_eq!(h.reason, EscalationReason::MenuChoice);
        assert_eq!(h.menu_choice.as_deref(), Some("2"));
    }

    #[test]
    fn interactive_choice_is_read_by_its_id() {
        let greeted = BotState {
            greeted: true,
            failed_attempts: 0,
        };
        let reply = Content::ListReply {
            id: "menu:1".into(),
            title: "whatever".into(),
            description: None,
        };
        assert_eq!(
            step(&config(), &greeted, Lang::Es, &reply).understood_as,
            "menu:1"
        );
    }

    #[test]
    fn third_unrecognised_message_escalates_with_failed_attempts() {
        let cfg = config();
        let mut state = BotState {
            greeted: true,
            failed_attempts: 0,
        };
        for _ in 0..2 {
            let s = step(&cfg, &state, Lang::Es, &text("blablabla"));
            assert!(s.handoff.is_none());
            assert_eq!(s.replies[0].body(), "No entendí");
            state = s.state;
        }
        let s = step(&cfg, &state, Lang::Es, &text("xyz"));
        assert_eq!(s.handoff.unwrap().reason, EscalationReason::FailedAttempts);
    }

    #[test]
    fn interactive_menu_is_a_list_within_whatsapp_limits() {
        let mut cfg = config();
        cfg.menu.interactive = true;
        let m = menu(&cfg, Lang::Es);
        assert!(matches!(m, Outbound::List { .. }));
        m.validate().unwrap();
    }
}
