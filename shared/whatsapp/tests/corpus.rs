//! The fixture corpus (`fixtures/corpus/`): one delivery per file, written from Meta's
//! webhook reference, each beside its expectation (`NAME.expect.json`: how many messages,
//! statuses, preferences and template changes it holds, the kinds of its messages, and the
//! items set aside with their field and place). Every delivery is read by `parse` and checked
//! against it.

use std::path::PathBuf;

use serde::Deserialize;
use turno_whatsapp::webhook::parse;

#[derive(Deserialize)]
struct Expect {
    messages: usize,
    statuses: usize,
    preferences: usize,
    templates: usize,
    kinds: Vec<String>,
    quarantined: Vec<Quarantined>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Quarantined {
    kind: String,
    field: Option<String>,
    path: String,
}

fn corpus() -> Vec<(String, Vec<u8>, Expect)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".expect.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let stem = n.trim_end_matches(".json").to_owned();
            let body = std::fs::read(dir.join(&n)).expect("a corpus delivery");
            let expect = std::fs::read(dir.join(format!("{stem}.expect.json")))
                .unwrap_or_else(|e| panic!("{stem} has no expectation: {e}"));
            let expect = serde_json::from_slice(&expect)
                .unwrap_or_else(|e| panic!("{stem}.expect.json: {e}"));
            (stem, body, expect)
        })
        .collect()
}

#[test]
fn every_corpus_delivery_reads_as_its_expectation_says() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 29,
        "the corpus has {} deliveries",
        corpus.len()
    );
    let (mut messages, mut statuses, mut other, mut quarantined) = (0, 0, 0, 0);
    for (name, body, expect) in &corpus {
        let batch = parse(body);
        let kinds: Vec<&str> = batch.messages.iter().map(|m| m.content.kind()).collect();
        assert_eq!(batch.messages.len(), expect.messages, "{name}: messages");
        assert_eq!(kinds, expect.kinds, "{name}: kinds");
        assert_eq!(batch.statuses.len(), expect.statuses, "{name}: statuses");
        assert_eq!(
            batch.preferences.len(),
            expect.preferences,
            "{name}: preferences"
        );
        assert_eq!(batch.templates.len(), expect.templates, "{name}: templates");
        let got: Vec<Quarantined> = batch
            .quarantined
            .iter()
            .map(|q| Quarantined {
                kind: serde_json::to_value(q.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                field: q.field.clone(),
                path: q.path.clone(),
            })
            .collect();
        assert_eq!(got, expect.quarantined, "{name}: quarantined items");
        for q in &batch.quarantined {
            assert!(!q.reason.is_empty(), "{name}: a reason for {}", q.path);
        }
        messages += batch.messages.len();
        statuses += batch.statuses.len();
        other += batch.preferences.len() + batch.templates.len();
        quarantined += batch.quarantined.len();
    }
    println!(
        "corpus: {} deliveries, {messages} messages, {statuses} statuses, {other} preference and template changes, {quarantined} quarantined items",
        corpus.len()
    );
}

fn delivery(stem: &str) -> turno_core::app::WebhookBatch {
    let (_, body, _) = corpus()
        .into_iter()
        .find(|(n, _, _)| n == stem)
        .unwrap_or_else(|| panic!("no {stem} in the corpus"));
    parse(&body)
}

#[test]
fn the_corpus_events_carry_what_they_are_about() {
    use turno_core::channel::message::{CallOutcome, Content, SystemKind};
    let edit = delivery("17_edit");
    assert!(matches!(
        &edit.messages[0].content,
        Content::Edit { message_id, content }
            if message_id.as_str() == "wamid.corpus.text1"
                && matches!(&**content, Content::Text { body } if body.contains("1234"))
    ));
    let system = delivery("19_system");
    assert!(matches!(
        &system.messages[0].content,
        Content::System { kind: SystemKind::UserChangedNumber, new_wa_id: Some(w), .. }
            if w.as_str() == "34600110099"
    ));
    assert!(matches!(
        &system.messages[1].content,
        Content::System {
            kind: SystemKind::CustomerIdentityChanged,
            new_wa_id: None,
            ..
        }
    ));
    let echoes = delivery("21_smb_message_echoes");
    assert_eq!(
        echoes.messages[0].from.as_str(),
        "34600110016",
        "the customer it went to"
    );
    let calls = delivery("22_calls");
    assert!(matches!(
        calls.messages[0].content,
        Content::Call {
            outcome: CallOutcome::Missed,
            duration_secs: None,
            ..
        }
    ));
    let prefs = delivery("23_user_preferences");
    assert_eq!(
        prefs
            .preferences
            .iter()
            .map(|p| p.subscribed)
            .collect::<Vec<_>>(),
        [false, true]
    );
}
