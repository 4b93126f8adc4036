//! The rules that read a message's shape, on the demo intents: small talk that only greets,
//! a greeting or thanks in front of another request, questions about the world and commands
//! to devices, other businesses as the subject, and the stronger evidence a handoff needs.
//! Each case names what the bag of words alone got wrong or could get wrong.

mod common;

use common::{check, demo};
use turno_nlu::{Classifier, IntentSet, Options};

#[test]
fn small_talk_that_only_greets_is_a_greeting() {
    check(
        &demo(),
        &[
            ("hello, how is it going", Some("greeting")),
            ("how are you doing", Some("greeting")),
            ("hey there, how's it going?", Some("greeting")),
            ("what's up buddy", Some("greeting")),
            ("how's life", Some("greeting")),
            ("good evening", Some("greeting")),
            ("buenas, ¿qué tal todo?", Some("greeting")),
            ("oi, tudo bem com você?", Some("greeting")),
        ],
    );
}

#[test]
fn small_talk_words_around_something_else_are_not_a_greeting() {
    check(
        &demo(),
        &[
            ("how is the traffic going to be", None),
            ("what's up with my internet connection", None),
            ("how many days until christmas", None),
            ("is it going to snow tonight", None),
        ],
    );
}

#[test]
fn a_greeting_in_front_of_a_request_is_judged_by_the_request() {
    check(
        &demo(),
        &[
            ("hi, can you tell me a joke", None),
            ("hello, what's the weather like in lima", None),
            ("good morning, what's on my calendar today", None),
            ("thanks, now set a timer for ten minutes", None),
            ("hi, where is my order", Some("order_status")),
            ("hello, has my package shipped yet?", Some("order_status")),
            ("hola, ¿dónde está mi pedido?", Some("order_status")),
            // What goes on thanking is still thanks.
            ("thanks for getting back to me", Some("thanks")),
            ("gracias por todo!", Some("thanks")),
        ],
    );
}

#[test]
fn other_businesses_orders_and_services_are_not_ours() {
    check(
        &demo(),
        &[
            ("track my ups package", None),
            ("where's my amazon order", None),
            ("where is my pizza delivery", None),
            ("cancel my netflix subscription", None),
            ("cancel my 3pm meeting", None),
            ("when will my passport arrive", None),
            // Our own, worded alike.
            ("track my package", Some("order_status")),
            ("where is my order", Some("order_status")),
        ],
    );
}

#[test]
fn questions_about_the_world_and_device_commands_are_out_of_scope() {
    check(
        &demo(),
        &[
            ("who was the first person to discover cells", None),
            ("what person painted the last supper", None),
            ("close all internet tabs", None),
            ("can you set an alarm for 7 am", None),
            ("turn off the kitchen lights", None),
            ("freeze my debit card", None),
            ("how do i say hello in french", None),
            ("how do you say thank you in japanese", None),
            // The shop's own questions, in the same shapes.
            ("what are your opening hours", Some("store_hours")),
            ("what's the shipping fee to miami", Some("shipping_info")),
        ],
    );
}

#[test]
fn a_handoff_needs_an_explicit_request_addressed_to_the_shop() {
    check(
        &demo(),
        &[
            ("can someone from your team call me", Some("human_agent")),
            ("get me someone who can help", Some("human_agent")),
            ("i want to talk to a real person", Some("human_agent")),
            ("call my manager about the meeting", None),
            ("who is the richest person in the world", None),
            ("can you call me a taxi", None),
        ],
    );
}

/// The same message, the same examples: only the `ours` mark turns it down.
#[test]
fn the_ours_mark_is_what_turns_another_business_down() {
    let yaml = |ours: bool| {
        format!(
            r#"
intents:
  - name: order_status
    ours: {ours}
    examples:
      en: ["where is my order", "track my package", "has my package shipped"]
  - name: greeting
    small_talk: true
    examples:
      en: ["hi", "hello there"]
"#
        )
    };
    let build = |ours| {
        let set = IntentSet::from_yaml(&yaml(ours)).expect("valid yaml");
        Classifier::new(&set, Options::default()).expect("valid set")
    };
    let text = "track my ups package";
    assert_eq!(
        build(false).classify(text).intent.as_deref(),
        Some("order_status")
    );
    assert_eq!(build(true).classify(text).intent, None);
    assert_eq!(
        build(true).classify("track my package").intent.as_deref(),
        Some("order_status")
    );
}
