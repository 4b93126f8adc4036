//! Frustration: is the customer angry, insulting the bot, threatening to leave?
//!
//! Evidence adds up to a score; a message is frustrated at [`FRUSTRATED_AT`] or more. Strong
//! evidence scores 1 on its own: wording (`pésimo`, `worst`, `absurdo`), insults to the bot
//! (`inútil`, `useless`, `não serve`), profanity, threats to leave or to complain (`nunca
//! más`, `never again`, `vou cancelar`, `procon`), nobody answering, asking for the umpteenth
//! time, and a long message in capitals. Weak evidence scores ½ and needs company: waiting a
//! long time, asking again, `!!!`/`???`, a short message in capitals. Shouting or `!!!` next
//! to thanks is enthusiasm and does not count. Patterns match normalised words (no accents,
//! shorthand expanded); `*` ends a prefix, `_` stands for any one word.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::normalise::{normalise, squeeze};

mod lexicon;
use lexicon::{EMPHASIS, LEXICON, NEUTRALISERS, POSITIVE, STRONG, WEAK};

/// The score at which a message counts as frustrated.
pub const FRUSTRATED_AT: f32 = 1.0;

/// How frustrated a message reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Frustration {
    /// Whether the evidence reaches [`FRUSTRATED_AT`].
    pub frustrated: bool,
    /// The evidence, summed (0 when there is none; 1 or more is frustrated).
    pub score: f32,
    /// Which kinds of evidence were found, each once: `negative_wording`, `insult`,
    /// `profanity`, `threat_to_leave`, `threat_to_complain`, `nobody_answers`,
    /// `repeated_request`, `bot_complaint`, `long_wait`, `all_caps`, `repeated_punctuation`.
    pub signals: Vec<&'static str>,
}

#[derive(Debug)]
enum Part {
    Word(String),
    Prefix(String),
    Any,
}

/// Words are compared with doubled letters removed, so `pessimo` matches `pésimo` and
/// `horrivel` matches `horivel`; short words are compared as they are (`bbb`, `aff`).
fn key(word: &str) -> Cow<'_, str> {
    if word.chars().count() >= 4 {
        Cow::Owned(squeeze(word))
    } else {
        Cow::Borrowed(word)
    }
}

#[derive(Debug)]
struct Pattern {
    parts: Vec<Part>,
    signal: &'static str,
    weight: f32,
}

impl Pattern {
    fn new(text: &'static str, signal: &'static str, weight: f32) -> Self {
        let parts = text
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(|p| match p {
                "_" => Part::Any,
                p => match p.strip_suffix('*') {
                    Some(prefix) => Part::Prefix(key(prefix).into_owned()),
                    None => Part::Word(key(p).into_owned()),
                },
            })
            .collect();
        Pattern {
            parts,
            signal,
            weight,
        }
    }

    /// Whether the pattern matches `words` from `start`; returns the end.
    fn match_at(&self, words: &[Cow<'_, str>], start: usize) -> Option<usize> {
        let end = start + self.parts.len();
        if end > words.len() {
            return None;
        }
        let ok = self
            .parts
            .iter()
            .zip(&words[start..end])
            .all(|(p, w)| match p {
                Part::Word(x) => x == w,
                Part::Prefix(x) => w.starts_with(x.as_str()),
                Part::Any => true,
            });
        ok.then_some(end)
    }
}

struct Compiled {
    patterns: Vec<Pattern>,
    neutralisers: Vec<Pattern>,
    /// First word → patterns starting with it; patterns starting with a prefix or `_` are
    /// tried everywhere.
    by_first_word: HashMap<String, Vec<usize>>,
    anywhere: Vec<usize>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let patterns: Vec<Pattern> = LEXICON
            .iter()
            .flat_map(|(signal, weight, texts)| {
                texts.iter().map(|t| Pattern::new(t, signal, *weight))
            })
            .collect();
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut anywhere = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match p.parts.first() {
                Some(Part::Word(w)) => by_first_word.entry(w.clone()).or_default().push(i),
                _ => anywhere.push(i),
            }
        }
        Compiled {
            patterns,
            neutralisers: NEUTRALISERS
                .iter()
                .map(|t| Pattern::new(t, "", 0.0))
                .collect(),
            by_first_word,
            anywhere,
        }
    })
}

