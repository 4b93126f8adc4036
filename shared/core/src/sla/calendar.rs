//! Business calendars: when a team works, so SLA clocks count business time.
//!
//! A calendar has a time zone, working slots per weekday (several a day) and holidays.
//! Arithmetic is done on local dates and times and converted with the zone's rules, so a
//! slot from 09:00 to 18:00 is nine hours on the days clocks change too; a slot boundary that
//! falls in a DST gap or fold resolves the way `jiff`'s "compatible" disambiguation does.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How far ahead arithmetic looks for open time before giving up (a calendar with slots but
/// nothing but holidays ahead).
const HORIZON_DAYS: i32 = 366 * 5;

/// One working slot of a day, local time, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: Time,
    pub end: Time,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid calendar: {0}")]
pub struct CalendarError(pub String);

/// When SLA time runs.
#[derive(Debug, Clone)]
pub enum Calendar {
    /// Every second counts (24/7).
    AlwaysOpen,
    Business(BusinessCalendar),
}

#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    tz: TimeZone,
    /// Monday first.
    week: [Vec<Slot>; 7],
    holidays: BTreeSet<Date>,
}

/// A calendar as written in the configuration.
///
/// ```yaml
/// timezone: Europe/Madrid
/// week:
///   mon: ["09:00-14:00", "15:00-18:00"]
///   sat: ["10:00-14:00"]
/// holidays: ["2026-12-25"]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    pub timezone: String,
    #[serde(default)]
    pub week: WeekConfig,
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekConfig {
    #[serde(default)]
    pub mon: Vec<String>,
    #[serde(default)]
    pub tue: Vec<String>,
    #[serde(default)]
    pub wed: Vec<String>,
    #[serde(default)]
    pub thu: Vec<String>,
    #[serde(default)]
    pub fri: Vec<String>,
    #[serde(default)]
    pub sat: Vec<String>,
    #[serde(default)]
    pub sun: Vec<String>,
}

fn parse_slot(s: &str) -> Result<Slot, CalendarError> {
    let bad = || CalendarError(format!("slot {s:?} must look like \"09:00-18:00\""));
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let start: Time = a.trim().parse().map_err(|_| bad())?;
    let end: Time = match b.trim() {
        // "24:00" closes the day.
        "24:00" => Time::MAX,
        other => other.parse().map_err(|_| bad())?,
    };
    if start >= end {
        return Err(CalendarError(format!("slot {s:?} ends before it starts")));
    }
    Ok(Slot { start, end })
}

