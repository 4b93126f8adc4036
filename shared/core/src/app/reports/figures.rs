//! The figures of a report, read from summed rollup counters. See the parent module for what
//! each one means.

use serde::Serialize;

use crate::desk::report::rollup::{Counters, names};

/// Counts of what happened in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Volumes {
    pub new: i64,
    pub escalated: i64,
    pub resolved_by_bot: i64,
    pub resolved_by_people: i64,
    pub reopened: i64,
}

/// A distribution of durations in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dur {
    pub count: i64,
    /// The mean, to a tenth of a second.
    pub avg_secs: Option<f64>,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

/// A duration in wall-clock and business time side by side.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WallAndBusiness {
    pub wall: Dur,
    pub business: Dur,
}

/// The outcomes of one SLA clock.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaOutcome {
    pub met: i64,
    pub breached: i64,
    /// Met over met and breached, percent to a tenth.
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaFigures {
    pub first_response: SlaOutcome,
    pub next_response: SlaOutcome,
    pub resolution: SlaOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CsatFigures {
    pub responses: i64,
    /// The mean score, to two decimals.
    pub average: Option<f64>,
    /// How many answers gave 1, 2, 3, 4 and 5.
    pub distribution: [i64; 5],
}

/// Everything a report says about one slice (a period, a team, an agent, a channel).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub volumes: Volumes,
    pub first_response: WallAndBusiness,
    pub next_response: WallAndBusiness,
    pub resolution: WallAndBusiness,
    pub sla: SlaFigures,
    pub escalation_rate_pct: Option<f64>,
    pub bot_deflection_pct: Option<f64>,
    pub first_contact_resolution_pct: Option<f64>,
    pub reopen_rate_pct: Option<f64>,
    pub csat: CsatFigures,
}

/// `part / whole` in percent, to a tenth; `None` when `whole` is zero.
pub fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

fn dur(c: &Counters, metric: &str, wall: bool) -> Dur {
    let count = c.get(&format!("{metric}_n"));
    let sum = c.get(&format!("{metric}_{}", if wall { "ws" } else { "bs" }));
    let h = c.histogram(metric, wall);
    Dur {
        count,
        avg_secs: (count > 0).then(|| round(sum as f64 / count as f64, 1)),
        median_secs: h.percentile(50),
        p90_secs: h.percentile(90),
    }
}

fn both(c: &Counters, metric: &str) -> WallAndBusiness {
    WallAndBusiness {
        wall: dur(c, metric, true),
        business: dur(c, metric, false),
    }
}

fn sla(c: &Counters, clock: &str) -> SlaOutcome {
    let met = c.get(&names::sla(clock, true));
    let breached = c.get(&names::sla(clock, false));
    SlaOutcome {
        met,
        breached,
        pct: pct(met, met + breached),
    }
}

impl Figures {
    pub fn of(c: &Counters) -> Figures {
        let volumes = Volumes {
            new: c.get(names::NEW),
            escalated: c.get(names::ESCALATED),
            resolved_by_bot: c.get(names::BOT_RESOLVED),
            resolved_by_people: c.get(names::PEOPLE_RESOLVED),
            reopened: c.get(names::REOPENED),
        };
        let responses = c.get(names::CSAT_N);
        let csat = CsatFigures {
            responses,
            average: (responses > 0)
                .then(|| round(c.get(names::CSAT_SUM) as f64 / responses as f64, 2)),
            distribution: [1u8, 2, 3, 4, 5].map(|s| c.get(&names::csat_score(s))),
        };
        Figures {
            first_response: both(c, names::FIRST_RESPONSE),
            next_response: both(c, names::NEXT_RESPONSE),
            resolution: both(c, names::RESOLUTION),
            sla: SlaFigures {
                first_response: sla(c, "first_response"),
                next_response: sla(c, "next_response"),
                resolution: sla(c, "resolution"),
            },
            escalation_rate_pct: pct(volumes.escalated, volumes.new),
            bot_deflection_pct: pct(
                volumes.resolved_by_bot,
                volumes.resolved_by_bot + volumes.escalated,
            ),
            first_contact_resolution_pct: pct(
                c.get(names::FIRST_CONTACT),
                volumes.resolved_by_people,
            ),
            reopen_rate_pct: pct(volumes.reopened, volumes.resolved_by_people),
            volumes,
            csat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_from_counters() {
        let mut c = Counters::default();
        c.add(names::NEW, 10);
        c.add(names::ESCALATED, 4);
        c.add(names::BOT_RESOLVED, 6);
        c.add(names::PEOPLE_RESOLVED, 4);
        c.add(names::FIRST_CONTACT, 3);
        c.add(names::REOPENED, 1);
        c.duration(names::FIRST_RESPONSE, 60, 30);
        c.duration(names::FIRST_RESPONSE, 90, 90);
        c.add(&names::sla("first_response", true), 3);
        c.add(&names::sla("first_response", false), 1);
        c.add(names::CSAT_N, 3);
        c.add(names::CSAT_SUM, 11);
        c.add(&names::csat_score(4), 2);
        c.add(&names::csat_score(3), 1);
        let f = Figures::of(&c);
        assert_eq!(f.escalation_rate_pct, Some(40.0));
        assert_eq!(f.bot_deflection_pct, Some(60.0));
        assert_eq!(f.first_contact_resolution_pct, Some(75.0));
        assert_eq!(f.reopen_rate_pct, Some(25.0));
        assert_eq!(f.first_response.wall.count, 2);
        assert_eq!(f.first_response.wall.avg_secs, Some(75.0));
        assert_eq!(f.first_response.business.avg_secs, Some(60.0));
        assert_eq!(f.first_response.wall.median_secs, Some(60));
        assert_eq!(f.sla.first_response.pct, Some(75.0));
        assert_eq!(f.sla.resolution.pct, None);
        assert_eq!(f.csat.average, Some(3.67));
        assert_eq!(f.csat.distribution, [0, 0, 1, 2, 0]);
        let empty = Figures::of(&Counters::default());
        assert_eq!(empty.first_response.wall.avg_secs, None);
        assert_eq!(empty.csat.average, None);
        assert_eq!(empty.escalation_rate_pct, None);
    }
}
