//! The help desk: tickets and their state machine, agents and their capacity, and routing
//! (which team and tier a handoff goes to).

pub mod agent;
pub mod csat;
pub mod escalation;
pub mod report;
pub mod routing;
pub mod ticket;
