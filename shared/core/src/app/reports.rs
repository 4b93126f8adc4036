//! Reports over any period, read from the rollups ([`crate::desk::report`]): O(days ×
//! dimensions) items, never the tickets.
//!
//! Days are local days in the workspace's time zone; a week is an ISO week (Monday to Sunday),
//! named by its Monday, and holds only the days of the range that fall in it. Each figure
//! counts the facts that happened in its period (see the facts table in
//! [`crate::desk::report`]):
//!
//! - `volumes`: tickets created (`new`), first handoffs to people (`escalated`), bot-only
//!   conversations ended for inactivity (`resolved_by_bot`), resolutions by people (each one,
//!   a reopened ticket's too: `resolved_by_people`), tickets resolved by people that went
//!   back to a queue (`reopened`).
//! - `first_response`: from the first handoff to a person's first public reply;
//!   `next_response`: from a customer's message after a reply to the next reply;
//!   `resolution`: from the handoff (or reopening) to the resolution it led to. Each in
//!   wall-clock seconds and in business seconds on the calendar of the ticket's SLA policy;
//!   `avg_secs` exact, `median_secs` and `p90_secs` (nearest rank) from log-bucket histograms,
//!   within about 5 % of the exact value.
//! - `sla`: each clock once, breached if it ever breached (counted when it breached), else met
//!   (when met); `pct` = met ÷ (met + breached).
//! - `escalation_rate_pct` = escalated ÷ new.
//! - `bot_deflection_pct` = resolved by bot ÷ (resolved by bot + escalated).
//! - `first_contact_resolution_pct` = resolutions by people of tickets never reopened nor
//!   transferred before ÷ resolutions by people.
//! - `reopen_rate_pct` = reopened ÷ resolutions by people.
//! - `csat`: the survey answers given in the period, their mean and how many gave 1..5.
//!
//! Rates are `null` when what they divide by is zero. `new` and `resolved_by_bot` happen
//! before any team or agent has the ticket, so they count only for the workspace and its
//! channel (a team's or agent's escalation rate is `null`). One filter narrows the totals and
//! the series to a team, an agent or a channel, and the breakdowns to that team (and its
//! agents), that agent or that channel; `by_reason` is always the workspace's.
//! Agent activity is the time each agent spent online, away and offline, split at local
//! midnight.

mod figures;

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use figures::{
    CsatFigures, Dur, Figures, SlaFigures, SlaOutcome, Volumes, WallAndBusiness, pct,
};

use super::{Actor, AppError, Turno};
use crate::desk::agent::Role;
use crate::desk::report::rollup::{Counters, Dim, Rollup, WHATSAPP, local_day, names};
use crate::kernel::ids::{AgentId, TeamId};

/// The longest range a report covers, in days.
pub const MAX_REPORT_DAYS: i32 = 366;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    #[default]
    Day,
    Week,
}

