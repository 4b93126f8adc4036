//! The report's figures recomputed from the raw tickets: their transcripts (who wrote when)
//! and audit trails (what happened when, by whom), by rules written here from the report's
//! documented definitions, sharing no code with the rollups. Replies are matched to the audit
//! trail by time, so a scenario puts replies and audited steps at distinct instants.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use turno_core::app::{Dur, Figures, Report};
use turno_core::channel::message::{Author, Body, TranscriptEntry};
use turno_core::config::WorkspaceConfig;
use turno_core::desk::ticket::Ticket;

/// What one slice should show, as raw lists.
#[derive(Debug, Default, Clone)]
pub struct Slice {
    new: i64,
    escalated: i64,
    bot: i64,
    people: i64,
    reopened: i64,
    first_contact: i64,
    fr: (Vec<i64>, Vec<i64>),
    nr: (Vec<i64>, Vec<i64>),
    res: (Vec<i64>, Vec<i64>),
    /// (met, breached) for first response, next response, resolution.
    sla: [(i64, i64); 3],
    scores: Vec<i64>,
}

/// Key: (day, "all" | "team:x" | "agent:x"); reasons apart.
#[derive(Debug, Default)]
pub struct Expected {
    slices: BTreeMap<(Date, String), Slice>,
    reasons: BTreeMap<String, i64>,
}

const REASONS: [&str; 9] = [
    "explicit_request",
    "menu_choice",
    "failed_attempts",
    "manual",
    "reopened",
    "frustration",
    "sensitive_topic",
    "integration_failed",
    "keyword",
];

impl Expected {
    fn at(&mut self, day: Date, keys: &[String], f: impl Fn(&mut Slice)) {
        for k in keys {
            f(self.slices.entry((day, k.clone())).or_default());
        }
    }
}

