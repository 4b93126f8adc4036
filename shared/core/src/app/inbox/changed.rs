//! The tickets a change feed page named, as list rows, for the console to patch into what it
//! shows instead of reading its list again.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ListParams, SlaSummary, TicketSummary, list::summary};
use crate::app::{Actor, AppError, Turno};
use crate::kernel::ids::{TeamId, TicketId};

/// At most this many tickets per request: more changes than that are cheaper as a list read.
pub const MAX_CHANGED: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedTickets {
    /// The asked-for tickets the caller may see, in the order asked; the others are left out
    /// (a ticket that left the caller's teams is not shown any more).
    pub items: Vec<TicketSummary>,
    /// The same counters as the list's for `team`.
    pub counts: BTreeMap<String, u64>,
}

impl Turno {
    /// The tickets `ids` as list rows (one read each) with the counters of what the caller
    /// may see (of `team` when given).
    pub async fn changed_tickets(
        &self,
        actor: &Actor,
        ids: &[TicketId],
        team: Option<TeamId>,
    ) -> Result<ChangedTickets, AppError> {
        if ids.is_empty() || ids.len() > MAX_CHANGED {
            return Err(AppError::Invalid(format!(
                "ask for 1 to {MAX_CHANGED} tickets, got {}",
                ids.len()
            )));
        }
        let agent = self.actor_agent(actor).await?;
        let now = self.now();
        let mut items = Vec::with_capacity(ids.len());
        let mut seen = Vec::with_capacity(ids.len());
        for id in ids {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let Some(t) = self.ports.store.ticket(&actor.workspace, id).await? else {
                continue;
            };
            if Self::may_see(actor, &agent, &t) {
                let sla = SlaSummary::of(&t, now);
                items.push(summary(t, sla));
            }
        }
        let params = ListParams {
            team,
            ..ListParams::default()
        };
        let counts = self.visible_counts(actor, &agent, &params).await?;
        Ok(ChangedTickets { items, counts })
    }
}
