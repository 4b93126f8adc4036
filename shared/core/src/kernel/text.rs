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
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    let want: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
    let Some((last, init)) = want.split_last() else {
        return false;
    };
    let short = last.chars().count() < PREFIX_LEAST;
    let matches_last = |w: &str| match w.strip_prefix(last) {
        Some(rest) => !short || rest.is_empty() || rest == "s",
        None => false,
    };
    words
        .windows(want.len())
        .any(|w| w[..init.len()] == *init && matches_last(w[init.len()]))
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
    }
}