impl CalendarConfig {
    pub fn build(&self) -> Result<Calendar, CalendarError> {
        let tz = TimeZone::get(&self.timezone)
            .map_err(|e| CalendarError(format!("unknown time zone {:?}: {e}", self.timezone)))?;
        let w = &self.week;
        let mut week: [Vec<Slot>; 7] = Default::default();
        for (i, day) in [&w.mon, &w.tue, &w.wed, &w.thu, &w.fri, &w.sat, &w.sun]
            .into_iter()
            .enumerate()
        {
            let mut slots = day
                .iter()
                .map(|s| parse_slot(s))
                .collect::<Result<Vec<_>, _>>()?;
            slots.sort_by_key(|s| s.start);
            if slots.windows(2).any(|p| p[0].end > p[1].start) {
                return Err(CalendarError(format!("slots of weekday {} overlap", i + 1)));
            }
            week[i] = slots;
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError(
                "a business calendar needs at least one working slot".into(),
            ));
        }
        let holidays = self
            .holidays
            .iter()
            .map(|d| {
                d.parse::<Date>().map_err(|_| {
                    CalendarError(format!("holiday {d:?} must be a date like 2026-12-25"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Calendar::Business(BusinessCalendar { tz, week, holidays }))
    }
}

fn weekday_index(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)
}

impl BusinessCalendar {
    /// The open intervals of a local date, as instants.
    fn intervals(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        self.week[weekday_index(date.weekday())]
            .iter()
            .filter_map(|s| {
                let start = date
                    .to_datetime(s.start)
                    .to_zoned(self.tz.clone())
                    .ok()?
                    .timestamp();
                let end = if s.end == Time::MAX {
                    date.tomorrow()
                        .ok()?
                        .to_datetime(Time::midnight())
                        .to_zoned(self.tz.clone())
                        .ok()?
                        .timestamp()
                } else {
                    date.to_datetime(s.end)
                        .to_zoned(self.tz.clone())
                        .ok()?
                        .timestamp()
                };
                (start < end).then_some((start, end))
            })
            .collect()
    }

    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned(self.tz.clone()).date()
    }
}

impl Calendar {
    /// Business time in `[from, to)`; zero if `to <= from`.
    pub fn business_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        match self {
            Calendar::AlwaysOpen => to.duration_since(from),
            Calendar::Business(c) => {
                let mut total = SignedDuration::ZERO;
                // A day before, for slots that began the previous local day in a zone ahead.
                let mut date = c.local_date(from).yesterday().unwrap_or(c.local_date(from));
                let last = c.local_date(to);
                while date <= last {
                    for (s, e) in c.intervals(date) {
                        let (s, e) = (s.max(from), e.min(to));
                        if s < e {
                            total += e.duration_since(s);
                        }
                    }
                    match date.tomorrow() {
                        Ok(d) => date = d,
                        Err(_) => break,
                    }
                }
                total
            }
        }
    }

    /// The instant at which `amount` of business time has passed since `from`. For a zero
    /// amount, `from` itself. `None` if the calendar has no open time within five years.
    pub fn add_business(&self, from: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        if amount <= SignedDuration::ZERO {
            return Some(from);
        }
        match self {
            Calendar::AlwaysOpen => from.checked_add(amount).ok(),
            Calendar::Business(c) => {
                let mut left = amount;
                let mut date = c.local_date(from).yesterday().unwrap_or(c.local_date(from));
                for _ in 0..HORIZON_DAYS {
                    for (s, e) in c.intervals(date) {
                        let s = s.max(from);
                        if s >= e {
                            continue;
                        }
                        let open = e.duration_since(s);
                        if left <= open {
                            return s.checked_add(left).ok();
                        }
                        left -= open;
                    }
                    date = date.tomorrow().ok()?;
                }
                None
            }
        }
    }

    pub fn is_open(&self, at: Timestamp) -> bool {
        match self {
            Calendar::AlwaysOpen => true,
            Calendar::Business(c) => {
                let date = c.local_date(at);
                [date.yesterday().ok(), Some(date)]
                    .into_iter()
                    .flatten()
                    .flat_map(|d| c.intervals(d))
                    .any(|(s, e)| s <= at && at < e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn office() -> Calendar {
        CalendarConfig {
            timezone: "Europe/Madrid".into(),
            week: WeekConfig {
                mon: vec!["09:00-14:00".into(), "15:00-18:00".into()],
                tue: vec!["09:00-14:00".into(), "15:00-18:00".into()],
                wed: vec!["09:00-14:00".into(), "15:00-18:00".into()],
                thu: vec!["09:00-14:00".into(), "15:00-18:00".into()],
                fri: vec!["09:00-15:00".into()],
                sat: vec![],
                sun: vec![],
            },
            holidays: vec!["2026-12-25".into(), "2027-01-01".into()],
        }
        .build()
        .unwrap()
    }

    fn madrid(s: &str) -> Timestamp {
        format!("{s}[Europe/Madrid]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    #[test]
    fn an_hour_before_closing_plus_two_hours_lands_next_working_morning() {
        // Thursday 17:00 + 2 h: one hour today, one tomorrow from 09:00.
        let due = office().add_business(madrid("2026-11-19T17:00"), SignedDuration::from_hours(2));
        assert_eq!(due, Some(madrid("2026-11-20T10:00")));
    }

    #[test]
    fn lunch_break_and_weekend_do_not_count() {
        let c = office();
        assert_eq!(
            c.business_between(madrid("2026-11-19T13:00"), madrid("2026-11-19T16:00")),
            SignedDuration::from_hours(2)
        );
        // Friday 14:00 to Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            c.business_between(madrid("2026-11-20T14:00"), madrid("2026-11-23T10:00")),
            SignedDuration::from_hours(2)
        );
    }

    #[test]
    fn holidays_are_closed_all_day() {
        let c = office();
        // Christmas 2026 is a Friday: Thursday 17:30 + 1 h runs to Monday 09:30.
        assert_eq!(
            c.add_business(madrid("2026-12-24T17:30"), SignedDuration::from_hours(1)),
            Some(madrid("2026-12-28T09:30"))
        );
        assert!(!c.is_open(madrid("2026-12-25T10:00")));
    }

    #[test]
    fn a_working_day_is_as_long_on_the_day_clocks_change() {
        let c = CalendarConfig {
            timezone: "Europe/Madrid".into(),
            week: WeekConfig {
                sun: vec!["00:00-24:00".into()],
                ..WeekConfig::default()
            },
            holidays: vec![],
        }
        .build()
        .unwrap();
        // 29 March 2026: clocks go forward, the day has 23 hours.
        let day = c.business_between(madrid("2026-03-29T00:00"), madrid("2026-03-30T00:00"));
        assert_eq!(day, SignedDuration::from_hours(23));
        // 25 October 2026: clocks go back, 25 hours.
        let day = c.business_between(madrid("2026-10-25T00:00"), madrid("2026-10-26T00:00"));
        assert_eq!(day, SignedDuration::from_hours(25));
    }

    #[test]
    fn office_hours_span_the_same_local_times_across_dst() {
        let c = office();
        // The Monday after each change still has 8 working hours.
        for monday in ["2026-03-30", "2026-10-26"] {
            let from = madrid(&format!("{monday}T00:00"));
            let to = madrid(&format!("{monday}T23:59"));
            assert_eq!(
                c.business_between(from, to),
                SignedDuration::from_hours(8),
                "{monday}"
            );
        }
    }

    #[test]
    fn bad_configurations_are_refused_with_the_reason() {
        let base = CalendarConfig {
            timezone: "Europe/Madrid".into(),
            week: WeekConfig {
                mon: vec!["09:00-18:00".into()],
                ..WeekConfig::default()
            },
            holidays: vec![],
        };
        let mut c = base.clone();
        c.timezone = "Mars/Olympus".into();
        assert!(c.build().unwrap_err().0.contains("time zone"));
        let mut c = base.clone();
        c.week.mon = vec!["18:00-09:00".into()];
        assert!(c.build().unwrap_err().0.contains("ends before"));
        let mut c = base.clone();
        c.week.mon = vec!["09:00-13:00".into(), "12:00-18:00".into()];
        assert!(c.build().unwrap_err().0.contains("overlap"));
        let mut c = base;
        c.week.mon = vec![];
        assert!(c.build().unwrap_err().0.contains("at least one"));
    }

    fn any_instant() -> impl Strategy<Value = Timestamp> {
        // 2025 to 2030, to the second.
        (1_735_689_600i64..1_893_456_000).prop_map(|s| Timestamp::from_second(s).unwrap())
    }

    fn any_amount() -> impl Strategy<Value = SignedDuration> {
        (0i64..400 * 3600).prop_map(SignedDuration::from_secs)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn adding_business_time_then_measuring_it_gives_it_back(from in any_instant(), amount in any_amount()) {
            let c = office();
            let due = c.add_business(from, amount).unwrap();
            prop_assert!(due >= from);
            prop_assert_eq!(c.business_between(from, due), amount);
        }

        #[test]
        fn business_time_is_additive(a in any_instant(), d1 in 0i64..2_000_000, d2 in 0i64..2_000_000) {
            let c = office();
            let b = a + SignedDuration::from_secs(d1);
            let e = b + SignedDuration::from_secs(d2);
            prop_assert_eq!(c.business_between(a, b) + c.business_between(b, e), c.business_between(a, e));
        }

        #[test]
        fn more_business_time_is_never_due_earlier(from in any_instant(), a in any_amount(), b in any_amount()) {
            let c = office();
            let (small, large) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(c.add_business(from, small).unwrap() <= c.add_business(from, large).unwrap());
        }

        #[test]
        fn a_positive_deadline_falls_in_open_time_or_at_a_slot_end(from in any_instant(), amount in 1i64..400 * 3600) {
            let c = office();
            let due = c.add_business(from, SignedDuration::from_secs(amount)).unwrap();
            let just_before = due - SignedDuration::from_secs(1);
            prop_assert!(c.is_open(just_before));
        }

        #[test]
        fn always_open_counts_wall_clock_time(from in any_instant(), amount in any_amount()) {
            let c = Calendar::AlwaysOpen;
            let due = c.add_business(from, amount).unwrap();
            prop_assert_eq!(due.duration_since(from), amount);
            prop_assert_eq!(c.business_between(from, due), amount);
        }
    }
}
