//! Report facts: what a ticket adds to the rollups, counted exactly once.
//!
//! A ticket carries a [`ReportTrack`]: the instants the desk records as they happen (the
//! first reply by a person, the next responses) and marks of the facts already counted.
//! Before every ticket write, [`count_facts`] compares the ticket's state with its marks,
//! sets the marks of what it finds and returns the rollup deltas, which the store applies in
//! the same transaction as the ticket. A write that loses its version check writes neither;
//! a redelivered job re-reads the ticket, finds the marks set and counts nothing.
//!
//! The facts, each on the local day (in the workspace's time zone) it happened:
//!
//! | fact | when | dimensions |
//! |---|---|---|
//! | new | the ticket is created | all, channel |
//! | escalated | its first handoff to a human queue (`queued_at`) | all, channel, team, agent, reason (the first escalation reason code among the ticket's reasons, else `other`) |
//! | first response | a person's first public reply, timed from the first handoff | all, channel, team, agent |
//! | next response | a person's reply to a customer who wrote after an earlier reply, timed from that customer message | same |
//! | resolved by people | each resolution (not by the bot), timed from the start of the handling it ends: the handoff, or the reopening | same |
//! | first-contact resolution | a resolution by people of a ticket never reopened nor transferred before it | same |
//! | reopened | a ticket resolved by people goes back to a human queue | same |
//! | resolved by bot | a bot-only conversation ends for inactivity | all, channel |
//! | SLA met / breached | each first-response, next-response and resolution clock, once: breached if it breached, else met when met | all, channel, team, agent |
//! | CSAT | the survey's answer (score 1..5), on the day it was given | all, channel, and the team and agent the survey was attributed to |
//!
//! Business time is measured on the calendar of the ticket's SLA policy (24/7 without one).
//! Team and agent are the ticket's when the fact is counted.

pub mod histogram;
pub mod rollup;

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::desk::ticket::{EscalationReason, Ticket, TicketOutcome, TicketStatus};
use crate::sla::ClockKind;
use crate::sla::calendar::Calendar;
use rollup::{Deltas, Dim, RollupDelta, WHATSAPP, local_day, names};

/// What a ticket keeps for the reports; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportTrack {
    /// A person's first public reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_at: Option<Timestamp>,
    /// Since when the customer waits for a person's next reply (they wrote after a reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_since: Option<Timestamp>,
    /// The latest next response: when the customer started waiting, when a person replied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reply: Option<(Timestamp, Timestamp)>,
    /// The facts already counted.
    #[serde(default)]
    pub counted: Counted,
}

/// Marks of the facts a ticket has added to the rollups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    #[serde(default, skip_serializing_if = "is_false")]
    pub new: bool,
    /// The first handoff, once counted as an escalation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<Timestamp>,
    /// Where the current handling started (the handoff or the latest reopening).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_since: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub first_reply: bool,
    /// The reply time of the latest next response counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reply: Option<Timestamp>,
    /// The resolution by people counted for the current handling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot_resolved: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reopens: u32,
    /// Per clock, the start of the clock whose outcome was counted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sla: BTreeMap<ClockKind, Timestamp>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub csat: bool,
}

// A mark not set is left out of the stored ticket (it reads back as not set): a bot-held
// ticket's item stays under a kilobyte, one write unit.
fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The clocks the reports show.
pub const REPORTED_CLOCKS: [ClockKind; 3] = [
    ClockKind::FirstResponse,
    ClockKind::NextResponse,
    ClockKind::Resolution,
];

/// The reason an escalation is reported under: the first of the ticket's reason codes that
/// names an [`EscalationReason`], else `other`.
pub fn escalation_reason(reasons: &[String]) -> String {
    const ALL: [EscalationReason; 9] = [
        EscalationReason::ExplicitRequest,
        EscalationReason::MenuChoice,
        EscalationReason::FailedAttempts,
        EscalationReason::Manual,
        EscalationReason::Reopened,
        EscalationReason::Frustration,
        EscalationReason::SensitiveTopic,
        EscalationReason::IntegrationFailed,
        EscalationReason::Keyword,
    ];
    reasons
        .iter()
        .find(|r| ALL.iter().any(|e| e.code() == r.as_str()))
        .cloned()
        .unwrap_or_else(|| "other".into())
}

/// Whether an audit action moved the ticket to another team or agent by hand.
pub fn is_transfer(action: &str) -> bool {
    action == "transferred"
}

