//! Whole conversations through the real bot engine with the demo configuration: the set in
//! `shared/nlu/eval/conversations.jsonl`, one conversation a line, in Spanish, English and
//! Portuguese. Each message goes through what a turn does: the language kept unless the
//! message tells another one confidently, the bot's step, the order lookup answered as the
//! demo shop answers it, until the conversation is handed to a person.
//!
//! A line: `{"id", "turns": [{"say", "reply_id"?, "intent"?, "order"?, "lang"?, "reply"?}],
//! "handoff", "lang"?}`. Per turn: what the customer sent (`say`, a text, or the title of a
//! menu row tapped when `reply_id` names the row, `menu:1`) and, optionally, the intent
//! answered (`order_status`, `returns`, `greeting`, `menu:2`...), the order number looked up,
//! the conversation's language after it and a piece of text one of the bot's replies holds
//! (an order's status in the customer's language). At the end: the handoff's reason code
//! (`none` for no handoff) and, optionally, the language. The id starts with the language the
//! customer opens in (`es-`, `en-`, `pt-`).
//!
//! Three sets: `conversations.jsonl`, tuned against; `conversations_dev.jsonl`, written to
//! reproduce failures of the held-out set in other words, tuned against too; and
//! `conversations_holdout.jsonl`, written before any tuning and never tuned against. Each
//! test prints the task success rate (conversations with every expectation met), per
//! language, and each failure.

use std::path::Path;

use serde::Deserialize;
use turno_core::bot::engine::{self, BotState, Customer, LANG_VAR};
use turno_core::bot::flow::Vars;
use turno_core::bot::integrations::IntegrationError;
use turno_core::channel::message::{Content, Outbound};
use turno_core::config::WorkspaceConfig;
use turno_core::kernel::lang::{Lang, language_after};
use turno_local::demo_shop;

/// The least share of the tuned sets' conversations the demo bot must carry out as expected.
const TARGET_SUCCESS: f64 = 1.0;
/// The least share of the dev set's conversations, the last figure measured.
const DEV_FLOOR: f64 = 0.91;
/// The least share of the held-out set's conversations, the last figure measured.
const HOLDOUT_FLOOR: f64 = 0.98;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Conversation {
    id: String,
    turns: Vec<Turn>,
    handoff: String,
    #[serde(default)]
    lang: Option<Lang>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Turn {
    say: String,
    #[serde(default)]
    reply_id: Option<String>,
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    lang: Option<Lang>,
    #[serde(default)]
    reply: Option<String>,
}

fn conversations(file: &str) -> Vec<Conversation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/nlu/eval")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the conversation set is readable");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

fn demo_workspace() -> std::sync::Arc<WorkspaceConfig> {
    let all = turno_local::config::parse_config(turno_local::config::DEMO_CONFIG)
        .expect("the demo configuration is valid");
    all.iter().next().expect("one demo workspace").clone()
}

/// What the demo shop answers for `vars` (its number and language).
fn shop(vars: &Vars) -> Result<Vars, IntegrationError> {
    let lang = vars
        .get(LANG_VAR)
        .and_then(|l| Lang::from_code(l))
        .unwrap_or_default();
    let number = vars.get("order_number").map(String::as_str);
    let order = demo_shop::ORDERS
        .iter()
        .find(|o| Some(o.number) == number)
        .ok_or(IntegrationError::NotFound)?;
    Ok(Vars::from([
        ("status".to_owned(), order.status(lang).to_owned()),
        ("eta".to_owned(), order.eta(lang).to_owned()),
    ]))
}

/// The intent a step answered, from what the bot made of the message.
fn answered(understood_as: &str) -> Option<&str> {
    if understood_as.starts_with("menu:") {
        return Some(understood_as);
    }
    match understood_as {
        "greeting" => return Some("greeting"),
        // Asked for a person in words the bot knows before classifying.
        "explicit_request" => return Some("human_agent"),
        _ => {}
    }
    understood_as.strip_prefix("intent:").or_else(|| {
        understood_as
            .strip_prefix("flow:")
            .and_then(|f| f.split(':').next())
    })
}

