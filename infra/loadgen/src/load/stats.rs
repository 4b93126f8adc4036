//! The figures a load run reports: latency percentiles from a sorted sample, the open-loop
//! schedule's send instants, and the process's memory from `/proc/self/status`.

use std::time::Duration;

/// p50/p90/p99/max of a latency sample, in milliseconds, and how many it holds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// The percentiles of `sample` (any order), nearest rank.
    pub fn of(mut sample: Vec<Duration>) -> Self {
        sample.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Percentiles {
            count: sample.len(),
            p50: ms(percentile(&sample, 50.0)),
            p90: ms(percentile(&sample, 90.0)),
            p99: ms(percentile(&sample, 99.0)),
            max: ms(percentile(&sample, 100.0)),
        }
    }

    /// `p50 1.2 ms  p90 …` for the text report.
    pub fn line(&self) -> String {
        format!(
            "p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms  (n={})",
            self.p50, self.p90, self.p99, self.max, self.count
        )
    }

    /// The figures as JSON fields under `prefix` (`prefix_p50_ms`, …).
    pub fn json_into(&self, prefix: &str, out: &mut serde_json::Map<String, serde_json::Value>) {
        for (name, v) in [
            ("p50", self.p50),
            ("p90", self.p90),
            ("p99", self.p99),
            ("max", self.max),
        ] {
            out.insert(format!("{prefix}_{name}_ms"), round2(v).into());
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The value at percentile `p` (0–100) of an ascending `sorted` sample by nearest rank: the
/// smallest value with at least p % of the sample at or below it. Zero for an empty sample.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// An open-loop schedule: send `i` is due at `i / rate` seconds after the start, whatever
/// happened to the sends before it.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    rate: f64,
    total: u64,
}

impl Schedule {
    /// `rate` sends a second for `duration`.
    pub fn new(rate: f64, duration: Duration) -> Self {
        let total = if rate > 0.0 {
            (rate * duration.as_secs_f64()).floor() as u64
        } else {
            0
        };
        Schedule { rate, total }
    }

    /// How many sends the schedule holds.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// When send `i` is due, from the start.
    pub fn due(&self, i: u64) -> Duration {
        Duration::from_secs_f64(i as f64 / self.rate)
    }

    /// The sends due at `elapsed` that are not yet sent, given `next` is the first unsent:
    /// `next..end`.
    pub fn due_by(&self, next: u64, elapsed: Duration) -> std::ops::Range<u64> {
        let upto = ((elapsed.as_secs_f64() * self.rate).floor() as u64 + 1).min(self.total);
        next..upto.max(next)
    }
}

/// Makes room in `v` for `n` more items and writes `filler` over all of it once, so that
/// the room is resident memory from now on rather than from whenever it fills.
pub fn reserve_resident<T: Clone>(v: &mut Vec<T>, n: usize, filler: T) {
    let len = v.len();
    v.reserve(n);
    v.resize(len + n, filler);
    v.truncate(len);
}

/// Resident memory now (`VmRSS`) and its peak so far (`VmHWM`), in MB.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_mb: f64,
    pub peak_mb: f64,
}

impl Memory {
    /// This process's memory, or zeros where `/proc` is not there.
    pub fn now() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        Memory {
            rss_mb: status_kb(&status, "VmRSS:") / 1024.0,
            peak_mb: status_kb(&status, "VmHWM:") / 1024.0,
        }
    }
}

/// CPU time (user + system) this process has used so far, in seconds, in all and by thread
/// name (threads of one name summed; only the threads alive at the reading).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cpu {
    pub total_s: f64,
    pub threads: std::collections::BTreeMap<String, f64>,
}

/// Clock ticks a second in `/proc`'s CPU times (`USER_HZ`, 100 on Linux's x86 and arm ABIs).
const TICKS_PER_S: f64 = 100.0;

impl Cpu {
    /// This process's CPU time, or zeros where `/proc` is not there.
    pub fn now() -> Self {
        let total_s = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| stat_cpu(&s))
            .map_or(0.0, |(_, t)| t);
        let mut threads = std::collections::BTreeMap::new();
        for task in std::fs::read_dir("/proc/self/task").into_iter().flatten() {
            let Ok(task) = task else { continue };
            if let Some((name, t)) = std::fs::read_to_string(task.path().join("stat"))
                .ok()
                .and_then(|s| stat_cpu(&s))
            {
                *threads.entry(name).or_insert(0.0) += t;
            }
        }
        Cpu { total_s, threads }
    }

    /// What was used between `earlier` and this reading. A thread name missing from
    /// `earlier` started since, so all of its time counts.
    pub fn since(&self, earlier: &Cpu) -> Cpu {
        Cpu {
            total_s: self.total_s - earlier.total_s,
            threads: self
                .threads
                .iter()
                .map(|(name, t)| {
                    let before = earlier.threads.get(name).copied().unwrap_or(0.0);
                    (name.clone(), (t - before).max(0.0))
                })
                .collect(),
        }
    }

    /// The time of the threads named `name`.
    pub fn thread(&self, name: &str) -> f64 {
        self.threads.get(name).copied().unwrap_or(0.0)
    }
}

