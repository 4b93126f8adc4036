//! The supervisors' dashboard, computed from tickets and agents.
//!
//! - First response: a ticket's first-response clock, from its start (the handoff) to the
//!   human reply that met it, in wall-clock seconds; counted for replies in the period.
//! - Resolution: from the handoff (`queued_at`) to `resolved_at`, for tickets resolved in the
//!   period.
//! - Breaches: SLA clocks that breached in the period.
//! - SLA compliance: of the clocks that ended in the period (met or breached), the share
//!   that never breached.
//! - Bot deflection: of the conversations that started in the period, the share that never
//!   reached a human queue.
//! - CSAT: the average and number of the survey scores given in the period (by answer time).

use std::collections::BTreeMap;

use jiff::{Timestamp, tz::TimeZone};
use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::desk::agent::{Agent, Availability, Role};
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{AgentId, TeamId};
use crate::ports::TicketFilter;
use crate::sla::ClockKind;

/// The most tickets the dashboard reads (newest activity first).
pub const DASHBOARD_SCAN_LIMIT: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLoad {
    pub id: AgentId,
    pub name: String,
    pub availability: Availability,
    pub load: u32,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamQueue {
    pub team: TeamId,
    pub queued: u32,
    /// How long the ticket waiting longest has waited, in seconds.
    pub longest_wait_secs: Option<i64>,
}

/// A distribution of durations in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Durations {
    pub count: u32,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub generated_at: Timestamp,
    /// The start of the period the rates and durations cover (today, UTC).
    pub since: Timestamp,
    pub agents_online: u32,
    pub agents: Vec<AgentLoad>,
    pub queues: Vec<TeamQueue>,
    pub open_tickets: u32,
    pub breaches: u32,
    pub first_response: Durations,
    pub resolution: Durations,
    /// Percent, 0 to 100; `None` when no clock ended in the period.
    pub sla_compliance_pct: Option<f64>,
    /// Percent, 0 to 100; `None` when no conversation started in the period.
    pub bot_deflection_pct: Option<f64>,
    /// The satisfaction scores given in the period; `None` when there were none.
    pub csat: Option<CsatSummary>,
}

/// The average of the period's survey scores (1 to 5, two decimals) and how many there were.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsatSummary {
    pub average: f64,
    pub responses: u32,
}

fn csat_summary(scores: &[u8]) -> Option<CsatSummary> {
    if scores.is_empty() {
        return None;
    }
    let sum: u32 = scores.iter().map(|s| u32::from(*s)).sum();
    let average = f64::from(sum) / scores.len() as f64;
    Some(CsatSummary {
        average: (average * 100.0).round() / 100.0,
        responses: u32::try_from(scores.len()).unwrap_or(u32::MAX),
    })
}

fn durations(mut secs: Vec<i64>) -> Durations {
    secs.sort_unstable();
    // Nearest rank: the smallest value with at least p % of the values at or below it.
    let rank = |p: usize| -> Option<i64> {
        if secs.is_empty() {
            return None;
        }
        let k = (p * secs.len()).div_ceil(100).max(1);
        secs.get(k - 1).copied()
    };
    Durations {
        count: u32::try_from(secs.len()).unwrap_or(u32::MAX),
        median_secs: rank(50),
        p90_secs: rank(90),
    }
}

