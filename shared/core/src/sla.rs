//! SLA policies and clocks.
//!
//! A ticket carries up to four clocks, each counting business time of its policy's calendar:
//!
//! | clock | starts | stops |
//! |---|---|---|
//! | first response | handoff to a human queue | the first public reply by a person |
//! | next response | a customer message after a person replied | the next reply by a person |
//! | resolution | handoff | resolve |
//! | escalate after | handoff | resolve; when due, the ticket moves up a tier |
//!
//! Running clocks pause while the ticket waits on the customer (pending) or is snoozed. A
//! policy change (priority, tier, team, tags) keeps the business time already elapsed and
//! measures what is left against the new targets. A warning fires at a share of the target and
//! a breach at the deadline; each is recorded once, by a conditional write of the ticket.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarConfig, CalendarError};
use crate::ids::TeamId;
use crate::ticket::{Notice, Priority, Tier};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    FirstResponse,
    NextResponse,
    Resolution,
    EscalateAfter,
}

impl ClockKind {
    pub const ALL: [ClockKind; 4] = [
        ClockKind::FirstResponse,
        ClockKind::NextResponse,
        ClockKind::Resolution,
        ClockKind::EscalateAfter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::NextResponse => "next_response",
            ClockKind::Resolution => "resolution",
            ClockKind::EscalateAfter => "escalate_after",
        }
    }
}

/// What happens when a clock breaches (escalate-after always moves the ticket up a tier).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreachActions {
    /// Send a notification (webhook) besides the domain event.
    #[serde(default = "yes")]
    pub notify: bool,
    /// Raise the ticket's priority one step.
    #[serde(default)]
    pub raise_priority: bool,
    /// Move the ticket up a tier (L2 → L3), to `escalation_team` if set.
    #[serde(default)]
    pub bump_tier: bool,
    /// Assign the ticket to a supervisor of its team.
    #[serde(default)]
    pub reassign_to_supervisor: bool,
}

fn yes() -> bool {
    true
}

/// Which tickets a policy covers: every given list must contain the ticket's value (for
/// tags: one of the ticket's tags). Empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMatch {
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub tiers: Vec<Tier>,
    #[serde(default)]
    pub teams: Vec<TeamId>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    pub name: String,
    #[serde(default)]
    pub when: PolicyMatch,
    /// A calendar's name from `sla.calendars`; none means 24/7.
    #[serde(default)]
    pub calendar: Option<String>,
    #[serde(default)]
    pub first_response_secs: Option<u64>,
    #[serde(default)]
    pub next_response_secs: Option<u64>,
    #[serde(default)]
    pub resolution_secs: Option<u64>,
    #[serde(default)]
    pub escalate_after_secs: Option<u64>,
    /// The share of a target at which the warning fires (percent, 1–99).
    #[serde(default = "default_warn_percent")]
    pub warn_at_percent: u8,
    #[serde(default)]
    pub on_breach: BreachActions,
    /// Where a tier bump sends the ticket (a team of the higher tier).
    #[serde(default)]
    pub escalation_team: Option<TeamId>,
}

fn default_warn_percent() -> u8 {
    80
}

impl PolicyConfig {
    pub fn target(&self, kind: ClockKind) -> Option<u64> {
        match kind {
            ClockKind::FirstResponse => self.first_response_secs,
            ClockKind::NextResponse => self.next_response_secs,
            ClockKind::Resolution => self.resolution_secs,
            ClockKind::EscalateAfter => self.escalate_after_secs,
        }
    }

    fn matches(
        &self,
        priority: Priority,
        tier: Tier,
        team: Option<&TeamId>,
        tags: &[String],
    ) -> bool {
        let w = &self.when;
        (w.priorities.is_empty() || w.priorities.contains(&priority))
            && (w.tiers.is_empty() || w.tiers.contains(&tier))
            && (w.teams.is_empty() || team.is_some_and(|t| w.teams.contains(t)))
            && (w.tags.is_empty() || w.tags.iter().any(|t| tags.contains(t)))
    }
}

/// A policy with its calendar, ready to use.
#[derive(Debug, Clone)]
pub struct Policy {
    pub config: PolicyConfig,
    pub calendar: Arc<Calendar>,
}

