//! Rollup items: counters per workspace, local day and dimension, added to as report facts
//! happen. Every figure a report shows is a sum of counters (histogram buckets included), so
//! items of many days and of both stores merge by addition.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::histogram;

/// What a rollup item counts over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dim {
    /// The whole workspace.
    All,
    Team(String),
    Agent(String),
    Channel(String),
    /// Escalations by their reason code.
    Reason(String),
}

impl Dim {
    /// The key stores write: `all`, `team#billing`, `agent#ana`, `channel#whatsapp`,
    /// `reason#keyword`.
    pub fn key(&self) -> String {
        match self {
            Dim::All => "all".into(),
            Dim::Team(x) => format!("team#{x}"),
            Dim::Agent(x) => format!("agent#{x}"),
            Dim::Channel(x) => format!("channel#{x}"),
            Dim::Reason(x) => format!("reason#{x}"),
        }
    }

    pub fn parse(key: &str) -> Option<Dim> {
        if key == "all" {
            return Some(Dim::All);
        }
        let (kind, value) = key.split_once('#')?;
        let value = value.to_owned();
        Some(match kind {
            "team" => Dim::Team(value),
            "agent" => Dim::Agent(value),
            "channel" => Dim::Channel(value),
            "reason" => Dim::Reason(value),
            _ => return None,
        })
    }
}

/// The channel every ticket comes through today.
pub const WHATSAPP: &str = "whatsapp";

/// Counter names. Durations are `{metric}_n` (how many), `{metric}_ws` / `{metric}_bs` (sums
/// of wall-clock and business seconds) and `{metric}_w{bucket}` / `{metric}_b{bucket}`
/// (histogram buckets, see [`histogram`]).
pub mod names {
    pub const NEW: &str = "new";
    pub const ESCALATED: &str = "esc";
    pub const BOT_RESOLVED: &str = "bot";
    pub const PEOPLE_RESOLVED: &str = "ppl";
    pub const REOPENED: &str = "reo";
    pub const FIRST_CONTACT: &str = "fcr";
    pub const FIRST_RESPONSE: &str = "fr";
    pub const NEXT_RESPONSE: &str = "nr";
    pub const RESOLUTION: &str = "res";
    pub const CSAT_N: &str = "cs_n";
    pub const CSAT_SUM: &str = "cs_sum";
    pub const ONLINE: &str = "act_on";
    pub const AWAY: &str = "act_away";
    pub const OFFLINE: &str = "act_off";

    /// `s_{clock}_met` or `s_{clock}_br`.
    pub fn sla(clock: &str, met: bool) -> String {
        format!("s_{clock}_{}", if met { "met" } else { "br" })
    }

    /// `cs_1` .. `cs_5`.
    pub fn csat_score(score: u8) -> String {
        format!("cs_{score}")
    }
}

/// Counters to add to one item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters(pub BTreeMap<String, i64>);

impl Counters {
    pub fn add(&mut self, name: &str, by: i64) {
        if by != 0 {
            *self.0.entry(name.to_owned()).or_insert(0) += by;
        }
    }

    pub fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    pub fn merge(&mut self, other: &Counters) {
        for (k, v) in &other.0 {
            self.add(k, *v);
        }
    }

    /// One duration of `metric`, in wall-clock and business seconds.
    pub fn duration(&mut self, metric: &str, wall: i64, business: i64) {
        let (wall, business) = (wall.max(0), business.max(0));
        self.add(&format!("{metric}_n"), 1);
        self.add(&format!("{metric}_ws"), wall);
        self.add(&format!("{metric}_bs"), business);
        self.add(&format!("{metric}_w{}", histogram::bucket(wall)), 1);
        self.add(&format!("{metric}_b{}", histogram::bucket(business)), 1);
    }

    /// The histogram of `metric` (`wall`: wall-clock, else business).
    pub fn histogram(&self, metric: &str, wall: bool) -> histogram::Histogram {
        let prefix = format!("{metric}_{}", if wall { 'w' } else { 'b' });
        let mut h = histogram::Histogram::new();
        for (k, v) in &self.0 {
            if let Some(rest) = k.strip_prefix(&prefix)
                && let Ok(b) = rest.parse::<u32>()
            {
                h.add_bucket(b, u64::try_from(*v).unwrap_or(0));
            }
        }
        h
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| *v == 0)
    }
}

