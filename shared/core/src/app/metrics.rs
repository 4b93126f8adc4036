//! The supervisors' dashboard: the live part (agents, queues, open tickets) from the agents
//! and the store's queue indexes and status counters, and today's figures (in the
//! workspace's time zone) from today's rollups, as the reports compute them
//! ([`super::reports`]): no ticket is scanned.
//!
//! - First response, resolution: wall-clock, as in the reports (count, median, p90).
//! - Breaches: first-response, next-response and resolution clocks that breached today.
//! - SLA compliance: of those clocks that ended today (met or breached), the share met.
//! - Bot deflection: resolved by the bot ÷ (resolved by the bot + escalated), today.
//! - CSAT: the average and number of the survey scores given today.

use jiff::Timestamp;
use serde::Serialize;

use super::reports::pct;
use super::{Actor, AppError, Turno};
use crate::desk::agent::{Agent, Availability, Role};
use crate::desk::report::REPORTED_CLOCKS;
use crate::desk::report::rollup::{Counters, names};
use crate::desk::ticket::TicketStatus;
use crate::kernel::ids::{AgentId, TeamId};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLoad {
    pub id: AgentId,
    pub name: String,
    pub availability: Availability,
    pub load: u32,
    pub capacity: u32,
}

/// How many of a team's queued tickets the dashboard reads for the longest wait.
const QUEUE_HEAD: u64 = 200;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamQueue {
    pub team: TeamId,
    pub queued: u32,
    /// How long the ticket waiting longest has waited, in seconds (among the next 200 to be
    /// served when more wait).
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
    /// The start of the period the rates and durations cover (today, in the workspace's time
    /// zone).
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

fn durations(c: &Counters, metric: &str) -> Durations {
    let h = c.histogram(metric, true);
    Durations {
        count: u32::try_from(h.count()).unwrap_or(u32::MAX),
        median_secs: h.percentile(50),
        p90_secs: h.percentile(90),
    }
}

fn csat_summary(c: &Counters) -> Option<CsatSummary> {
    let n = c.get(names::CSAT_N);
    (n > 0).then(|| CsatSummary {
        average: (c.get(names::CSAT_SUM) as f64 / n as f64 * 100.0).round() / 100.0,
        responses: u32::try_from(n).unwrap_or(u32::MAX),
    })
}

/// The dashboard from today's workspace-wide rollup `today` (since `since`), the agents, the
/// team queues and the number of open tickets.
pub fn dashboard(
    today: &Counters,
    since: Timestamp,
    agents: &[Agent],
    queues: Vec<TeamQueue>,
    open_tickets: u32,
    now: Timestamp,
) -> Dashboard {
    let (mut met, mut breached) = (0, 0);
    for clock in REPORTED_CLOCKS {
        met += today.get(&names::sla(clock.code(), true));
        breached += today.get(&names::sla(clock.code(), false));
    }
    let bot = today.get(names::BOT_RESOLVED);
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
        queues,
        open_tickets,
        breaches: u32::try_from(breached).unwrap_or(0),
        first_response: durations(today, names::FIRST_RESPONSE),
        resolution: durations(today, names::RESOLUTION),
        sla_compliance_pct: pct(met, met + breached),
        bot_deflection_pct: pct(bot, bot + today.get(names::ESCALATED)),
        csat: csat_summary(today),
    }
}

impl Turno {
    /// The dashboard for today in the workspace's time zone; supervisors and admins only.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "the dashboard is for supervisors and admins".into(),
            ));
        }
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let now = self.now();
        let (today, since) = self.today_rollup(&ws).await?;
        let store = &self.ports.store;
        let counts = store.ticket_counts(&actor.workspace, None).await?;
        let open: u64 = counts
            .iter()
            .filter(|(s, _)| s.is_human())
            .map(|(_, n)| *n)
            .sum();
        let mut queues = Vec::new();
        for team in &ws.teams {
            let queued = store
                .ticket_counts(&actor.workspace, Some(&team.id))
                .await?
                .get(&TicketStatus::Queued)
                .copied()
                .unwrap_or(0);
            // The head of the live queue, for the longest wait: the whole queue while it is
            // short, the next `QUEUE_HEAD` to be served when it is long (a backlog of
            // thousands must not make the dashboard read thousands of tickets).
            let waiting = if queued == 0 {
                Vec::new()
            } else {
                store
                    .queued_tickets(
                        &actor.workspace,
                        &team.id,
                        u32::try_from(queued.min(QUEUE_HEAD)).unwrap_or(QUEUE_HEAD as u32),
                    )
                    .await?
            };
            let oldest = waiting
                .iter()
                .map(|t| t.queued_at.unwrap_or(t.created_at))
                .min();
            queues.push(TeamQueue {
                team: team.id.clone(),
                queued: u32::try_from(queued).unwrap_or(u32::MAX),
                longest_wait_secs: oldest.map(|o| now.duration_since(o).as_secs().max(0)),
            });
        }
        let agents = store.agents(&actor.workspace).await?;
        Ok(dashboard(
            &today,
            since,
            &agents,
            queues,
            u32::try_from(open).unwrap_or(u32::MAX),
            now,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ids::WorkspaceId;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn dashboard_from_todays_rollup() {
        let mut today = Counters::default();
        today.add(names::ESCALATED, 2);
        today.add(names::BOT_RESOLVED, 1);
        today.duration(names::FIRST_RESPONSE, 60, 60);
        today.duration(names::FIRST_RESPONSE, 300, 300);
        today.duration(names::RESOLUTION, 600, 600);
        today.add(&names::sla("first_response", true), 1);
        today.add(&names::sla("first_response", false), 1);
        let agents = vec![Agent {
            workspace: WorkspaceId::parse("ws").unwrap(),
            id: AgentId::parse("ana").unwrap(),
            name: "Ana".into(),
            email: "ana@x".into(),
            role: Role::Agent,
            teams: vec![],
            capacity: 3,
            availability: Availability::Online,
            load: 1,
            last_assigned_at: None,
            deactivated: false,
        }];
        let d = dashboard(&today, ts(1000), &agents, vec![], 2, ts(5000));
        assert_eq!(d.agents_online, 1);
        assert_eq!(d.first_response.count, 2);
        assert_eq!(d.first_response.median_secs, Some(60));
        assert_eq!(d.resolution.count, 1);
        assert_eq!(d.breaches, 1);
        assert_eq!(d.sla_compliance_pct, Some(50.0));
        assert_eq!(d.bot_deflection_pct, Some(33.3));
        assert_eq!(d.open_tickets, 2);
        assert_eq!(d.csat, None);
        today.add(names::CSAT_N, 2);
        today.add(names::CSAT_SUM, 9);
        let d = dashboard(&today, ts(1000), &agents, vec![], 2, ts(5000));
        assert_eq!(
            d.csat,
            Some(CsatSummary {
                average: 4.5,
                responses: 2
            })
        );
    }
}