/// A workspace's policies in order: the first that matches a ticket applies.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    policies: Vec<Policy>,
}

impl Policies {
    pub fn build(
        calendars: &HashMap<String, CalendarConfig>,
        policies: &[PolicyConfig],
    ) -> Result<Self, CalendarError> {
        let mut built = HashMap::new();
        for (name, c) in calendars {
            built.insert(
                name.clone(),
                Arc::new(
                    c.build()
                        .map_err(|e| CalendarError(format!("calendar {name}: {}", e.0)))?,
                ),
            );
        }
        let mut out = Vec::new();
        for p in policies {
            let calendar = match &p.calendar {
                None => Arc::new(Calendar::AlwaysOpen),
                Some(name) => built.get(name).cloned().ok_or_else(|| {
                    CalendarError(format!("policy {} names unknown calendar {name}", p.name))
                })?,
            };
            if !(1..=99).contains(&p.warn_at_percent) {
                return Err(CalendarError(format!(
                    "policy {}: warn_at_percent must be 1 to 99",
                    p.name
                )));
            }
            if ClockKind::ALL
                .iter()
                .all(|k| p.target(*k).is_none_or(|t| t == 0))
            {
                return Err(CalendarError(format!("policy {} sets no target", p.name)));
            }
            out.push(Policy {
                config: p.clone(),
                calendar,
            });
        }
        Ok(Policies { policies: out })
    }

    pub fn select(
        &self,
        priority: Priority,
        tier: Tier,
        team: Option<&TeamId>,
        tags: &[String],
    ) -> Option<&Policy> {
        self.policies
            .iter()
            .find(|p| p.config.matches(priority, tier, team, tags))
    }

    pub fn by_name(&self, name: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.config.name == name)
    }
}

/// One clock of one ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlaClock {
    /// The target, in business seconds.
    pub target_secs: u64,
    /// Business seconds counted before `running_since` (across pauses and policy changes).
    pub elapsed_secs: i64,
    pub running_since: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    /// While running: when the warning and the breach fall due.
    pub warn_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub warned_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    /// When the clock was stopped by what it waits for (a reply, the resolution).
    pub met_at: Option<Timestamp>,
    pub warning_notice: Option<Notice>,
    pub breach_notice: Option<Notice>,
}

/// A warning or breach a check found, to announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaEventKind {
    Warning,
    Breach,
}

impl SlaClock {
    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    fn elapsed_until(&self, now: Timestamp, calendar: &Calendar) -> i64 {
        self.elapsed_secs
            + self
                .running_since
                .map_or(0, |since| calendar.business_between(since, now).as_secs())
    }

    /// Business seconds counted so far.
    pub fn elapsed(&self, now: Timestamp, calendar: &Calendar) -> i64 {
        self.elapsed_until(now, calendar)
    }

    fn schedule(&mut self, warn_percent: u8, calendar: &Calendar) {
        let Some(since) = self.running_since else {
            self.warn_at = None;
            self.due_at = None;
            return;
        };
        let target = i64::try_from(self.target_secs).unwrap_or(i64::MAX);
        let left = SignedDuration::from_secs((target - self.elapsed_secs).max(0));
        self.due_at = calendar.add_business(since, left);
        self.warn_at = if self.warned_at.is_none() && self.breached_at.is_none() {
            let warn = target.saturating_mul(i64::from(warn_percent)) / 100;
            calendar.add_business(
                since,
                SignedDuration::from_secs((warn - self.elapsed_secs).max(0)),
            )
        } else {
            None
        };
    }

    /// Starts afresh (a new first response, a new next response).
    pub fn start(
        &mut self,
        target_secs: u64,
        now: Timestamp,
        warn_percent: u8,
        calendar: &Calendar,
    ) {
        *self = SlaClock {
            target_secs,
            running_since: Some(now),
            started_at: Some(now),
            ..SlaClock::default()
        };
        self.schedule(warn_percent, calendar);
    }

    pub fn pause(&mut self, now: Timestamp, calendar: &Calendar) {
        if self.running_since.is_some() {
            self.elapsed_secs = self.elapsed_until(now, calendar);
            self.running_since = None;
            self.warn_at = None;
            self.due_at = None;
        }
    }