/// What to add to one rollup item: a day and dimension of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupDelta {
    pub day: Date,
    pub dim: Dim,
    pub counters: Counters,
}

/// A stored rollup item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub day: Date,
    pub dim: Dim,
    pub counters: Counters,
}

/// Deltas gathered by (day, dimension), each item once.
#[derive(Debug, Clone, Default)]
pub struct Deltas {
    items: BTreeMap<(Date, Dim), Counters>,
}

impl Deltas {
    /// Counters `f` writes, added on `day` to every dimension in `dims`.
    pub fn add(&mut self, day: Date, dims: &[Dim], f: impl Fn(&mut Counters)) {
        for dim in dims {
            f(self.items.entry((day, dim.clone())).or_default());
        }
    }

    pub fn into_vec(self) -> Vec<RollupDelta> {
        self.items
            .into_iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|((day, dim), counters)| RollupDelta { day, dim, counters })
            .collect()
    }
}

/// The local date of an instant in a zone.
pub fn local_day(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned(tz.clone()).date()
}

/// The seconds of `[from, to)` falling on each local day of `tz`, earliest first (a day of a
/// DST change has 23 or 25 hours).
pub fn split_by_day(from: Timestamp, to: Timestamp, tz: &TimeZone) -> Vec<(Date, i64)> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let day = local_day(at, tz);
        let next = day
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map(|z| z.timestamp())
            .filter(|n| *n > at)
            .unwrap_or(to);
        let end = next.min(to);
        out.push((day, end.duration_since(at).as_secs()));
        at = end;
        if end == to {
            break;
        }
    }
    out.retain(|(_, s)| *s > 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dimensions_round_trip_through_their_keys() {
        for d in [
            Dim::All,
            Dim::Team("billing".into()),
            Dim::Agent("ana".into()),
            Dim::Channel(WHATSAPP.into()),
            Dim::Reason("keyword".into()),
        ] {
            assert_eq!(Dim::parse(&d.key()), Some(d));
        }
        assert_eq!(Dim::parse("nope#x"), None);
        assert_eq!(Dim::parse("team"), None);
    }

    #[test]
    fn a_span_splits_at_local_midnights_across_a_dst_change() {
        let tz = TimeZone::get("Europe/Madrid").unwrap();
        // Saturday 2026-03-28 22:00 local to Monday 2026-03-30 01:00 local; clocks go
        // forward on Sunday the 29th at 02:00, so that day has 23 hours.
        let from = date(2026, 3, 28)
            .at(22, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap();
        let to = date(2026, 3, 30)
            .at(1, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap();
        let split = split_by_day(from.timestamp(), to.timestamp(), &tz);
        assert_eq!(
            split,
            vec![
                (date(2026, 3, 28), 2 * 3600),
                (date(2026, 3, 29), 23 * 3600),
                (date(2026, 3, 30), 3600),
            ]
        );
        let total: i64 = split.iter().map(|(_, s)| s).sum();
        assert_eq!(
            total,
            to.timestamp().duration_since(from.timestamp()).as_secs()
        );
    }

    #[test]
    fn an_empty_or_backward_span_has_no_days() {
        let t = Timestamp::from_second(1_000_000).unwrap();
        assert!(split_by_day(t, t, &TimeZone::UTC).is_empty());
        assert!(split_by_day(t, Timestamp::from_second(10).unwrap(), &TimeZone::UTC).is_empty());
    }

    #[test]
    fn counters_hold_a_duration_as_a_count_sums_and_buckets() {
        let mut c = Counters::default();
        c.duration(names::FIRST_RESPONSE, 120, 60);
        c.duration(names::FIRST_RESPONSE, 10, 10);
        assert_eq!(c.get("fr_n"), 2);
        assert_eq!(c.get("fr_ws"), 130);
        assert_eq!(c.get("fr_bs"), 70);
        assert_eq!(c.histogram("fr", true).count(), 2);
        assert_eq!(
            c.histogram("fr", false).percentile(100),
            Some(histogram::representative(histogram::bucket(60)))
        );
        let mut d = Deltas::default();
        d.add(date(2026, 1, 1), &[Dim::All, Dim::Team("x".into())], |c| {
            c.add(names::NEW, 1)
        });
        d.add(date(2026, 1, 1), &[Dim::All], |c| c.add(names::NEW, 1));
        let v = d.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].counters.get(names::NEW), 2);
    }
}