/// The thread's name and its user + system CPU seconds, from a `/proc/…/stat` line.
fn stat_cpu(stat: &str) -> Option<(String, f64)> {
    // `pid (name) state …`: the name may hold spaces and parentheses, so split at the last.
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_owned();
    let mut fields = rest.split_whitespace();
    // After the name: state is field 3, utime 14, stime 15.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((name, (utime + stime) / TICKS_PER_S))
}

fn status_kb(status: &str, field: &str) -> f64 {
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn room_made_up_front_keeps_the_items_and_takes_no_more_allocations() {
        let mut v = vec![1, 2];
        reserve_resident(&mut v, 1000, 0);
        assert_eq!(v, [1, 2]);
        let (room, buffer) = (v.capacity(), v.as_ptr());
        assert!(room >= 1002, "room for {room}");
        v.extend(3..=1002);
        assert_eq!(
            (v.capacity(), v.as_ptr()),
            (room, buffer),
            "no reallocation"
        );
        assert_eq!(v.last(), Some(&1002));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sample: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sample, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sample, 90.0), Duration::from_millis(90));
        assert_eq!(percentile(&sample, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sample, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&sample, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
        assert_eq!(percentile(&ms(&[7]), 99.0), Duration::from_millis(7));
    }

    #[test]
    fn percentiles_sort_their_sample() {
        let p = Percentiles::of(ms(&[30, 10, 20, 40]));
        assert_eq!(p.count, 4);
        assert_eq!((p.p50, p.p90, p.p99, p.max), (20.0, 40.0, 40.0, 40.0));
        let mut json = serde_json::Map::new();
        p.json_into("x", &mut json);
        assert_eq!(json["x_p50_ms"], 20.0);
        assert_eq!(json["x_max_ms"], 40.0);
    }

    #[test]
    fn schedule_spaces_sends_evenly_and_catches_up() {
        let s = Schedule::new(200.0, Duration::from_secs(2));
        assert_eq!(s.total(), 400);
        assert_eq!(s.due(0), Duration::ZERO);
        assert_eq!(s.due(100), Duration::from_millis(500));
        // At the start only send 0 is due; 12 ms later sends 1 and 2 as well.
        assert_eq!(s.due_by(0, Duration::ZERO), 0..1);
        assert_eq!(s.due_by(1, Duration::from_millis(12)), 1..3);
        // Late by a second: all of that second's sends are due at once.
        assert_eq!(s.due_by(3, Duration::from_millis(1012)), 3..203);
        // Never past the end, never backwards.
        assert_eq!(s.due_by(390, Duration::from_secs(10)), 390..400);
        assert_eq!(s.due_by(400, Duration::from_secs(10)), 400..400);
        assert_eq!(Schedule::new(0.0, Duration::from_secs(5)).total(), 0);
    }

    #[test]
    fn cpu_time_is_read_from_a_stat_line_whose_name_has_spaces_and_parentheses() {
        let line = "4242 (turno (db) w) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0";
        assert_eq!(stat_cpu(line), Some(("turno (db) w".to_owned(), 3.0)));
        assert_eq!(stat_cpu("garbage"), None);
    }

    #[test]
    fn cpu_since_counts_what_each_thread_used_in_between() {
        let at = |total_s, writer| Cpu {
            total_s,
            threads: [("writer".to_owned(), writer)].into_iter().collect(),
        };
        let used = at(10.0, 4.0).since(&at(3.0, 1.5));
        assert_eq!((used.total_s, used.thread("writer")), (7.0, 2.5));
        assert_eq!(used.thread("nobody"), 0.0);
        let now = Cpu::now();
        assert!(now.total_s >= 0.0 && !now.threads.is_empty(), "{now:?}");
    }

    #[test]
    fn memory_reads_proc() {
        let m = Memory::now();
        assert!(m.rss_mb > 0.0 && m.peak_mb >= m.rss_mb, "{m:?}");
    }
}
