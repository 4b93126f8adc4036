//! Whole conversations through the real bot engine with the demo configuration: the set in
//! `shared/nlu/eval/conversations.jsonl`, one conversation a line, in Spanish, English and
//! Portuguese. Each message goes through what a turn does: the language kept unless the
//! message tells another one confidently, the bot's step, the order lookup answered as the
//! demo shop answers it, until the conversation is handed to a person.
//!
//! A line: `{"id", "turns": [{"say", "intent"?, "order"?, "lang"?}], "handoff", "lang"?}`.
//! Per turn, optionally: the intent answered (`order_status`, `returns`, `greeting`...), the
//! order number looked up, and the conversation's language after it. At the end: the
//! handoff's reason code (`none` for no handoff) and, optionally, the language.
//!
//! The test prints the task success rate (conversations with every expectation met) and
//! each failure.

use std::path::Path;

use serde::Deserialize;
use turno_core::bot::engine::{self, BotState, Customer, LANG_VAR};
use turno_core::bot::flow::Vars;
use turno_core::bot::integrations::IntegrationError;
use turno_core::channel::message::Content;
use turno_core::config::WorkspaceConfig;
use turno_core::kernel::lang::{Lang, language_after};
use turno_local::demo_shop;

/// The least share of conversations the demo bot must carry out as expected.
const TARGET_SUCCESS: f64 = 0.9;

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
    intent: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    lang: Option<Lang>,
}

fn conversations() -> Vec<Conversation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/nlu/eval/conversations.jsonl");
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
        let content = Content::Text {
            body: turn.say.clone(),
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

#[test]
fn the_demo_bot_carries_out_its_conversation_set() {
    let ws = demo_workspace();
    let set = conversations();
    assert!(set.len() >= 60, "the set is too small: {}", set.len());
    for lang in Lang::ALL {
        let code = format!("{lang}-");
        assert!(
            set.iter().filter(|c| c.id.starts_with(&code)).count() >= 10,
            "too few {lang} conversations"
        );
    }
    let mut failed = Vec::new();
    for c in &set {
        let problems = play(&ws, c);
        if !problems.is_empty() {
            failed.push(format!("{}: {}", c.id, problems.join("; ")));
        }
    }
    let success = 1.0 - failed.len() as f64 / set.len() as f64;
    println!(
        "conversation task success: {:.1} % ({}/{})",
        100.0 * success,
        set.len() - failed.len(),
        set.len()
    );
    for f in &failed {
        println!("  {f}");
    }
    assert!(
        success >= TARGET_SUCCESS,
        "task success {:.1} % is below {:.0} %:\n{}",
        100.0 * success,
        100.0 * TARGET_SUCCESS,
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
