//! Languages the bot speaks, and a small detector for them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Es,
    En,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Es, Lang::En, Lang::Pt];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
            Lang::Pt => "pt",
        }
    }
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

const ES: &[&str] = &[
    "hola", "quiero", "necesito", "pedido", "donde", "esta", "gracias", "buenas", "buenos", "dias",
    "tardes", "noches", "mi", "el", "la", "por", "favor", "hablar", "con", "un", "una", "que",
    "como", "es", "estoy", "tengo", "ayuda", "llega", "todavia", "devolver", "puedo", "cuando",
    "senor", "usted",
];
const EN: &[&str] = &[
    "hi", "hello", "hey", "i", "my", "the", "where", "is", "order", "want", "need", "thanks",
    "thank", "you", "please", "talk", "to", "with", "a", "an", "what", "how", "can", "help",
    "morning", "get", "when", "return", "it", "do", "does", "am", "there",
];
const PT: &[&str] = &[
    "ola",
    "oi",
    "quero",
    "preciso",
    "pedido",
    "onde",
    "esta",
    "obrigado",
    "obrigada",
    "bom",
    "boa",
    "dia",
    "tarde",
    "noite",
    "meu",
    "minha",
    "o",
    "a",
    "por",
    "favor",
    "falar",
    "com",
    "um",
    "uma",
    "que",
    "como",
    "voce",
    "estou",
    "tenho",
    "ajuda",
    "nao",
    "chegou",
    "ainda",
    "posso",
    "quando",
    "atendente",
    "devolver",
];

/// Guesses the language of an already normalised text (lower case, no accents). Returns `None`
/// when nothing tells the languages apart, so the caller keeps the conversation's language.
pub fn detect(normalised: &str) -> Option<Lang> {
    let mut scores = [0i32; 3];
    for word in normalised.split_whitespace() {
        for (i, list) in [ES, EN, PT].iter().enumerate() {
            if list.contains(&word) {
                scores[i] += 1;
            }
        }
    }
    let best = *scores.iter().max()?;
    if best == 0 {
        return None;
    }
    let winners: Vec<usize> = (0..3).filter(|&i| scores[i] == best).collect();
    match winners.as_slice() {
        [i] => Some(Lang::ALL[*i]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_language_from_common_words() {
        assert_eq!(
            detect("hola quiero saber donde esta mi pedido"),
            Some(Lang::Es)
        );
        assert_eq!(detect("hi where is my order"), Some(Lang::En));
        assert_eq!(detect("ola quero falar com um atendente"), Some(Lang::Pt));
    }

    #[test]
    fn gives_up_when_nothing_distinguishes() {
        assert_eq!(detect("12345"), None);
        assert_eq!(detect("pedido"), None);
    }

    #[test]
    fn localized_falls_back_to_a_language_it_has() {
        let l = Localized::one(Lang::Es, "hola");
        assert_eq!(l.get(Lang::En), "hola");
    }
}
