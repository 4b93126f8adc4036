//! The runner's store timings over a run, read from its `GET /metrics`: how many group
//! commits and WAL checkpoints there were, how long they took on average, and how many took
//! over 100 ms, the stalls a tail latency would come from.

use serde_json::{Map, Value, json};

/// One timing histogram of the runner's metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timed {
    pub count: u64,
    pub mean_ms: f64,
    /// Observations over 100 ms.
    pub over_100ms: u64,
    /// The smallest bucket bound every observation is at or under, in ms (infinite when
    /// some are over the last bound).
    pub all_under_ms: f64,
}

impl Timed {
    /// The histogram `turno_<name>_seconds` in Prometheus `text`, of the series with `label`
    /// (`queue="inbound"`) or of the one with no label; zeros when it is not there (nothing
    /// observed yet).
    pub fn read(text: &str, name: &str, label: Option<&str>) -> Timed {
        let metric = format!("turno_{name}_seconds");
        let (bucket, plain) = match label {
            Some(l) => (format!("_bucket{{{l},le=\""), format!("{{{l}}} ")),
            None => ("_bucket{le=\"".to_owned(), " ".to_owned()),
        };
        let value = |line: &str| {
            line.rsplit_once(' ')
                .and_then(|(_, v)| v.parse::<f64>().ok())
        };
        let mut buckets: Vec<(f64, u64)> = Vec::new();
        let (mut count, mut sum) = (0u64, 0.0);
        for line in text.lines() {
            let Some(rest) = line.strip_prefix(metric.as_str()) else {
                continue;
            };
            if let Some(le) = rest
                .strip_prefix(bucket.as_str())
                .and_then(|r| r.split_once('"'))
                .map(|(le, _)| le)
            {
                let bound = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap_or(f64::INFINITY)
                };
                buckets.push((bound, value(line).unwrap_or(0.0) as u64));
            } else if rest
                .strip_prefix("_count")
                .is_some_and(|r| r.starts_with(plain.as_str()))
            {
                count = value(line).unwrap_or(0.0) as u64;
            } else if rest
                .strip_prefix("_sum")
                .is_some_and(|r| r.starts_with(plain.as_str()))
            {
                sum = value(line).unwrap_or(0.0);
            }
        }
        let at_or_under = |secs: f64| {
            buckets
                .iter()
                .filter(|(b, _)| *b <= secs)
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0)
        };
        let all_under = buckets
            .iter()
            .filter(|(_, n)| *n == count)
            .map(|(b, _)| *b)
            .fold(f64::INFINITY, f64::min);
        Timed {
            count,
            mean_ms: if count == 0 {
                0.0
            } else {
                sum * 1000.0 / count as f64
            },
            over_100ms: count.saturating_sub(at_or_under(0.1)),
            all_under_ms: if count == 0 { 0.0 } else { all_under * 1000.0 },
        }
    }

    /// `count 123, mean 1.2 ms, 0 over 100 ms (all ≤ 50 ms)`.
    pub fn line(&self) -> String {
        let all = if self.all_under_ms.is_finite() {
            format!("all ≤ {} ms", self.all_under_ms)
        } else {
            "some over the last bucket".to_owned()
        };
        format!(
            "{} of them, mean {:.2} ms, {} over 100 ms ({all})",
            self.count, self.mean_ms, self.over_100ms
        )
    }

    pub fn json_into(&self, prefix: &str, m: &mut Map<String, Value>) {
        m.insert(format!("{prefix}_count"), json!(self.count));
        m.insert(
            format!("{prefix}_mean_ms"),
            json!((self.mean_ms * 100.0).round() / 100.0),
        );
        m.insert(format!("{prefix}_over_100ms"), json!(self.over_100ms));
        if self.all_under_ms.is_finite() {
            m.insert(format!("{prefix}_all_under_ms"), json!(self.all_under_ms));
        }
    }
}

/// The runner's timings that say where a reply waited.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunnerTimings {
    /// The store's group commits and WAL checkpoints.
    pub commits: Timed,
    pub checkpoints: Timed,
    /// How long customer messages waited in the inbound queue for a bot turn to take them.
    pub inbound_wait: Timed,
}

/// The timings of the runner at `base_url`, from its `GET /metrics`.
pub async fn read(http: &reqwest::Client, base_url: &str) -> anyhow::Result<RunnerTimings> {
    let text = http
        .get(format!("{base_url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(RunnerTimings {
        commits: Timed::read(&text, "store_commit", None),
        checkpoints: Timed::read(&text, "store_checkpoint", None),
        inbound_wait: Timed::read(&text, "queue_age", Some("queue=\"inbound\"")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_histogram_from_the_prometheus_text() {
        let text = "\
# TYPE turno_store_commit_seconds histogram
turno_store_commit_seconds_bucket{le=\"0.005\"} 90
turno_store_commit_seconds_bucket{le=\"0.01\"} 95
turno_store_commit_seconds_bucket{le=\"0.05\"} 97
turno_store_commit_seconds_bucket{le=\"0.1\"} 98
turno_store_commit_seconds_bucket{le=\"0.25\"} 100
turno_store_commit_seconds_bucket{le=\"0.5\"} 100
turno_store_commit_seconds_bucket{le=\"+Inf\"} 100
turno_store_commit_seconds_sum 0.5
turno_store_commit_seconds_count 100
turno_store_checkpoint_seconds_bucket{le=\"+Inf\"} 3
turno_store_checkpoint_seconds_sum 4.5
turno_store_checkpoint_seconds_count 3
";
        let commit = Timed::read(text, "store_commit", None);
        assert_eq!(commit.count, 100);
        assert_eq!(commit.mean_ms, 5.0);
        assert_eq!(commit.over_100ms, 2);
        assert_eq!(commit.all_under_ms, 250.0);
        let checkpoint = Timed::read(text, "store_checkpoint", None);
        assert_eq!((checkpoint.count, checkpoint.over_100ms), (3, 3));
        assert!(checkpoint.all_under_ms.is_infinite());
        assert_eq!(Timed::read(text, "send_latency", None), Timed::default());
        let labelled = "\
turno_queue_age_seconds_bucket{queue=\"inbound\",le=\"0.1\"} 9
turno_queue_age_seconds_bucket{queue=\"inbound\",le=\"+Inf\"} 10
turno_queue_age_seconds_sum{queue=\"inbound\"} 2
turno_queue_age_seconds_count{queue=\"inbound\"} 10
turno_queue_age_seconds_bucket{queue=\"sla_timers\",le=\"0.1\"} 0
turno_queue_age_seconds_bucket{queue=\"sla_timers\",le=\"+Inf\"} 4
turno_queue_age_seconds_sum{queue=\"sla_timers\"} 400
turno_queue_age_seconds_count{queue=\"sla_timers\"} 4
";
        let inbound = Timed::read(labelled, "queue_age", Some("queue=\"inbound\""));
        assert_eq!((inbound.count, inbound.over_100ms), (10, 1));
        assert_eq!(inbound.mean_ms, 200.0);
        assert_eq!(Timed::read(labelled, "queue_age", None), Timed::default());
    }
}
