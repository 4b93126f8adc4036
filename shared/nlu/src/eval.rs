//! Measuring the classifier and the frustration detector against labelled files.
//!
//! Intent files are JSON lines `{"text", "lang", "intent"}` (`"none"` = out of scope);
//! sentiment files are `{"text", "lang", "frustrated"}`. Blank lines are skipped.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::Deserialize;

use crate::classifier::{Classifier, Options};
use crate::error::NluError;
use crate::frustration::frustration;
use crate::intents::{Intent, IntentSet};
use crate::lang::Lang;

/// The label of an out-of-scope message in intent files.
pub const OUT_OF_SCOPE: &str = "none";

/// A labelled message for intent evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentCase {
    /// The message.
    pub text: String,
    /// Its language.
    pub lang: Lang,
    /// The expected intent; `None` for out of scope.
    pub intent: Option<String>,
}

/// A labelled message for frustration evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentimentCase {
    /// The message.
    pub text: String,
    /// Its language.
    pub lang: Lang,
    /// Whether the customer is frustrated.
    pub frustrated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentLine {
    text: String,
    lang: Lang,
    intent: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SentimentLine {
    text: String,
    lang: Lang,
    frustrated: bool,
}

fn read(path: &Path) -> Result<String, NluError> {
    std::fs::read_to_string(path).map_err(|source| NluError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn parse_lines<T: for<'de> Deserialize<'de>>(
    content: &str,
    path: &str,
) -> Result<Vec<(usize, T)>, NluError> {
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| NluError::BadEvalLine {
            path: path.to_owned(),
            line: i + 1,
            reason,
        };
        let row: T = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        out.push((i + 1, row));
    }
    if out.is_empty() {
        return Err(NluError::BadEvalLine {
            path: path.to_owned(),
            line: 0,
            reason: "no cases".into(),
        });
    }
    Ok(out)
}

/// Reads an intent file; every intent must be one of `known` or `none`.
pub fn read_intent_cases(path: &Path, known: &[String]) -> Result<Vec<IntentCase>, NluError> {
    parse_intent_cases(&read(path)?, &path.display().to_string(), known)
}

/// Parses the content of an intent file (`path` is for messages only).
pub fn parse_intent_cases(
    content: &str,
    path: &str,
    known: &[String],
) -> Result<Vec<IntentCase>, NluError> {
    parse_lines::<IntentLine>(content, path)?
        .into_iter()
        .map(|(line, row)| {
            let bad = |reason: String| NluError::BadEvalLine {
                path: path.to_owned(),
                line,
                reason,
            };
            if row.text.trim().is_empty() {
                return Err(bad("empty text".into()));
            }
            let intent = match row.intent.as_str() {
                OUT_OF_SCOPE => None,
                name if known.iter().any(|k| k == name) => Some(name.to_owned()),
                name => return Err(bad(format!("intent {name:?} is not in the intent set"))),
            };
            Ok(IntentCase {
                text: row.text,
                lang: row.lang,
                intent,
            })
        })
        .collect()
}

/// Reads a sentiment file.
pub fn read_sentiment_cases(path: &Path) -> Result<Vec<SentimentCase>, NluError> {
    parse_sentiment_cases(&read(path)?, &path.display().to_string())
}

/// Parses the content of a sentiment file (`path` is for messages only).
pub fn parse_sentiment_cases(content: &str, path: &str) -> Result<Vec<SentimentCase>, NluError> {
    parse_lines::<SentimentLine>(content, path)?
        .into_iter()
        .map(|(line, row)| {
            if row.text.trim().is_empty() {
                return Err(NluError::BadEvalLine {
                    path: path.to_owned(),
                    line,
                    reason: "empty text".into(),
                });
            }
            Ok(SentimentCase {
                text: row.text,
                lang: row.lang,
                frustrated: row.frustrated,
            })
        })
        .collect()
}

/// Right out of total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many were right.
    pub right: usize,
    /// How many there were.
    pub total: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.right += usize::from(right);
        self.total += 1;
    }

    /// The share right, 0–1 (1 when there were none).
    pub fn rate(self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

/// How the classifier did on an intent file.
#[derive(Debug, Clone, Default)]
pub struct IntentReport {
    /// Top-1 accuracy over in-scope messages (a rejection counts as wrong).
    pub in_scope: Tally,
    /// Per expected intent.
    pub per_intent: BTreeMap<String, Tally>,
    /// Out-of-scope messages rejected.
    pub out_of_scope: Tally,
    /// Language detected right (undetermined counts as wrong).
    pub language: Tally,
    /// Messages whose language could not be told.
    pub language_undetermined: usize,
    /// Per language of the message, in-scope accuracy.
    pub per_lang: BTreeMap<Lang, Tally>,
    /// (expected, got) → the messages; `none` stands for out of scope / rejected.
    pub confusions: BTreeMap<(String, String), Vec<String>>,
    /// Time of each classification, in nanoseconds.
    pub timings_ns: Vec<u64>,
}

impl IntentReport {
    /// Out-of-scope messages taken as `intent` (`human_agent`: a person's time spent on a
    /// message that did not ask for one).
    pub fn out_of_scope_taken_as(&self, intent: &str) -> Tally {
        let wrong = self
            .confusions
            .get(&(OUT_OF_SCOPE.to_owned(), intent.to_owned()))
            .map_or(0, Vec::len);
        Tally {
            right: wrong,
            total: self.out_of_scope.total,
        }
    }

    fn merge(&mut self, other: IntentReport) {
        let add = |a: &mut Tally, b: Tally| {
            a.right += b.right;
            a.total += b.total;
        };
        add(&mut self.in_scope, other.in_scope);
        add(&mut self.out_of_scope, other.out_of_scope);
        add(&mut self.language, other.language);
        self.language_undetermined += other.language_undetermined;
        for (k, v) in other.per_intent {
            add(self.per_intent.entry(k).or_default(), v);
        }
        for (k, v) in other.per_lang {
            add(self.per_lang.entry(k).or_default(), v);
        }
        for (k, v) in other.confusions {
            self.confusions.entry(k).or_default().extend(v);
        }
        self.timings_ns.extend(other.timings_ns);
    }

    /// The `q` quantile (0–1) of classification time, in microseconds.
    pub fn time_quantile_us(&self, q: f64) -> f64 {
        let mut t = self.timings_ns.clone();
        t.sort_unstable();
        match t.len() {
            0 => 0.0,
            n => t[((n - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize] as f64 / 1000.0,
        }
    }

    /// Mean classification time, in microseconds.
    pub fn time_mean_us(&self) -> f64 {
        match self.timings_ns.len() {
            0 => 0.0,
            n => self.timings_ns.iter().sum::<u64>() as f64 / n as f64 / 1000.0,
        }
    }
}

/// Classifies every case and tallies the results, timing each classification.
pub fn evaluate_intents(classifier: &Classifier, cases: &[IntentCase]) -> IntentReport {
    let mut report = IntentReport::default();
    // One untimed pass first, so lazily built tables and cold caches do not count.
    for case in cases {
        std::hint::black_box(classifier.classify(&case.text));
    }
    for case in cases {
        let start = Instant::now();
        let got = classifier.classify(&case.text);
        report.timings_ns.push(start.elapsed().as_nanos() as u64);

        let right = got.intent == case.intent;
        match &case.intent {
            Some(expected) => {
                report.in_scope.add(right);
                report
                    .per_intent
                    .entry(expected.clone())
                    .or_default()
                    .add(right);
                report.per_lang.entry(case.lang).or_default().add(right);
            }
            None => report.out_of_scope.add(right),
        }
        report.language.add(got.lang == Some(case.lang));
        report.language_undetermined += usize::from(got.lang.is_none());
        if !right {
            let label = |i: &Option<String>| i.clone().unwrap_or_else(|| OUT_OF_SCOPE.to_owned());
            report
                .confusions
                .entry((label(&case.intent), label(&got.intent)))
                .or_default()
                .push(case.text.clone());
        }
    }
    report
}

/// In-scope accuracy and out-of-scope rejection at each of `thresholds`, from one pass of
/// `classifier` (whose own threshold should be 0): a guide to choosing the threshold.
pub fn threshold_sweep(
    classifier: &Classifier,
    cases: &[IntentCase],
    thresholds: &[f32],
) -> Vec<(f32, Tally, Tally)> {
    let results: Vec<_> = cases.iter().map(|c| classifier.classify(&c.text)).collect();
    thresholds
        .iter()
        .map(|&t| {
            let (mut in_scope, mut oos) = (Tally::default(), Tally::default());
            for (case, got) in cases.iter().zip(&results) {
                let predicted = got.intent.as_ref().filter(|_| got.confidence >= t);
                let right = predicted == case.intent.as_ref();
                match case.intent {
                    Some(_) => in_scope.add(right),
                    None => oos.add(right),
                }
            }
            (t, in_scope, oos)
        })
        .collect()
}

/// Confidences per intent, to choose the intent's own threshold: for each intent, the
/// confidence of every in-scope case of it that it ranked first, and of every out-of-scope
/// case that it ranked first (accepted or not).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntentConfidences {
    /// In-scope cases of the intent that it ranked first.
    pub in_scope: Vec<f32>,
    /// Out-of-scope cases it ranked first.
    pub out_of_scope: Vec<f32>,
}

/// The best intent's confidence for every case, grouped by that intent (see
/// [`IntentConfidences`]); `classifier` should be built with a threshold of 0.
pub fn confidences(
    classifier: &Classifier,
    cases: &[IntentCase],
) -> BTreeMap<String, IntentConfidences> {
    let mut out: BTreeMap<String, IntentConfidences> = BTreeMap::new();
    for case in cases {
        let got = classifier.classify(&case.text);
        let best = got
            .intent
            .clone()
            .or_else(|| got.runner_up.as_ref().map(|(n, _)| n.clone()));
        let Some(best) = best else { continue };
        let entry = out.entry(best.clone()).or_default();
        match &case.intent {
            Some(expected) if *expected == best => entry.in_scope.push(got.confidence),
            Some(_) => {}
            None => entry.out_of_scope.push(got.confidence),
        }
    }
    for c in out.values_mut() {
        c.in_scope.sort_by(f32::total_cmp);
        c.out_of_scope.sort_by(f32::total_cmp);
    }
    out
}

/// K-fold cross-validation of an intent set on its own examples: each example (out-of-scope
/// ones included) is classified by a classifier built without its fold. A quick check of how
/// well the examples of each intent hang together, with no labelled file.
pub fn cross_validate(
    set: &IntentSet,
    options: Options,
    folds: usize,
) -> Result<IntentReport, NluError> {
    let folds = folds.max(2);
    let mut report = IntentReport::default();
    for fold in 0..folds {
        let keep = |i: usize| i % folds != fold;
        let split = |examples: &crate::intents::Examples,
                     test: &mut Vec<IntentCase>,
                     intent: Option<&str>| {
            let mut train = crate::intents::Examples::new();
            for (lang, phrases) in examples {
                let mut kept = Vec::new();
                for (i, p) in phrases.iter().enumerate() {
                    if keep(i) {
                        kept.push(p.clone());
                    } else {
                        test.push(IntentCase {
                            text: p.clone(),
                            lang: *lang,
                            intent: intent.map(str::to_owned),
                        });
                    }
                }
                train.insert(*lang, kept);
            }
            train
        };
        let mut test = Vec::new();
        let training = IntentSet {
            intents: set
                .intents
                .iter()
                .map(|i| Intent {
                    name: i.name.clone(),
                    examples: split(&i.examples, &mut test, Some(&i.name)),
                    threshold: i.threshold,
                    handoff: i.handoff,
                    strict: i.strict,
                    small_talk: i.small_talk,
                    ours: i.ours,
                    tracking: i.tracking,
                })
                .collect(),
            out_of_scope: split(&set.out_of_scope, &mut test, None),
        };
        let classifier = Classifier::new(&training, options)?;
        report.merge(evaluate_intents(&classifier, &test));
    }
    Ok(report)
}

/// How the frustration detector did on a sentiment file.
#[derive(Debug, Clone, Default)]
pub struct SentimentReport {
    /// Frustrated messages caught (recall).
    pub caught: Tally,
    /// Calm messages flagged as frustrated (`right` counts the false alarms).
    pub false_alarms: Tally,
    /// Frustrated messages missed.
    pub missed: Vec<String>,
    /// Calm messages flagged, with the signals found.
    pub flagged: Vec<(String, Vec<&'static str>)>,
}

/// Runs the frustration detector on every case.
pub fn evaluate_sentiment(cases: &[SentimentCase]) -> SentimentReport {
    let mut report = SentimentReport::default();
    for case in cases {
        let got = frustration(&case.text);
        if case.frustrated {
            report.caught.add(got.frustrated);
            if !got.frustrated {
                report.missed.push(case.text.clone());
            }
        } else {
            report.false_alarms.add(got.frustrated);
            if got.frustrated {
                report.flagged.push((case.text.clone(), got.signals));
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_files_map_none_to_out_of_scope_and_reject_unknown_intents() {
        let known = vec!["greeting".to_owned()];
        let ok = "{\"text\":\"hola\",\"lang\":\"es\",\"intent\":\"greeting\"}\n\n\
                  {\"text\":\"chiste\",\"lang\":\"es\",\"intent\":\"none\"}\n";
        let cases = parse_intent_cases(ok, "t", &known).expect("valid");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].intent, None);
        let unknown = "{\"text\":\"hola\",\"lang\":\"es\",\"intent\":\"greet\"}";
        assert!(parse_intent_cases(unknown, "t", &known).is_err());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_number() {
        let bad = "{\"text\":\"a\",\"lang\":\"es\",\"frustrated\":true}\n{\"text\":\"b\",\"lang\":\"fr\",\"frustrated\":true}";
        match parse_sentiment_cases(bad, "s.jsonl") {
            Err(NluError::BadEvalLine { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected a bad line, got {other:?}"),
        }
        assert!(parse_sentiment_cases("\n\n", "s.jsonl").is_err());
    }

    #[test]
    fn confidences_group_cases_by_the_intent_ranked_first() {
        let set = IntentSet::from_yaml(
            "intents:\n  - {name: greeting, examples: {en: [hello, hi there]}}\n  - {name: thanks, examples: {en: [thank you, thanks a lot]}}\n",
        )
        .expect("valid yaml");
        let open = Classifier::new(
            &set,
            Options {
                threshold: 0.0,
                ..Options::default()
            },
        )
        .expect("valid set");
        let known = vec!["greeting".to_owned(), "thanks".to_owned()];
        let cases = parse_intent_cases(
            "{\"text\":\"hello\",\"lang\":\"en\",\"intent\":\"greeting\"}\n\
             {\"text\":\"thanks\",\"lang\":\"en\",\"intent\":\"thanks\"}\n\
             {\"text\":\"hello moon\",\"lang\":\"en\",\"intent\":\"none\"}\n",
            "t",
            &known,
        )
        .expect("valid");
        let by_intent = confidences(&open, &cases);
        let greeting = &by_intent["greeting"];
        assert_eq!(greeting.in_scope.len(), 1);
        assert_eq!(greeting.out_of_scope.len(), 1);
        assert!(greeting.out_of_scope[0] < greeting.in_scope[0]);
        assert_eq!(by_intent["thanks"].in_scope.len(), 1);
        assert!(by_intent["thanks"].out_of_scope.is_empty());
    }
}
