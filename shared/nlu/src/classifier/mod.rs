//! The intent classifier. See the crate documentation for the design.

use std::collections::HashMap;
use std::fmt;

use rust_stemmers::Stemmer;

use crate::error::NluError;
use crate::fuzzy::FuzzyIndex;
use crate::intents::IntentSet;
use crate::lang::{self, Lang};
use crate::normalise::{normalise, squeeze};

mod decide;
mod features;
mod social;
mod spelling;
mod structure;
mod threshold;

use features::{
    FUNCTION_WORD, NGRAM_SHARE, NUMBER_FEATURE, Query, concentration, is_number, ngrams,
};
pub use threshold::asks_for_person;

/// Tuning of a [`Classifier`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The lowest confidence (0–1) at which a message counts as understood; below it the
    /// intent is `None`.
    pub threshold: f32,
    /// The least lead (0–1) the best intent must have over the runner-up; a closer call is
    /// reported as not understood rather than as a coin toss.
    pub margin: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: 0.25,
            margin: 0.02,
        }
    }
}

/// What the classifier made of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The intent, or `None` when the message is out of scope or not understood.
    pub intent: Option<String>,
    /// How sure the classifier is of its best intent, 0–1 (reported even when that intent
    /// was rejected).
    pub confidence: f32,
    /// The language of the message, when it can be told.
    pub lang: Option<Lang>,
    /// The next best intent and its confidence; when `intent` is `None`, the best intent,
    /// the one that was rejected.
    pub runner_up: Option<(String, f32)>,
}

// The constants below were chosen on the public dev set, a tuning set

/// A vocabulary word: a word seen in the examples.
#[derive(Debug)]
struct Word {
    /// (feature, multiplier): its stems at full weight, its character n-grams at less.
    features: Vec<(u32, f32)>,
    /// Share of evidence for each language (the languages of the examples it appears in).
    langs: [f32; 3],
    /// In how many examples it appears (breaks ties between typo corrections).
    count: u32,
    /// Whether an intent's example uses it: a word only out-of-scope examples use still
    /// dilutes a message as an unknown word does.
    in_scope: bool,
}

/// An intent classifier built from an [`IntentSet`]. Build it once; classifying takes
/// `&self` and a few microseconds.
pub struct Classifier {
    options: Options,
    /// Intent names; class `intents.len()` is "out of scope" when the set has such examples.
    intents: Vec<String>,
    /// Per intent: its confidence threshold, and whether it needs an explicit request for a
    /// person.
    thresholds: Vec<f32>,
    handoff: Vec<bool>,
    /// Per intent: whether a word its examples never use (nor the other intents') turns it
    /// down.
    strict: Vec<bool>,
    /// Per intent: whether it is small talk, and whether it is about the customer's
    /// business with the shop (see [`crate::Intent`]).
    small_talk: Vec<bool>,
    ours: Vec<bool>,
    /// Per intent: whether it asks where the customer's own purchase is.
    tracking: Vec<bool>,
    classes: usize,
    words: HashMap<String, u32>,
    word_info: Vec<Word>,
    squeezed: HashMap<String, u32>,
    fuzzy: FuzzyIndex,
    /// The stems, for typos in a form of a word the examples do not show.
    stem_fuzzy: FuzzyIndex,
    stem_ids: Vec<u32>,
    /// Stem, `#num` or character n-gram → feature id.
    features: HashMap<String, u32>,
    /// Per stem feature, the classes whose examples use it (none for n-grams).
    feature_classes: Vec<Vec<u32>>,
    weights: Vec<f32>,
    /// Feature → (example, component of the example's unit vector).
    example_postings: Vec<Vec<(u32, f32)>>,
    /// Feature → (class, component of the class centroid's unit vector).
    centroid_postings: Vec<Vec<(u32, f32)>>,
    example_class: Vec<u32>,
    example_lang: Vec<Lang>,
    stemmers: [Stemmer; 3],
    /// The words the examples use most, that a short typo is mended into ("oder").
    key_words: Vec<(String, u32)>,
    /// The small-talk intent that thanks, which a closing in other words is ("that's all
    /// for now"): the one its examples say "thanks" in.
    closing: Option<usize>,
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier")
            .field("options", &self.options)
            .field("intents", &self.intents)
            .field("examples", &self.example_class.len())
            .field("vocabulary", &self.words.len())
            .field("features", &self.weights.len())
            .finish()
    }
}