fn agent_named(detail: &Option<String>) -> Option<String> {
    let d = detail.as_deref()?;
    let rest = d.strip_prefix("to ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
        .collect();
    (!name.is_empty() && !rest.starts_with("team ")).then_some(name)
}

/// The agent holding the ticket at `at` (after every audit line up to and including `at`).
fn agent_at(t: &Ticket, at: Timestamp) -> Option<String> {
    agent_after(t, t.audit.iter().take_while(|a| a.at <= at).count())
}

/// The agent holding the ticket after its first `lines` audit lines.
fn agent_after(t: &Ticket, lines: usize) -> Option<String> {
    let mut agent = None;
    for a in t.audit.iter().take(lines) {
        match a.action.as_str() {
            "assigned" | "transferred" => agent = agent_named(&a.detail).or(agent),
            "escalated" | "reopened" => agent = None,
            _ => {}
        }
    }
    agent
}

pub fn recompute(tickets: &[(Ticket, Vec<TranscriptEntry>)], ws: &WorkspaceConfig) -> Expected {
    let tz = jiff::tz::TimeZone::get(&ws.time_zone_name()).unwrap();
    let day = |t: Timestamp| t.to_zoned(tz.clone()).date();
    let office = &ws.sla.policies().by_name("standard").unwrap().calendar;
    let business = |a: Timestamp, b: Timestamp| office.business_between(a, b).as_secs();
    let mut e = Expected::default();
    for (t, transcript) in tickets {
        let team = t.team.as_ref().map(|x| format!("team:{x}"));
        let keys = |agent: Option<String>| -> Vec<String> {
            let mut k = vec!["all".to_owned()];
            k.extend(team.clone());
            k.extend(agent.map(|a| format!("agent:{a}")));
            k
        };
        assert!(
            !t.audit.iter().any(|a| a.action == "transferred"
                && a.detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with("to team"))),
            "the recomputation assumes no team transfers"
        );
        e.at(day(t.created_at), &["all".to_owned()], |s| s.new += 1);

        let mut escalated_at = None;
        let mut handled_since = None;
        let mut reopened_before = false;
        let mut resolved_once = false;
        let mut res_breached = false;
        let mut fr_breached_at = None;
        let mut nr_breaches = Vec::new();
        for (i, a) in t.audit.iter().enumerate() {
            let k = keys(agent_after(t, i + 1));
            match a.action.as_str() {
                "escalated" if escalated_at.is_none() => {
                    escalated_at = Some(a.at);
                    handled_since = Some(a.at);
                    let reason = t
                        .reasons
                        .iter()
                        .find(|r| REASONS.contains(&r.as_str()))
                        .cloned()
                        .unwrap_or_else(|| "other".into());
                    *e.reasons.entry(reason).or_default() += 1;
                    e.at(day(a.at), &keys(None), |s| s.escalated += 1);
                }
                "reopened" => {
                    reopened_before = true;
                    handled_since = Some(a.at);
                    e.at(day(a.at), &keys(None), |s| s.reopened += 1);
                }
                "status:resolved" => {
                    let start = handled_since.expect("resolved after a handoff");
                    let transferred = t
                        .audit
                        .iter()
                        .any(|x| x.action == "transferred" && x.at <= a.at);
                    let fcr = !reopened_before && !transferred;
                    let (w, b) = (a.at.duration_since(start).as_secs(), business(start, a.at));
                    e.at(day(a.at), &k, |s| {
                        s.people += 1;
                        s.first_contact += i64::from(fcr);
                        s.res.0.push(w);
                        s.res.1.push(b);
                    });
                    if !resolved_once && !res_breached {
                        e.at(day(a.at), &k, |s| s.sla[2].0 += 1);
                    }
                    resolved_once = true;
                }
                "resolved_by_bot" => e.at(day(a.at), &["all".to_owned()], |s| s.bot += 1),
                "sla_breached" => {
                    let clock = a.detail.as_deref().unwrap_or_default();
                    let i = match clock {
                        "first_response" => {
                            fr_breached_at = Some(a.at);
                            0
                        }
                        "next_response" => {
                            nr_breaches.push(a.at);
                            1
                        }
                        "resolution" => {
                            res_breached = true;
                            2
                        }
                        _ => continue,
                    };
                    e.at(day(a.at), &k, |s| s.sla[i].1 += 1);
                }
                "csat_answered" => {
                    let score: i64 = a
                        .detail
                        .as_deref()
                        .and_then(|d| d.strip_prefix("score "))
                        .and_then(|d| d.parse().ok())
                        .expect("a score");
                    let survey = t.csat.as_ref().expect("the survey");
                    let mut k = vec!["all".to_owned()];
                    k.extend(survey.team.as_ref().map(|x| format!("team:{x}")));
                    k.extend(survey.agent.as_ref().map(|x| format!("agent:{x}")));
                    e.at(day(a.at), &k, |s| s.scores.push(score));
                }
                _ => {}
            }
        }

        // Replies: the first by a person after the handoff, then each reply to a customer who
        // wrote after a reply.
        let Some(handoff) = escalated_at else {
            continue;
        };
        let mut replied = false;
        let mut waiting: Option<Timestamp> = None;
        for m in transcript.iter().filter(|m| m.at >= handoff) {
            let person =
                matches!(m.author, Author::Agent { .. }) && !matches!(m.body, Body::Note { .. });
            if person {
                let k = keys(agent_at(t, m.at));
                if !replied {
                    replied = true;
                    let (w, b) = (
                        m.at.duration_since(handoff).as_secs(),
                        business(handoff, m.at),
                    );
                    e.at(day(m.at), &k, |s| {
                        s.fr.0.push(w);
                        s.fr.1.push(b);
                    });
                    if fr_breached_at.is_none() {
                        e.at(day(m.at), &k, |s| s.sla[0].0 += 1);
                    }
                } else if let Some(since) = waiting.take() {
                    let (w, b) = (m.at.duration_since(since).as_secs(), business(since, m.at));
                    let breached = nr_breaches.iter().any(|x| *x > since && *x <= m.at);
                    // The SLA engine runs no next-response clock for the message that
                    // reopens a ticket (its resolution clock runs on instead).
                    let clocked = !t
                        .audit
                        .iter()
                        .any(|a| a.action == "reopened" && a.at == since);
                    e.at(day(m.at), &k, |s| {
                        s.nr.0.push(w);
                        s.nr.1.push(b);
                        if clocked && !breached {
                            s.sla[1].0 += 1;
                        }
                    });
                }
            } else if m.author == Author::Customer && replied && waiting.is_none() {
                waiting = Some(m.at);
            }
        }
    }
    e
}

fn rank(v: &[i64], p: usize) -> Option<i64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    let k = (p * v.len()).div_ceil(100).max(1);
    v.get(k - 1).copied()
}

fn check_dur(what: &str, got: &Dur, raw: &[i64]) {
    assert_eq!(got.count, raw.len() as i64, "{what}: count");
    let avg = (!raw.is_empty())
        .then(|| (raw.iter().sum::<i64>() as f64 / raw.len() as f64 * 10.0).round() / 10.0);
    assert_eq!(got.avg_secs, avg, "{what}: average");
    for (p, value) in [(50, got.median_secs), (90, got.p90_secs)] {
        match (value, rank(raw, p)) {
            (Some(g), Some(x)) => assert!(
                (g - x).abs() as f64 <= x as f64 * 0.05 + 1.0,
                "{what}: p{p} {g} is not within 5 % of {x}"
            ),
            (g, x) => assert_eq!(g, x, "{what}: p{p}"),
        }
    }
}

