//! What several use cases do after they change a ticket, written once: save it (giving an
//! agent's capacity back when one let it go), arm its SLA timer, pull the queues it may have
//! freed room in, announce an assignment, publish events. Also the one retry loop for
//! optimistic-concurrency races. The capability modules call down into this one, never into
//! each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use tracing::{info, warn};

use super::{Actor, AppError, JobError, Turno};
use crate::config::WorkspaceConfig;
use crate::desk::agent::{Agent, pick_agent};
use crate::desk::ticket::{Ticket, TicketStatus, TransitionError};
use crate::kernel::ids::{AgentId, TeamId, TicketId, WorkspaceId};
use crate::ports::domain_events::DomainEvent;
use crate::ports::jobs::SlaTimer;
use crate::ports::{Notification, NotificationKind, StoreError};
use crate::sla::ClockKind;

/// How often a use case tries again after losing an optimistic-concurrency race before it
/// gives up (a job goes back to its queue; an agent gets a 409).
const MAX_CONFLICT_RETRIES: usize = 8;

/// How many tickets from a queue's head [`Turno::assign_from_queue`] reads at a time.
const QUEUE_READ: u32 = 10;
/// How many times one assignment run reads a queued ticket again after losing a write on it.
const QUEUE_REREADS: u32 = 2;

/// Serialises this process's assignment runs per workspace: the concurrent jobs of one batch
/// (ten handoffs at once, say) then read the agents after each other's writes instead of
/// racing for the same agent and the same counters, so none of them loses a conditional or a
/// transaction it pays for. Other processes can still race; the stores' conditions keep
/// capacity exact whatever the order.
#[derive(Default)]
pub(super) struct AssignGate(Mutex<HashMap<WorkspaceId, Arc<futures::lock::Mutex<()>>>>);

impl AssignGate {
    /// Waits for the workspace's turn; the turn ends when the guard drops.
    pub(super) async fn enter(&self, ws: &WorkspaceId) -> futures::lock::OwnedMutexGuard<()> {
        let lock = {
            let mut gates = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(gates.entry(ws.clone()).or_default())
        };
        lock.lock_owned().await
    }
}

/// A ticket's next SLA event: which clock, and when.
pub(super) type SlaTarget = (ClockKind, Timestamp);

/// A ticket as a change left it, and the SLA event it had before the change (to arm a timer
/// only when the change moved it).
pub(super) struct Updated {
    pub ticket: Ticket,
    pub sla_before: Option<SlaTarget>,
}

/// Why one attempt at a versioned write did not finish: it lost the race (somebody wrote the
/// record since it was read: read it again and redo the change) or it failed.
pub(super) enum Retry<E> {
    Lost,
    Fail(E),
}

impl<E: From<StoreError>> From<StoreError> for Retry<E> {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Retry::Lost,
            e => Retry::Fail(E::from(e)),
        }
    }
}

impl From<AppError> for Retry<AppError> {
    fn from(e: AppError) -> Self {
        Retry::Fail(e)
    }
}

impl From<TransitionError> for Retry<AppError> {
    fn from(e: TransitionError) -> Self {
        Retry::Fail(e.into())
    }
}

impl From<JobError> for Retry<JobError> {
    fn from(e: JobError) -> Self {
        Retry::Fail(e)
    }
}

impl From<crate::ports::QueueError> for Retry<JobError> {
    fn from(e: crate::ports::QueueError) -> Self {
        Retry::Fail(e.into())
    }
}

/// Runs `attempt` (given its number, from 0) until it does not lose an optimistic-concurrency
/// race: the one retry loop of the use cases. After [`MAX_CONFLICT_RETRIES`] lost races it
/// gives up with the store's `Conflict`, as the caller's error type says it.
///
/// Each attempt is a fresh `async move` block over shared references, so the use cases'
/// futures stay `Send` for every lifetime (an async closure borrowing its captures would not).
pub(super) async fn retry_on_conflict<T, E, Attempt>(
    mut attempt: impl FnMut(usize) -> Attempt,
) -> Result<T, E>
where
    E: From<StoreError>,
    Attempt: Future<Output = Result<T, Retry<E>>>,
{
    for number in 0..MAX_CONFLICT_RETRIES {
        match attempt(number).await {
            Ok(done) => return Ok(done),
            Err(Retry::Lost) => {}
            Err(Retry::Fail(e)) => return Err(e),
        }
    }
    Err(E::from(StoreError::Conflict))
}

