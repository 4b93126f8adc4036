//! The month simulator: `N` conversations over `D` simulated days, driven through
//! [`turno_core::app::Turno`] as the webhook and the agent API would, on a manual clock that
//! moves a minute at a time, running every job (bot turns, handoffs, SLA timers, bot
//! inactivity, surveys) when it falls due. Then [`measure`] times the console's reads.

pub mod measure;
pub mod script;
pub mod world;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;
use turno_core::app::{StatusChange, Transfer, WebhookBatch};
use turno_core::channel::message::{Content, InboundMessage};
use turno_core::desk::agent::{Availability, Role};
use turno_core::kernel::ids::{MessageId, TeamId, TicketId, WaId};
use turno_core::ports::records::ChangeKind;
use turno_testkit::harness::demo_workspace;

use script::{Plan, Step};
pub use world::{StoreChoice, World};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    pub conversations: u32,
    pub days: u32,
    pub store: StoreChoice,
    pub seed: u64,
    /// Print progress (conversations started, their rate) this often; `None`: never.
    pub progress_every: Option<std::time::Duration>,
}

/// What the simulation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub conversations: u32,
    pub messages: u64,
    pub agent_actions: u64,
    pub jobs: u64,
    pub failed_jobs: u64,
    /// Agent actions the use cases refused (a ticket that moved on meanwhile).
    pub refused: u64,
}

/// A simulated month starts on Monday 2 March 2026, 00:00 UTC.
pub fn month_start() -> Timestamp {
    "2026-03-02T00:00:00Z"
        .parse()
        .expect("a valid timestamp literal")
}

struct Conversation {
    customer: u32,
    plan: Plan,
    transferred: bool,
    reopened: bool,
    messages: u32,
}

/// What a conversation's step leads to.
enum Next {
    /// These steps, each after the one before.
    Steps(Vec<(SignedDuration, Step)>),
    /// The agent's step, once the waiting ticket is assigned to someone.
    OnAssignment(TicketId, Step),
}

/// What is due when: the agenda orders (time in ms, order of scheduling); the steps are kept
/// beside it, with their conversation (`None`: a shift change).
struct Scheduler {
    agenda: BinaryHeap<Reverse<(i64, u64)>>,
    steps: HashMap<u64, (Option<usize>, Step)>,
    seq: u64,
}

impl Scheduler {
    fn new() -> Self {
        Scheduler {
            agenda: BinaryHeap::new(),
            steps: HashMap::new(),
            seq: 0,
        }
    }

    fn at(&mut self, at: Timestamp, conv: Option<usize>, step: Step) {
        self.seq += 1;
        self.agenda.push(Reverse((at.as_millisecond(), self.seq)));
        self.steps.insert(self.seq, (conv, step));
    }

    fn after(&mut self, base: Timestamp, steps: Vec<(SignedDuration, Step)>, conv: usize) {
        let mut t = base;
        for (gap, step) in steps {
            t = t.checked_add(gap).unwrap_or(t);
            self.at(t, Some(conv), step);
        }
    }

    fn pop(&mut self) -> Option<(Timestamp, Option<usize>, Step)> {
        let Reverse((ms, seq)) = self.agenda.pop()?;
        let (conv, step) = self.steps.remove(&seq)?;
        Some((Timestamp::from_millisecond(ms).ok()?, conv, step))
    }
}

/// The shifts: the first half of the agents 07:00–15:00 UTC, the second 13:00–21:00, every
/// day; at weekends only every other agent works.
fn schedule_shifts(s: &mut Scheduler, start: Timestamp, days: u32) {
    for d in 0..days {
        let weekend = (d % 7) >= 5;
        for i in 0..world::AGENTS {
            if weekend && i % 2 == 1 {
                continue;
            }
            let (on, off) = if i < world::AGENTS / 2 {
                (7, 15)
            } else {
                (13, 21)
            };
            let at = |h: i64| {
                start
                    .checked_add(SignedDuration::from_hours(i64::from(d) * 24 + h))
                    .unwrap_or(start)
            };
            s.at(
                at(on),
                None,
                Step::Shift {
                    agent: i,
                    online: true,
                },
            );
            s.at(
                at(off),
                None,
                Step::Shift {
                    agent: i,
                    online: false,
                },
            );
        }
    }
}

