//! Languages the bot speaks: one `Lang` for the whole workspace, the NLU's, whose detector
//! is the only one (`turno_nlu::detect_language`); and texts kept in several languages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use turno_nlu::Lang;

/// The conversation's language after a message: the message's when it tells one
/// confidently, `current` otherwise (short, shared or unintelligible text keeps it).
pub fn language_after(text: &str, current: Lang) -> Lang {
    turno_nlu::detect_language(text).unwrap_or(current)
}

/// A text in several languages; reading it in a language it lacks falls back to the first
/// one it has.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<Lang, String>);

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn one(lang: Lang, text: impl Into<String>) -> Self {
        Localized(BTreeMap::from([(lang, text.into())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localized_falls_back_to_a_language_it_has() {
        let l = Localized::one(Lang::Es, "hola");
        assert_eq!(l.get(Lang::En), "hola");
    }
}
