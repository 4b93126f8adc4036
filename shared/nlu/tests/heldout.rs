//! The demo intents against the held-out sets in tests/data: a regression below the product
//! targets fails CI. The held-out files were written apart from the examples and are never
//! used to tune them.

mod common;

use common::{demo, repo_path};
use turno_nlu::eval::{self, IntentReport};

fn report(file: &str) -> IntentReport {
    let classifier = demo();
    let cases = eval::read_intent_cases(&repo_path(file), classifier.intents())
        .expect("the held-out file is valid");
    eval::evaluate_intents(&classifier, &cases)
}

fn confusions(r: &IntentReport) -> String {
    r.confusions
        .iter()
        .map(|((want, got), texts)| format!("{want} -> {got}: {texts:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn demo_intents_get_at_least_92_percent_of_held_out_in_scope_messages_right() {
    let r = report("shared/nlu/tests/data/heldout.jsonl");
    assert!(r.in_scope.total >= 100, "the held-out set is too small");
    assert!(
        r.in_scope.rate() >= 0.92,
        "in-scope accuracy {:.3}\n{}",
        r.in_scope.rate(),
        confusions(&r)
    );
}

#[test]
fn demo_intents_reject_at_least_85_percent_of_held_out_out_of_scope_messages() {
    let r = report("shared/nlu/tests/data/heldout.jsonl");
    assert!(r.out_of_scope.total >= 30, "the held-out set is too small");
    assert!(
        r.out_of_scope.rate() >= 0.85,
        "out-of-scope rejection {:.3}\n{}",
        r.out_of_scope.rate(),
        confusions(&r)
    );
}

#[test]
fn every_demo_intent_is_recognised_in_most_held_out_messages() {
    let r = report("shared/nlu/tests/data/heldout.jsonl");
    assert_eq!(r.per_intent.len(), demo().intents().len());
    for (intent, tally) in &r.per_intent {
        assert!(
            tally.rate() >= 0.75,
            "{intent}: {tally:?}\n{}",
            confusions(&r)
        );
    }
}

#[test]
fn held_out_languages_are_detected_at_least_95_percent_of_the_time() {
    let r = report("shared/nlu/tests/data/heldout.jsonl");
    assert!(r.language.rate() >= 0.95, "{:?}", r.language);
}

#[test]
fn frustration_catches_90_percent_of_held_out_frustrated_messages_with_10_percent_false_alarms() {
    let cases =
        eval::read_sentiment_cases(&repo_path("shared/nlu/tests/data/sentiment_heldout.jsonl"))
            .expect("the held-out file is valid");
    let r = eval::evaluate_sentiment(&cases);
    assert!(
        r.caught.total >= 30 && r.false_alarms.total >= 30,
        "too small"
    );
    assert!(
        r.caught.rate() >= 0.90,
        "recall {:?}, missed {:?}",
        r.caught,
        r.missed
    );
    assert!(
        r.false_alarms.rate() <= 0.10,
        "false alarms {:?}: {:?}",
        r.false_alarms,
        r.flagged
    );
}

#[test]
fn every_data_file_in_the_repository_is_valid() {
    let classifier = demo();
    for file in ["heldout.jsonl", "tuning.jsonl", "blind.jsonl"] {
        let path = repo_path(&format!("shared/nlu/tests/data/{file}"));
        eval::read_intent_cases(&path, classifier.intents()).expect(file);
    }
    for file in ["sentiment_heldout.jsonl", "sentiment_blind.jsonl"] {
        let path = repo_path(&format!("shared/nlu/tests/data/{file}"));
        eval::read_sentiment_cases(&path).expect(file);
    }
}
