//! The languages the bot speaks, and a detector that works on a few words.
//!
//! Detection weighs three kinds of evidence, strongest first: letters only one language
//! writes (`ñ ¿ ¡` Spanish; `ã õ ç â ê ô à` Portuguese), a lexicon of frequent words
//! (function words, greetings, the verbs customers use; a word two languages share counts
//! for both, at a fraction), and spelling patterns of unknown words (`-ción`, `-ção`,
//! `-ing`, `nh`, `th`, `w`). It gives up (`None`) rather than guess when the evidence is
//! thin or tied, so the caller can keep the conversation's language.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::normalise::normalise;

mod words;

use words::{EN_WORDS, ES_WORDS, FUNCTION_WORDS, PT_WORDS};

/// A language the bot speaks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Spanish, the default where nothing says otherwise.
    #[default]
    Es,
    /// English.
    En,
    /// Portuguese.
    Pt,
}

impl Lang {
    /// Every language, in a fixed order (the index order of [`Lang::index`]).
    pub const ALL: [Lang; 3] = [Lang::Es, Lang::En, Lang::Pt];

    /// The ISO 639-1 code: `es`, `en`, `pt`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
            Lang::Pt => "pt",
        }
    }

    /// Position in [`Lang::ALL`].
    pub fn index(self) -> usize {
        match self {
            Lang::Es => 0,
            Lang::En => 1,
            Lang::Pt => 2,
        }
    }

    /// Parses `es`, `en` or `pt` (any case).
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            "pt" => Some(Lang::Pt),
            _ => None,
        }
    }

    pub(crate) fn algorithm(self) -> rust_stemmers::Algorithm {
        match self {
            Lang::Es => rust_stemmers::Algorithm::Spanish,
            Lang::En => rust_stemmers::Algorithm::English,
            Lang::Pt => rust_stemmers::Algorithm::Portuguese,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether `word` (normalised) is a function word of some language.
pub(crate) fn is_function_word(word: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| FUNCTION_WORDS.iter().copied().collect())
        .contains(word)
}

/// Per word, how much it says for each language: 1 for a word of one language only, a
/// fraction for a word two or three share.
fn lexicon() -> &'static HashMap<&'static str, [f32; 3]> {
    static LEXICON: OnceLock<HashMap<&'static str, [f32; 3]>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut seen: HashMap<&'static str, [bool; 3]> = HashMap::new();
        for (i, list) in [ES_WORDS, EN_WORDS, PT_WORDS].iter().enumerate() {
            for w in list.iter() {
                seen.entry(w).or_default()[i] = true;
            }
        }
        seen.into_iter()
            .map(|(w, in_lang)| {
                let n = in_lang.iter().filter(|b| **b).count();
                // Shared words still separate the languages that have them from the one that
                // does not, but weakly.
                let share = match n {
                    1 => 1.0,
                    2 => 0.3,
                    _ => 0.0,
                };
                let mut s = [0.0; 3];
                for (i, b) in in_lang.iter().enumerate() {
                    if *b {
                        s[i] = share;
                    }
                }
                (w, s)
            })
            .collect()
    })
}

/// Whether `word` (normalised) is one of the frequent words the detector knows.
pub(crate) fn is_common_word(word: &str) -> bool {
    lexicon().contains_key(word)
}

/// Evidence for each language in [`Lang::ALL`] order, from the raw text.
pub(crate) fn language_scores(text: &str) -> [f32; 3] {
    language_scores_normalised(text, &normalise(text))
}

/// [`language_scores`] when the caller has already normalised `text`.
pub(crate) fn language_scores_normalised(text: &str, normalised: &str) -> [f32; 3] {
    let mut scores = [0.0f32; 3];
    let mut es_letters = 0u32;
    let mut pt_letters = 0u32;
    for c in text.chars() {
        match c {
            'ñ' | 'Ñ' | '¿' | '¡' => es_letters += 1,
            'ã' | 'õ' | 'ç' | 'â' | 'ê' | 'ô' | 'à' | 'Ã' | 'Õ' | 'Ç' | 'Â' | 'Ê' | 'Ô' | 'À' => {
                pt_letters += 1
            }
            _ => {}
        }
    }
    scores[Lang::Es.index()] += 1.5 * es_letters.min(2) as f32;
    scores[Lang::Pt.index()] += 1.5 * pt_letters.min(2) as f32;

    let lexicon = lexicon();
    let mut known = false;
    let mut cues = [0u32; 3];
    for word in normalised.split(' ').filter(|w| !w.is_empty()) {
        match lexicon.get(word) {
            Some(s) => {
                known = true;
                for (total, add) in scores.iter_mut().zip(s) {
                    *total += add;
                }
            }
            None => {
                if let Some(lang) = spelling_cue(word) {
                    cues[lang.index()] += 1;
                }
            }
        }
    }
    // Spelling alone is weak: without a known word or letter, it takes two words that agree
    // and none that disagree (keyboard mashes have `nh`, `w` and `sh` too).
    let letters = es_letters + pt_letters > 0;
    let agreed = cues.iter().filter(|&&n| n > 0).count() == 1 && cues.iter().sum::<u32>() >= 2;
    if known || letters || agreed {
        for (total, n) in scores.iter_mut().zip(cues) {
            *total += 0.5 * n as f32;
        }
    }
    scores
}