impl Turno {
    /// Loads a ticket, changes it and saves it (versioned), from the load again whenever
    /// another writer got there first. `change` returns the agent the change let go of, if
    /// any: that agent's capacity is given back in the same write. `Ok(None)`: no such ticket.
    pub(super) async fn update_ticket<E: From<StoreError>>(
        &self,
        ws: &WorkspaceId,
        id: &TicketId,
        change: impl Fn(&mut Ticket) -> Result<Option<AgentId>, E> + Sync,
    ) -> Result<Option<Updated>, E> {
        let change = &change;
        retry_on_conflict(|_| async move {
            let Some(mut ticket) = self.ports.store.ticket(ws, id).await? else {
                return Ok(None);
            };
            let sla_before = ticket.sla.next_event_with_clock();
            let released = change(&mut ticket).map_err(Retry::Fail)?;
            self.save_or_release(&mut ticket, released.as_ref()).await?;
            Ok(Some(Updated { ticket, sla_before }))
        })
        .await
    }

    /// [`update_ticket`](Self::update_ticket) of a ticket the caller may see (404 otherwise).
    pub(super) async fn update_visible_ticket(
        &self,
        actor: &Actor,
        id: &TicketId,
        change: impl Fn(&mut Ticket) -> Result<Option<AgentId>, AppError> + Sync,
    ) -> Result<Updated, AppError> {
        let change = &change;
        retry_on_conflict(|_| async move {
            let mut ticket = self.visible_ticket(actor, id).await?;
            let sla_before = ticket.sla.next_event_with_clock();
            let released = change(&mut ticket)?;
            self.save_or_release(&mut ticket, released.as_ref()).await?;
            Ok(Updated { ticket, sla_before })
        })
        .await
    }

    /// Saves a changed ticket (versioned); with `released`, gives that agent's unit of
    /// capacity back in the same write.
    pub(super) async fn save_or_release(
        &self,
        ticket: &mut Ticket,
        released: Option<&AgentId>,
    ) -> Result<(), StoreError> {
        match released {
            Some(agent) => self.ports.store.release_ticket(ticket, agent).await,
            None => self.ports.store.save_ticket(ticket).await,
        }
    }

    /// What follows a change to a ticket: a timer for its next SLA event (paused clocks have
    /// none; resumed or restarted ones need one), then a pull from the queues of `teams`, in
    /// that order, where the change may have freed capacity or queued a ticket.
    pub(super) async fn after_change(
        &self,
        ws: &WorkspaceConfig,
        ticket: &Ticket,
        sla_before: Option<SlaTarget>,
        teams: &[TeamId],
    ) -> Result<(), JobError> {
        self.arm_sla_timer(ws, ticket, sla_before).await?;
        for team in teams {
            self.assign_from_queue(ws, team).await?;
        }
        Ok(())
    }

    /// Arms a timer for the ticket's next SLA event (a warning, a deadline, a notice to
    /// retry), unless the change left it where it was (`sla_before`, the event the ticket
    /// had before the change): the timer armed for it then still stands. So a ticket has one
    /// live timer chain whatever the number of edits; a chain whose event moved dies at its
    /// next hop ([`handle_sla_timer`](Turno::handle_sla_timer)). Pass `None` to arm whatever
    /// happened before (a redelivered job cannot know). An extra timer is harmless:
    /// enforcement is idempotent.
    pub(super) async fn arm_sla_timer(
        &self,
        ws: &WorkspaceConfig,
        ticket: &Ticket,
        sla_before: Option<SlaTarget>,
    ) -> Result<(), JobError> {
        let Some((clock, due_at)) = ticket.sla.next_event_with_clock() else {
            return Ok(());
        };
        if sla_before == Some((clock, due_at)) {
            return Ok(());
        }
        let timer = SlaTimer {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            clock,
            due_at,
            armed_at: Some(ticket.version),
        };
        let max = Duration::from_secs(ws.sla.max_timer_delay_secs);
        self.ports
            .queue
            .send(vec![timer.envelope(self.now(), max)])
            .await?;
        Ok(())
    }