/// Plays one conversation; the problems found, none when it went as expected.
fn play(ws: &WorkspaceConfig, c: &Conversation) -> Vec<String> {
    let mut problems = Vec::new();
    let mut state = BotState::default();
    let mut lang = ws.default_language;
    let customer = Customer {
        name: Some("Lucía"),
    };
    let mut handoff = "none".to_owned();
    for (n, turn) in c.turns.iter().enumerate() {
        if handoff != "none" {
            problems.push(format!(
                "turn {n}: the conversation was already with a person"
            ));
            break;
        }
        lang = language_after(&turn.say, lang);
        let content = match &turn.reply_id {
            Some(id) => Content::ListReply {
                id: id.clone(),
                title: turn.say.clone(),
                description: None,
            },
            None => Content::Text {
                body: turn.say.clone(),
            },
        };
        let mut step = engine::step_for(&ws.bot, &state, lang, &content, &customer);
        let mut looked_up = None;
        if let Some(call) = step.call.take() {
            looked_up = call.vars.get("order_number").cloned();
            let outcome = shop(&call.vars);
            step = engine::complete_call(&ws.bot, step.state, lang, &call, outcome, &customer);
        }
        if let Some(want) = &turn.intent
            && answered(&step.understood_as) != Some(want.as_str())
        {
            problems.push(format!(
                "turn {n} {:?}: wanted {want}, the bot made it {}",
                turn.say, step.understood_as
            ));
        }
        if let Some(want) = &turn.order
            && looked_up.as_ref() != Some(want)
        {
            problems.push(format!(
                "turn {n}: wanted order {want} looked up, got {looked_up:?}"
            ));
        }
        if let Some(want) = turn.lang
            && want != lang
        {
            problems.push(format!("turn {n}: wanted language {want}, got {lang}"));
        }
        if let Some(want) = &turn.reply {
            let said: Vec<&str> = step.replies.iter().filter_map(reply_text).collect();
            if !said.iter().any(|r| r.contains(want.as_str())) {
                problems.push(format!(
                    "turn {n}: wanted a reply with {want:?}, got {said:?}"
                ));
            }
        }
        if let Some(h) = &step.handoff {
            handoff = h.reason.code().to_owned();
        }
        state = step.state;
    }
    if handoff != c.handoff {
        problems.push(format!("wanted handoff {}, got {handoff}", c.handoff));
    }
    if let Some(want) = c.lang
        && want != lang
    {
        problems.push(format!("wanted final language {want}, got {lang}"));
    }
    problems
}

/// The text of a reply, for `reply` expectations.
fn reply_text(reply: &Outbound) -> Option<&str> {
    match reply {
        Outbound::Text { body, .. }
        | Outbound::Buttons { body, .. }
        | Outbound::List { body, .. } => Some(body),
        _ => None,
    }
}

/// Plays every conversation of `file`; prints the task success, overall and per language,
/// and each failure; returns the share carried out and the failures.
fn run_set(file: &str, least: usize) -> (f64, Vec<String>) {
    let ws = demo_workspace();
    let set = conversations(file);
    assert!(set.len() >= least, "{file} is too small: {}", set.len());
    let mut failed = Vec::new();
    let mut per_lang = Vec::new();
    for lang in Lang::ALL {
        let code = format!("{lang}-");
        let of_lang: Vec<&Conversation> = set.iter().filter(|c| c.id.starts_with(&code)).collect();
        assert!(
            of_lang.len() * 5 >= least,
            "{file}: too few {lang} conversations"
        );
        let mut ok = 0;
        for c in &of_lang {
            let problems = play(&ws, c);
            if problems.is_empty() {
                ok += 1;
            } else {
                failed.push(format!("{}: {}", c.id, problems.join("; ")));
            }
        }
        per_lang.push(format!("{lang} {ok}/{}", of_lang.len()));
    }
    let played: usize = Lang::ALL
        .iter()
        .map(|l| {
            let code = format!("{l}-");
            set.iter().filter(|c| c.id.starts_with(&code)).count()
        })
        .sum();
    assert_eq!(
        played,
        set.len(),
        "{file}: every id starts with es-, en- or pt-"
    );
    let success = 1.0 - failed.len() as f64 / set.len() as f64;
    println!(
        "{file}: task success {:.1} % ({}/{}; {})",
        100.0 * success,
        set.len() - failed.len(),
        set.len(),
        per_lang.join(", ")
    );
    for f in &failed {
        println!("  {f}");
    }
    (success, failed)
}

#[test]
fn the_demo_bot_carries_out_its_conversation_set() {
    let (success, failed) = run_set("conversations.jsonl", 60);
    assert!(
        success >= TARGET_SUCCESS,
        "task success {:.1} % is below {:.0} %:\n{}",
        100.0 * success,
        100.0 * TARGET_SUCCESS,
        failed.join("\n")
    );
}

#[test]
fn the_demo_bot_carries_out_its_dev_conversations() {
    let (success, failed) = run_set("conversations_dev.jsonl", 40);
    assert!(
        success >= DEV_FLOOR,
        "dev task success {:.1} % is below {:.1} %:\n{}",
        100.0 * success,
        100.0 * DEV_FLOOR,
        failed.join("\n")
    );
}

#[test]
fn the_demo_bot_carries_out_its_held_out_conversations() {
    let (success, failed) = run_set("conversations_holdout.jsonl", 90);
    assert!(
        success >= HOLDOUT_FLOOR,
        "held-out task success {:.1} % is below {:.1} %:\n{}",
        100.0 * success,
        100.0 * HOLDOUT_FLOOR,
        failed.join("\n")
    );
}

#[test]
fn a_conversation_that_goes_wrong_is_reported() {
    let ws = demo_workspace();
    let wrong: Conversation = serde_json::from_str(
        r#"{"id": "x", "turns": [{"say": "hola", "intent": "refund", "lang": "en"}],
            "handoff": "keyword"}"#,
    )
    .unwrap();
    let problems = play(&ws, &wrong);
    assert_eq!(problems.len(), 3, "{problems:?}");
}