/// Whether a word could be one: a vowel, and no run of four consonants or three of the
/// same letter.
fn pronounceable(word: &str) -> bool {
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut run = 0;
    let mut same = 0;
    let mut prev = ' ';
    let mut vowels = 0;
    for c in word.chars() {
        if vowel(c) {
            vowels += 1;
            run = 0;
        } else {
            run += 1;
        }
        same = if c == prev { same + 1 } else { 1 };
        prev = c;
        if run >= 4 || same >= 3 {
            return false;
        }
    }
    vowels > 0
}

/// What the spelling of a word the lexicon lacks says, if anything.
fn spelling_cue(word: &str) -> Option<Lang> {
    if word.len() < 3 || word.bytes().any(|b| b.is_ascii_digit()) || !pronounceable(word) {
        return None;
    }
    let ends = |s: &str| word.ends_with(s);
    if ends("cao") || ends("coes") || ends("cões") || word.contains("nh") || word.contains("lh") {
        return Some(Lang::Pt);
    }
    if ends("cion") || ends("ciones") || ends("dad") || ends("dades") {
        return Some(Lang::Es);
    }
    if ends("ing")
        || ends("tion")
        || ends("ly")
        || word.contains("th")
        || word.contains('w')
        || word.contains("sh")
        || word.contains("ck")
        || word.contains("ee")
        || (word.len() > 3 && ends("ed"))
    {
        return Some(Lang::En);
    }
    None
}

/// The language of `text`, or `None` when the text does not tell (`"ok"`, `"12345"`, a
/// word Spanish and Portuguese share such as `"pedido"`).
///
/// ```
/// use turno_nlu::{detect_language, Lang};
/// assert_eq!(detect_language("hola, dónde está mi pedido"), Some(Lang::Es));
/// assert_eq!(detect_language("cadê meu pedido?"), Some(Lang::Pt));
/// assert_eq!(detect_language("where is my order"), Some(Lang::En));
/// assert_eq!(detect_language("ok"), None);
/// ```
pub fn detect_language(text: &str) -> Option<Lang> {
    decide(language_scores(text))
}

/// The winner of `scores` if it leads clearly enough.
pub(crate) fn decide(scores: [f32; 3]) -> Option<Lang> {
    let mut order = [0usize, 1, 2];
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (best, second) = (scores[order[0]], scores[order[1]]);
    if best < 0.5 || best - second < 0.25 {
        return None;
    }
    Some(Lang::ALL[order[0]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_language_from_a_full_sentence() {
        assert_eq!(
            detect_language("hola quiero saber donde esta mi pedido"),
            Some(Lang::Es)
        );
        assert_eq!(detect_language("hi, where is my order?"), Some(Lang::En));
        assert_eq!(
            detect_language("olá, quero falar com um atendente"),
            Some(Lang::Pt)
        );
    }

    #[test]
    fn detects_greetings_and_thanks_of_one_or_two_words() {
        assert_eq!(detect_language("Hola"), Some(Lang::Es));
        assert_eq!(detect_language("gracias"), Some(Lang::Es));
        assert_eq!(detect_language("hello"), Some(Lang::En));
        assert_eq!(detect_language("thx"), Some(Lang::En));
        assert_eq!(detect_language("oi"), Some(Lang::Pt));
        assert_eq!(detect_language("obrigado"), Some(Lang::Pt));
        assert_eq!(detect_language("bom dia"), Some(Lang::Pt));
        assert_eq!(detect_language("buenos días"), Some(Lang::Es));
    }

    #[test]
    fn tells_spanish_from_portuguese_without_accents() {
        assert_eq!(detect_language("cuando llega mi pedido"), Some(Lang::Es));
        assert_eq!(detect_language("quando chega meu pedido"), Some(Lang::Pt));
        assert_eq!(
            detect_language("no me han devuelto el dinero"),
            Some(Lang::Es)
        );
        assert_eq!(detect_language("nao recebi o dinheiro"), Some(Lang::Pt));
    }

    #[test]
    fn letters_of_one_language_decide_short_texts() {
        assert_eq!(detect_language("¿envío?"), Some(Lang::Es));
        assert_eq!(detect_language("cotação"), Some(Lang::Pt));
    }

    #[test]
    fn chat_shorthand_counts_as_its_language() {
        assert_eq!(detect_language("vc tem pix?"), Some(Lang::Pt));
        assert_eq!(detect_language("xq no llega"), Some(Lang::Es));
        assert_eq!(detect_language("pls help"), Some(Lang::En));
    }

    #[test]
    fn gives_up_when_nothing_distinguishes() {
        assert_eq!(detect_language("12345"), None);
        assert_eq!(detect_language("ok"), None);
        assert_eq!(detect_language("pedido"), None);
        assert_eq!(detect_language(""), None);
    }

    #[test]
    fn gibberish_tells_no_language() {
        for text in [
            "asdkjh qwnhe",
            "jjjjjj",
            "xkcd wtfh",
            "hnnnn lhhh",
            "sdfghjkl",
            "zxcvb nhaq",
        ] {
            assert_eq!(detect_language(text), None, "{text}");
        }
        assert_eq!(detect_language("shipping tracking"), Some(Lang::En));
    }

    #[test]
    fn language_codes_round_trip_through_serde() {
        for lang in Lang::ALL {
            let json = serde_json::to_string(&lang).expect("serialises");
            assert_eq!(json, format!("\"{}\"", lang.code()));
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
    }
}
