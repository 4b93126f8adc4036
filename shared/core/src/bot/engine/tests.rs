use super::*;
use crate::bot::config::{MenuConfig, MenuOption};
use crate::bot::integrations::IntegrationError;
use crate::bot::llm::step_for_llm_answer;
use crate::kernel::lang::Localized;
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
        keyword_triggers: vec![],
        greeting_words: vec!["hola".into(), "hi".into(), "menu".into()],
        max_failed_attempts: 3,
        inactive_after_secs: 1800,
        nlu: None,
        flows: Default::default(),
        actions: Default::default(),
        business_hours: None,
        out_of_hours: None,
        llm: None,
        hours: None,
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
        ..BotState::default()
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
        ..BotState::default()
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
        ..BotState::default()
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
        ..BotState::default()
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
fn with_order_flow() -> BotConfig {
    let mut cfg = config();
    let flow: FlowConfig = serde_json::from_value(serde_json::json!({
        "slots": {"order_number": {"pattern": r"\b(\d{5,8})\b",
                                   "prompt": {"es": "¿Número de pedido?", "en": "Order number?"}}},
        "call": "order_status",
        "result": "order",
        "answer": {"es": "{customer.name}: pedido {order_number} {order.status}",
                   "en": "{customer.name}: order {order_number} {order.status}"},
        "not_found": {"es": "No existe {order_number}"},
        "failed": {"es": "No puedo consultarlo"}
    }))
    .unwrap();
    cfg.flows.insert("order_status".into(), flow);
    cfg.menu.options.push(MenuOption {
        key: "5".into(),
        title: loc("Mi pedido", "My order"),
        action: MenuAction::Flow("order_status".into()),
    });
    let mut flows = std::mem::take(&mut cfg.flows);
    let action: crate::bot::flow::ActionConfig =
        serde_json::from_value(serde_json::json!({"url": "https://shop.example/{order_number}"}))
            .unwrap();
    let actions = std::collections::HashMap::from([("order_status".to_owned(), action)]);
    crate::bot::flow::check_flows(&mut flows, &actions, None).unwrap();
    cfg.flows = flows;
    cfg.actions = actions;
    cfg
}

fn greeted() -> BotState {
    BotState {
        greeted: true,
        ..BotState::default()
    }
}

#[test]
fn a_flow_asks_for_a_missing_slot_then_calls_with_it() {
    let cfg = with_order_flow();
    let s = step(&cfg, &greeted(), Lang::Es, &text("5"));
    assert_eq!(s.replies[0].body(), "¿Número de pedido?");
    assert!(s.call.is_none());
    let waiting = s.state.awaiting.clone().unwrap();
    assert_eq!(
        (waiting.flow.as_str(), waiting.slot.as_str()),
        ("order_status", "order_number")
    );

    let s = step(&cfg, &s.state, Lang::Es, &text("es el 123456"));
    let call = s.call.unwrap();
    assert_eq!(call.action, "order_status");
    assert_eq!(
        call.vars.get("order_number").map(String::as_str),
        Some("123456")
    );
    assert!(s.replies.is_empty());
    assert!(s.state.awaiting.is_none());
}

#[test]
fn a_found_order_is_answered_with_its_fields_and_the_customers_name() {
    let cfg = with_order_flow();
    let call = FlowCall {
        flow: "order_status".into(),
        action: "order_status".into(),
        vars: Vars::from([("order_number".to_owned(), "123456".to_owned())]),
    };
    let fields = Vars::from([("status".to_owned(), "enviado".to_owned())]);
    let s = complete_call(
        &cfg,
        greeted(),
        Lang::Es,
        &call,
        Ok(fields),
        &Customer {
            name: Some("Lucía"),
        },
    );
    assert_eq!(s.replies[0].body(), "Lucía: pedido 123456 enviado");
    assert!(s.handoff.is_none());
}

