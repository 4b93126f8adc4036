//! What the classifier's test files share: the repository's files and the demo intents, and
//! a check of many messages at once that names every one classified wrong. Each test binary
//! uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use turno_nlu::{Classifier, IntentSet, Options};

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

pub fn demo() -> Classifier {
    let set = IntentSet::from_path(repo_path("infra/demo/intents.yaml"))
        .expect("infra/demo/intents.yaml parses");
    Classifier::new(&set, Options::default()).expect("the demo intents build")
}

/// Classifies each text and fails listing every one whose intent is not the one wanted
/// (`None`: out of scope).
pub fn check(c: &Classifier, cases: &[(&str, Option<&str>)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = c.classify(text);
            (got.intent.as_deref() != *want).then(|| {
                format!(
                    "{text:?}: want {want:?}, got {:?} ({:.2}, runner-up {:?})",
                    got.intent, got.confidence, got.runner_up
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