fn check(what: &str, f: &Figures, s: &Slice) {
    let v = &f.volumes;
    assert_eq!(
        (
            v.new,
            v.escalated,
            v.resolved_by_bot,
            v.resolved_by_people,
            v.reopened
        ),
        (s.new, s.escalated, s.bot, s.people, s.reopened),
        "{what}: volumes (new, escalated, bot, people, reopened)"
    );
    check_dur(
        &format!("{what} first response wall"),
        &f.first_response.wall,
        &s.fr.0,
    );
    check_dur(
        &format!("{what} first response business"),
        &f.first_response.business,
        &s.fr.1,
    );
    check_dur(
        &format!("{what} next response wall"),
        &f.next_response.wall,
        &s.nr.0,
    );
    check_dur(
        &format!("{what} next response business"),
        &f.next_response.business,
        &s.nr.1,
    );
    check_dur(
        &format!("{what} resolution wall"),
        &f.resolution.wall,
        &s.res.0,
    );
    check_dur(
        &format!("{what} resolution business"),
        &f.resolution.business,
        &s.res.1,
    );
    let sla = [
        &f.sla.first_response,
        &f.sla.next_response,
        &f.sla.resolution,
    ];
    for (i, o) in sla.iter().enumerate() {
        assert_eq!(
            (o.met, o.breached),
            s.sla[i],
            "{what}: sla clock {i} (met, breached)"
        );
    }
    let pct = |a: i64, b: i64| (b > 0).then(|| (a as f64 * 1000.0 / b as f64).round() / 10.0);
    assert_eq!(
        f.first_contact_resolution_pct,
        pct(s.first_contact, s.people),
        "{what}: fcr"
    );
    assert_eq!(
        f.reopen_rate_pct,
        pct(s.reopened, s.people),
        "{what}: reopen rate"
    );
    assert_eq!(
        f.escalation_rate_pct,
        pct(s.escalated, s.new),
        "{what}: escalation rate"
    );
    assert_eq!(
        f.bot_deflection_pct,
        pct(s.bot, s.bot + s.escalated),
        "{what}: deflection"
    );
    assert_eq!(
        f.csat.responses,
        s.scores.len() as i64,
        "{what}: csat responses"
    );
    let mut dist = [0i64; 5];
    for sc in &s.scores {
        dist[(*sc - 1) as usize] += 1;
    }
    assert_eq!(f.csat.distribution, dist, "{what}: csat distribution");
    let avg = (!s.scores.is_empty()).then(|| {
        (s.scores.iter().sum::<i64>() as f64 / s.scores.len() as f64 * 100.0).round() / 100.0
    });
    assert_eq!(f.csat.average, avg, "{what}: csat average");
}

fn merged(e: &Expected, key: &str, from: Date, to: Date) -> Slice {
    let mut out = Slice::default();
    for ((day, k), s) in &e.slices {
        if k != key || *day < from || *day > to {
            continue;
        }
        out.new += s.new;
        out.escalated += s.escalated;
        out.bot += s.bot;
        out.people += s.people;
        out.reopened += s.reopened;
        out.first_contact += s.first_contact;
        for (a, b) in [
            (&mut out.fr, &s.fr),
            (&mut out.nr, &s.nr),
            (&mut out.res, &s.res),
        ] {
            a.0.extend(&b.0);
            a.1.extend(&b.1);
        }
        for i in 0..3 {
            out.sla[i].0 += s.sla[i].0;
            out.sla[i].1 += s.sla[i].1;
        }
        out.scores.extend(&s.scores);
    }
    out
}

/// Every figure of `report` against the recomputation: each day's series, the totals, each
/// team and agent, and the reasons.
pub fn compare(report: &Report, e: &Expected, from: Date, to: Date) {
    for p in &report.series {
        check(
            &format!("day {}", p.period),
            &p.figures,
            &merged(e, "all", p.period, p.period),
        );
    }
    check("totals", &report.totals, &merged(e, "all", from, to));
    for t in &report.by_team {
        let mut s = merged(e, &format!("team:{}", t.team), from, to);
        s.new = 0;
        s.bot = 0;
        check(&format!("team {}", t.team), &t.figures, &s);
    }
    for a in &report.by_agent {
        let mut s = merged(e, &format!("agent:{}", a.agent), from, to);
        s.new = 0;
        s.bot = 0;
        check(&format!("agent {}", a.agent), &a.figures, &s);
    }
    let reasons: BTreeMap<String, i64> = report
        .by_reason
        .iter()
        .map(|r| (r.reason.clone(), r.escalated))
        .collect();
    assert_eq!(reasons, e.reasons, "escalations by reason");
}
