//! Keyword triggers: words or phrases that hand a conversation to a person at once, with
//! their own routing: a lawyer, fraud, a complaint to a consumer authority. Written per
//! language beside the rest of the bot's configuration:
//!
//! ```yaml
//! keyword_triggers:
//!   - name: legal
//!     phrases:
//!       es: [abogado, demanda, PROFECO, OCU]
//!       en: [lawyer, sue you]
//!       pt: [advogado, Procon]
//!     team: specialists
//!     priority: high
//! ```
//!
//! Phrases match on word boundaries, accents and case aside, the last word also as the start
//! of a longer one (`abogado` finds `abogados`; a word under five letters, such as `OCU`, only
//! itself and its plural). Every language's phrases are looked for in
//! every message: a customer may name a Spanish authority in English.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::kernel::ids::TeamId;
use crate::kernel::lang::Lang;
use crate::kernel::levels::Priority;
use crate::kernel::text::Phrase;
#[cfg(test)]
use crate::kernel::text::normalise;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordTrigger {
    /// A name for the trigger, kept on the ticket (`keyword:<name>`).
    pub name: String,
    /// The phrases, per language.
    pub phrases: BTreeMap<Lang, Vec<Phrase>>,
    /// The team to hand to; routing decides when none is named.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// The ticket's least priority.
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// The first trigger with a phrase in `text` (normalised).
pub fn find<'a>(triggers: &'a [KeywordTrigger], text: &str) -> Option<&'a KeywordTrigger> {
    if text.is_empty() {
        return None;
    }
    triggers
        .iter()
        .find(|t| t.phrases.values().flatten().any(|p| p.is_in(text)))
}

/// Checks the triggers: unique non-empty names, at least one phrase each and no phrase
/// without a word, and teams that exist.
pub(crate) fn check(triggers: &[KeywordTrigger], teams: &HashSet<&TeamId>) -> Result<(), String> {
    let mut names = HashSet::new();
    for t in triggers {
        let name = t.name.trim();
        if name.is_empty() || !names.insert(name) {
            return Err(format!(
                "bot.keyword_triggers: name {:?} is empty or used twice",
                t.name
            ));
        }
        let mut phrases = t.phrases.values().flatten().peekable();
        if phrases.peek().is_none() {
            return Err(format!("bot.keyword_triggers.{name} has no phrases"));
        }
        if let Some(p) = phrases.find(|p| p.normalised().is_empty()) {
            return Err(format!(
                "bot.keyword_triggers.{name}: phrase {p:?} has no letters or digits"
            ));
        }
        if let Some(team) = t.team.as_ref().filter(|team| !teams.contains(team)) {
            return Err(format!(
                "bot.keyword_triggers.{name} hands off to unknown team {team}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(json: &str) -> Vec<KeywordTrigger> {
        serde_json::from_str(json).expect("valid json")
    }

    const LEGAL: &str = r#"[
        {"name": "legal", "team": "specialists", "priority": "high",
         "phrases": {"es": ["abogado", "voy a denunciar"], "en": ["lawyer"],
                     "pt": ["advogado", "Procon"]}},
        {"name": "fraud", "phrases": {"es": ["fraude"], "en": ["fraud", "scam"]}}
    ]"#;

    #[test]
    fn a_phrase_of_any_language_finds_its_trigger() {
        let t = triggers(LEGAL);
        let found = |s: &str| find(&t, &normalise(s)).map(|t| t.name.as_str());
        assert_eq!(found("Voy a llamar a mis ABOGADOS"), Some("legal"));
        assert_eq!(found("vou reclamar no procon"), Some("legal"));
        assert_eq!(found("this is a scam"), Some("fraud"));
        assert_eq!(found("voy a denunciarlos"), Some("legal"));
        assert_eq!(found("dónde está mi pedido"), None);
        assert_eq!(found(""), None);
    }

    #[test]
    fn bad_triggers_are_refused_with_their_name() {
        let support = TeamId::parse("support").unwrap();
        let teams = HashSet::from([&support]);
        let e = check(&triggers(LEGAL), &teams).unwrap_err();
        assert!(e.contains("legal") && e.contains("specialists"), "{e}");
        let dup = r#"[{"name": "a", "phrases": {"es": ["x"]}},
                      {"name": "a", "phrases": {"en": ["y"]}}]"#;
        assert!(check(&triggers(dup), &teams).unwrap_err().contains("twice"));
        let empty = r#"[{"name": "a", "phrases": {"es": []}}]"#;
        assert!(
            check(&triggers(empty), &teams)
                .unwrap_err()
                .contains("no phrases")
        );
        let blank = r#"[{"name": "a", "phrases": {"es": ["¡!"]}}]"#;
        assert!(
            check(&triggers(blank), &teams)
                .unwrap_err()
                .contains("no letters")
        );
        let ok = r#"[{"name": "a", "phrases": {"es": ["fraude"]}, "team": "support"}]"#;
        assert!(check(&triggers(ok), &teams).is_ok());
    }
}
