//! The intent classifier. See the crate documentation for the design.

use std::collections::HashMap;
use std::fmt;

use rust_stemmers::Stemmer;

use crate::error::NluError;
use crate::fuzzy::FuzzyIndex;
use crate::intents::IntentSet;
use crate::lang::{self, Lang};
use crate::normalise::{normalise, squeeze};

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
// (tests/data/tuning.jsonl), a copy of both with random typos, and 5-fold cross-validation
// of the demo intents; results are flat around these values. The held-out set was not used.

/// Per-token weight multipliers: the less sure the match, the less it counts.
const EXACT: f32 = 1.0;
const STEM_MATCH: f32 = 0.9;
const SQUEEZED: f32 = 0.85;
const TYPO: f32 = 0.8;
/// Function words (articles, pronouns...) weigh this much of what their spread over the
/// intents says: "what is" must not make a question about the weather look like one about
/// the store.
const FUNCTION_WORD: f32 = 0.4;
/// The weight of a word the vocabulary does not know: it dilutes the similarity to every
/// intent, which is what makes off-topic messages score low.
const UNKNOWN: f32 = 0.7;
/// ... unless it is a frequent word of some language, which says little.
const UNKNOWN_COMMON: f32 = 0.15;
/// A number the examples never show (order numbers do appear in examples).
const UNKNOWN_NUMBER: f32 = 0.2;
/// The share of an intent's score that comes from its centroid (the rest from its nearest
/// example).
const CENTROID_SHARE: f32 = 0.55;
/// Character n-grams: their length, the shortest word that has them, the share of a word's
/// weight they carry (stems carry the rest), and the least part of an unknown word that
/// counts as unknown even when all its n-grams are known.
const NGRAM: usize = 4;
const NGRAM_MIN_WORD: usize = 3;
const NGRAM_SHARE: f32 = 0.6;
const NGRAM_FLOOR: f32 = 0.5;
/// Smoothing of the per-class frequencies behind the feature weights: a feature seen in one
/// example only is not trusted as much as one seen in many.
const SMOOTHING: f32 = 0.003;
const NUMBER_FEATURE: &str = "#num";

/// A vocabulary word: a word seen in the examples.
#[derive(Debug)]
struct Word {
    /// (feature, multiplier): its stems at full weight, its character n-grams at less.
    features: Vec<(u32, f32)>,
    /// Share of evidence for each language (the languages of the examples it appears in).
    langs: [f32; 3],
    /// In how many examples it appears (breaks ties between typo corrections).
    count: u32,
}

