//! Agents, their availability and capacity, and the choice of who gets the next ticket.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{AgentId, TeamId, WorkspaceId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    #[default]
    Offline,
}

impl std::str::FromStr for Availability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "online" => Ok(Availability::Online),
            "away" => Ok(Availability::Away),
            "offline" => Ok(Availability::Offline),
            other => Err(format!(
                "unknown availability {other:?}: use online, away or offline"
            )),
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Agent,
    Supervisor,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub workspace: WorkspaceId,
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub teams: Vec<TeamId>,
    /// How many conversations the agent may hold at once.
    pub capacity: u32,
    pub availability: Availability,
    /// Conversations the agent holds now (assigned, pending or snoozed).
    pub load: u32,
    pub last_assigned_at: Option<Timestamp>,
    /// An admin deactivated the agent: it may not sign in, and it takes no tickets (no
    /// teams, no capacity). Inviting it again clears this.
    #[serde(default)]
    pub deactivated: bool,
}

impl Agent {
    pub fn can_take(&self, team: &TeamId) -> bool {
        self.availability == Availability::Online
            && !self.deactivated
            && self.load < self.capacity
            && self.teams.contains(team)
    }
}

/// Picks who gets the next ticket of `team`: online, in the team, under capacity; the least busy,
/// then the one who waited longest since their last assignment (never assigned first).
pub fn pick_agent<'a>(agents: &'a [Agent], team: &TeamId) -> Option<&'a Agent> {
    agents.iter().filter(|a| a.can_take(team)).min_by(|a, b| {
        a.load
            .cmp(&b.load)
            .then(a.last_assigned_at.cmp(&b.last_assigned_at))
            .then(a.id.cmp(&b.id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, load: u32, last: Option<i64>) -> Agent {
        Agent {
            workspace: WorkspaceId::parse("ws").unwrap(),
            id: AgentId::parse(id).unwrap(),
            name: id.into(),
            email: format!("{id}@example.com"),
            role: Role::Agent,
            teams: vec![TeamId::parse("support").unwrap()],
            capacity: 2,
            availability: Availability::Online,
            load,
            last_assigned_at: last.map(|s| Timestamp::from_second(s).unwrap()),
            deactivated: false,
        }
    }

    #[test]
    fn least_busy_agent_wins_then_longest_since_last_assignment() {
        let team = TeamId::parse("support").unwrap();
        let agents = vec![
            agent("ana", 1, Some(10)),
            agent("bruno", 0, Some(50)),
            agent("carla", 0, Some(20)),
        ];
        assert_eq!(pick_agent(&agents, &team).unwrap().id.as_str(), "carla");
        let agents = vec![agent("ana", 0, None), agent("bruno", 0, Some(1))];
        assert_eq!(pick_agent(&agents, &team).unwrap().id.as_str(), "ana");
    }

    #[test]
    fn nobody_at_capacity_offline_or_outside_the_team_is_picked() {
        let team = TeamId::parse("support").unwrap();
        let mut full = agent("ana", 2, None);
        full.capacity = 2;
        let mut away = agent("bruno", 0, None);
        away.availability = Availability::Away;
        let mut other = agent("carla", 0, None);
        other.teams = vec![TeamId::parse("specialists").unwrap()];
        assert!(pick_agent(&[full, away, other], &team).is_none());
    }
}
