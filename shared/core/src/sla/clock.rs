//! The clocks a ticket carries, and the warnings, breaches and notices they record.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::sla::calendar::Calendar;
use crate::sla::policy::*;

/// How long a claimed notice may stay unsent before another worker sends it again.
pub const NOTICE_RETRY_AFTER: SignedDuration = SignedDuration::from_secs(60);

/// Whether a notice (of a breach) has gone out. `Pending` carries when it was claimed, so a
/// sender that died half-way is recognised and the notice is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Notice {
    Pending { since: Timestamp },
    Sent { at: Timestamp },
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
                consider(since.checked_add(NOTICE_RETRY_AFTER).ok());
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
    /// The next event as of the last write that moved it, and that write's ticket version:
    /// the timer armed for a later version is the one live chain, older ones stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<SlaTargetMark>,
}

/// Which SLA event a ticket's timer chain is for, and the ticket version that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargetMark {
    pub clock: ClockKind,
    pub due_at: Timestamp,
    pub version: u64,
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

    /// Before a ticket is written at `version`: when the write moves the next event, marks
    /// the new one as set by that version (see [`TicketSla::target`]). A write that leaves the
    /// next event where it was keeps the mark, so the chain armed for it stays live.
    pub fn mark_target(&mut self, version: u64) {
        let next = self.next_event_with_clock();
        let marked = self.target.map(|m| (m.clock, m.due_at));
        if next != marked {
            self.target = next.map(|(clock, due_at)| SlaTargetMark {
                clock,
                due_at,
                version,
            });
        }
    }

    /// Whether a timer armed at ticket version `armed_at` for this event was superseded: the
    /// event moved after it was armed (even if it later moved back, A→B→A: the chain armed for
    /// the second A is the live one).
    pub fn supersedes(&self, clock: ClockKind, due_at: Timestamp, armed_at: u64) -> bool {
        if self.next_event_with_clock() != Some((clock, due_at)) {
            return true;
        }
        self.target.is_some_and(|m| m.version > armed_at)
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
                if since.checked_add(NOTICE_RETRY_AFTER).is_ok_and(|t| t <= now))
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
