//! How urgent a ticket is and which level of support holds it: routing sets them, SLA policies
//! match on them, the queue orders by them.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum Tier {
    /// The bot.
    #[default]
    L1,
    /// Agents.
    L2,
    /// Specialists.
    L3,
}

impl Priority {
    /// One step up, `Urgent` staying `Urgent`.
    pub fn raised(self) -> Self {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            Priority::High | Priority::Urgent => Priority::Urgent,
        }
    }
}

impl Tier {
    /// The tier above, if there is one.
    pub fn next(self) -> Option<Self> {
        match self {
            Tier::L1 => Some(Tier::L2),
            Tier::L2 => Some(Tier::L3),
            Tier::L3 => None,
        }
    }
}