/// How frustrated `text` reads.
///
/// ```
/// use turno_nlu::frustration;
/// let f = frustration("el bot es inútil, NUNCA MÁS les compro!!!");
/// assert!(f.frustrated);
/// assert!(f.signals.contains(&"insult") && f.signals.contains(&"threat_to_leave"));
/// assert!(!frustration("muchas gracias!!!").frustrated);
/// ```
pub fn frustration(text: &str) -> Frustration {
    let compiled = compiled();
    let normalised = normalise(text);
    let plain: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
    let words: Vec<Cow<'_, str>> = plain.iter().map(|w| key(w)).collect();

    let mut neutral = vec![false; words.len()];
    for n in &compiled.neutralisers {
        for start in 0..words.len() {
            if let Some(end) = n.match_at(&words, start) {
                neutral[start..end].iter_mut().for_each(|x| *x = true);
            }
        }
    }

    // Every pattern that matches (once each), longest first; one inside the span of a longer
    // match is part of it ("again" in "never again") and does not count again.
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for start in 0..words.len() {
        let candidates = compiled
            .by_first_word
            .get(words[start].as_ref())
            .into_iter()
            .flatten()
            .chain(&compiled.anywhere);
        for &i in candidates {
            if found.iter().any(|(j, _, _)| *j == i) {
                continue;
            }
            if let Some(end) = compiled.patterns[i].match_at(&words, start)
                && !neutral[start..end].iter().all(|x| *x)
            {
                found.push((i, start, end));
            }
        }
    }
    found.sort_by_key(|(_, start, end)| std::cmp::Reverse(end - start));
    let mut covered = vec![false; words.len()];
    let mut score = 0.0f32;
    let mut signals: Vec<&'static str> = Vec::new();
    let mut note = |signal: &'static str, weight: f32, score: &mut f32| {
        *score += weight;
        if !signals.contains(&signal) {
            signals.push(signal);
        }
    };
    for (i, start, end) in found {
        if covered[start..end].iter().all(|x| *x) {
            continue;
        }
        covered[start..end].iter_mut().for_each(|x| *x = true);
        let p = &compiled.patterns[i];
        note(p.signal, p.weight, &mut score);
    }

    let positive = plain.iter().any(|w| POSITIVE.contains(w));
    if !positive {
        if let Some(weight) = shouting(text) {
            note("all_caps", weight, &mut score);
        } else if shouted_word(text) {
            note("all_caps", WEAK, &mut score);
        }
        if repeated_punctuation(text) {
            note("repeated_punctuation", WEAK, &mut score);
        }
    }

    Frustration {
        frustrated: score >= FRUSTRATED_AT,
        score,
        signals,
    }
}

/// Capitals: strong over a long message (12 letters and three words or more), weak over a
/// short one of two words or more; nothing for one word (`OK`, `HOLA`) or an acronym.
fn shouting(text: &str) -> Option<f32> {
    let letters = text.chars().filter(|c| c.is_alphabetic());
    let (upper, total) = letters.fold((0usize, 0usize), |(u, t), c| {
        (u + usize::from(c.is_uppercase()), t + 1)
    });
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    if total == 0 || (upper as f32) < 0.85 * total as f32 {
        return None;
    }
    match (total, words) {
        (12.., 3..) => Some(STRONG),
        (6.., 2..) => Some(WEAK),
        _ => None,
    }
}

fn shouted_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| {
        w.chars().count() >= 2
            && w.chars().all(|c| c.is_uppercase())
            && EMPHASIS.contains(&normalise(w).as_str())
    })
}

