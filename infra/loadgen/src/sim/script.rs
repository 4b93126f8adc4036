//! What customers and agents do in the simulated month: when conversations start (busier in
//! business hours, quieter at weekends), what each customer writes, and what the agents do
//! with the tickets they hold, as timed steps.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::StdRng;

/// One thing that happens at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The customer writes.
    Say(String),
    /// The ticket's agent answers (or, while it waits in the queue, looks again later);
    /// after the `first` answer of a handoff the rest of the conversation follows.
    Reply { first: bool },
    /// The agent resolves; `reopen` says whether the customer comes back afterwards.
    Resolve { reopen: bool },
    /// The agent sends the ticket to the specialists' queue.
    Transfer,
    /// The simulated shifts: agent `i` signs in or out.
    Shift { agent: u32, online: bool },
}

/// A conversation's plan, drawn when it starts.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The customer asks for a person (else the bot handles it and it ends by inactivity).
    pub escalate: bool,
    /// The agent transfers to the specialists first.
    pub transfer: bool,
    /// The agent answers late (past the first-response target).
    pub slow: bool,
    pub reopen: bool,
    /// The customer answers the survey with this score, and maybe a comment.
    pub csat: Option<(u8, bool)>,
}

const NAMES: [&str; 24] = [
    "Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Lucas", "María", "Leo", "Julia", "Daniel",
    "Paula", "Pablo", "Valeria", "Álvaro", "Carmen", "Marcos", "Sara", "Adrián", "Elena", "Diego",
    "Noa", "Javier", "Irene", "Bruno",
];

/// The profile name of customer `n`.
pub fn name(n: u32) -> String {
    format!("{} {}", NAMES[n as usize % NAMES.len()], n)
}

/// Customer `n`'s number.
pub fn number(n: u32) -> String {
    format!("34{:09}", 600_000_000 + n)
}

/// Which customer a number belongs to (the inverse of [`number`]).
pub fn customer_of(number: &str) -> Option<usize> {
    let n: u64 = number.strip_prefix("34")?.parse().ok()?;
    usize::try_from(n.checked_sub(600_000_000)?).ok()
}

/// How busy each hour of a local weekday is (relative): quiet at night, peaks late morning
/// and late afternoon.
const HOURS: [u32; 24] = [
    1, 1, 1, 1, 1, 2, 4, 8, 14, 20, 24, 24, 22, 16, 14, 18, 22, 22, 18, 12, 8, 5, 3, 2,
];

/// When conversation `n` of the month starts: a day (weekends at half the volume), then an
/// hour by [`HOURS`], then a second within it.
pub fn start_time(rng: &mut StdRng, month_start: Timestamp, days: u32) -> Timestamp {
    let day = loop {
        let d = rng.random_range(0..days);
        let weekday = (d + 1) % 7; // the month starts on a Monday
        if weekday < 5 || rng.random_bool(0.5) {
            break d;
        }
    };
    let total: u32 = HOURS.iter().sum();
    let mut pick = rng.random_range(0..total);
    let mut hour = 0;
    for (h, w) in HOURS.iter().enumerate() {
        if pick < *w {
            hour = h;
            break;
        }
        pick -= w;
    }
    let secs = i64::from(day) * 86_400 + hour as i64 * 3_600 + rng.random_range(0..3_600);
    month_start
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap_or(month_start)
}

pub fn plan(rng: &mut StdRng) -> Plan {
    let escalate = rng.random_bool(0.4);
    Plan {
        escalate,
        transfer: escalate && rng.random_bool(0.08),
        slow: escalate && rng.random_bool(0.12),
        reopen: escalate && rng.random_bool(0.06),
        csat: (escalate && rng.random_bool(0.55)).then(|| {
            let score = *[5u8, 5, 5, 4, 4, 4, 3, 2, 1]
                .get(rng.random_range(0..9))
                .unwrap_or(&5);
            (score, rng.random_bool(0.3))
        }),
    }
}

/// The customer's opening messages, with the gaps between them.
pub fn opening(rng: &mut StdRng, plan: &Plan) -> Vec<(SignedDuration, Step)> {
    let say = |s: &str| Step::Say(s.to_owned());
    let mut out = vec![(SignedDuration::ZERO, say("hola"))];
    let gap = || SignedDuration::from_secs(20);
    if plan.escalate {
        let ask = match rng.random_range(0..4) {
            0 => "quiero hablar con un agente",
            1 => "4",
            2 => "esto es una vergüenza, llevo una semana esperando y nadie me ayuda!!!",
            _ => "necesito hablar con una persona por favor",
        };
        out.push((gap(), say(ask)));
        let wait = if plan.slow {
            rng.random_range(1_200..3_600)
        } else {
            rng.random_range(30..600)
        };
        out.push((SignedDuration::from_secs(wait), Step::Reply { first: true }));
    } else {
        match rng.random_range(0..3) {
            0 => {
                out.push((gap(), say("¿Dónde está mi paquete?")));
                // One order in ten is not found (the shop's stand-in knows no number ending
                // in 0), and the bot hands that customer to a person.
                out.push((
                    gap(),
                    say(&format!("{}", rng.random_range(100_000..1_000_000))),
                ));
            }
            1 => out.push((gap(), say("¿cuál es el horario?"))),
            _ => out.push((gap(), say("gracias"))),
        }
    }
    out
}

/// What follows an agent's first answer: a transfer, or the rest of the conversation until
/// it is resolved.
pub fn after_reply(
    rng: &mut StdRng,
    plan: &Plan,
    transferred: bool,
) -> Vec<(SignedDuration, Step)> {
    if plan.transfer && !transferred {
        return vec![(SignedDuration::from_secs(60), Step::Transfer)];
    }
    vec![
        (
            SignedDuration::from_secs(rng.random_range(60..300)),
            Step::Say("vale, gracias".into()),
        ),
        (
            SignedDuration::from_secs(rng.random_range(60..240)),
            Step::Reply { first: false },
        ),
        (
            SignedDuration::from_secs(rng.random_range(120..1_200)),
            Step::Resolve {
                reopen: plan.reopen,
            },
        ),
    ]
}

/// The survey's answer (after its five-minute delay) and the customer coming back.
pub fn after_resolve(plan: &Plan, reopen: bool) -> Vec<(SignedDuration, Step)> {
    let mut out = Vec::new();
    if let Some((score, comment)) = plan.csat {
        out.push((SignedDuration::from_secs(420), Step::Say(score.to_string())));
        if comment {
            out.push((
                SignedDuration::from_secs(30),
                Step::Say("la atención fue rápida, aunque el envío tardó".into()),
            ));
        }
    }
    if reopen {
        out.push((
            SignedDuration::from_secs(1_800),
            Step::Say("sigue sin funcionar, necesito ayuda otra vez".into()),
        ));
        out.push((SignedDuration::from_secs(300), Step::Reply { first: true }));
    }
    out
}