    pub fn resume(&mut self, now: Timestamp, warn_percent: u8, calendar: &Calendar) {
        if self.running_since.is_none() && self.started_at.is_some() && self.met_at.is_none() {
            self.running_since = Some(now);
            self.schedule(warn_percent, calendar);
        }
    }

    /// What the clock waited for happened.
    pub fn meet(&mut self, now: Timestamp, calendar: &Calendar) {
        if self.started_at.is_some() && self.met_at.is_none() {
            self.pause(now, calendar);
            self.met_at = Some(now);
        }
    }

    /// A new target (policy change), keeping the elapsed business time.
    pub fn retarget(
        &mut self,
        target_secs: u64,
        now: Timestamp,
        warn_percent: u8,
        old: &Calendar,
        new: &Calendar,
    ) {
        let running = self.is_running();
        self.pause(now, old);
        self.target_secs = target_secs;
        if running {
            self.running_since = Some(now);
            self.schedule(warn_percent, new);
        }
    }

    /// Records the warning and the breach that are due. Returns what this call recorded.
    pub fn check(&mut self, now: Timestamp) -> Vec<SlaEventKind> {
        let mut found = Vec::new();
        if !self.is_running() {
            return found;
        }
        if self.warned_at.is_none()
            && self.breached_at.is_none()
            && self.warn_at.is_some_and(|w| w <= now)
        {
            self.warned_at = Some(now);
            self.warn_at = None;
            self.warning_notice = Some(Notice::Pending { since: now });
            found.push(SlaEventKind::Warning);
        }
        if self.breached_at.is_none() && self.due_at.is_some_and(|d| d <= now) {
            self.breached_at = Some(now);
            self.warn_at = None;
            self.breach_notice = Some(Notice::Pending { since: now });
            found.push(SlaEventKind::Breach);
        }
        found
    }

    /// When this clock next needs looking at: its warning, its deadline, or a notice whose
    /// sender seems to have died.
    pub fn next_event(&self) -> Option<Timestamp> {
        let mut next: Option<Timestamp> = None;
        let mut consider = |t: Option<Timestamp>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if self.is_running() {
            if self.warned_at.is_none() && self.breached_at.is_none() {
                consider(self.warn_at);
            }
            if self.breached_at.is_none() {
                consider(self.due_at);
            }
        }
        for notice in [self.warning_notice, self.breach_notice] {
            if let Some(Notice::Pending { since }) = notice {
                consider(since.checked_add(crate::ticket::NOTICE_RETRY_AFTER).ok());
            }
        }
        next
    }
}

/// A ticket's SLA: the policy that applies and its clocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketSla {
    pub policy: Option<String>,
    #[serde(default)]
    pub clocks: BTreeMap<ClockKind, SlaClock>,
}

static ALWAYS_OPEN: Calendar = Calendar::AlwaysOpen;

impl TicketSla {
    pub fn clock(&self, kind: ClockKind) -> Option<&SlaClock> {
        self.clocks.get(&kind)
    }

    pub fn clock_mut(&mut self, kind: ClockKind) -> Option<&mut SlaClock> {
        self.clocks.get_mut(&kind)
    }

    pub fn next_event(&self) -> Option<Timestamp> {
        self.clocks.values().filter_map(SlaClock::next_event).min()
    }

    /// The next event and the clock it belongs to.
    pub fn next_event_with_clock(&self) -> Option<(ClockKind, Timestamp)> {
        self.clocks
            .iter()
            .filter_map(|(k, c)| c.next_event().map(|t| (*k, t)))
            .min_by_key(|(_, t)| *t)
    }