/// What a report covers: `from` to `to`, inclusive local dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: Date,
    pub to: Date,
    pub granularity: Granularity,
    pub team: Option<TeamId>,
    pub agent: Option<AgentId>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filters {
    pub team: Option<TeamId>,
    pub agent: Option<AgentId>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    /// The day, or the Monday of the week.
    pub period: Date,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamFigures {
    pub team: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Activity {
    pub online_secs: i64,
    pub away_secs: i64,
    pub offline_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentFigures {
    pub agent: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub activity: Activity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelFigures {
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub escalated: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: Date,
    pub to: Date,
    pub time_zone: String,
    pub granularity: Granularity,
    pub filters: Filters,
    pub totals: Figures,
    pub series: Vec<PeriodFigures>,
    pub by_team: Vec<TeamFigures>,
    pub by_agent: Vec<AgentFigures>,
    pub by_channel: Vec<ChannelFigures>,
    pub by_reason: Vec<ReasonCount>,
}

impl ReportQuery {
    fn check(&self) -> Result<(), AppError> {
        if self.from > self.to {
            return Err(AppError::Invalid(format!(
                "from ({}) is after to ({})",
                self.from, self.to
            )));
        }
        let days = self
            .from
            .until(self.to)
            .ok()
            .and_then(|s| s.get_days().checked_add(1))
            .unwrap_or(i32::MAX);
        if days > MAX_REPORT_DAYS {
            return Err(AppError::Invalid(format!(
                "a report covers at most {MAX_REPORT_DAYS} days; {} to {} is {days}",
                self.from, self.to
            )));
        }
        let filters = [
            self.team.is_some(),
            self.agent.is_some(),
            self.channel.is_some(),
        ];
        if filters.iter().filter(|f| **f).count() > 1 {
            return Err(AppError::Invalid(
                "filter by one of team, agent or channel at a time".into(),
            ));
        }
        Ok(())
    }

    /// The dimension the totals and the series read.
    fn focus(&self) -> Dim {
        match (&self.team, &self.agent, &self.channel) {
            (Some(t), _, _) => Dim::Team(t.to_string()),
            (_, Some(a), _) => Dim::Agent(a.to_string()),
            (_, _, Some(c)) => Dim::Channel(c.clone()),
            _ => Dim::All,
        }
    }
}

/// The period a day belongs to.
fn period_of(day: Date, granularity: Granularity) -> Date {
    match granularity {
        Granularity::Day => day,
        Granularity::Week => {
            let back = i64::from(day.weekday().to_monday_zero_offset());
            day.checked_sub(back.days()).unwrap_or(day)
        }
    }
}

/// The periods of the range, in order.
fn periods(from: Date, to: Date, granularity: Granularity) -> Vec<Date> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let p = period_of(day, granularity);
        if out.last() != Some(&p) {
            out.push(p);
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}

fn activity(c: &Counters) -> Activity {
    Activity {
        online_secs: c.get(names::ONLINE),
        away_secs: c.get(names::AWAY),
        offline_secs: c.get(names::OFFLINE),
    }
}

/// The report over rollup items (any order), as [`Turno::report`] returns it. `agents` are
/// the workspace's agents (id, name, teams), `teams` its teams.
pub fn build_report(
    q: &ReportQuery,
    time_zone: &str,
    items: &[Rollup],
    teams: &[TeamId],
    agents: &[(AgentId, String, Vec<TeamId>)],
) -> Report {
    let focus = q.focus();
    let mut totals = Counters::default();
    let mut series: BTreeMap<Date, Counters> = periods(q.from, q.to, q.granularity)
        .into_iter()
        .map(|p| (p, Counters::default()))
        .collect();
    let mut by_dim: BTreeMap<Dim, Counters> = BTreeMap::new();
    for item in items.iter().filter(|i| i.day >= q.from && i.day <= q.to) {
        if item.dim == focus {
            totals.merge(&item.counters);
            series
                .entry(period_of(item.day, q.granularity))
                .or_default()
                .merge(&item.counters);
        }
        by_dim
            .entry(item.dim.clone())
            .or_default()
            .merge(&item.counters);
    }
    let seen = |kind: fn(&Dim) -> Option<&String>| -> BTreeSet<String> {
        by_dim.keys().filter_map(kind).cloned().collect()
    };
    let counters_of = |d: &Dim| by_dim.get(d).cloned().unwrap_or_default();

    let mut team_ids: BTreeSet<String> = teams.iter().map(|t| t.to_string()).collect();
    team_ids.extend(seen(|d| match d {
        Dim::Team(t) => Some(t),
        _ => None,
    }));
    let by_team = team_ids
        .into_iter()
        .filter(|t| q.team.as_ref().is_none_or(|f| f.as_str() == t))
        .filter(|_| q.agent.is_none() && q.channel.is_none())
        .map(|team| TeamFigures {
            figures: Figures::of(&counters_of(&Dim::Team(team.clone()))),
            team,
        })
        .collect();

    let names_of: BTreeMap<String, (String, Vec<TeamId>)> = agents
        .iter()
        .map(|(id, name, teams)| (id.to_string(), (name.clone(), teams.clone())))
        .collect();
    let mut agent_ids: BTreeSet<String> = names_of.keys().cloned().collect();
    agent_ids.extend(seen(|d| match d {
        Dim::Agent(a) => Some(a),
        _ => None,
    }));
    let by_agent = agent_ids
        .into_iter()
        .filter(|a| q.agent.as_ref().is_none_or(|f| f.as_str() == a))
        .filter(|a| {
            q.team.as_ref().is_none_or(|team| {
                names_of
                    .get(a)
                    .is_some_and(|(_, teams)| teams.contains(team))
            })
        })
        .filter(|_| q.channel.is_none())
        .map(|agent| {
            let c = counters_of(&Dim::Agent(agent.clone()));
            AgentFigures {
                name: names_of
                    .get(&agent)
                    .map_or_else(|| agent.clone(), |(n, _)| n.clone()),
                figures: Figures::of(&c),
                activity: activity(&c),
                agent,
            }
        })
        .collect();

    let mut channels = seen(|d| match d {
        Dim::Channel(c) => Some(c),
        _ => None,
    });
    channels.insert(WHATSAPP.into());
    let by_channel = channels
        .into_iter()
        .filter(|c| q.channel.as_ref().is_none_or(|f| f == c))
        .filter(|_| q.team.is_none() && q.agent.is_none())
        .map(|channel| ChannelFigures {
            figures: Figures::of(&counters_of(&Dim::Channel(channel.clone()))),
            channel,
        })
        .collect();

    let mut by_reason: Vec<ReasonCount> = by_dim
        .iter()
        .filter_map(|(d, c)| match d {
            Dim::Reason(r) => Some(ReasonCount {
                reason: r.clone(),
                escalated: c.get(names::ESCALATED),
            }),
            _ => None,
        })
        .filter(|r| r.escalated != 0)
        .collect();
    by_reason.sort_by(|a, b| b.escalated.cmp(&a.escalated).then(a.reason.cmp(&b.reason)));

    Report {
        from: q.from,
        to: q.to,
        time_zone: time_zone.to_owned(),
        granularity: q.granularity,
        filters: Filters {
            team: q.team.clone(),
            agent: q.agent.clone(),
            channel: q.channel.clone(),
        },
        totals: Figures::of(&totals),
        series: series
            .into_iter()
            .map(|(period, c)| PeriodFigures {
                period,
                figures: Figures::of(&c),
            })
            .collect(),
        by_team,
        by_agent,
        by_channel,
        by_reason,
    }
}

impl Turno {
    /// The report over `q`; supervisors and admins only.
    pub async fn report(&self, actor: &Actor, q: ReportQuery) -> Result<Report, AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "reports are for supervisors and admins".into(),
            ));
        }
        q.check()?;
        self.actor_agent(actor).await?;
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let items = self
            .ports
            .store
            .rollups(&actor.workspace, q.from, q.to)
            .await?;
        let agents: Vec<(AgentId, String, Vec<TeamId>)> = self
            .ports
            .store
            .agents(&actor.workspace)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name, a.teams))
            .collect();
        let teams: Vec<TeamId> = ws.teams.iter().map(|t| t.id.clone()).collect();
        Ok(build_report(
            &q,
            &ws.time_zone_name(),
            &items,
            &teams,
            &agents,
        ))
    }

    /// Today's rollup of the whole workspace, in its time zone, and the start of that day.
    pub(super) async fn today_rollup(
        &self,
        ws: &crate::config::WorkspaceConfig,
    ) -> Result<(Counters, jiff::Timestamp), AppError> {
        let tz = ws.tz();
        let today = local_day(self.now(), &tz);
        let since = today
            .to_zoned(tz)
            .map_err(|e| AppError::Unexpected(e.into()))?
            .timestamp();
        let mut c = Counters::default();
        for item in self.ports.store.rollups(&ws.id, today, today).await? {
            if item.dim == Dim::All {
                c.merge(&item.counters);
            }
        }
        Ok((c, since))
    }
}

#[cfg(test)]
mod tests;
