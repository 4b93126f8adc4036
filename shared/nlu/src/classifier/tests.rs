use super::*;

fn classifier() -> Classifier {
    let set = IntentSet::from_yaml(
        r#"
intents:
  - name: order_status
    examples:
      es: ["dónde está mi pedido", "estado de mi pedido", "rastrear mi paquete"]
      en: ["where is my order", "track my package", "order status"]
      pt: ["cadê meu pedido", "rastrear minha encomenda"]
  - name: refund
    examples:
      es: ["quiero un reembolso", "devuélvanme el dinero"]
      en: ["i want a refund", "money back please"]
      pt: ["quero reembolso", "cadê meu estorno"]
  - name: greeting
    examples:
      es: ["hola", "buenos días"]
      en: ["hi", "hello there"]
      pt: ["oi", "bom dia"]
out_of_scope:
  es: ["cuéntame un chiste"]
  en: ["what is the weather like"]
"#,
    )
    .expect("valid yaml");
    Classifier::new(&set, Options::default()).expect("valid set")
}

fn intent(c: &Classifier, text: &str) -> Option<String> {
    c.classify(text).intent
}

#[test]
fn recognises_the_examples_themselves() {
    let c = classifier();
    assert_eq!(
        intent(&c, "¿Dónde está mi pedido?").as_deref(),
        Some("order_status")
    );
    assert_eq!(intent(&c, "quero reembolso").as_deref(), Some("refund"));
    assert_eq!(intent(&c, "Hola!!").as_deref(), Some("greeting"));
}

#[test]
fn tolerates_one_typo_from_five_letters_and_two_from_eight() {
    let c = classifier();
    assert_eq!(
        intent(&c, "donde esta mi pedio").as_deref(),
        Some("order_status")
    );
    assert_eq!(intent(&c, "quiero un reembloso").as_deref(), Some("refund"));
    assert_eq!(intent(&c, "quiero un rembolzo").as_deref(), Some("refund"));
    assert_eq!(
        intent(&c, "rastrar mi paquete").as_deref(),
        Some("order_status")
    );
}

#[test]
fn matches_other_forms_of_a_word_through_its_stem() {
    let c = classifier();
    assert_eq!(intent(&c, "refunds?").as_deref(), Some("refund"));
    assert_eq!(
        intent(&c, "tracking my packages").as_deref(),
        Some("order_status")
    );
}

#[test]
fn rejects_messages_about_something_else() {
    let c = classifier();
    for text in [
        "do you sell cars",
        "quién ganó el partido",
        "cuéntame un chiste",
    ] {
        let got = c.classify(text);
        assert_eq!(got.intent, None, "{text}: {got:?}");
    }
}

#[test]
fn rejects_empty_and_unknown_text_with_zero_confidence() {
    let c = classifier();
    for text in ["", "!!!", "🙂", "zzzz qqqq"] {
        let got = c.classify(text);
        assert_eq!(got.intent, None);
        assert_eq!(got.confidence, 0.0, "{text}");
    }
}

#[test]
fn reports_the_language_and_the_runner_up() {
    let c = classifier();
    let got = c.classify("cadê meu pedido?");
    assert_eq!(got.lang, Some(Lang::Pt));
    let (runner, score) = got.runner_up.expect("a runner-up");
    assert_ne!(runner, "order_status");
    assert!(score < got.confidence);
}

#[test]
fn a_greeting_in_front_does_not_hide_the_request() {
    let c = classifier();
    assert_eq!(
        intent(&c, "hola, dónde está mi pedido").as_deref(),
        Some("order_status")
    );
}

#[test]
fn a_higher_threshold_rejects_more() {
    let set = IntentSet::from_yaml("intents: [{name: a, examples: {en: [track my order]}}]")
        .expect("valid yaml");
    let strict = Classifier::new(
        &set,
        Options {
            threshold: 0.99,
            margin: 0.0,
        },
    )
    .expect("valid options");
    assert_eq!(strict.classify("track order").intent, None);
    assert!(strict.classify("track order").confidence > 0.5);
}

#[test]
fn a_classifier_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}

#[test]
fn options_out_of_range_are_refused() {
    let set =
        IntentSet::from_yaml("intents: [{name: a, examples: {en: [x]}}]").expect("valid yaml");
    let bad = Options {
        threshold: 1.5,
        margin: 0.0,
    };
    assert!(matches!(
        Classifier::new(&set, bad),
        Err(NluError::BadOption { .. })
    ));
}

#[test]
fn an_example_with_no_words_is_refused() {
    let set =
        IntentSet::from_yaml("intents: [{name: a, examples: {en: ['!!!']}}]").expect("valid yaml");
    assert!(matches!(
        Classifier::new(&set, Options::default()),
        Err(NluError::EmptyExample { .. })
    ));
}

fn hours(strict: bool) -> Classifier {
    let set = IntentSet::from_yaml(&format!(
        r#"
intents:
  - name: store_hours
    strict: {strict}
    examples:
      en: ["what time do you open", "are you open on sundays", "when does the store close"]
  - name: greeting
    examples:
      en: ["hi", "hello there"]
out_of_scope:
  en: ["when does the bank open", "play some music"]
"#
    ))
    .expect("valid yaml");
    Classifier::new(&set, Options::default()).expect("valid set")
}

#[test]
fn a_strict_intent_turns_down_a_message_that_names_something_its_examples_never_do() {
    let loose = hours(false);
    let strict = hours(true);
    assert_eq!(
        intent(&loose, "is the museum open on sundays").as_deref(),
        Some("store_hours"),
        "the loose intent takes it: the test would not show anything otherwise"
    );
    for text in ["is the museum open on sundays", "when does the bank close"] {
        assert_eq!(intent(&strict, text), None, "{text}");
    }
    for text in [
        "are you open on sunday",
        "what time does the store open",
        "actually english please, what time do you open",
    ] {
        assert_eq!(
            intent(&strict, text).as_deref(),
            Some("store_hours"),
            "{text}"
        );
    }
}

#[test]
fn a_word_only_out_of_scope_examples_use_lowers_the_confidence_like_an_unknown_word() {
    let c = hours(false);
    let plain = c.classify("when does it open").confidence;
    let with_bank = c.classify("when does the bank open").confidence;
    assert!(with_bank < plain, "{with_bank} >= {plain}");
    assert_eq!(intent(&c, "when does the bank open"), None);
}