impl Classifier {
    /// Builds the classifier from `set`, checking the set and the options.
    pub fn new(set: &IntentSet, options: Options) -> Result<Self, NluError> {
        set.validate()?;
        for (name, value) in [("threshold", options.threshold), ("margin", options.margin)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(NluError::BadOption {
                    name,
                    range: "0..=1",
                    value,
                });
            }
        }
        let stemmers = Lang::ALL.map(|l| Stemmer::create(l.algorithm()));
        let intents: Vec<String> = set
            .intents
            .iter()
            .map(|i| i.name.trim().to_owned())
            .collect();
        let has_oos = set.out_of_scope.values().any(|v| !v.is_empty());
        let classes = intents.len() + usize::from(has_oos);

        // Every example, tokenised, with its class and language.
        let mut examples: Vec<(u32, Lang, Vec<String>)> = Vec::new();
        let sources = set
            .intents
            .iter()
            .map(|i| (i.name.as_str(), &i.examples))
            .chain(has_oos.then_some(("out_of_scope", &set.out_of_scope)));
        for (class, (name, by_lang)) in sources.enumerate() {
            for (lang, phrases) in by_lang {
                for phrase in phrases {
                    let tokens: Vec<String> = normalise(phrase)
                        .split(' ')
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect();
                    if tokens.is_empty() {
                        return Err(NluError::EmptyExample {
                            intent: name.to_owned(),
                            example: phrase.clone(),
                        });
                    }
                    examples.push((class as u32, *lang, tokens));
                }
            }
        }

        // The vocabulary, with the languages each word was written in.
        let mut word_langs: HashMap<&str, [bool; 3]> = HashMap::new();
        let mut word_count: HashMap<&str, u32> = HashMap::new();
        let mut word_in_scope: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (class, lang, tokens) in &examples {
            let mut seen: Vec<&str> = Vec::new();
            for t in tokens {
                if (*class as usize) < intents.len() {
                    word_in_scope.insert(t);
                }
                word_langs.entry(t).or_default()[lang.index()] = true;
                if !seen.contains(&t.as_str()) {
                    seen.push(t);
                    *word_count.entry(t).or_default() += 1;
                }
            }
        }
        let mut vocabulary: Vec<&str> = word_langs.keys().copied().collect();
        vocabulary.sort_unstable();

        let mut features: HashMap<String, u32> = HashMap::new();
        let mut feature_id = |key: &str| -> u32 {
            let next = features.len() as u32;
            *features.entry(key.to_owned()).or_insert(next)
        };
        let mut words = HashMap::new();
        let mut word_info = Vec::new();
        for (id, w) in vocabulary.iter().enumerate() {
            let in_lang = word_langs.get(w).copied().unwrap_or_default();
            let mut fs: Vec<(u32, f32)> = Vec::new();
            let discount = if lang::is_function_word(w) {
                FUNCTION_WORD
            } else {
                1.0
            };
            if is_number(w) {
                fs.push((feature_id(NUMBER_FEATURE), 1.0));
            } else {
                for lang in Lang::ALL.into_iter().filter(|l| in_lang[l.index()]) {
                    let f = feature_id(&stemmers[lang.index()].stem(w));
                    if !fs.iter().any(|(g, _)| *g == f) {
                        fs.push((f, discount));
                    }
                }
                // Function words need no spelling help, and their n-grams would be everywhere.
                let mut grams = Vec::new();
                if !lang::is_function_word(w) {
                    ngrams(w, |g| grams.push(feature_id(g)));
                }
                let share = discount * NGRAM_SHARE / (grams.len().max(1) as f32).sqrt();
                for g in grams {
                    if !fs.iter().any(|(h, _)| *h == g) {
                        fs.push((g, share));
                    }
                }
            }
            let n = in_lang.iter().filter(|b| **b).count().max(1) as f32;
            let langs = in_lang.map(|b| if b { 1.0 / n } else { 0.0 });
            words.insert((*w).to_owned(), id as u32);
            word_info.push(Word {
                features: fs,
                langs,
                count: word_count.get(w).copied().unwrap_or(0),
                in_scope: word_in_scope.contains(w),
            });
        }
        let n_features = features.len();

        // Feature weights: how concentrated a feature is on one class.
        let mut class_size = vec![0u32; classes];
        let mut class_hits = vec![vec![0u32; classes]; n_features];
        let example_features: Vec<Vec<(u32, f32)>> = examples
            .iter()
            .map(|(class, _, tokens)| {
                class_size[*class as usize] += 1;
                let mut q = Query::default();
                for t in tokens {
                    if let Some(&id) = words.get(t.as_str()) {
                        for &(f, m) in &word_info[id as usize].features {
                            q.add(f, m);
                        }
                    }
                }
                for &(f, _) in &q.features {
                    class_hits[f as usize][*class as usize] += 1;
                }
                q.features
            })
            .collect();
        // A word only out-of-scope examples use is still in scope when it shares its stem
        // with an intent's word ("sunday" with "sundays").
        let mut is_stem = vec![false; n_features];
        for (key, &id) in &features {
            if !key.starts_with("g:") {
                is_stem[id as usize] = true;
            }
        }
        let feature_classes: Vec<Vec<u32>> = class_hits
            .iter()
            .zip(&is_stem)
            .map(|(hits, stem)| {
                let used = hits.iter().enumerate().filter(|(_, h)| **h > 0);
                match stem {
                    true => used.map(|(c, _)| c as u32).collect(),
                    false => Vec::new(),
                }
            })
            .collect();
        let stem_in_scope: Vec<bool> = feature_classes
            .iter()
            .map(|cs| cs.iter().any(|c| (*c as usize) < intents.len()))
            .collect();
        for info in &mut word_info {
            info.in_scope = info.in_scope
                || info
                    .features
                    .iter()
                    .any(|(f, _)| stem_in_scope.get(*f as usize).copied().unwrap_or(false));
        }