/// Runs the month on `world`. Conversations start in time order; each one's next steps are
/// scheduled as the previous ones happen.
pub async fn simulate(world: &World, o: &Options) -> anyhow::Result<Totals> {
    let mut rng = StdRng::seed_from_u64(o.seed);
    let start = month_start();
    let mut sched = Scheduler::new();
    schedule_shifts(&mut sched, start, o.days);
    let mut convs: Vec<Conversation> = Vec::with_capacity(o.conversations as usize);
    for n in 0..o.conversations {
        let at = script::start_time(&mut rng, start, o.days);
        let plan = script::plan(&mut rng);
        let opening = script::opening(&mut rng, &plan);
        convs.push(Conversation {
            customer: n,
            plan,
            transferred: false,
            reopened: false,
            messages: 0,
        });
        sched.after(at, opening, n as usize);
    }
    let mut totals = Totals {
        conversations: o.conversations,
        ..Totals::default()
    };
    let began = Instant::now();
    let mut last_report = began;
    let mut steps: u64 = 0;
    let mut started = HashSet::new();
    // Agents' steps on tickets still in the queue, taken up when the ticket is assigned (the
    // change feed says so); and where the simulation has read the feed to.
    let mut waiting: HashMap<TicketId, (usize, Step)> = HashMap::new();
    let mut feed: Option<String> = None;
    // Tickets of conversations the bot handed off unplanned (an order look-up that failed),
    // which an agent picks up like any other once assigned.
    let mut unplanned: HashSet<TicketId> = HashSet::new();
    while let Some((at, conv, step)) = sched.pop() {
        // The clock moves a minute at a time, running what falls due on the way.
        while world.clock_now() < at {
            let next = world
                .clock_now()
                .checked_add(SignedDuration::from_mins(1))
                .unwrap_or(at)
                .min(at);
            world.clock.set(next);
            let (ran, failed) = world.drain().await?;
            totals.jobs += ran;
            totals.failed_jobs += failed;
            take_up_assigned(
                world,
                &convs,
                &mut feed,
                &mut waiting,
                &mut unplanned,
                &mut sched,
                &mut rng,
            )
            .await?;
        }
        steps += 1;
        if let Some(c) = conv {
            started.insert(c);
        }
        match (conv, step) {
            (None, Step::Shift { agent, online }) => {
                let who = world::actor(&world::agent_name(agent), Role::Agent);
                let availability = if online {
                    Availability::Online
                } else {
                    Availability::Offline
                };
                if world
                    .turno
                    .set_availability(&who, availability)
                    .await
                    .is_err()
                {
                    totals.refused += 1;
                }
            }
            (Some(c), step) => {
                match act(world, &mut convs[c], step, &mut rng, &mut totals).await? {
                    Next::Steps(next) => sched.after(world.clock_now(), next, c),
                    Next::OnAssignment(ticket, step) => {
                        waiting.insert(ticket, (c, step));
                    }
                }
            }
            (None, _) => {}
        }
        let (ran, failed) = world.drain().await?;
        totals.jobs += ran;
        totals.failed_jobs += failed;
        take_up_assigned(
            world,
            &convs,
            &mut feed,
            &mut waiting,
            &mut unplanned,
            &mut sched,
            &mut rng,
        )
        .await?;
        if o.progress_every
            .is_some_and(|every| last_report.elapsed() >= every)
        {
            last_report = Instant::now();
            let secs = began.elapsed().as_secs_f64();
            eprintln!(
                "  {} {:>7}/{} conversations started ({:.0}/s), {} messages, {} jobs, {} steps",
                world.clock_now().strftime("%Y-%m-%d %H:%M"),
                started.len(),
                o.conversations,
                started.len() as f64 / secs.max(1e-9),
                totals.messages,
                totals.jobs,
                steps
            );
        }
    }
    Ok(totals)
}