    /// Assigns the team's queued tickets, head first, while an agent has capacity. The queue's
    /// head and the agents are read once: a write that loses a race reads only that ticket
    /// again (still waiting in this team's queue, written meanwhile by something else, such as
    /// the customer's place in the queue: it is tried again, so the head keeps its turn; taken
    /// by another assigner: its agent counts it and the next ticket follows; an agent found
    /// full is passed over), so concurrent assigners cost a write and a read per lost race,
    /// not a round of queries. Only when every ticket read was assigned is the queue read
    /// again.
    pub async fn assign_from_queue(
        &self,
        ws: &WorkspaceConfig,
        team: &TeamId,
    ) -> Result<usize, StoreError> {
        let store = &self.ports.store;
        let _turn = self.assign_gate.enter(&ws.id).await;
        let mut agents = store.agents(&ws.id).await?;
        let mut assigned = 0;
        loop {
            if pick_agent(&agents, team).is_none() {
                return Ok(assigned);
            }
            let head = store.queued_tickets(&ws.id, team, QUEUE_READ).await?;
            let read = u32::try_from(head.len()).unwrap_or(u32::MAX);
            let mut taken = 0;
            for mut queued in head {
                let mut rereads = 0;
                // Every agent found full is passed over; the ticket waits if nobody is left.
                loop {
                    let Some(agent) = pick_agent(&agents, team) else {
                        return Ok(assigned);
                    };
                    let agent_id = agent.id.clone();
                    let now = self.now();
                    let Some(mut ticket) = assigned_to(&queued, &agent_id, now, "from the queue")
                    else {
                        break;
                    };
                    match store.assign_ticket(&mut ticket, &agent_id, None, now).await {
                        Ok(()) => {
                            took_one(&mut agents, &agent_id, now);
                            assigned += 1;
                            taken += 1;
                            info!(workspace = %ws.id, ticket_id = %ticket.id, agent = %agent_id, "ticket assigned");
                            self.announce_assignment(&ticket, &agent_id, now).await;
                        }
                        Err(StoreError::AtCapacity) => {
                            found_full(&mut agents, &agent_id);
                            continue;
                        }
                        // The ticket changed since the queue was read: read it alone.
                        Err(StoreError::Conflict) if rereads < QUEUE_REREADS => {
                            rereads += 1;
                            match store.ticket(&ws.id, &queued.id).await? {
                                Some(fresh)
                                    if fresh.status == TicketStatus::Queued
                                        && fresh.team.as_ref() == Some(team) =>
                                {
                                    queued = fresh;
                                    continue;
                                }
                                // Another assigner took it: its agent now counts it, so
                                // racing assigners spread over the agents.
                                Some(Ticket {
                                    assignee: Some(owner),
                                    ..
                                }) => took_one(&mut agents, &owner, now),
                                _ => {}
                            }
                        }
                        // Still changing under this run after its rereads: left to the next.
                        Err(StoreError::Conflict) => {
                            warn!(workspace = %ws.id, ticket_id = %queued.id, "queued ticket kept changing; left for the next assignment run");
                        }
                        Err(e) => return Err(e),
                    }
                    break;
                }
            }
            // A short read, or one another assigner emptied: nothing more to take here.
            if read < QUEUE_READ || taken < read {
                return Ok(assigned);
            }
        }
    }

    pub(super) async fn announce_assignment(
        &self,
        ticket: &Ticket,
        agent: &AgentId,
        now: Timestamp,
    ) {
        self.publish(&[DomainEvent::Assigned {
            workspace: ticket.workspace.clone(),
            ticket_id: ticket.id.clone(),
            agent: agent.clone(),
            at: now,
        }])
        .await;
        let note = Notification {
            workspace: ticket.workspace.clone(),
            kind: NotificationKind::TicketAssigned,
            ticket_id: ticket.id.clone(),
            agent: Some(agent.clone()),
            text: format!("Ticket {} was assigned to {agent}", ticket.id),
        };
        if let Err(e) = self.ports.notifier.notify(&note).await {
            warn!(ticket_id = %ticket.id, error = %format!("{e:#}"), "assignment notification failed");
        }
    }

    pub(super) async fn publish(&self, events: &[DomainEvent]) {
        for event in events {
            self.count_event(event);
        }
        if let Err(e) = self.ports.events.publish(events).await {
            warn!(error = %format!("{e:#}"), "domain events not published");
        }
    }
}