/// Counts the facts `ticket` holds that its marks do not, sets the marks, and returns what
/// to add to the rollups. `now` dates a reopening (the write that makes it).
pub fn count_facts(
    ticket: &mut Ticket,
    calendar: &Calendar,
    tz: &TimeZone,
    now: Timestamp,
) -> Vec<RollupDelta> {
    let mut d = Deltas::default();
    let day = |t: Timestamp| local_day(t, tz);
    let mut people = vec![Dim::All, Dim::Channel(WHATSAPP.into())];
    if let Some(team) = &ticket.team {
        people.push(Dim::Team(team.to_string()));
    }
    if let Some(agent) = &ticket.assignee {
        people.push(Dim::Agent(agent.to_string()));
    }
    let base = [Dim::All, Dim::Channel(WHATSAPP.into())];
    let business = |from: Timestamp, to: Timestamp| calendar.business_between(from, to).as_secs();
    let wall = |from: Timestamp, to: Timestamp| to.duration_since(from).as_secs();
    let c = &mut ticket.report.counted;

    if !c.new {
        c.new = true;
        d.add(day(ticket.created_at), &base, |x| x.add(names::NEW, 1));
    }
    if c.escalated_at.is_none()
        && ticket.status != TicketStatus::Bot
        && let Some(q) = ticket.queued_at
    {
        c.escalated_at = Some(q);
        c.handled_since = Some(q);
        // A handoff goes to a team's queue, not to a person: an agent who takes the ticket in
        // the same write as the handoff did not receive an escalation.
        let mut dims: Vec<Dim> = people
            .iter()
            .filter(|d| !matches!(d, Dim::Agent(_)))
            .cloned()
            .collect();
        dims.push(Dim::Reason(escalation_reason(&ticket.reasons)));
        d.add(day(q), &dims, |x| x.add(names::ESCALATED, 1));
    }
    if c.resolved_at.is_some() && ticket.resolved_at.is_none() && ticket.status.is_human() {
        c.resolved_at = None;
        c.reopens += 1;
        c.handled_since = Some(ticket.queued_at.unwrap_or(now));
        d.add(day(now), &people, |x| x.add(names::REOPENED, 1));
    }
    if !c.first_reply
        && let Some(r) = ticket.report.first_reply_at
    {
        c.first_reply = true;
        let start = c.escalated_at.unwrap_or(ticket.created_at);
        let (w, b) = (wall(start, r), business(start, r));
        d.add(day(r), &people, |x| x.duration(names::FIRST_RESPONSE, w, b));
    }
    if let Some((s, e)) = ticket.report.next_reply
        && c.next_reply != Some(e)
    {
        c.next_reply = Some(e);
        let (w, b) = (wall(s, e), business(s, e));
        d.add(day(e), &people, |x| x.duration(names::NEXT_RESPONSE, w, b));
    }
    if let Some(r) = ticket.resolved_at {
        if ticket.outcome == Some(TicketOutcome::ResolvedByBot) {
            if !c.bot_resolved {
                c.bot_resolved = true;
                d.add(day(r), &base, |x| x.add(names::BOT_RESOLVED, 1));
            }
        } else if c.resolved_at != Some(r)
            && matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed)
        {
            c.resolved_at = Some(r);
            let start = c
                .handled_since
                .or(c.escalated_at)
                .unwrap_or(ticket.created_at);
            let first_contact =
                c.reopens == 0 && !ticket.audit.iter().any(|a| is_transfer(&a.action));
            let (w, b) = (wall(start, r), business(start, r));
            d.add(day(r), &people, |x| {
                x.add(names::PEOPLE_RESOLVED, 1);
                x.add(names::FIRST_CONTACT, i64::from(first_contact));
                x.duration(names::RESOLUTION, w, b);
            });
        }
    }
    for kind in REPORTED_CLOCKS {
        let Some(clock) = ticket.sla.clock(kind) else {
            continue;
        };
        let Some(started) = clock.started_at else {
            continue;
        };
        if c.sla.get(&kind) == Some(&started) {
            continue;
        }
        let outcome = match (clock.breached_at, clock.met_at) {
            (Some(b), _) => Some((b, false)),
            (None, Some(m)) => Some((m, true)),
            (None, None) => None,
        };
        if let Some((at, met)) = outcome {
            c.sla.insert(kind, started);
            let name = names::sla(kind.code(), met);
            d.add(day(at), &people, |x| x.add(&name, 1));
        }
    }
    if !c.csat
        && let Some(survey) = &ticket.csat
        && let (Some(score), Some(at)) = (survey.score, survey.answered_at)
    {
        c.csat = true;
        let mut dims = base.to_vec();
        if let Some(team) = survey.team.as_ref().or(ticket.team.as_ref()) {
            dims.push(Dim::Team(team.to_string()));
        }
        if let Some(agent) = survey.agent.as_ref().or(ticket.assignee.as_ref()) {
            dims.push(Dim::Agent(agent.to_string()));
        }
        d.add(day(at), &dims, |x| {
            x.add(names::CSAT_N, 1);
            x.add(names::CSAT_SUM, i64::from(score));
            x.add(&names::csat_score(score), 1);
        });
    }
    d.into_vec()
}

#[cfg(test)]
mod tests;