/// Schedules the waiting agents' steps of the tickets assigned since `feed` (the agent sees
/// the ticket in their inbox a few minutes later), reading the workspace's change feed; and a
/// first reply on a ticket the bot handed off though its customer did not plan to ask.
async fn take_up_assigned(
    world: &World,
    convs: &[Conversation],
    feed: &mut Option<String>,
    waiting: &mut HashMap<TicketId, (usize, Step)>,
    unplanned: &mut HashSet<TicketId>,
    sched: &mut Scheduler,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    const PAGE: u32 = 500;
    let ws = demo_workspace();
    loop {
        let changes = world
            .store
            .changes_since(&ws, feed.as_deref(), PAGE)
            .await?;
        for change in &changes {
            if change.kind != ChangeKind::Assignment {
                continue;
            }
            let at = world
                .clock_now()
                .checked_add(SignedDuration::from_secs(rng_secs(rng, 60, 600)))
                .unwrap_or_else(|_| world.clock_now());
            if let Some((conv, step)) = waiting.remove(&change.ticket_id) {
                sched.at(at, Some(conv), step);
            } else if !unplanned.contains(&change.ticket_id) {
                let Some(ticket) = world.store.ticket(&ws, &change.ticket_id).await? else {
                    continue;
                };
                let Some(conv) = script::customer_of(ticket.customer.as_str()) else {
                    continue;
                };
                if convs.get(conv).is_some_and(|c| !c.plan.escalate) {
                    unplanned.insert(change.ticket_id.clone());
                    sched.at(at, Some(conv), Step::Reply { first: true });
                }
            }
        }
        if let Some(last) = changes.last() {
            *feed = Some(last.cursor.clone());
        }
        if changes.len() < PAGE as usize {
            return Ok(());
        }
    }
}

/// One step of a conversation; returns what it leads to.
async fn act(
    world: &World,
    c: &mut Conversation,
    step: Step,
    rng: &mut StdRng,
    totals: &mut Totals,
) -> anyhow::Result<Next> {
    let ws = demo_workspace();
    let wa = WaId::parse(script::number(c.customer))?;
    match step {
        Step::Say(text) => {
            c.messages += 1;
            totals.messages += 1;
            let message = InboundMessage {
                workspace: ws,
                id: MessageId::parse(format!("wamid.sim.{}.{}", c.customer, c.messages))?,
                from: wa,
                profile_name: Some(script::name(c.customer)),
                at: world.clock_now(),
                content: Content::Text { body: text },
                context: None,
            };
            world
                .turno
                .accept_webhook(WebhookBatch {
                    messages: vec![message],
                    ..WebhookBatch::default()
                })
                .await?;
            Ok(Next::Steps(Vec::new()))
        }
        Step::Shift { .. } => Ok(Next::Steps(Vec::new())),
        agent_step => {
            let Some(ticket_id) = world
                .store
                .conversation(&ws, &wa)
                .await?
                .and_then(|conv| conv.ticket_id)
            else {
                return Ok(Next::Steps(Vec::new()));
            };
            let Some(ticket) = world.store.ticket(&ws, &ticket_id).await? else {
                return Ok(Next::Steps(Vec::new()));
            };
            let Some(agent) = ticket.assignee.clone() else {
                // Still in the queue: the step waits for the ticket's assignment.
                return Ok(if ticket.status.is_human() {
                    Next::OnAssignment(ticket_id, agent_step)
                } else {
                    Next::Steps(Vec::new())
                });
            };
            let who = world::actor(agent.as_str(), Role::Agent);
            totals.agent_actions += 1;
            let (done, next) = match agent_step {
                Step::Reply { first } => {
                    let r = world
                        .turno
                        .agent_reply(&who, &ticket_id, "Hola, lo reviso ahora mismo.")
                        .await;
                    let next = if first {
                        script::after_reply(rng, &c.plan, c.transferred)
                    } else {
                        Vec::new()
                    };
                    (r.is_ok(), next)
                }
                Step::Transfer => {
                    c.transferred = true;
                    let r = world
                        .turno
                        .transfer(
                            &who,
                            &ticket_id,
                            Transfer {
                                agent_id: None,
                                team_id: Some(TeamId::parse("specialists")?),
                                note: Some("a refund: for the specialists".into()),
                            },
                        )
                        .await;
                    (
                        r.is_ok(),
                        vec![(
                            SignedDuration::from_secs(rng_secs(rng, 120, 900)),
                            Step::Reply { first: true },
                        )],
                    )
                }
                Step::Resolve { reopen } => {
                    let r = world
                        .turno
                        .change_status(&who, &ticket_id, StatusChange::Resolved, None)
                        .await;
                    let again = reopen && !c.reopened;
                    c.reopened |= again;
                    (r.is_ok(), script::after_resolve(&c.plan, again))
                }
                _ => (true, Vec::new()),
            };
            if !done {
                totals.refused += 1;
            }
            Ok(Next::Steps(next))
        }
    }
}

fn rng_secs(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    use rand::Rng;
    rng.random_range(lo..hi)
}

impl World {
    pub fn clock_now(&self) -> Timestamp {
        use turno_core::ports::Clock;
        self.clock.now()
    }
}