    /// The policy in force, if it still exists in the configuration.
    pub fn applied<'a>(&self, policies: &'a Policies) -> Option<&'a Policy> {
        self.policy.as_deref().and_then(|n| policies.by_name(n))
    }

    fn calendar<'a>(&self, policies: &'a Policies) -> &'a Calendar {
        self.applied(policies).map_or(&ALWAYS_OPEN, |p| &p.calendar)
    }

    /// Switches to `selected`, keeping each clock's elapsed business time and measuring what
    /// is left against the new policy's targets (a clock the new policy has no target for
    /// stops where it is).
    pub fn reselect(&mut self, policies: &Policies, selected: Option<&Policy>, now: Timestamp) {
        let name = selected.map(|p| p.config.name.clone());
        if name == self.policy {
            return;
        }
        let old = self.calendar(policies).clone();
        for (kind, clock) in &mut self.clocks {
            match selected.and_then(|p| p.config.target(*kind).filter(|t| *t > 0).map(|t| (p, t))) {
                Some((p, target)) => {
                    clock.retarget(target, now, p.config.warn_at_percent, &old, &p.calendar)
                }
                None => clock.pause(now, &old),
            }
        }
        self.policy = name;
    }

    /// Runs (or pauses) every started clock that is not met.
    pub fn set_running(&mut self, running: bool, policies: &Policies, now: Timestamp) {
        let calendar = self.calendar(policies).clone();
        let warn = self
            .applied(policies)
            .map_or(80, |p| p.config.warn_at_percent);
        let targets: Vec<ClockKind> = self
            .clocks
            .keys()
            .copied()
            .filter(|k| {
                self.applied(policies)
                    .and_then(|p| p.config.target(*k))
                    .is_some_and(|t| t > 0)
            })
            .collect();
        for (kind, clock) in &mut self.clocks {
            if running && targets.contains(kind) {
                clock.resume(now, warn, &calendar);
            } else if !running {
                clock.pause(now, &calendar);
            }
        }
    }

    /// Starts a clock afresh, if the policy sets a target for it.
    pub fn start(&mut self, kind: ClockKind, policy: Option<&Policy>, now: Timestamp) {
        let Some(p) = policy else { return };
        let Some(target) = p.config.target(kind).filter(|t| *t > 0) else {
            return;
        };
        self.clocks.entry(kind).or_default().start(
            target,
            now,
            p.config.warn_at_percent,
            &p.calendar,
        );
    }

    pub fn meet(&mut self, kind: ClockKind, policies: &Policies, now: Timestamp) {
        let calendar = self.calendar(policies).clone();
        if let Some(c) = self.clocks.get_mut(&kind) {
            c.meet(now, &calendar);
        }
    }

    /// A reopened ticket: resolution and escalate-after count on from where they stopped; a
    /// first response never given is still owed.
    pub fn reopen(&mut self, policy: Option<&Policy>, now: Timestamp) {
        let Some(p) = policy else { return };
        for kind in [ClockKind::Resolution, ClockKind::EscalateAfter] {
            match self.clocks.get_mut(&kind) {
                Some(c) => {
                    c.met_at = None;
                    c.resume(now, p.config.warn_at_percent, &p.calendar);
                }
                None => self.start(kind, Some(p), now),
            }
        }
        if !self.clocks.contains_key(&ClockKind::FirstResponse) {
            self.start(ClockKind::FirstResponse, Some(p), now);
        }
    }

    /// Records every warning and breach due at `now`, once.
    pub fn check(&mut self, now: Timestamp) -> Vec<(ClockKind, SlaEventKind)> {
        let mut found = Vec::new();
        for (kind, clock) in &mut self.clocks {
            found.extend(clock.check(now).into_iter().map(|e| (*kind, e)));
        }
        found
    }

    /// Notices claimed by a worker that seems to have died: claimed again at `now`.
    pub fn reclaim_stale_notices(&mut self, now: Timestamp) -> Vec<(ClockKind, SlaEventKind)> {
        let stale = |n: &Option<Notice>| {
            matches!(n, Some(Notice::Pending { since })
                if since.checked_add(crate::ticket::NOTICE_RETRY_AFTER).is_ok_and(|t| t <= now))
        };
        let mut found = Vec::new();
        for (kind, clock) in &mut self.clocks {
            if stale(&clock.warning_notice) {
                clock.warning_notice = Some(Notice::Pending { since: now });
                found.push((*kind, SlaEventKind::Warning));
            }
            if stale(&clock.breach_notice) {
                clock.breach_notice = Some(Notice::Pending { since: now });
                found.push((*kind, SlaEventKind::Breach));
            }
        }
        found
    }

    /// Marks a notice as sent.
    pub fn notice_sent(&mut self, kind: ClockKind, event: SlaEventKind, now: Timestamp) {
        if let Some(c) = self.clocks.get_mut(&kind) {
            let slot = match event {
                SlaEventKind::Warning => &mut c.warning_notice,
                SlaEventKind::Breach => &mut c.breach_notice,
            };
            *slot = Some(Notice::Sent { at: now });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn a_clock_warns_at_its_share_then_breaches_each_once() {
        let cal = Calendar::AlwaysOpen;
        let mut c = SlaClock::default();
        c.start(100, at(0), 80, &cal);
        assert_eq!(c.warn_at, Some(at(80)));
        assert_eq!(c.due_at, Some(at(100)));
        assert!(c.check(at(79)).is_empty());
        assert_eq!(c.check(at(80)), vec![SlaEventKind::Warning]);
        assert!(c.check(at(90)).is_empty());
        assert_eq!(c.check(at(100)), vec![SlaEventKind::Breach]);
        assert!(c.check(at(200)).is_empty());
    }

    #[test]
    fn a_late_check_records_warning_and_breach_together() {
        let cal = Calendar::AlwaysOpen;
        let mut c = SlaClock::default();
        c.start(100, at(0), 80, &cal);
        assert_eq!(
            c.check(at(500)),
            vec![SlaEventKind::Warning, SlaEventKind::Breach]
        );
    }

    #[test]
    fn pausing_stops_the_clock_and_resuming_moves_the_deadline_by_the_pause() {
        let cal = Calendar::AlwaysOpen;
        let mut c = SlaClock::default();
        c.start(100, at(0), 80, &cal);
        c.pause(at(30), &cal);
        assert_eq!(c.next_event(), None);
        assert!(
            c.check(at(1000)).is_empty(),
            "a paused clock never breaches"
        );
        c.resume(at(1000), 80, &cal);
        assert_eq!(c.due_at, Some(at(1070)));
        assert_eq!(c.warn_at, Some(at(1050)));
        assert_eq!(c.elapsed(at(1010), &cal), 40);
    }

    #[test]
    fn a_new_target_keeps_the_elapsed_time() {
        let cal = Calendar::AlwaysOpen;
        let mut c = SlaClock::default();
        c.start(600, at(0), 80, &cal);
        c.retarget(300, at(100), 80, &cal, &cal);
        assert_eq!(c.due_at, Some(at(300)), "100 s spent of 300");
        assert_eq!(c.warn_at, Some(at(240)));
    }

    #[test]
    fn a_met_clock_stays_stopped() {
        let cal = Calendar::AlwaysOpen;
        let mut c = SlaClock::default();
        c.start(100, at(0), 80, &cal);
        c.meet(at(50), &cal);
        c.resume(at(60), 80, &cal);
        assert!(!c.is_running());
        assert_eq!(c.met_at, Some(at(50)));
        assert_eq!(c.next_event(), None);
    }

    #[test]
    fn first_matching_policy_applies() {
        let p = |name: &str, when: PolicyMatch| PolicyConfig {
            name: name.into(),
            when,
            calendar: None,
            first_response_secs: Some(60),
            next_response_secs: None,
            resolution_secs: None,
            escalate_after_secs: None,
            warn_at_percent: 80,
            on_breach: BreachActions::default(),
            escalation_team: None,
        };
        let policies = Policies::build(
            &HashMap::new(),
            &[
                p(
                    "vip",
                    PolicyMatch {
                        tags: vec!["vip".into()],
                        ..PolicyMatch::default()
                    },
                ),
                p(
                    "urgent",
                    PolicyMatch {
                        priorities: vec![Priority::Urgent],
                        ..PolicyMatch::default()
                    },
                ),
                p("default", PolicyMatch::default()),
            ],
        )
        .unwrap();
        let name = |prio, tags: &[String]| {
            policies
                .select(prio, Tier::L2, None, tags)
                .unwrap()
                .config
                .name
                .clone()
        };
        assert_eq!(name(Priority::Normal, &["vip".into()]), "vip");
        assert_eq!(name(Priority::Urgent, &[]), "urgent");
        assert_eq!(name(Priority::Normal, &[]), "default");
    }
}
