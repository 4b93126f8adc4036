//! Text normalisation shared by the bot and the routing rules.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case, accents and punctuation removed, white space folded:
/// `"¿Dónde está   mi PEDIDO?"` → `"donde esta mi pedido"`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Whether `phrase` (normalised, one or more words) appears in `text` (normalised) on word
/// boundaries, the phrase's last word matching as a prefix (`agente` finds `agentes`). A
/// last word shorter than [`PREFIX_LEAST`] letters (an acronym such as `OCU`) matches whole
/// or with a plural `s`: `ocu` does not find `ocurrio`.
///
/// Runs on every message for every configured phrase, so it allocates nothing: normalised
/// text has single spaces between words, so the words before the last are a plain prefix
/// (`"voy a "`) at a word's start.
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    let (init, last) = match phrase.rfind(' ') {
        Some(i) => (&phrase[..=i], &phrase[i + 1..]),
        None => ("", phrase),
    };
    if last.is_empty() {
        return false;
    }
    let short = last.chars().count() < PREFIX_LEAST;
    let mut word_starts = std::iter::once(0).chain(text.match_indices(' ').map(|(i, _)| i + 1));
    word_starts.any(|at| {
        let Some(rest) = text[at..].strip_prefix(init) else {
            return false;
        };
        let word = rest.split(' ').next().unwrap_or_default();
        match word.strip_prefix(last) {
            Some(more) => !short || more.is_empty() || more == "s",
            None => false,
        }
    })
}

/// A word or phrase from the configuration (a keyword, a greeting, an opt-out word), kept as
/// written and normalised once when the configuration is read, not again for every message
/// it is compared with. Reads and writes as the plain string.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Phrase {
    written: String,
    normalised: String,
}

impl Phrase {
    pub fn new(written: impl Into<String>) -> Phrase {
        let written = written.into();
        let normalised = normalise(&written);
        Phrase {
            written,
            normalised,
        }
    }

    /// As written in the configuration.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// As [`normalise`] makes it: what messages are compared with.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }

    /// Whether the phrase appears in `text` (normalised), as [`contains_phrase`] finds it.
    pub fn is_in(&self, text: &str) -> bool {
        contains_phrase(text, &self.normalised)
    }
}

impl From<String> for Phrase {
    fn from(written: String) -> Phrase {
        Phrase::new(written)
    }
}

impl From<&str> for Phrase {
    fn from(written: &str) -> Phrase {
        Phrase::new(written)
    }
}

impl From<Phrase> for String {
    fn from(p: Phrase) -> String {
        p.written
    }
}

impl std::fmt::Debug for Phrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.written, f)
    }
}

impl std::fmt::Display for Phrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.written)
    }
}

/// The least length of a phrase's last word for it to match as the start of a longer one.
const PREFIX_LEAST: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_strips_accents_case_and_punctuation() {
        assert_eq!(
            normalise("¿Dónde está   mi PEDIDO?"),
            "donde esta mi pedido"
        );
        assert_eq!(normalise("Olá, bom dia!!!"), "ola bom dia");
        assert_eq!(normalise("   "), "");
    }

    #[test]
    fn phrases_match_on_word_boundaries_with_a_prefix_last_word() {
        assert!(contains_phrase("quiero hablar con agentes", "agente"));
        assert!(contains_phrase("buenos dias", "buenos dias"));
        assert!(!contains_phrase("reagente", "agente"));
        assert!(!contains_phrase("hola", ""));
        assert!(!contains_phrase("que ocurrio con mi pedido", "ocu"));
        assert!(contains_phrase("los denuncio en la ocu", "ocu"));
        assert!(contains_phrase("these are scams", "scam"));
        assert!(contains_phrase(
            "mejor voy a denunciarlos hoy",
            "voy a denunciar"
        ));
        assert!(!contains_phrase(
            "mejor voy al denunciarlos",
            "voy a denunciar"
        ));
        assert!(!contains_phrase("llevo a denunciar", "voy a denunciar"));
        assert!(!contains_phrase("", "agente"));
    }

    #[test]
    fn a_phrase_reads_and_writes_as_written_and_compares_normalised() {
        let p: Phrase = serde_json::from_str(r#""Voy a DENUNCIAR""#).unwrap();
        assert_eq!(p.as_str(), "Voy a DENUNCIAR");
        assert_eq!(p.normalised(), "voy a denunciar");
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""Voy a DENUNCIAR""#);
        assert!(p.is_in(&normalise("¡Voy a denunciarlos!")));
        assert_eq!(format!("{p:?}"), r#""Voy a DENUNCIAR""#);
    }
}
