//! The operational metrics ([`turno_core::ports::Metrics`]) kept in memory, in two forms:
//!
//! - [`Registry::prometheus`]: the Prometheus text format, cumulative since start, for the
//!   local runner's `/metrics` (counters `turno_<name>_total`, timings as histograms
//!   `turno_<name>_seconds` with fixed buckets);
//! - [`Registry::take_emf`]: CloudWatch's Embedded Metric Format, one JSON document per
//!   metric and label, drained at the end of each Lambda invocation and written to stdout,
//!   where CloudWatch Logs turns them into metrics (no API call, no extra latency).
//!
//! Labels hold codes, reasons, clock and queue names only, never customer data; a label
//! value is cut to 64 characters and a metric keeps at most 100 label values (later ones are
//! counted under `other`), so a bad input cannot grow the registry without bound.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};
use turno_core::ports::{Counter, Metrics, Timing};

/// Upper bounds of the histogram buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0, 3600.0,
];
const MAX_LABEL_VALUES: usize = 100;
const MAX_LABEL_CHARS: usize = 64;
/// CloudWatch takes at most 100 values of one metric per document.
const EMF_MAX_VALUES: usize = 100;

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    /// Observations above the last bound.
    over: u64,
    sum_secs: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        match BUCKETS.iter().position(|b| secs <= *b) {
            Some(i) => self.buckets[i] += 1,
            None => self.over += 1,
        }
        self.sum_secs += secs;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct State {
    counters: BTreeMap<(Counter, String), u64>,
    histograms: BTreeMap<(Timing, String), Histogram>,
    /// Since the last drain, for EMF: every value, in milliseconds.
    pending_counts: BTreeMap<(Counter, String), u64>,
    pending_timings: BTreeMap<(Timing, String), Vec<f64>>,
}

/// In-memory metrics; see the crate docs. Cheap to record into from any thread.
#[derive(Debug)]
pub struct Registry {
    state: Mutex<State>,
    /// Whether observations are also kept for [`Registry::take_emf`] (Lambda); the local
    /// runner keeps only the cumulative figures.
    keep_for_emf: bool,
}

impl Registry {
    /// For Prometheus scraping (the local runner).
    pub fn for_prometheus() -> Self {
        Registry {
            state: Mutex::default(),
            keep_for_emf: false,
        }
    }