        // The out-of-scope class is many times an intent's size, so its own words would seem
        // rare in it and weigh little; a feature no intent uses is weighed as if that class
        // were of an intent's usual size, so "banco" in "a qué hora cierra el banco" counts.
        let oos_sized = {
            let mut sizes = class_size.clone();
            let n = intents.len().max(1);
            let mean = class_size.iter().take(n).sum::<u32>() / n as u32;
            if has_oos && let Some(last) = sizes.last_mut() {
                *last = (*last).min(mean.max(1));
            }
            sizes
        };
        let weights: Vec<f32> = class_hits
            .iter()
            .map(|hits| {
                let in_no_intent = hits.iter().take(intents.len()).all(|h| *h == 0);
                if in_no_intent {
                    concentration(hits, &oos_sized)
                } else {
                    concentration(hits, &class_size)
                }
            })
            .collect();

        // Unit vectors of the examples and of the class centroids, as postings.
        let mut example_postings = vec![Vec::new(); n_features];
        let mut centroids = vec![vec![0.0f32; n_features]; classes];
        for (e, fs) in example_features.iter().enumerate() {
            let norm = fs
                .iter()
                .map(|&(f, m)| (weights[f as usize] * m).powi(2))
                .sum::<f32>()
                .sqrt();
            if norm <= f32::EPSILON {
                continue;
            }
            let class = examples[e].0 as usize;
            for &(f, m) in fs {
                let v = weights[f as usize] * m / norm;
                example_postings[f as usize].push((e as u32, v));
                centroids[class][f as usize] += v;
            }
        }
        let mut centroid_postings = vec![Vec::new(); n_features];
        for (class, c) in centroids.iter().enumerate() {
            let norm = c.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm <= f32::EPSILON {
                continue;
            }
            for (f, v) in c.iter().enumerate() {
                if *v > 0.0 {
                    centroid_postings[f].push((class as u32, v / norm));
                }
            }
        }

        let squeezed = vocabulary
            .iter()
            .enumerate()
            .map(|(id, w)| (squeeze(w), id as u32))
            .filter(|(s, id)| vocabulary[*id as usize] != s.as_str())
            .collect();
        let fuzzy = FuzzyIndex::new(vocabulary.iter().copied());
        let mut stems: Vec<(&str, u32)> = features
            .iter()
            .filter(|(k, _)| !k.starts_with("g:") && !k.starts_with('#'))
            .map(|(k, id)| (k.as_str(), *id))
            .collect();
        stems.sort_unstable();
        let stem_fuzzy = FuzzyIndex::new(stems.iter().map(|(k, _)| *k));
        let stem_ids = stems.iter().map(|(_, id)| *id).collect();

        let mut classifier = Classifier {
            thresholds: set
                .intents
                .iter()
                .map(|i| i.threshold.unwrap_or(options.threshold))
                .collect(),
            handoff: set.intents.iter().map(|i| i.handoff).collect(),
            strict: set.intents.iter().map(|i| i.strict).collect(),
            small_talk: set.intents.iter().map(|i| i.small_talk).collect(),
            ours: set.intents.iter().map(|i| i.ours).collect(),
            tracking: set.intents.iter().map(|i| i.tracking).collect(),
            options,
            intents,
            classes,
            words,
            word_info,
            squeezed,
            fuzzy,
            stem_fuzzy,
            stem_ids,
            features,
            feature_classes,
            weights,
            example_postings,
            centroid_postings,
            example_class: examples.iter().map(|e| e.0).collect(),
            example_lang: examples.iter().map(|e| e.1).collect(),
            stemmers,
            key_words: Vec::new(),
            closing: None,
        };
        classifier.key_words = classifier.find_key_words();
        classifier.closing = classifier.thanking_intent();
        Ok(classifier)
    }

    /// The options the classifier was built with.
    pub fn options(&self) -> Options {
        self.options
    }

    /// The intents it can recognise.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }
}

#[cfg(test)]
mod tests;