#[test]
fn an_unknown_order_asks_again_and_counts_a_failed_attempt_until_the_handoff() {
    let cfg = with_order_flow();
    let call = FlowCall {
        flow: "order_status".into(),
        action: "order_status".into(),
        vars: Vars::from([("order_number".to_owned(), "99999".to_owned())]),
    };
    let mut state = greeted();
    for _ in 0..2 {
        let s = complete_call(
            &cfg,
            state,
            Lang::Es,
            &call,
            Err(IntegrationError::NotFound),
            &Customer::default(),
        );
        assert_eq!(s.replies[0].body(), "No existe 99999");
        assert!(s.handoff.is_none());
        assert!(s.state.awaiting.is_some());
        state = s.state;
    }
    let s = complete_call(
        &cfg,
        state,
        Lang::Es,
        &call,
        Err(IntegrationError::NotFound),
        &Customer::default(),
    );
    assert_eq!(s.handoff.unwrap().reason, EscalationReason::FailedAttempts);
}

#[test]
fn a_failing_api_apologises_and_hands_off_as_integration_failed() {
    let cfg = with_order_flow();
    let call = FlowCall {
        flow: "order_status".into(),
        action: "order_status".into(),
        vars: Vars::new(),
    };
    let s = complete_call(
        &cfg,
        greeted(),
        Lang::Es,
        &call,
        Err(IntegrationError::Timeout),
        &Customer::default(),
    );
    assert_eq!(s.replies[0].body(), "No puedo consultarlo");
    assert_eq!(s.replies[1].body(), "Te paso con una persona");
    assert_eq!(
        s.handoff.unwrap().reason,
        EscalationReason::IntegrationFailed
    );
}

#[test]
fn a_message_without_the_slot_repeats_the_question_as_a_failed_attempt() {
    let cfg = with_order_flow();
    let asked = step(&cfg, &greeted(), Lang::Es, &text("5")).state;
    let s = step(&cfg, &asked, Lang::Es, &text("no lo sé"));
    assert_eq!(s.state.failed_attempts, 1);
    assert_eq!(s.replies[1].body(), "¿Número de pedido?");
    assert!(s.state.awaiting.is_some());
}

#[test]
fn out_of_hours_replaces_the_handoff_text_and_marks_the_handoff() {
    let mut cfg = config();
    cfg.out_of_hours = Some(loc("Estamos cerrados", "We're closed"));
    let s = step(&cfg, &greeted(), Lang::En, &text("agent please"));
    let s = out_of_hours(&cfg, s, Lang::En);
    assert_eq!(s.replies.len(), 1);
    assert_eq!(s.replies[0].body(), "We're closed");
    let h = s.handoff.unwrap();
    assert!(h.out_of_hours);
    assert_eq!(h.reason, EscalationReason::ExplicitRequest);
    // Not a handoff: nothing changes.
    let faq = step(&cfg, &greeted(), Lang::Es, &text("1"));
    assert_eq!(out_of_hours(&cfg, faq.clone(), Lang::Es), faq);
}

#[test]
fn an_llm_answer_of_none_is_no_answer_and_others_reset_the_count() {
    let state = BotState {
        failed_attempts: 2,
        ..greeted()
    };
    assert!(step_for_llm_answer(&state, " NONE. ").is_none());
    let s = step_for_llm_answer(&state, "Abrimos a las 9").unwrap();
    assert_eq!(s.state.failed_attempts, 0);
    assert_eq!(s.understood_as, "llm:answer");
}

#[test]
fn a_keyword_trigger_hands_off_at_once_with_its_team_and_priority() {
    let mut cfg = config();
    cfg.keyword_triggers = serde_json::from_value(serde_json::json!([
        {"name": "legal", "phrases": {"es": ["abogado"], "en": ["lawyer"]},
         "team": "specialists", "priority": "high"}
    ]))
    .unwrap();
    let s = step(
        &cfg,
        &greeted(),
        Lang::Es,
        &text("Mi ABOGADO les va a escribir"),
    );
    let h = s.handoff.expect("a handoff");
    assert_eq!(h.reason, EscalationReason::Keyword);
    assert_eq!(h.keyword.as_deref(), Some("legal"));
    assert_eq!(
        h.team.map(|t| t.to_string()).as_deref(),
        Some("specialists")
    );
    assert_eq!(h.priority, Some(crate::kernel::levels::Priority::High));
    assert_eq!(s.understood_as, "keyword:legal");
    // Before anything else, the first message included.
    let first = step(&cfg, &BotState::default(), Lang::En, &text("hi, my lawyer"));
    assert_eq!(first.handoff.unwrap().reason, EscalationReason::Keyword);
}

