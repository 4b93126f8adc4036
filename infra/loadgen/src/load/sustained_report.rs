//! The sustained run's figures: what was sent, dropped, late and lost, the latency
//! percentiles of the measured part, throughput, memory and machine load, as text or as one
//! line of JSON.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::mix::Kind;
use super::stats::{Cpu, Percentiles};
use super::store::{RunnerTimings, Timed};
use super::sustained::{Sample, SustainedOptions, Tally};

/// What [`Report::build`] works from.
pub(super) struct Inputs {
    pub opts: SustainedOptions,
    pub pool: u64,
    pub start: Instant,
    pub tally: Tally,
    /// Per customer number, when each reply reached the fake Graph API.
    pub replies: HashMap<String, Vec<Instant>>,
    /// Memory every few seconds, from before the first send to after the drain.
    pub memory: Vec<Sample>,
    pub load: [f64; 2],
    pub drained_in: Duration,
    /// The runner's group commits and checkpoints over the whole run.
    pub timings: RunnerTimings,
    /// The process's CPU time from the first send to the end of the drain.
    pub cpu: Cpu,
}

/// Counts over the whole run (warm-up included) and figures of its measured part.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rate: f64,
    pub status_rate: f64,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub pool: u64,
    /// Customer messages sent, by kind: text, interactive, media.
    pub messages_sent: u64,
    pub by_kind: [u64; 3],
    pub statuses_sent: u64,
    /// Webhooks not answered with a 2xx.
    pub messages_failed: u64,
    pub statuses_failed: u64,
    pub messages_dropped: u64,
    pub statuses_dropped: u64,
    /// Status slots with no outbound message left to report on.
    pub statuses_starved: u64,
    pub messages_late: u64,
    pub statuses_late: u64,
    /// Accepted customer messages with no reply to their customer after them by the end of
    /// the drain.
    pub lost: u64,
    pub webhook_messages: Percentiles,
    pub webhook_statuses: Percentiles,
    pub reply: Percentiles,
    pub inbound_per_s: f64,
    pub statuses_per_s: f64,
    pub replies_per_s: f64,
    pub replies_total: u64,
    pub rss_start_mb: f64,
    pub rss_middle_mb: f64,
    pub rss_end_mb: f64,
    pub rss_peak_mb: f64,
    /// The load generator's own records at the start, middle and end (part of the RSS).
    pub records_mb: [f64; 3],
    /// Every sample: seconds from the first send, RSS and the records, in MB.
    pub memory_timeline: Vec<[f64; 3]>,
    pub load_start: f64,
    pub load_end: f64,
    pub drained_in_s: f64,
    /// The runner's store over the whole run (warm-up and drain included).
    pub commits: Timed,
    pub checkpoints: Timed,
    pub inbound_wait: Timed,
    /// CPU seconds of the whole process (runner, load generator and fake Graph API) over the
    /// run, and of the store's writer and checkpoint threads.
    pub cpu_s: f64,
    pub cpu_writer_s: f64,
    pub cpu_checkpoint_s: f64,
    /// The whole process's CPU time per customer message sent (its statuses and replies
    /// included), in ms.
    pub cpu_per_message_ms: f64,
    pub cores: usize,
}