impl Turno {
    /// The operational counters a domain event moves.
    pub(super) fn count_event(&self, event: &DomainEvent) {
        use crate::ports::Counter;
        match event {
            DomainEvent::Escalated { reasons, .. } => {
                // `route:…` entries say which rule routed the ticket, not why it escalated.
                let reason = reasons
                    .iter()
                    .find(|r| !r.starts_with("route:"))
                    .map_or("unspecified", String::as_str);
                self.metrics.count(Counter::Escalations, Some(reason), 1);
            }
            DomainEvent::SlaWarning { clock, .. } => {
                self.metrics.count(Counter::SlaWarnings, Some(clock), 1);
            }
            DomainEvent::SlaBreached { clock, .. } => {
                self.metrics.count(Counter::SlaBreaches, Some(clock), 1);
            }
            DomainEvent::ResolvedByBot { .. } => self.metrics.count(Counter::BotResolved, None, 1),
            _ => {}
        }
    }
}

/// `ticket` assigned to `agent`, with `how` it came to them ("at the handoff", "from the
/// queue") in its history; `None` if it cannot be assigned as it is.
pub(super) fn assigned_to(
    ticket: &Ticket,
    agent: &AgentId,
    now: Timestamp,
    how: &str,
) -> Option<Ticket> {
    let mut assigned = ticket.clone();
    assigned.assign(agent.clone(), now).ok()?;
    assigned.record(now, None, "assigned", Some(format!("to {agent} {how}")));
    Some(assigned)
}

/// An agent found full when an assignment landed: passed over for the rest of the run, with
/// nothing read again.
pub(super) fn found_full(agents: &mut [Agent], id: &AgentId) {
    if let Some(a) = agents.iter_mut().find(|a| &a.id == id) {
        a.load = a.capacity;
    }
}

/// An agent who took a ticket during the run (this one's or another assigner's): one unit
/// more of load, and last assigned now.
fn took_one(agents: &mut [Agent], id: &AgentId, now: Timestamp) {
    if let Some(a) = agents.iter_mut().find(|a| &a.id == id) {
        a.load += 1;
        a.last_assigned_at = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Runs `retry_on_conflict` with attempts that lose the race while `lost(number)` holds,
    /// and then return `Ok(number)`; returns the result and how many attempts ran.
    async fn attempts_until(
        lost: impl Fn(usize) -> bool,
        fail_at: Option<usize>,
    ) -> (Result<usize, StoreError>, usize) {
        let ran = AtomicUsize::new(0);
        let (ran_ref, lost) = (&ran, &lost);
        let result = retry_on_conflict(|number| async move {
            ran_ref.fetch_add(1, Ordering::SeqCst);
            if fail_at == Some(number) {
                return Err(Retry::Fail(StoreError::AtCapacity));
            }
            if lost(number) {
                return Err(Retry::<StoreError>::Lost);
            }
            Ok(number)
        })
        .await;
        (result, ran.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn when_every_attempt_loses_the_race_should_give_up_with_a_conflict() {
        let (result, ran) = attempts_until(|_| true, None).await;

        assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
        assert_eq!(ran, MAX_CONFLICT_RETRIES);
    }

    #[tokio::test]
    async fn when_the_last_allowed_attempt_wins_should_return_its_result() {
        let (result, ran) = attempts_until(|n| n + 1 < MAX_CONFLICT_RETRIES, None).await;

        assert_eq!(result.ok(), Some(MAX_CONFLICT_RETRIES - 1));
        assert_eq!(ran, MAX_CONFLICT_RETRIES);
    }

    #[tokio::test]
    async fn when_an_attempt_fails_otherwise_should_stop_at_once_with_that_error() {
        let (result, ran) = attempts_until(|_| true, Some(2)).await;

        assert!(matches!(result, Err(StoreError::AtCapacity)), "{result:?}");
        assert_eq!(ran, 3);
    }

    #[test]
    fn a_store_conflict_is_a_lost_race_and_anything_else_a_failure() {
        assert!(matches!(
            Retry::<AppError>::from(StoreError::Conflict),
            Retry::Lost
        ));
        assert!(matches!(
            Retry::<AppError>::from(StoreError::AtCapacity),
            Retry::Fail(_)
        ));
    }
}