/// `!!!`, `???`, or `?!` mixed.
fn repeated_punctuation(text: &str) -> bool {
    let mut run = 0;
    let mut mixed = false;
    let mut last = None;
    for c in text.chars() {
        match c {
            '!' | '?' | '¡' | '¿' => {
                run += 1;
                if let Some(l) = last
                    && l != c
                    && matches!((l, c), ('!', '?') | ('?', '!'))
                {
                    mixed = true;
                }
                if run >= 3 || mixed {
                    return true;
                }
                last = Some(c);
            }
            _ => {
                run = 0;
                last = None;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(text: &str) -> Vec<&'static str> {
        frustration(text).signals
    }

    #[test]
    fn negative_wording_is_frustrated_in_each_language() {
        assert!(frustration("pésimo servicio").frustrated);
        assert!(frustration("worst experience ever").frustrated);
        assert!(frustration("que absurdo").frustrated);
        assert_eq!(signals("que palhaçada"), ["negative_wording"]);
    }

    #[test]
    fn doubled_or_single_letters_do_not_hide_a_word() {
        assert!(frustration("péssimo atendimento").frustrated);
        assert!(frustration("horrivel").frustrated);
        assert!(frustration("ridículo").frustrated);
    }

    #[test]
    fn insults_to_the_bot_are_frustrated() {
        assert_eq!(signals("bot inútil"), ["insult"]);
        assert_eq!(signals("this is useless"), ["insult"]);
        assert!(signals("esse bot não serve pra nada").contains(&"insult"));
    }

    #[test]
    fn threats_to_leave_are_frustrated() {
        assert_eq!(signals("nunca más les compro"), ["threat_to_leave"]);
        assert_eq!(signals("never again"), ["threat_to_leave"]);
        assert_eq!(signals("vou cancelar tudo"), ["threat_to_leave"]);
        assert_eq!(signals("vou reclamar no procon"), ["threat_to_complain"]);
    }

    #[test]
    fn a_long_message_in_capitals_is_shouting() {
        let f = frustration("WHERE IS MY ORDER");
        assert!(f.frustrated);
        assert_eq!(f.signals, ["all_caps"]);
    }

    #[test]
    fn a_short_message_in_capitals_is_not_enough() {
        assert!(!frustration("BUENOS DIAS").frustrated);
        assert!(!frustration("OK").frustrated);
        assert!(!frustration("UPS tracking number please").frustrated);
    }

    #[test]
    fn repeated_marks_add_to_other_evidence_but_are_not_enough_alone() {
        assert!(!frustration("where is my order???").frustrated);
        assert!(frustration("still waiting???").frustrated);
        assert!(repeated_punctuation("what?!"));
        assert!(!repeated_punctuation("ok!!"));
    }

    #[test]
    fn thanks_turn_capitals_and_marks_into_enthusiasm() {
        assert!(!frustration("MUCHAS GRACIAS POR TODO!!!").frustrated);
        assert!(!frustration("obrigado!!!").frustrated);
    }

    #[test]
    fn waiting_a_long_time_needs_company() {
        assert!(!frustration("llevo una semana esperando mi pedido").frustrated);
        assert!(frustration("llevo una semana esperando y nada").frustrated);
        assert_eq!(signals("llevo dos semanas"), ["long_wait"]);
    }

    #[test]
    fn asking_for_the_umpteenth_time_is_frustrated() {
        assert_eq!(signals("ya van 3 veces que pregunto"), ["repeated_request"]);
        assert!(frustration("how many times do I have to ask").frustrated);
    }

    #[test]
    fn negated_or_positive_phrases_do_not_count() {
        assert_eq!(frustration("not bad, thanks").score, 0.0);
        assert_eq!(frustration("no problem").score, 0.0);
        assert_eq!(frustration("sem problemas").score, 0.0);
        assert!(!frustration("thanks again!").frustrated);
    }

    #[test]
    fn ordinary_requests_are_not_frustrated() {
        for text in [
            "quiero cancelar mi pedido",
            "I want to cancel my order",
            "quero cancelar o pedido",
            "nunca recibí la factura",
            "me conta uma piada",
            "tell me a joke",
            "disculpe la molestia",
        ] {
            assert!(!frustration(text).frustrated, "{text}");
        }
    }
}
