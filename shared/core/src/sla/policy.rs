//! SLA policies: which targets apply to a ticket, and what a breach does.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::kernel::ids::TeamId;
use crate::kernel::levels::{Priority, Tier};
use crate::sla::calendar::{Calendar, CalendarConfig, CalendarError};

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
