//! What a message is made of for the classifier: per token, the vocabulary word, stems and
//! character n-grams it stands for, and the weight of what stays unknown.

use rust_stemmers::Stemmer;

use super::Classifier;
use crate::lang;
use crate::normalise::squeeze;

// (tests/data/tuning.jsonl), a copy of both with random typos, and 5-fold cross-validation
// of the demo intents; results are flat around these values. The held-out set was not used.

/// Per-token weight multipliers: the less sure the match, the less it counts.
pub(super) const EXACT: f32 = 1.0;
pub(super) const STEM_MATCH: f32 = 0.9;
pub(super) const SQUEEZED: f32 = 0.85;
pub(super) const TYPO: f32 = 0.8;
/// Function words (articles, pronouns...) weigh this much of what their spread over the
/// intents says: "what is" must not make a question about the weather look like one about
/// the store.
pub(super) const FUNCTION_WORD: f32 = 0.4;
/// The weight of a word the vocabulary does not know: it dilutes the similarity to every
/// intent, which is what makes off-topic messages score low.
pub(super) const UNKNOWN: f32 = 0.7;
/// A word only out-of-scope examples use: it points at them, and dilutes the message's
/// likeness to every intent as an unknown word would.
pub(super) const OUT_OF_SCOPE_WORD: f32 = 0.7;
/// ... unless it is a frequent word of some language, which says little.
pub(super) const UNKNOWN_COMMON: f32 = 0.15;
/// A number the examples never show (order numbers do appear in examples).
pub(super) const UNKNOWN_NUMBER: f32 = 0.2;
/// The share of an intent's score that comes from its centroid (the rest from its nearest
/// example).
pub(super) const CENTROID_SHARE: f32 = 0.55;
/// Character n-grams: their length, the shortest word that has them, the share of a word's
/// weight they carry (stems carry the rest), and the least part of an unknown word that
/// counts as unknown even when all its n-grams are known.
pub(super) const NGRAM: usize = 4;
pub(super) const NGRAM_MIN_WORD: usize = 3;
pub(super) const NGRAM_SHARE: f32 = 0.6;
pub(super) const NGRAM_FLOOR: f32 = 0.5;
/// Smoothing of the per-class frequencies behind the feature weights: a feature seen in one
/// example only is not trusted as much as one seen in many.
pub(super) const SMOOTHING: f32 = 0.003;
pub(super) const NUMBER_FEATURE: &str = "#num";

/// Character n-grams of a word, with `^` and `$` marking its ends.
pub(super) fn ngrams(word: &str, mut f: impl FnMut(&str)) {
    if word.chars().count() < NGRAM_MIN_WORD {
        return;
    }
    let padded: Vec<char> = std::iter::once('^')
        .chain(word.chars())
        .chain(std::iter::once('$'))
        .collect();
    let mut buf = String::new();
    for window in padded.windows(NGRAM) {
        buf.clear();
        buf.push_str("g:");
        buf.extend(window);
        f(&buf);
    }
}

/// Features of a query: (feature, value), and the mass of what is not in the vocabulary.
#[derive(Default)]
pub(super) struct Query {
    pub(super) features: Vec<(u32, f32)>,
    pub(super) unknown_mass: f32,
    /// Per content word of the message (not a function word, a frequent word or a number),
    /// the features it was read as; a word that stayed unknown has none.
    pub(super) content: Vec<Vec<u32>>,
    /// The features of the word being read.
    current: Vec<u32>,
}

impl Query {
    pub(super) fn add(&mut self, f: u32, v: f32) {
        match self.features.iter_mut().find(|(g, _)| *g == f) {
            Some((_, w)) => *w = w.max(v),
            None => self.features.push((f, v)),
        }
        self.current.push(f);
    }
}

impl Classifier {
    /// Adds what a query token stands for to `query`: the word itself, the vocabulary word
    /// it is a stretched or mistyped form of, or whatever of its stems and n-grams the
    /// vocabulary has; the rest counts as unknown.
    pub(super) fn resolve(&self, token: &str, stemmers: &[Stemmer], query: &mut Query) {
        query.current.clear();
        self.read(token, stemmers, query);
        let content =
            !lang::is_function_word(token) && !lang::is_common_word(token) && !is_number(token);
        if content {
            let read = std::mem::take(&mut query.current);
            query.content.push(read);
        }
    }

