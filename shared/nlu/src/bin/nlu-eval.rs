//! `nlu-eval`: how the NLU does on labelled files.
//!
//! ```text
//! cargo run --release -p turno-nlu --bin nlu-eval -- \
//!     --intents-config infra/demo/intents.yaml --intents dev.jsonl [--sentiment s.jsonl]
//! ```
//!
//! Prints accuracy, rejection, language detection, confusions, frustration recall and false
//! alarms, and classification time. Fails only on unreadable or malformed input, never on
//! low scores.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use turno_nlu::eval::{self, IntentReport, SentimentReport, Tally};
use turno_nlu::{Classifier, IntentSet, Options};

#[derive(Debug, Parser)]
#[command(about = "Evaluate turno's NLU on labelled JSON-lines files")]
struct Args {
    /// The intent set (YAML) to build the classifier from.
    #[arg(long)]
    intents_config: PathBuf,
    /// Intent cases: JSON lines {"text","lang","intent"}, intent "none" = out of scope.
    #[arg(long)]
    intents: Option<PathBuf>,
    /// Frustration cases: JSON lines {"text","lang","frustrated"}.
    #[arg(long)]
    sentiment: Option<PathBuf>,
    /// Confidence below which a message is not understood.
    #[arg(long, default_value_t = Options::default().threshold)]
    threshold: f32,
    /// Least lead of the best intent over the runner-up.
    #[arg(long, default_value_t = Options::default().margin)]
    margin: f32,
    /// Also cross-validate the intent set on its own examples, in this many folds.
    #[arg(long)]
    folds: Option<usize>,
    /// Ignore the intent set's out_of_scope examples (to see how much they help).
    #[arg(long)]
    no_out_of_scope: bool,
    /// Also print accuracy and rejection for a range of thresholds.
    #[arg(long)]
    sweep: bool,
    /// Also print, per intent, the confidences of the in-scope and out-of-scope messages it
    /// ranked first (to choose its own threshold).
    #[arg(long)]
    confidences: bool,
    /// Print every misclassified message, not just three per confusion.
    #[arg(long)]
    verbose: bool,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nlu-eval: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut set = IntentSet::from_path(&args.intents_config)
        .with_context(|| format!("reading {}", args.intents_config.display()))?;
    if args.no_out_of_scope {
        set.out_of_scope.clear();
    }
    let options = Options {
        threshold: args.threshold,
        margin: args.margin,
    };
    let classifier = Classifier::new(&set, options).context("building the classifier")?;
    // Read every file before printing anything, so bad input fails fast and alone.
    let intent_cases = args
        .intents
        .as_deref()
        .map(|p| eval::read_intent_cases(p, classifier.intents()))
        .transpose()?;
    let sentiment_cases = args
        .sentiment
        .as_deref()
        .map(eval::read_sentiment_cases)
        .transpose()?;
    if intent_cases.is_none() && sentiment_cases.is_none() && args.folds.is_none() {
        anyhow::bail!("nothing to evaluate: give --intents, --sentiment and/or --folds");
    }

    println!(
        "intent set: {} intents, threshold {:.2}, margin {:.2}",
        classifier.intents().len(),
        options.threshold,
        options.margin
    );
    if let (Some(cases), Some(path)) = (&intent_cases, &args.intents) {
        println!("\n== intents: {} ({} cases)", path.display(), cases.len());
        let report = eval::evaluate_intents(&classifier, cases);
        print_intents(&report, args.verbose);
        if args.verbose {
            explain(&classifier, &report);
        }
        if args.confidences {
            let open = Classifier::new(
                &set,
                Options {
                    threshold: 0.0,
                    ..options
                },
            )?;
            print_confidences(&eval::confidences(&open, cases));
        }
        if args.sweep {
            let open = Classifier::new(
                &set,
                Options {
                    threshold: 0.0,
                    ..options
                },
            )?;
            let thresholds: Vec<f32> = (4..=14).map(|i| i as f32 * 0.05).collect();
            println!("threshold sweep (threshold: in-scope accuracy / out-of-scope rejected):");
            for (t, in_scope, oos) in eval::threshold_sweep(&open, cases, &thresholds) {
                println!(
                    "  {t:.2}: {:5.1} % / {:5.1} %",
                    100.0 * in_scope.rate(),
                    100.0 * oos.rate()
                );
            }
        }
    }
    if let Some(folds) = args.folds {
        println!("\n== {folds}-fold cross-validation on the intent set's own examples");
        let report = eval::cross_validate(&set, options, folds)?;
        print_intents(&report, args.verbose);
    }
    if let (Some(cases), Some(path)) = (&sentiment_cases, &args.sentiment) {
        println!(
            "\n== frustration: {} ({} cases)",
            path.display(),
            cases.len()
        );
        print_sentiment(&eval::evaluate_sentiment(cases));
    }
    Ok(())
}

