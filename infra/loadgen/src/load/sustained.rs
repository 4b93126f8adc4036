//! The sustained run: customer messages and delivery statuses sent on an open-loop schedule
//! (each at its instant whatever became of the ones before, latency counted from that
//! instant, so a slow server cannot hide its queue), with a bound on requests in flight.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use turno_tests::{APP_SECRET, sign};

use super::graph::FakeGraph;
use super::mix::{self, Kind};
use super::stats::{Cpu, Memory, Schedule};
use super::{Runner, load_average};

pub use super::sustained_report::Report;

/// What the sustained run is asked for.
#[derive(Clone, Debug)]
pub struct SustainedOptions {
    /// Customer messages a second.
    pub rate: f64,
    /// Status callbacks a second, per customer message a second.
    pub status_ratio: f64,
    /// How long the measured part lasts.
    pub duration: Duration,
    /// Sent before the measured part and left out of its figures.
    pub warmup: Duration,
    /// Requests in flight at most; a send due while this many are out is dropped.
    pub max_in_flight: usize,
    /// How long after one message a customer sends the next: the customer pool is
    /// `rate × revisit`, so each conversation goes on every `revisit`.
    pub revisit: Duration,
    /// How long to wait for the last replies after the last send.
    pub drain: Duration,
    /// A send that starts this long after its instant is late.
    pub late_after: Duration,
}

impl Default for SustainedOptions {
    fn default() -> Self {
        SustainedOptions {
            rate: 2000.0,
            status_ratio: 3.0,
            duration: Duration::from_secs(60),
            warmup: Duration::from_secs(5),
            max_in_flight: 1024,
            revisit: Duration::from_secs(5),
            drain: Duration::from_secs(30),
            late_after: Duration::from_millis(10),
        }
    }
}

/// One scheduled send and what became of it.
#[derive(Clone, Debug)]
pub(super) struct Sent {
    /// For a customer message: the customer's number in the pool and the message's kind.
    pub message: Option<(u64, Kind)>,
    /// When it was due.
    pub due: Instant,
    /// How long after `due` it started.
    pub start_delay: Duration,
    /// From `due` to the response, if the webhook was accepted.
    pub answered: Option<Duration>,
    /// Due after the warm-up.
    pub measured: bool,
}

#[derive(Default)]
pub(super) struct Tally {
    pub sent: Vec<Sent>,
    pub dropped_messages: u64,
    pub dropped_statuses: u64,
    /// Status slots with no outbound message to report on.
    pub starved_statuses: u64,
}

type Shared = Arc<Mutex<Tally>>;

fn tally<T>(t: &Shared, f: impl FnOnce(&mut Tally) -> T) -> T {
    f(&mut t.lock().unwrap_or_else(|p| p.into_inner()))
}

struct Sender {
    http: reqwest::Client,
    url: String,
    slots: Arc<Semaphore>,
    tally: Shared,
    start: Instant,
    warmup: Duration,
}

impl Sender {
    /// Sends `body` now on behalf of the send due at `due`, unless the bound on requests in
    /// flight is reached.
    fn send(&self, due: Instant, message: Option<(u64, Kind)>, body: impl FnOnce() -> String) {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            tally(&self.tally, |t| match message {
                Some(_) => t.dropped_messages += 1,
                None => t.dropped_statuses += 1,
            });
            return;
        };
        let body = body();
        let http = self.http.clone();
        let url = self.url.clone();
        let tally = self.tally.clone();
        let measured = due >= self.start + self.warmup;
        tokio::spawn(async move {
            let start_delay = Instant::now().saturating_duration_since(due);
            let ok = http
                .post(&url)
                .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            let answered = ok.then(|| due.elapsed());
            drop(permit);
            self::tally(&tally, |t| {
                t.sent.push(Sent {
                    message,
                    due,
                    start_delay,
                    answered,
                    measured,
                })
            });
        });
    }
}

/// Runs the schedule `schedule` from `start`, calling `each(i, due)` for every send when it
/// falls due (all the overdue ones at once when the loop itself is late).
async fn drive(schedule: Schedule, start: Instant, mut each: impl FnMut(u64, Instant)) {
    let mut next = 0;
    while next < schedule.total() {
        let due = schedule.due_by(next, start.elapsed());
        for i in due.clone() {
            each(i, start + schedule.due(i));
        }
        next = due.end;
        if next < schedule.total() {
            tokio::time::sleep_until((start + schedule.due(next)).into()).await;
        }
    }
}