impl Report {
    pub(super) fn build(i: Inputs) -> Self {
        let o = &i.opts;
        let measured_from = i.start + o.warmup;
        let measured_to = measured_from + o.duration;
        let (first, middle, last) =
            memory_points(&i.memory, (o.warmup + o.duration / 2).as_secs_f64());
        let mut r = Report {
            rate: o.rate,
            status_rate: o.rate * o.status_ratio,
            duration_s: o.duration.as_secs_f64(),
            warmup_s: o.warmup.as_secs_f64(),
            pool: i.pool,
            messages_dropped: i.tally.dropped_messages,
            statuses_dropped: i.tally.dropped_statuses,
            statuses_starved: i.tally.starved_statuses,
            rss_start_mb: first.memory.rss_mb,
            rss_middle_mb: middle.memory.rss_mb,
            rss_end_mb: last.memory.rss_mb,
            rss_peak_mb: last.memory.peak_mb,
            records_mb: [first.records_mb, middle.records_mb, last.records_mb],
            memory_timeline: i
                .memory
                .iter()
                .map(|s| [s.at_s, s.memory.rss_mb, s.records_mb])
                .collect(),
            load_start: i.load[0],
            load_end: i.load[1],
            drained_in_s: i.drained_in.as_secs_f64(),
            cpu_s: i.cpu.total_s,
            cpu_writer_s: i.cpu.thread(WRITER_THREAD),
            cpu_checkpoint_s: i.cpu.thread(CHECKPOINT_THREAD),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            commits: i.timings.commits,
            checkpoints: i.timings.checkpoints,
            inbound_wait: i.timings.inbound_wait,
            ..Report::default()
        };
        let (mut web_msg, mut web_st) = (Vec::new(), Vec::new());
        let (mut ok_msg, mut ok_st) = (0u64, 0u64);
        // Per customer, the due instants of their accepted messages and whether measured.
        let mut by_customer: HashMap<u64, Vec<(Instant, bool)>> = HashMap::new();
        for s in &i.tally.sent {
            let late = s.start_delay > o.late_after;
            match s.message {
                Some((customer, kind)) => {
                    r.messages_sent += 1;
                    r.by_kind[kind_index(kind)] += 1;
                    r.messages_late += u64::from(late);
                    match s.answered {
                        None => r.messages_failed += 1,
                        Some(d) => {
                            by_customer
                                .entry(customer)
                                .or_default()
                                .push((s.due, s.measured));
                            if s.measured {
                                web_msg.push(d);
                                ok_msg += 1;
                            }
                        }
                    }
                }
                None => {
                    r.statuses_sent += 1;
                    r.statuses_late += u64::from(late);
                    match s.answered {
                        None => r.statuses_failed += 1,
                        Some(d) if s.measured => {
                            web_st.push(d);
                            ok_st += 1;
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        let mut reply = Vec::new();
        for (customer, mut dues) in by_customer {
            dues.sort_unstable_by_key(|(d, _)| *d);
            let (from, _) = super::mix::customer(customer);
            let replies = i.replies.get(&from).map(Vec::as_slice).unwrap_or_default();
            for (latency, measured) in answer_latencies(&dues, replies) {
                match latency {
                    None => r.lost += 1,
                    Some(l) if measured => reply.push(l),
                    Some(_) => {}
                }
            }
        }
        let in_window = i
            .replies
            .values()
            .flatten()
            .filter(|at| **at >= measured_from && **at < measured_to)
            .count();
        r.replies_total = i.replies.values().map(|v| v.len() as u64).sum();
        let secs = o.duration.as_secs_f64().max(f64::EPSILON);
        r.inbound_per_s = ok_msg as f64 / secs;
        r.statuses_per_s = ok_st as f64 / secs;
        r.replies_per_s = in_window as f64 / secs;
        r.cpu_per_message_ms = r.cpu_s * 1000.0 / (r.messages_sent.max(1) as f64);
        r.webhook_messages = Percentiles::of(web_msg);
        r.webhook_statuses = Percentiles::of(web_st);
        r.reply = Percentiles::of(reply);
        r
    }

    /// The report as one JSON object, for scripts.
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        let fields = json!({
            "mode": "sustained",
            "rate": self.rate, "status_rate": self.status_rate,
            "duration_s": self.duration_s, "warmup_s": self.warmup_s, "pool": self.pool,
            "messages_sent": self.messages_sent, "text": self.by_kind[0],
            "interactive": self.by_kind[1], "media": self.by_kind[2],
            "statuses_sent": self.statuses_sent,
            "messages_failed": self.messages_failed, "statuses_failed": self.statuses_failed,
            "messages_dropped": self.messages_dropped, "statuses_dropped": self.statuses_dropped,
            "statuses_starved": self.statuses_starved,
            "messages_late": self.messages_late, "statuses_late": self.statuses_late,
            "lost": self.lost, "replies_total": self.replies_total,
            "inbound_per_s": round1(self.inbound_per_s),
            "statuses_per_s": round1(self.statuses_per_s),
            "replies_per_s": round1(self.replies_per_s),
            "rss_start_mb": round1(self.rss_start_mb), "rss_middle_mb": round1(self.rss_middle_mb),
            "rss_end_mb": round1(self.rss_end_mb), "rss_peak_mb": round1(self.rss_peak_mb),
            "records_start_mb": round1(self.records_mb[0]),
            "records_middle_mb": round1(self.records_mb[1]),
            "records_end_mb": round1(self.records_mb[2]),
            "memory_timeline": self.memory_timeline.iter()
                .map(|[t, rss, rec]| json!([round1(*t), round1(*rss), round1(*rec)]))
                .collect::<Vec<_>>(),
            "load_start": self.load_start, "load_end": self.load_end,
            "drained_in_s": round1(self.drained_in_s),
            "cpu_s": round1(self.cpu_s), "cpu_writer_s": round1(self.cpu_writer_s),
            "cpu_checkpoint_s": round1(self.cpu_checkpoint_s),
            "cpu_per_message_ms": (self.cpu_per_message_ms * 1000.0).round() / 1000.0,
            "cores": self.cores,
        });
        if let Value::Object(f) = fields {
            m.extend(f);
        }
        self.webhook_messages.json_into("webhook_messages", &mut m);
        self.webhook_statuses.json_into("webhook_statuses", &mut m);
        self.reply.json_into("reply", &mut m);
        self.commits.json_into("store_commits", &mut m);
        self.checkpoints.json_into("store_checkpoints", &mut m);
        self.inbound_wait.json_into("inbound_wait", &mut m);
        Value::Object(m)
    }

    /// The report as text, a figure a line.
    pub fn text(&self) -> String {
        let [text, interactive, media] = self.by_kind;
        [
            format!(
                "sustained            {} messages/s + {} statuses/s for {} s (after {} s warm-up), {} customers",
                self.rate, self.status_rate, self.duration_s, self.warmup_s, self.pool
            ),
            format!(
                "sent                 {} messages (text {text}, interactive {interactive}, media {media}), {} statuses",
                self.messages_sent, self.statuses_sent
            ),
            format!(
                "webhook response     messages {}",
                self.webhook_messages.line()
            ),
            format!(
                "                     statuses {}",
                self.webhook_statuses.line()
            ),
            format!("webhook → reply      {}", self.reply.line()),
            format!(
                "throughput           {:.0} messages/s  {:.0} statuses/s  {:.0} replies/s",
                self.inbound_per_s, self.statuses_per_s, self.replies_per_s
            ),
            format!(
                "dropped / late       messages {} / {}  statuses {} / {}  (statuses with nothing to report {})",
                self.messages_dropped,
                self.messages_late,
                self.statuses_dropped,
                self.statuses_late,
                self.statuses_starved
            ),
            format!(
                "failed / lost        {} messages, {} statuses refused; {} messages never answered ({} replies, drained in {:.1} s)",
                self.messages_failed,
                self.statuses_failed,
                self.lost,
                self.replies_total,
                self.drained_in_s
            ),
            format!(
                "RSS                  start {:.0} MB  middle {:.0} MB  end {:.0} MB  peak {:.0} MB (runner + load generator + fake Graph API)",
                self.rss_start_mb, self.rss_middle_mb, self.rss_end_mb, self.rss_peak_mb
            ),
            format!(
                "of which records     start {:.0} MB  middle {:.0} MB  end {:.0} MB (the load generator's own: each send's outcome, each reply's arrival)",
                self.records_mb[0], self.records_mb[1], self.records_mb[2]
            ),
            format!(
                "RSS less records     {}",
                self.memory_timeline
                    .iter()
                    .map(|[t, rss, rec]| format!("{t:.0} s {:.0}", rss - rec))
                    .collect::<Vec<_>>()
                    .join(" · ")
            ),
            format!(
                "CPU                  {:.1} s on {} cores ({:.0} % of them), {:.3} ms per message; the store's writer {:.1} s, its checkpoints {:.1} s",
                self.cpu_s,
                self.cores,
                100.0 * self.cpu_s / (self.cores as f64 * (self.warmup_s + self.duration_s + self.drained_in_s)).max(f64::EPSILON),
                self.cpu_per_message_ms,
                self.cpu_writer_s,
                self.cpu_checkpoint_s
            ),
            format!("store commits        {}", self.commits.line()),
            format!("store checkpoints    {}", self.checkpoints.line()),
            format!("inbound queue wait   {}", self.inbound_wait.line()),
            format!(
                "load average         {:.2} at the start, {:.2} at the end",
                self.load_start, self.load_end
            ),
        ]
        .join("\n")
    }
}

/// The store's threads, as `/proc` names them (cut to 15 bytes).
const WRITER_THREAD: &str = "turno-db-writer";
const CHECKPOINT_THREAD: &str = "turno-db-checkp";

/// The first sample, the one nearest `middle_s`, and the last; all zeros with no samples.
fn memory_points(samples: &[Sample], middle_s: f64) -> (Sample, Sample, Sample) {
    let none = Sample {
        at_s: 0.0,
        memory: Default::default(),
        records_mb: 0.0,
    };
    let first = samples.first().copied().unwrap_or(none);
    let last = samples.last().copied().unwrap_or(none);
    let middle = samples
        .iter()
        .copied()
        .min_by(|a, b| {
            (a.at_s - middle_s)
                .abs()
                .total_cmp(&(b.at_s - middle_s).abs())
        })
        .unwrap_or(none);
    (first, middle, last)
}

fn kind_index(k: Kind) -> usize {
    match k {
        Kind::Text => 0,
        Kind::Interactive => 1,
        Kind::Media => 2,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// For a customer's accepted messages (`dues`, ascending, each with whether it is measured)
/// and the replies they got (ascending): each message's time to its first reply, the first
/// reply to the customer after it, or `None` when there was none. While replies come faster
/// than the customer writes this is the message's own reply; when they come slower, one
/// reply may be the first after several messages (the bot may also answer them in one turn).
pub(super) fn answer_latencies(
    dues: &[(Instant, bool)],
    replies: &[Instant],
) -> Vec<(Option<Duration>, bool)> {
    dues.iter()
        .map(|(due, measured)| {
            let first = replies.partition_point(|r| r < due);
            let latency = replies.get(first).map(|r| r.duration_since(*due));
            (latency, *measured)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::stats::Memory;

    #[test]
    fn memory_is_reported_at_the_start_the_sample_nearest_the_middle_and_the_end() {
        let at = |at_s: f64, rss_mb: f64| Sample {
            at_s,
            memory: Memory {
                rss_mb,
                peak_mb: rss_mb,
            },
            records_mb: rss_mb / 10.0,
        };
        let samples = [
            at(-0.05, 50.0),
            at(5.0, 60.0),
            at(10.0, 70.0),
            at(15.0, 65.0),
        ];
        let (first, middle, last) = memory_points(&samples, 9.0);
        assert_eq!(
            (
                first.memory.rss_mb,
                middle.memory.rss_mb,
                last.memory.rss_mb
            ),
            (50.0, 70.0, 65.0)
        );
        assert_eq!(middle.records_mb, 7.0);
        let (first, _, last) = memory_points(&[], 9.0);
        assert_eq!((first.memory.rss_mb, last.memory.rss_mb), (0.0, 0.0));
    }

    #[test]
    fn each_message_takes_the_first_reply_after_it() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let dues = [
            (at(0), false),
            (at(100), true),
            (at(200), true),
            (at(300), true),
        ];
        // 0 → 10 (12 is the second reply of the same turn); 100 and 200 → 250 (a slow
        // turn); 300 → none.
        let replies = [at(10), at(12), at(250)];
        let got = answer_latencies(&dues, &replies);
        let ms = |v: u64| Some(Duration::from_millis(v));
        assert_eq!(
            got,
            [
                (ms(10), false),
                (ms(150), true),
                (ms(50), true),
                (None, true)
            ]
        );
        assert_eq!(answer_latencies(&dues[..1], &[]), [(None, false)]);
    }
}