fn pct(t: Tally) -> String {
    format!("{:5.1} % ({}/{})", 100.0 * t.rate(), t.right, t.total)
}

fn print_intents(r: &IntentReport, verbose: bool) {
    println!("in-scope top-1 accuracy   {}", pct(r.in_scope));
    println!("out-of-scope rejected     {}", pct(r.out_of_scope));
    println!(
        "out of scope as human     {}   (out-of-scope messages handed to a person)",
        pct(r.out_of_scope_taken_as("human_agent"))
    );
    println!(
        "language detected         {}   undetermined: {}",
        pct(r.language),
        r.language_undetermined
    );
    println!("per language (in-scope):");
    for (lang, t) in &r.per_lang {
        println!("  {lang}  {}", pct(*t));
    }
    println!("per intent:");
    for (intent, t) in &r.per_intent {
        println!("  {intent:<16} {}", pct(*t));
    }
    if r.confusions.is_empty() {
        println!("confusions: none");
    } else {
        println!("confusions (expected -> got, count, examples):");
        let mut pairs: Vec<_> = r.confusions.iter().collect();
        pairs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for ((expected, got), texts) in pairs {
            let shown = if verbose {
                texts.len()
            } else {
                texts.len().min(3)
            };
            let examples: Vec<String> = texts[..shown].iter().map(|t| format!("{t:?}")).collect();
            let more = if shown < texts.len() { ", ..." } else { "" };
            println!(
                "  {expected} -> {got}  x{}  {}{more}",
                texts.len(),
                examples.join(", ")
            );
        }
    }
    let build = if cfg!(debug_assertions) {
        "  (debug build: use --release for real timings)"
    } else {
        ""
    };
    println!(
        "classification time: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs{build}",
        r.time_mean_us(),
        r.time_quantile_us(0.5),
        r.time_quantile_us(0.99),
    );
}

fn print_confidences(by_intent: &std::collections::BTreeMap<String, eval::IntentConfidences>) {
    let list = |v: &[f32]| {
        v.iter()
            .map(|c| format!("{c:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("confidence of the intent ranked first (in scope: its own cases / out of scope):");
    for (intent, c) in by_intent {
        println!("  {intent:<16} in  [{}]", list(&c.in_scope));
        println!("  {:<16} out [{}]", "", list(&c.out_of_scope));
    }
}

fn print_sentiment(r: &SentimentReport) {
    println!("frustration recall        {}", pct(r.caught));
    println!("false alarms              {}", pct(r.false_alarms));
    for text in &r.missed {
        println!("  missed: {text:?}");
    }
    for (text, signals) in &r.flagged {
        println!("  false alarm: {text:?} {signals:?}");
    }
}

/// Confidence and runner-up of every misclassified message.
fn explain(classifier: &Classifier, r: &IntentReport) {
    println!("misclassified, with confidence and runner-up:");
    for ((expected, _), texts) in &r.confusions {
        for text in texts {
            let c = classifier.classify(text);
            let runner = c
                .runner_up
                .map(|(n, s)| format!("{n} {s:.2}"))
                .unwrap_or_default();
            println!(
                "  {expected:<15} {:<15} {:.2}  [{runner}]  {text:?}",
                c.intent.as_deref().unwrap_or("none"),
                c.confidence
            );
        }
    }
}
