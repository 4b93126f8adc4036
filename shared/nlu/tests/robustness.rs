//! Whatever a customer sends, the NLU answers without panicking, within its ranges.

use proptest::prelude::*;
use turno_nlu::{Classifier, IntentSet, Options, detect_language, frustration, normalise};

fn demo() -> &'static Classifier {
    static DEMO: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let yaml = include_str!("../../../infra/demo/intents.yaml");
        let set = IntentSet::from_yaml(yaml).expect("the demo intents parse");
        Classifier::new(&set, Options::default()).expect("the demo intents build")
    })
}

proptest! {
    #[test]
    fn any_text_classifies_with_a_confidence_between_0_and_1(text in "\\PC{0,80}") {
        let c = demo().classify(&text);
        prop_assert!((0.0..=1.0).contains(&c.confidence));
        if let Some((_, s)) = c.runner_up {
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }

    #[test]
    fn chat_like_text_classifies_without_panicking(text in "[a-zA-Záéíóúãõçñ!?¿¡ 0-9]{0,60}") {
        let c = demo().classify(&text);
        prop_assert!(c.intent.is_none() || c.confidence >= demo().options().threshold);
        let f = frustration(&text);
        prop_assert_eq!(f.frustrated, f.score >= turno_nlu::FRUSTRATED_AT);
        let _ = detect_language(&text);
    }

    #[test]
    fn normalising_twice_changes_nothing(text in "\\PC{0,80}") {
        let once = normalise(&text);
        prop_assert_eq!(normalise(&once), once);
    }
}