fn pct(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The dashboard over `tickets` and `agents` for the period from `since` to `now`.
pub fn dashboard(
    tickets: &[Ticket],
    agents: &[Agent],
    teams: &[TeamId],
    since: Timestamp,
    now: Timestamp,
) -> Dashboard {
    let in_period = |t: Option<Timestamp>| t.is_some_and(|t| t >= since && t <= now);
    let mut first = Vec::new();
    let mut resolution = Vec::new();
    let mut breaches = 0u32;
    let (mut ended, mut compliant) = (0usize, 0usize);
    let (mut started, mut deflected) = (0usize, 0usize);
    let mut queues: BTreeMap<TeamId, (u32, Option<Timestamp>)> =
        teams.iter().map(|t| (t.clone(), (0, None))).collect();
    let mut open = 0u32;
    let mut scores = Vec::new();
    for t in tickets {
        if let Some(c) = &t.csat
            && let Some(score) = c.score
            && in_period(c.answered_at)
        {
            scores.push(score);
        }
        if let Some(c) = t.sla.clock(ClockKind::FirstResponse)
            && in_period(c.met_at)
            && let (Some(start), Some(met)) = (c.started_at, c.met_at)
        {
            first.push(met.duration_since(start).as_secs());
        }
        if in_period(t.resolved_at)
            && let (Some(q), Some(r)) = (t.queued_at, t.resolved_at)
        {
            resolution.push(r.duration_since(q).as_secs());
        }
        for c in t.sla.clocks.values() {
            if in_period(c.breached_at) {
                breaches += 1;
            }
            let end = match (c.met_at, c.breached_at) {
                (Some(m), Some(b)) => Some(m.min(b)),
                (m, b) => m.or(b),
            };
            if in_period(end) {
                ended += 1;
                if c.breached_at.is_none() {
                    compliant += 1;
                }
            }
        }
        if in_period(Some(t.created_at)) {
            started += 1;
            if t.queued_at.is_none() {
                deflected += 1;
            }
        }
        if t.status.is_human() {
            open += 1;
        }
        if t.status == TicketStatus::Queued
            && let Some(team) = &t.team
        {
            let e = queues.entry(team.clone()).or_insert((0, None));
            e.0 += 1;
            let waiting = t.queued_at.unwrap_or(t.created_at);
            e.1 = Some(e.1.map_or(waiting, |w: Timestamp| w.min(waiting)));
        }
    }
    Dashboard {
        generated_at: now,
        since,
        agents_online: u32::try_from(
            agents
                .iter()
                .filter(|a| a.availability == Availability::Online)
                .count(),
        )
        .unwrap_or(u32::MAX),
        agents: agents
            .iter()
            .map(|a| AgentLoad {
                id: a.id.clone(),
                name: a.name.clone(),
                availability: a.availability,
                load: a.load,
                capacity: a.capacity,
            })
            .collect(),
        queues: queues
            .into_iter()
            .map(|(team, (queued, oldest))| TeamQueue {
                team,
                queued,
                longest_wait_secs: oldest.map(|o| now.duration_since(o).as_secs().max(0)),
            })
            .collect(),
        open_tickets: open,
        breaches,
        first_response: durations(first),
        resolution: durations(resolution),
        sla_compliance_pct: pct(compliant, ended),
        bot_deflection_pct: pct(deflected, started),
        csat: csat_summary(&scores),
    }
}

impl Turno {
    /// The dashboard for today (UTC); supervisors and admins only.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "the dashboard is for supervisors and admins".into(),
            ));
        }
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        let now = self.now();
        let since = now
            .to_zoned(TimeZone::UTC)
            .start_of_day()
            .map_err(|e| AppError::Unexpected(e.into()))?
            .timestamp();
        let tickets = self
            .ports
            .store
            .list_tickets(
                &actor.workspace,
                &TicketFilter {
                    limit: Some(DASHBOARD_SCAN_LIMIT),
                    ..TicketFilter::default()
                },
            )
            .await?;
        let agents = self.ports.store.agents(&actor.workspace).await?;
        let teams: Vec<TeamId> = ws.teams.iter().map(|t| t.id.clone()).collect();
        Ok(dashboard(&tickets, &agents, &teams, since, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::{WaId, WorkspaceId};
    use crate::kernel::lang::Lang;
    use crate::sla::SlaClock;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn ticket(created: i64) -> Ticket {
        Ticket::new(
            WorkspaceId::parse("ws").unwrap(),
            WaId::parse("34600000001").unwrap(),
            None,
            Lang::Es,
            ts(created),
        )
    }

    fn clock(start: i64, met: Option<i64>, breached: Option<i64>) -> SlaClock {
        SlaClock {
            started_at: Some(ts(start)),
            met_at: met.map(ts),
            breached_at: breached.map(ts),
            ..SlaClock::default()
        }
    }

    #[test]
    fn dashboard_from_known_tickets() {
        let support = TeamId::parse("support").unwrap();
        let since = ts(1000);
        let now = ts(5000);
        // Bot-only conversation started today: deflected.
        let bot = ticket(1100);
        // Handed off today, first reply after 60 s, resolved after 600 s from the handoff.
        let mut a = ticket(1200);
        a.queued_at = Some(ts(1200));
        a.status = TicketStatus::Resolved;
        a.resolved_at = Some(ts(1800));
        a.sla
            .clocks
            .insert(ClockKind::FirstResponse, clock(1200, Some(1260), None));
        // Handed off today, first reply after 300 s but it breached at 1500 first.
        let mut b = ticket(1200);
        b.queued_at = Some(ts(1200));
        b.status = TicketStatus::Assigned;
        b.team = Some(support.clone());
        b.sla.clocks.insert(
            ClockKind::FirstResponse,
            clock(1200, Some(1500), Some(1450)),
        );
        // Waiting in the queue since 4000; created yesterday.
        let mut c = ticket(500);
        c.queued_at = Some(ts(4000));
        c.status = TicketStatus::Queued;
        c.team = Some(support.clone());
        // A breach yesterday does not count today.
        c.sla
            .clocks
            .insert(ClockKind::Resolution, clock(500, None, Some(900)));
        let agents = vec![
            Agent {
                workspace: WorkspaceId::parse("ws").unwrap(),
                id: AgentId::parse("ana").unwrap(),
                name: "Ana".into(),
                email: "ana@x".into(),
                role: Role::Agent,
                teams: vec![support.clone()],
                capacity: 3,
                availability: Availability::Online,
                load: 1,
                last_assigned_at: None,
            },
            Agent {
                availability: Availability::Away,
                id: AgentId::parse("bruno").unwrap(),
                ..Agent {
                    workspace: WorkspaceId::parse("ws").unwrap(),
                    id: AgentId::parse("x").unwrap(),
                    name: "Bruno".into(),
                    email: "b@x".into(),
                    role: Role::Supervisor,
                    teams: vec![],
                    capacity: 3,
                    availability: Availability::Online,
                    load: 0,
                    last_assigned_at: None,
                }
            },
        ];
        let d = dashboard(
            &[bot, a, b, c],
            &agents,
            std::slice::from_ref(&support),
            since,
            now,
        );
        assert_eq!(d.agents_online, 1);
        assert_eq!(d.first_response.count, 2);
        assert_eq!(d.first_response.median_secs, Some(60));
        assert_eq!(d.first_response.p90_secs, Some(300));
        assert_eq!(d.resolution.count, 1);
        assert_eq!(d.resolution.median_secs, Some(600));
        assert_eq!(d.breaches, 1);
        // Clocks ended today: a (met) and b (breached first) → 50 %.
        assert_eq!(d.sla_compliance_pct, Some(50.0));
        // Started today: bot, a, b; only bot never reached a person.
        assert_eq!(d.bot_deflection_pct, Some(33.3));
        assert_eq!(d.open_tickets, 2);
        assert_eq!(
            d.queues,
            vec![TeamQueue {
                team: support,
                queued: 1,
                longest_wait_secs: Some(1000)
            }]
        );
        assert_eq!(d.csat, None);
    }

    #[test]
    fn csat_counts_the_scores_given_in_the_period() {
        use crate::desk::csat::{SurveyChannel, TicketCsat};
        let answered = |score: u8, at: i64| {
            let mut t = ticket(100);
            t.csat = Some(TicketCsat {
                sent_at: ts(at - 10),
                channel: SurveyChannel::List,
                survey_message: None,
                score: Some(score),
                answered_at: Some(ts(at)),
                answer_message: None,
                comment: None,
                commented_at: None,
                comment_message: None,
                agent: None,
                team: None,
            });
            t
        };
        let mut unanswered = answered(1, 2000);
        if let Some(c) = unanswered.csat.as_mut() {
            c.score = None;
            c.answered_at = None;
        }
        let tickets = [
            answered(5, 2000),
            answered(4, 3000),
            answered(1, 900),
            unanswered,
        ];
        let d = dashboard(&tickets, &[], &[], ts(1000), ts(5000));
        assert_eq!(
            d.csat,
            Some(CsatSummary {
                average: 4.5,
                responses: 2
            })
        );
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let d = durations((1..=10).collect());
        assert_eq!(d.median_secs, Some(5));
        assert_eq!(d.p90_secs, Some(9));
        assert_eq!(durations(vec![]).median_secs, None);
        assert_eq!(durations(vec![7]).p90_secs, Some(7));
    }
}
