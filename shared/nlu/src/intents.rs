//! The intent set: per intent, example phrases per language, written by the business.
//!
//! ```yaml
//! intents:
//!   - name: order_status            # what the bot reports when it recognises the intent
//!     examples:                     # 15–40 per language is plenty; vary the wording
//!       es: ["dónde está mi pedido", "rastrear mi paquete"]
//!       en: ["where is my order", "track my package"]
//!       pt: ["cadê meu pedido", "rastrear minha encomenda"]
//!     threshold: 0.3                # optional: this intent's own confidence threshold
//!   - name: store_hours
//!     strict: true                  # turned down when the message names something else
//!     examples: {en: ["what time do you open"]}
//!   - name: human_agent
//!     handoff: true                 # accepted only on an explicit request for a person
//!     examples: {en: ["talk to a person"]}
//!   - name: greeting
//!     small_talk: true              # "hi, <something else>" is judged by the something else
//!     examples: {en: ["hello", "how are you"]}
//!   - name: refund
//!     ours: true                    # not when another business is the subject ("my uber")
//!     examples: {en: ["i want my money back"]}
//!   - name: where_is_it
//!     tracking: true                # "has my stuff shipped yet": the customer's purchase
//!     examples: {en: ["where is my order"]}
//! out_of_scope:                     # optional: things customers ask that no intent covers
//!   es: ["cuéntame un chiste"]
//!   en: ["what's the weather like"]
//! ```
//!
//! A language may be left out of an intent; accents, case and punctuation in examples do not
//! matter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::NluError;
use crate::lang::Lang;

/// Example phrases per language.
pub type Examples = BTreeMap<Lang, Vec<String>>;

/// All the intents of a bot, and optionally examples of what is out of scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentSet {
    /// The intents, in no particular order.
    pub intents: Vec<Intent>,
    /// Messages no intent covers, so similar ones are rejected rather than forced into the
    /// nearest intent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub out_of_scope: Examples,
}

/// One thing a customer may want.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// The name the classifier reports (`order_status`).
    pub name: String,
    /// How customers say it, per language.
    pub examples: Examples,
    /// This intent's own confidence threshold (0–1), instead of the classifier's: higher
    /// for an intent whose wording is common in unrelated messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// The intent hands the conversation to a person: it is accepted only when the message
    /// asks for one explicitly ([`crate::asks_for_person`]), never on likeness alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
    /// The intent is about the business itself (its hours, say): it is turned down when the
    /// message has a word no example uses, or that only out-of-scope examples use, since
    /// such a word usually names some other place or thing ("is the museum open").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// The intent is small talk (a greeting, thanks): it is recognised from its fixed wordings
    /// ("hello, how is it going"), and a message that opens with it and goes on to ask
    /// something else is judged by what it asks ("hi, can you tell me a joke").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub small_talk: bool,
    /// The intent is about the customer's dealings with this business (an order, a refund, a
    /// bill): it is turned down when the message names another business, service or thing
    /// as its subject without speaking to the shop ("track my ups package", "cancel my
    /// netflix"), and a question about the world or a command to a device must carry the
    /// shop's own words to count ("how many continents are there").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ours: bool,
    /// The intent asks where the customer's own purchase is ("has my stuff shipped yet",
    /// "i still haven't received what i bought"): a message that names a purchase of the
    /// customer's and asks whether or when it ships or arrives counts as it, if it asks
    /// nothing else about it (a return, a refund) and its likeness is not far off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tracking: bool,
}

impl IntentSet {
    /// Reads the YAML format documented on this module.
    pub fn from_yaml(yaml: &str) -> Result<Self, NluError> {
        Ok(serde_yaml_ng::from_str(yaml)?)
    }

    /// Reads the YAML format from a file.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self, NluError> {
        let path = path.as_ref();
        let yaml = std::fs::read_to_string(path).map_err(|source| NluError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&yaml)
    }

    /// The intents' names, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.intents.iter().map(|i| i.name.as_str())
    }

    /// Checks what serde cannot: at least one intent, unique non-empty names, every intent
    /// with at least one example.
    pub fn validate(&self) -> Result<(), NluError> {
        if self.intents.is_empty() {
            return Err(NluError::NoIntents);
        }
        let mut seen = std::collections::HashSet::new();
        for intent in &self.intents {
            let name = intent.name.trim();
            if name.is_empty() || !seen.insert(name) {
                return Err(NluError::BadIntentName(intent.name.clone()));
            }
            if intent.examples.values().all(Vec::is_empty) {
                return Err(NluError::NoExamples(intent.name.clone()));
            }
            if let Some(value) = intent.threshold.filter(|t| !(0.0..=1.0).contains(t)) {
                return Err(NluError::BadOption {
                    name: "threshold",
                    range: "0..=1",
                    value,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
intents:
  - name: greeting
    examples:
      es: [hola, buenas]
      en: [hi]
out_of_scope:
  pt: ["me conta uma piada"]
"#;

    #[test]
    fn reads_intents_and_out_of_scope_examples_per_language() {
        let set = IntentSet::from_yaml(YAML).expect("valid yaml");
        assert_eq!(set.names().collect::<Vec<_>>(), ["greeting"]);
        assert_eq!(set.intents[0].examples[&Lang::Es], ["hola", "buenas"]);
        assert_eq!(set.out_of_scope[&Lang::Pt].len(), 1);
        assert!(set.validate().is_ok());
    }

    #[test]
    fn rejects_an_unknown_language_or_a_misspelt_field() {
        assert!(IntentSet::from_yaml("intents: [{name: a, examples: {fr: [salut]}}]").is_err());
        assert!(IntentSet::from_yaml("intents: [{name: a, example: {es: [hola]}}]").is_err());
    }

    #[test]
    fn rejects_duplicate_names_and_intents_without_examples() {
        let dup = IntentSet::from_yaml(
            "intents: [{name: a, examples: {es: [x]}}, {name: a, examples: {en: [y]}}]",
        )
        .expect("valid yaml");
        assert!(matches!(dup.validate(), Err(NluError::BadIntentName(_))));
        let empty =
            IntentSet::from_yaml("intents: [{name: a, examples: {es: []}}]").expect("valid yaml");
        assert!(matches!(empty.validate(), Err(NluError::NoExamples(_))));
        assert!(matches!(
            IntentSet::default().validate(),
            Err(NluError::NoIntents)
        ));
    }
}