/// Runs the sustained scenario on a fresh runner and reports it.
pub async fn run(opts: &SustainedOptions) -> anyhow::Result<Report> {
    anyhow::ensure!(opts.rate > 0.0, "--rate must be above zero");
    let (graph, graph_url) = FakeGraph::start(true).await?;
    let runner = Runner::start(graph_url).await?;
    let pool = ((opts.rate * opts.revisit.as_secs_f64()).ceil() as u64).max(1);
    let total_time = opts.warmup + opts.duration;
    let messages = Schedule::new(opts.rate, total_time);
    let statuses = Schedule::new(opts.rate * opts.status_ratio, total_time);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.max_in_flight)
        .build()?;
    let slots = Arc::new(Semaphore::new(opts.max_in_flight));
    let tally: Shared = Arc::default();
    make_room(opts, pool, &tally, &graph);
    let load_start = load_average();
    let cpu_start = Cpu::now();
    let start = Instant::now() + Duration::from_millis(50);
    let (stop_sampling, sampling_stopped) = tokio::sync::oneshot::channel::<()>();
    let sampler = tokio::spawn(sample_memory(
        start,
        tally.clone(),
        graph.clone(),
        sampling_stopped,
    ));
    let sender = Arc::new(Sender {
        http,
        url: runner.webhook_url.clone(),
        slots: slots.clone(),
        tally: tally.clone(),
        start,
        warmup: opts.warmup,
    });

    let inbound = {
        let sender = sender.clone();
        tokio::spawn(drive(messages, start, move |i, due| {
            let (customer, step) = (i % pool, i / pool);
            let (from, lang) = mix::customer(customer);
            let now = jiff::Timestamp::now().as_second();
            let wamid = format!("wamid.load.in.{i}");
            let (kind, message) = mix::message(&from, lang, step, &wamid, now);
            sender.send(due, Some((customer, kind)), || {
                mix::webhook(vec![message], vec![])
            });
        }))
    };
    let callbacks = {
        let sender = sender.clone();
        let graph = graph.clone();
        let tally = tally.clone();
        tokio::spawn(drive(statuses, start, move |_, due| {
            let Some((id, to, state)) = graph.next_status() else {
                self::tally(&tally, |t| t.starved_statuses += 1);
                return;
            };
            let now = jiff::Timestamp::now().as_second();
            sender.send(due, None, || {
                mix::webhook(vec![], vec![mix::status(&id, &to, state, now)])
            });
        }))
    };
    inbound.await?;
    callbacks.await?;
    let sends_done = Instant::now();
    // Every request back (or failed).
    let _all = slots.acquire_many(opts.max_in_flight as u32).await?;

    // The last replies: until every customer has had one after their last message.
    let drain_deadline = Instant::now() + opts.drain;
    while Instant::now() < drain_deadline && !all_answered(&tally, &graph) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained_in = sends_done.elapsed();
    let _ = stop_sampling.send(());
    let memory = sampler.await?;
    let load_end = load_average();
    let cpu = Cpu::now().since(&cpu_start);
    let timings = super::store::read(&sender.http, &runner.running.url()).await?;
    runner.stop().await;

    let t = std::mem::take(&mut *tally.lock().unwrap_or_else(|p| p.into_inner()));
    let replies = graph.with(|r| std::mem::take(&mut r.at));
    Ok(Report::build(super::sustained_report::Inputs {
        opts: opts.clone(),
        pool,
        start,
        tally: t,
        replies,
        memory,
        load: [load_start, load_end],
        drained_in,
        timings,
        cpu,
    }))
}

/// Replies to one customer message the records make room for up front: the bot sends one
/// to three (a greeting and a menu, an answer and its buttons, a handoff notice).
const ROOM_FOR_REPLIES: usize = 4;

/// Makes room, before the first send, for every record the run will keep (each send's
/// outcome, each reply's arrival, the replies awaiting statuses), so that the process's
/// memory over the run is the runner's: the load generator's own is all taken at the start.
fn make_room(opts: &SustainedOptions, pool: u64, tally: &Shared, graph: &FakeGraph) {
    let secs = (opts.warmup + opts.duration).as_secs_f64();
    let messages = opts.rate * secs;
    // A margin for the schedules' rounding.
    let sends = (messages * (1.0 + opts.status_ratio) * 1.02).ceil() as usize + opts.max_in_flight;
    let placeholder = Sent {
        message: None,
        due: Instant::now(),
        start_delay: Duration::ZERO,
        answered: None,
        measured: false,
    };
    self::tally(tally, |t| {
        super::stats::reserve_resident(&mut t.sent, sends, placeholder);
    });
    let per_customer = (messages / pool as f64).ceil() as usize + 1;
    graph.make_room(
        (0..pool).map(|c| mix::customer(c).0),
        per_customer * ROOM_FOR_REPLIES,
        (messages.ceil() as usize) * ROOM_FOR_REPLIES,
    );
}

/// How often a run samples its memory.
const MEMORY_EVERY: Duration = Duration::from_secs(5);

/// The process's memory at one instant of a run, beside how much of it the load generator's
/// own records (every send's outcome, every reply's arrival, the statuses still to report)
/// take: those grow with the run by design, and are not the runner's.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sample {
    /// Seconds since the first send was due (negative before it).
    pub at_s: f64,
    pub memory: Memory,
    pub records_mb: f64,
}

/// Samples memory every [`MEMORY_EVERY`] from now until `stop`, and once more then.
async fn sample_memory(
    start: Instant,
    tally: Shared,
    graph: FakeGraph,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> Vec<Sample> {
    let sample = || {
        let records = self::tally(&tally, |t| t.sent.capacity() * std::mem::size_of::<Sent>())
            + graph.with(|r| r.bytes());
        let now = Instant::now();
        let at_s = match now.checked_duration_since(start) {
            Some(d) => d.as_secs_f64(),
            None => -start.duration_since(now).as_secs_f64(),
        };
        Sample {
            at_s,
            memory: Memory::now(),
            records_mb: records as f64 / (1024.0 * 1024.0),
        }
    };
    let mut samples = Vec::new();
    let mut every = tokio::time::interval(MEMORY_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => samples.push(sample()),
            _ = &mut stop => {
                samples.push(sample());
                return samples;
            }
        }
    }
}

/// Whether every customer has had a reply after their last accepted message.
fn all_answered(tally: &Shared, graph: &FakeGraph) -> bool {
    let mut last: std::collections::HashMap<u64, Instant> = std::collections::HashMap::new();
    self::tally(tally, |t| {
        for s in &t.sent {
            if let (Some((c, _)), Some(_)) = (s.message, s.answered) {
                let e = last.entry(c).or_insert(s.due);
                *e = (*e).max(s.due);
            }
        }
    });
    graph.with(|r| {
        last.iter().all(|(c, due)| {
            let (from, _) = mix::customer(*c);
            r.at.get(&from)
                .and_then(|at| at.last())
                .is_some_and(|reply| reply >= due)
        })
    })
}