    /// Whether every content word of `query` shares a stem with an example of `class`.
    pub(super) fn all_words_known_to(&self, query: &Query, class: usize) -> bool {
        query.content.iter().all(|read| {
            read.iter().any(|&f| {
                self.feature_classes
                    .get(f as usize)
                    .is_some_and(|cs| cs.contains(&(class as u32)))
            })
        })
    }

    /// The share of the content words of `query` that share a stem with an example of
    /// `class` (1 for a message without content words).
    pub(super) fn share_of_words_known_to(&self, query: &Query, class: usize) -> f32 {
        let known = query
            .content
            .iter()
            .filter(|read| {
                read.iter().any(|&f| {
                    self.feature_classes
                        .get(f as usize)
                        .is_some_and(|cs| cs.contains(&(class as u32)))
                })
            })
            .count();
        match query.content.len() {
            0 => 1.0,
            n => known as f32 / n as f32,
        }
    }

    fn read(&self, token: &str, stemmers: &[Stemmer], query: &mut Query) {
        let word = |id: u32, factor: f32, query: &mut Query| {
            let Some(info) = self.word_info.get(id as usize) else {
                return;
            };
            for &(f, m) in &info.features {
                query.add(f, m * factor);
            }
            if !info.in_scope && !lang::is_function_word(token) {
                query.unknown_mass += (OUT_OF_SCOPE_WORD * factor).powi(2);
            }
        };
        if let Some(&id) = self.words.get(token) {
            return word(id, EXACT, query);
        }
        if is_number(token) {
            match self.features.get(NUMBER_FEATURE) {
                Some(&f) => query.add(f, 1.0),
                None => query.unknown_mass += UNKNOWN_NUMBER.powi(2),
            }
            return;
        }
        if lang::is_common_word(token) {
            query.unknown_mass += UNKNOWN_COMMON.powi(2);
            return;
        }
        let mut stemmed = false;
        for stemmer in stemmers {
            if let Some(&f) = self.features.get(stemmer.stem(token).as_ref()) {
                query.add(f, STEM_MATCH);
                stemmed = true;
            }
        }
        if !stemmed {
            if let Some(&id) = self.squeezed.get(squeeze(token).as_str()) {
                return word(id, SQUEEZED, query);
            }
            if let Some((id, _)) = self.fuzzy.correct(token, |id| {
                self.word_info.get(id as usize).map_or(0, |w| w.count)
            }) {
                return word(id, TYPO, query);
            }
            for stemmer in stemmers {
                let stem = stemmer.stem(token);
                if let Some((i, _)) = self.stem_fuzzy.correct(&stem, |_| 0)
                    && let Some(&f) = self.stem_ids.get(i as usize)
                {
                    query.add(f, STEM_MATCH * TYPO);
                    stemmed = true;
                }
            }
        }
        let (mut total, mut known) = (0usize, 0usize);
        let mut grams = Vec::new();
        ngrams(token, |g| {
            total += 1;
            if let Some(&f) = self.features.get(g) {
                known += 1;
                grams.push(f);
            }
        });
        let share = NGRAM_SHARE / (total.max(1) as f32).sqrt();
        for f in grams {
            query.add(f, share);
        }
        if !stemmed {
            let unknown_share = if total == 0 {
                1.0
            } else {
                (total - known) as f32 / total as f32
            };
            query.unknown_mass += UNKNOWN.powi(2) * unknown_share.max(NGRAM_FLOOR);
        }
    }
}

pub(super) fn is_number(token: &str) -> bool {
    token.len() >= 3 && token.bytes().all(|b| b.is_ascii_digit())
}

/// How much a feature points at one class, 0–1: the lead of the class it is most frequent
/// in, with frequencies taken relative to each class's number of examples (so a big intent
/// does not win every shared word) and smoothed (so a feature seen once is not trusted).
pub(super) fn concentration(hits: &[u32], class_size: &[u32]) -> f32 {
    let k = hits.len() as f32;
    if k < 2.0 {
        return 1.0;
    }
    let rel: Vec<f32> = hits
        .iter()
        .zip(class_size)
        .map(|(&h, &n)| h as f32 / n.max(1) as f32 + SMOOTHING)
        .collect();
    let total: f32 = rel.iter().sum();
    let top = rel.iter().copied().fold(0.0, f32::max) / total;
    ((top - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.02, 1.0)
}