    /// For a Lambda function: drained with [`Registry::take_emf`] after each invocation.
    pub fn for_emf() -> Self {
        Registry {
            state: Mutex::default(),
            keep_for_emf: true,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The Prometheus text exposition of every metric, cumulative since start.
    pub fn prometheus(&self) -> String {
        let state = self.state();
        let mut out = String::new();
        for counter in Counter::ALL {
            let name = format!("turno_{}_total", snake(counter.name()));
            out.push_str(&format!(
                "# HELP {name} {}\n# TYPE {name} counter\n",
                counter.help()
            ));
            let mut any = false;
            for ((c, label), n) in state.counters.range((counter, String::new())..) {
                if *c != counter {
                    break;
                }
                any = true;
                out.push_str(&format!(
                    "{name}{} {n}\n",
                    labels(counter.label(), label, None)
                ));
            }
            if !any && counter.label().is_none() {
                out.push_str(&format!("{name} 0\n"));
            }
        }
        for timing in Timing::ALL {
            let name = format!("turno_{}_seconds", snake(timing.name()));
            out.push_str(&format!(
                "# HELP {name} {}\n# TYPE {name} histogram\n",
                timing.help()
            ));
            for ((t, label), h) in state.histograms.range((timing, String::new())..) {
                if *t != timing {
                    break;
                }
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                    cumulative += n;
                    let le = format!("{bound}");
                    out.push_str(&format!(
                        "{name}_bucket{} {cumulative}\n",
                        labels(timing.label(), label, Some(&le))
                    ));
                }
                out.push_str(&format!(
                    "{name}_bucket{} {}\n",
                    labels(timing.label(), label, Some("+Inf")),
                    h.count
                ));
                let plain = labels(timing.label(), label, None);
                // To the microsecond: float sums of many timings carry noise past that.
                let sum = (h.sum_secs * 1e6).round() / 1e6;
                out.push_str(&format!("{name}_sum{plain} {sum}\n"));
                out.push_str(&format!("{name}_count{plain} {}\n", h.count));
            }
        }
        out
    }

    /// Drains what was recorded since the last call as Embedded Metric Format documents (one
    /// JSON object per line to write to stdout), in the `namespace`, with the dimension
    /// `Function` = `function` (and the metric's label, when it has one).
    pub fn take_emf(&self, namespace: &str, function: &str, now_ms: i64) -> Vec<String> {
        let (counts, timings) = {
            let mut state = self.state();
            (
                std::mem::take(&mut state.pending_counts),
                std::mem::take(&mut state.pending_timings),
            )
        };
        let mut docs = Vec::new();
        for ((counter, label), n) in counts {
            docs.push(emf(
                namespace,
                function,
                now_ms,
                counter.name(),
                "Count",
                counter.label().map(|l| (l, label.as_str())),
                json!(n),
            ));
        }
        for ((timing, label), values) in timings {
            for chunk in values.chunks(EMF_MAX_VALUES) {
                docs.push(emf(
                    namespace,
                    function,
                    now_ms,
                    timing.name(),
                    "Milliseconds",
                    timing.label().map(|l| (l, label.as_str())),
                    json!(chunk),
                ));
            }
        }
        docs
    }
}

impl Metrics for Registry {
    fn count(&self, counter: Counter, label: Option<&str>, n: u64) {
        let mut state = self.state();
        let label = bounded_label(&state.counters, counter, label);
        *state.counters.entry((counter, label.clone())).or_default() += n;
        if self.keep_for_emf {
            *state.pending_counts.entry((counter, label)).or_default() += n;
        }
    }

    fn time(&self, timing: Timing, label: Option<&str>, took: Duration) {
        let mut state = self.state();
        let label = bounded_label(&state.histograms, timing, label);
        let secs = took.as_secs_f64();
        state
            .histograms
            .entry((timing, label.clone()))
            .or_default()
            .observe(secs);
        if self.keep_for_emf {
            state
                .pending_timings
                .entry((timing, label))
                .or_default()
                .push((secs * 1000.0 * 1000.0).round() / 1000.0);
        }
    }
}

/// The label value to keep: cut to length, or `other` once the metric has many.
fn bounded_label<K: Ord + Copy, V>(
    seen: &BTreeMap<(K, String), V>,
    key: K,
    label: Option<&str>,
) -> String {
    let Some(label) = label else {
        return String::new();
    };
    let label: String = label.chars().take(MAX_LABEL_CHARS).collect();
    if seen.contains_key(&(key, label.clone())) {
        return label;
    }
    let known = seen.keys().filter(|(k, _)| *k == key).count();
    if known >= MAX_LABEL_VALUES {
        "other".to_owned()
    } else {
        label
    }
}

fn emf(
    namespace: &str,
    function: &str,
    now_ms: i64,
    name: &str,
    unit: &str,
    label: Option<(&str, &str)>,
    value: Value,
) -> String {
    // Per function, and per function and label: alarms read the first, dashboards split by
    // the second.
    let mut dimensions = vec![vec!["Function".to_owned()]];
    let mut doc = Map::new();
    doc.insert("Function".into(), json!(function));
    if let Some((key, value)) = label {
        let key = camel(key);
        doc.insert(key.clone(), json!(value));
        dimensions.push(vec!["Function".to_owned(), key]);
    }
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": dimensions,
                "Metrics": [{ "Name": name, "Unit": unit }],
            }],
        }),
    );
    doc.insert(name.into(), value);
    Value::Object(doc).to_string()
}

fn labels(name: Option<&str>, value: &str, le: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(name) = name {
        parts.push(format!("{name}=\"{}\"", escape(value)));
    }
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `SendLatency` → `send_latency`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `reason` → `Reason`, as CloudWatch dimensions are usually written.
fn camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