/// An intent classifier built from an [`IntentSet`]. Build it once; classifying takes
/// `&self` and a few microseconds.
pub struct Classifier {
    options: Options,
    /// Intent names; class `intents.len()` is "out of scope" when the set has such examples.
    intents: Vec<String>,
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
    weights: Vec<f32>,
    /// Feature → (example, component of the example's unit vector).
    example_postings: Vec<Vec<(u32, f32)>>,
    /// Feature → (class, component of the class centroid's unit vector).
    centroid_postings: Vec<Vec<(u32, f32)>>,
    example_class: Vec<u32>,
    example_lang: Vec<Lang>,
    stemmers: [Stemmer; 3],
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

/// Character n-grams of a word, with `^` and `$` marking its ends.
fn ngrams(word: &str, mut f: impl FnMut(&str)) {
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
struct Query {
    features: Vec<(u32, f32)>,
    unknown_mass: f32,
}

impl Query {
    fn add(&mut self, f: u32, v: f32) {
        match self.features.iter_mut().find(|(g, _)| *g == f) {
            Some((_, w)) => *w = w.max(v),
            None => self.features.push((f, v)),
        }
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
        for (_, lang, tokens) in &examples {
            let mut seen: Vec<&str> = Vec::new();
            for t in tokens {
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
        let weights: Vec<f32> = class_hits
            .iter()
            .map(|hits| concentration(hits, &class_size))
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

        Ok(Classifier {
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
            weights,
            example_postings,
            centroid_postings,
            example_class: examples.iter().map(|e| e.0).collect(),
            example_lang: examples.iter().map(|e| e.1).collect(),
            stemmers,
        })
    }

    /// The options the classifier was built with.
    pub fn options(&self) -> Options {
        self.options
    }

    /// The intents it can recognise.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    /// Classifies one customer message.
    pub fn classify(&self, text: &str) -> Classification {
        let normalised = normalise(text);
        let tokens: Vec<&str> = normalised.split(' ').filter(|t| !t.is_empty()).collect();
        // Language first: the vocabulary's own words add to the detector's evidence, and
        // knowing the language saves stemming unknown words three ways.
        let mut lang_scores = lang::language_scores_normalised(text, &normalised);
        for token in &tokens {
            if let Some(&id) = self.words.get(*token) {
                for (s, add) in lang_scores
                    .iter_mut()
                    .zip(self.word_info[id as usize].langs)
                {
                    *s += 0.5 * add;
                }
            }
        }
        let lang = lang::decide(lang_scores);
        let stemmers: &[Stemmer] = match lang {
            Some(l) => std::slice::from_ref(&self.stemmers[l.index()]),
            None => &self.stemmers,
        };
        let mut query = Query::default();
        for token in tokens {
            self.resolve(token, stemmers, &mut query);
        }
        let norm = (query
            .features
            .iter()
            .map(|&(f, v)| (self.weights[f as usize] * v).powi(2))
            .sum::<f32>()
            + query.unknown_mass)
            .sqrt();
        if query.features.is_empty() || norm <= f32::EPSILON {
            return Classification {
                intent: None,
                confidence: 0.0,
                lang,
                runner_up: None,
            };
        }

        let mut centroid = vec![0.0f32; self.classes];
        let mut nearest = vec![0.0f32; self.example_class.len()];
        for &(f, v) in &query.features {
            let w = self.weights[f as usize] * v;
            for &(c, x) in &self.centroid_postings[f as usize] {
                centroid[c as usize] += w * x;
            }
            for &(e, x) in &self.example_postings[f as usize] {
                nearest[e as usize] += w * x;
            }
        }
        let mut best_example = vec![(0.0f32, u32::MAX); self.classes];
        for (e, &dot) in nearest.iter().enumerate() {
            let class = self.example_class[e] as usize;
            if dot > best_example[class].0 {
                best_example[class] = (dot, e as u32);
            }
        }
        let share = CENTROID_SHARE;
        // The out-of-scope examples are about anything: their centroid means nothing, only
        // being close to one of them does.
        let scores: Vec<f32> = (0..self.classes)
            .map(|c| {
                let s = if c < self.intents.len() {
                    share * centroid[c] + (1.0 - share) * best_example[c].0
                } else {
                    best_example[c].0
                };
                (s / norm).clamp(0.0, 1.0)
            })
            .collect();

        let mut ranked: Vec<usize> = (0..self.intents.len()).collect();
        ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let (best, second) = (ranked[0], ranked.get(1).copied());
        let confidence = scores[best];
        // Compared nearest example to nearest example: out of scope wins when the message is
        // closer to an out-of-scope example than to any example of the best intent.
        let out_of_scope = scores.get(self.intents.len()).copied().unwrap_or(0.0);
        let best_nearest = best_example[best].0 / norm;
        let lead = confidence - second.map_or(0.0, |s| scores[s]);
        let accepted = confidence >= self.options.threshold
            && best_nearest >= out_of_scope
            && lead >= self.options.margin;
        let lang = lang.or_else(|| {
            let (_, e) = best_example[best];
            self.example_lang
                .get(e as usize)
                .copied()
                .filter(|_| confidence > 0.0)
        });
        let name = |c: usize| self.intents[c].clone();
        if accepted {
            Classification {
                intent: Some(name(best)),
                confidence,
                lang,
                runner_up: second.map(|s| (name(s), scores[s])),
            }
        } else {
            Classification {
                intent: None,
                confidence,
                lang,
                runner_up: Some((name(best), confidence)),
            }
        }
    }

    /// Adds what a query token stands for to `query`: the word itself, the vocabulary word
    /// it is a stretched or mistyped form of, or whatever of its stems and n-grams the
    /// vocabulary has; the rest counts as unknown.
    fn resolve(&self, token: &str, stemmers: &[Stemmer], query: &mut Query) {
        let word = |id: u32, factor: f32, query: &mut Query| {
            for &(f, m) in &self.word_info[id as usize].features {
                query.add(f, m * factor);
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

fn is_number(token: &str) -> bool {
    token.len() >= 3 && token.bytes().all(|b| b.is_ascii_digit())
}

/// How much a feature points at one class, 0–1: the lead of the class it is most frequent
/// in, with frequencies taken relative to each class's number of examples (so a big intent
/// does not win every shared word) and smoothed (so a feature seen once is not trusted).
fn concentration(hits: &[u32], class_size: &[u32]) -> f32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn classifier() -> Classifier {
        let set = IntentSet::from_yaml(
            r#"
intents:
  - name: order_status
    examples:
      es: ["dónde está mi pedido", "estado de mi pedido", "rastrear mi paquete"]
      en: ["where is my order", "track my package", "order status"]
      pt: ["cadê meu pedido", "rastrear minha encomenda"]
  - name: refund
    examples:
      es: ["quiero un reembolso", "devuélvanme el dinero"]
      en: ["i want a refund", "money back please"]
      pt: ["quero reembolso", "cadê meu estorno"]
  - name: greeting
    examples:
      es: ["hola", "buenos días"]
      en: ["hi", "hello there"]
      pt: ["oi", "bom dia"]
out_of_scope:
  es: ["cuéntame un chiste"]
  en: ["what is the weather like"]
"#,
        )
        .expect("valid yaml");
        Classifier::new(&set, Options::default()).expect("valid set")
    }

    fn intent(c: &Classifier, text: &str) -> Option<String> {
        c.classify(text).intent
    }

    #[test]
    fn recognises_the_examples_themselves() {
        let c = classifier();
        assert_eq!(
            intent(&c, "¿Dónde está mi pedido?").as_deref(),
            Some("order_status")
        );
        assert_eq!(intent(&c, "quero reembolso").as_deref(), Some("refund"));
        assert_eq!(intent(&c, "Hola!!").as_deref(), Some("greeting"));
    }

    #[test]
    fn tolerates_one_typo_from_five_letters_and_two_from_eight() {
        let c = classifier();
        assert_eq!(
            intent(&c, "donde esta mi pedio").as_deref(),
            Some("order_status")
        );
        assert_eq!(intent(&c, "quiero un reembloso").as_deref(), Some("refund"));
        assert_eq!(intent(&c, "quiero un rembolzo").as_deref(), Some("refund"));
        assert_eq!(
            intent(&c, "rastrar mi paquete").as_deref(),
            Some("order_status")
        );
    }

    #[test]
    fn matches_other_forms_of_a_word_through_its_stem() {
        let c = classifier();
        assert_eq!(intent(&c, "refunds?").as_deref(), Some("refund"));
        assert_eq!(
            intent(&c, "tracking my packages").as_deref(),
            Some("order_status")
        );
    }

    #[test]
    fn rejects_messages_about_something_else() {
        let c = classifier();
        for text in [
            "do you sell cars",
            "quién ganó el partido",
            "cuéntame un chiste",
        ] {
            let got = c.classify(text);
            assert_eq!(got.intent, None, "{text}: {got:?}");
        }
    }

    #[test]
    fn rejects_empty_and_unknown_text_with_zero_confidence() {
        let c = classifier();
        for text in ["", "!!!", "🙂", "zzzz qqqq"] {
            let got = c.classify(text);
            assert_eq!(got.intent, None);
            assert_eq!(got.confidence, 0.0, "{text}");
        }
    }

    #[test]
    fn reports_the_language_and_the_runner_up() {
        let c = classifier();
        let got = c.classify("cadê meu pedido?");
        assert_eq!(got.lang, Some(Lang::Pt));
        let (runner, score) = got.runner_up.expect("a runner-up");
        assert_ne!(runner, "order_status");
        assert!(score < got.confidence);
    }

    #[test]
    fn a_greeting_in_front_does_not_hide_the_request() {
        let c = classifier();
        assert_eq!(
            intent(&c, "hola, dónde está mi pedido").as_deref(),
            Some("order_status")
        );
    }

    #[test]
    fn a_higher_threshold_rejects_more() {
        let set = IntentSet::from_yaml("intents: [{name: a, examples: {en: [track my order]}}]")
            .expect("valid yaml");
        let strict = Classifier::new(
            &set,
            Options {
                threshold: 0.99,
                margin: 0.0,
            },
        )
        .expect("valid options");
        assert_eq!(strict.classify("track order").intent, None);
        assert!(strict.classify("track order").confidence > 0.5);
    }

    #[test]
    fn a_classifier_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Classifier>();
    }

    #[test]
    fn options_out_of_range_are_refused() {
        let set =
            IntentSet::from_yaml("intents: [{name: a, examples: {en: [x]}}]").expect("valid yaml");
        let bad = Options {
            threshold: 1.5,
            margin: 0.0,
        };
        assert!(matches!(
            Classifier::new(&set, bad),
            Err(NluError::BadOption { .. })
        ));
    }

    #[test]
    fn an_example_with_no_words_is_refused() {
        let set = IntentSet::from_yaml("intents: [{name: a, examples: {en: ['!!!']}}]")
            .expect("valid yaml");
        assert!(matches!(
            Classifier::new(&set, Options::default()),
            Err(NluError::EmptyExample { .. })
        ));
    }
}