#[test]
fn a_person_keyword_in_passing_is_no_request_but_a_short_or_explicit_one_is() {
    let mut cfg = config();
    cfg.escalation_keywords = vec!["person".into(), "agente".into()];
    let s = step(
        &cfg,
        &greeted(),
        Lang::En,
        &text("who was the first person to discover cells"),
    );
    assert!(s.handoff.is_none(), "{}", s.understood_as);
    for said in [
        "agente por favor",
        "quiero hablar con un agente ahora mismo",
    ] {
        let s = step(&cfg, &greeted(), Lang::Es, &text(said));
        assert_eq!(
            s.handoff.map(|h| h.reason),
            Some(EscalationReason::ExplicitRequest),
            "{said}"
        );
    }
}

#[test]
fn unintelligible_first_messages_count_toward_the_handoff_after_the_greeting() {
    let cfg = config();
    let first = step(&cfg, &BotState::default(), Lang::Es, &text("asdfgh"));
    assert_eq!(first.replies[0].body(), "¡Hola!", "greeted first");
    assert_eq!(first.state.failed_attempts, 1);
    let second = step(&cfg, &first.state, Lang::Es, &text("qwerty"));
    assert!(second.handoff.is_none());
    let third = step(&cfg, &second.state, Lang::Es, &text("zxcvb"));
    assert_eq!(
        third.handoff.map(|h| h.reason),
        Some(EscalationReason::FailedAttempts)
    );
    // A greeting first does not count.
    assert_eq!(
        step(&cfg, &BotState::default(), Lang::Es, &text("hola"))
            .state
            .failed_attempts,
        0
    );
}

#[test]
fn an_action_call_carries_the_conversation_s_language() {
    let cfg = with_order_flow();
    let asked = step(&cfg, &greeted(), Lang::En, &text("5"));
    assert_eq!(asked.replies[0].body(), "Order number?");
    let s = step(&cfg, &asked.state, Lang::En, &text("it is 123456"));
    let call = s.call.expect("the action is called");
    assert_eq!(call.vars.get(LANG_VAR).map(String::as_str), Some("en"));
}

#[test]
fn a_message_holding_only_a_flow_value_starts_that_flow_with_it() {
    let cfg = with_order_flow();
    for (said, greets) in [
        ("#123456", false),
        ("hola, 123 456", true),
        ("y mi pedio 123456?", false),
    ] {
        let s = step(&cfg, &BotState::default(), Lang::Es, &text(said));
        let call = s.call.as_ref().expect(said);
        assert_eq!(
            call.vars.get("order_number").map(String::as_str),
            Some("123456")
        );
        assert_eq!(
            s.replies.first().map(|r| r.body()) == Some("¡Hola!"),
            greets,
            "{said}"
        );
    }
    // Without a value, an unintelligible first message is still a failed attempt.
    let s = step(&cfg, &BotState::default(), Lang::Es, &text("zzzz"));
    assert!(s.call.is_none());
    assert_eq!(s.state.failed_attempts, 1);
}

#[test]
fn a_greeting_while_a_slot_is_awaited_keeps_the_flow_waiting() {
    let cfg = with_order_flow();
    let asked = step(&cfg, &greeted(), Lang::Es, &text("5"));
    let s = step(&cfg, &asked.state, Lang::Es, &text("hola"));
    assert_eq!(s.understood_as, "greeting");
    assert_eq!(s.state.awaiting, asked.state.awaiting);
}

#[test]
fn a_greeting_may_draw_out_its_last_letter_but_not_run_into_another_word() {
    let cfg = config();
    for said in ["holaaa", "hiii", "Holaaaa!!"] {
        let s = step(&cfg, &BotState::default(), Lang::Es, &text(said));
        assert_eq!(
            (s.understood_as.as_str(), s.state.failed_attempts),
            ("greeting", 0),
            "{said}"
        );
    }
    let s = step(&cfg, &BotState::default(), Lang::Es, &text("holanda"));
    assert_eq!(s.state.failed_attempts, 1);
}
