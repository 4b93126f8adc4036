//! The use cases on the in-process harness and its manual clock: the branches of the
//! escalation, SLA and update paths that the end-to-end suite reaches only by luck of timing
//! (a redelivered job, a lost race, a timer that never fired).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{Actor, AppError, StatusChange};
use turno_core::desk::agent::{Availability, Role};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, WaId};
use turno_core::ports::domain_events::DomainEvent;
use turno_core::ports::{AgentStore, NotificationKind, QueueName};
use turno_core::sla::ClockKind;
use turno_testkit::harness::{TestTurno, demo_workspace, demo_workspaces};
use turno_testkit::races::LosingStore;

/// The demo's first-response target (900 s), and one second more.
const PAST_FIRST_RESPONSE: SignedDuration = SignedDuration::from_secs(901);

fn start() -> Timestamp {
    Timestamp::from_second(1_748_876_667).unwrap()
}

fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

fn ana() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: agent("ana"),
        role: Role::Agent,
    }
}

/// Hands a ticket off and runs what follows, so it is assigned (or queued) with its timer.
async fn escalated(t: &TestTurno, customer: &str) -> Ticket {
    let job = t.bot_handoff(customer).await;
    t.turno.handle_escalation(job.clone()).await.unwrap();
    t.drain().await;
    t.ticket(&job.workspace, &job.ticket_id).await
}

async fn everyone_offline(t: &TestTurno) {
    let ws = demo_workspace();
    for a in t.store.agents(&ws).await.unwrap() {
        t.store
            .set_availability(&ws, &a.id, Availability::Offline)
            .await
            .unwrap();
    }
}

fn audited(ticket: &Ticket, action: &str) -> usize {
    ticket.audit.iter().filter(|a| a.action == action).count()
}

fn escalated_events(t: &TestTurno) -> usize {
    let events = t.events.events(&demo_workspace()).unwrap();
    events
        .iter()
        .filter(|e| matches!(e, DomainEvent::Escalated { .. }))
        .count()
}

fn sla_breaches(t: &TestTurno) -> usize {
    let events = t.events.events(&demo_workspace()).unwrap();
    events
        .iter()
        .filter(|e| matches!(e, DomainEvent::SlaBreached { .. }))
        .count()
}

async fn load_of(t: &TestTurno, id: &str) -> u32 {
    let ws = demo_workspace();
    t.store.agent(&ws, &agent(id)).await.unwrap().unwrap().load
}

// ---- escalation ----

#[tokio::test]
async fn when_an_escalation_job_is_redelivered_should_rearm_the_timer_and_pull_the_queue_without_escalating_again()
 {
    let t = TestTurno::demo(start()).await;
    everyone_offline(&t).await;
    let job = t.bot_handoff("34600100001").await;
    t.turno.handle_escalation(job.clone()).await.unwrap();
    let queued = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(queued.status, TicketStatus::Queued);
    assert_eq!(t.queues.depth(QueueName::SlaTimers).unwrap(), 1);

    // Ana comes online without anything pulling the queue; the redelivery must.
    t.store
        .set_availability(&job.workspace, &agent("ana"), Availability::Online)
        .await
        .unwrap();
    t.turno.handle_escalation(job.clone()).await.unwrap();

    let after = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(after.status, TicketStatus::Assigned);
    assert_eq!(after.assignee, Some(agent("ana")));
    assert_eq!(
        t.queues.depth(QueueName::SlaTimers).unwrap(),
        2,
        "the redelivery armed the timer again"
    );
    assert_eq!(audited(&after, "escalated"), 1, "{:?}", after.audit);
    assert_eq!(escalated_events(&t), 1);
    assert_eq!(
        after
            .sla
            .clock(ClockKind::FirstResponse)
            .unwrap()
            .started_at,
        queued
            .sla
            .clock(ClockKind::FirstResponse)
            .unwrap()
            .started_at,
        "the clock was not restarted"
    );
}

#[tokio::test]
async fn when_nobody_can_take_the_ticket_should_tell_the_customer_their_place_once_even_if_the_job_comes_again()
 {
    let t = TestTurno::demo(start()).await;
    everyone_offline(&t).await;
    let customer = WaId::parse("34600100002").unwrap();
    let job = t.bot_handoff(customer.as_str()).await;

    t.turno.handle_escalation(job.clone()).await.unwrap();
    t.turno.handle_escalation(job.clone()).await.unwrap();
    t.drain().await;

    let told = t
        .whatsapp
        .messages(&job.workspace, Some(&customer), 0)
        .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    let ticket = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(ticket.wait_notice_at, Some(start()));
    assert_eq!(audited(&ticket, "told_to_wait"), 1);
    let transcript = t
        .turno
        .store()
        .transcript(&job.workspace, &job.ticket_id)
        .await
        .unwrap();
    assert_eq!(transcript.len(), 1, "the notice is on the transcript once");
}

#[tokio::test]
async fn when_an_agent_is_free_should_assign_at_once_and_not_tell_the_customer_to_wait() {
    let t = TestTurno::demo(start()).await;
    let ticket = escalated(&t, "34600100003").await;

    assert_eq!(ticket.status, TicketStatus::Assigned);
    assert_eq!(ticket.wait_notice_at, None);
    assert_eq!(audited(&ticket, "told_to_wait"), 0);
    let assigned = t.notifier.of_kind(NotificationKind::TicketAssigned);
    assert_eq!(assigned.len(), 1);
}

// ---- the SLA sweep ----

#[tokio::test]
async fn when_nothing_is_due_the_sweep_should_look_at_nothing() {
    let t = TestTurno::demo(start()).await;
    escalated(&t, "34600100004").await;

    let report = t.turno.sla_sweep().await.unwrap();

    assert_eq!((report.looked_at, report.breaches), (0, 0));
    assert!(t.notifier.of_kind(NotificationKind::SlaBreached).is_empty());
}

#[tokio::test]
async fn when_a_timer_never_fires_the_sweep_should_record_the_breach_once_and_notify_once() {
    let t = TestTurno::demo(start()).await;
    let ticket = escalated(&t, "34600100005").await;
    // The timer is still in its queue: the sweep gets there first, as if it had been lost.
    t.advance(PAST_FIRST_RESPONSE);

    let first = t.turno.sla_sweep().await.unwrap();
    let second = t.turno.sla_sweep().await.unwrap();
    t.drain().await;

    assert_eq!((first.looked_at, first.breaches), (1, 1));
    assert_eq!(second.breaches, 0);
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    let clock = after.sla.clock(ClockKind::FirstResponse).unwrap();
    assert_eq!(clock.breached_at, Some(start() + PAST_FIRST_RESPONSE));
    assert_eq!(
        t.notifier.of_kind(NotificationKind::SlaBreached).len(),
        1,
        "the late timer found the breach recorded"
    );
    assert_eq!(t.notifier.of_kind(NotificationKind::SlaWarning).len(), 1);
    assert_eq!(sla_breaches(&t), 1);
}

#[tokio::test]
async fn when_the_notification_endpoint_is_down_for_three_minutes_the_breach_should_be_recorded_on_time_and_notified_once_after_it_recovers()
 {
    let t = TestTurno::demo(start()).await;
    let ticket = escalated(&t, "34600100009").await;
    t.notifier.set_down(true);

    t.advance_and_drain(PAST_FIRST_RESPONSE).await;
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    let clock = after.sla.clock(ClockKind::FirstResponse).unwrap();
    assert_eq!(
        clock.breached_at,
        Some(start() + PAST_FIRST_RESPONSE),
        "the breach is recorded by the timer that fell due, notification endpoint or not"
    );
    for _ in 0..6 {
        t.advance_and_drain(SignedDuration::from_secs(30)).await;
        let report = t.turno.sla_sweep().await.unwrap();
        assert_eq!(report.failed, 0, "a refused notice fails no enforcement");
        t.drain().await;
    }
    assert!(t.notifier.of_kind(NotificationKind::SlaBreached).is_empty());
    assert!(t.notifier.of_kind(NotificationKind::SlaWarning).is_empty());
    assert_eq!(sla_breaches(&t), 1, "the breach event is published once");

    t.notifier.set_down(false);
    for _ in 0..5 {
        t.advance_and_drain(SignedDuration::from_secs(60)).await;
        t.turno.sla_sweep().await.unwrap();
        t.drain().await;
    }

    assert_eq!(t.notifier.of_kind(NotificationKind::SlaBreached).len(), 1);
    assert_eq!(t.notifier.of_kind(NotificationKind::SlaWarning).len(), 1);
    assert_eq!(sla_breaches(&t), 1);
}

fn sla_timers(t: &TestTurno) -> u64 {
    t.queues.depth(QueueName::SlaTimers).unwrap()
}

#[tokio::test]
async fn when_a_ticket_is_edited_a_hundred_times_it_should_keep_one_sla_timer_and_breach_once() {
    let t = TestTurno::demo(start()).await;
    let ticket = escalated(&t, "34600100011").await;
    assert_eq!(sla_timers(&t), 1, "the handoff armed one timer");

    for i in 0..100 {
        let tag = if i % 2 == 0 { "returning" } else { "wholesale" };
        t.turno
            .set_tags(&ana(), &ticket.id, &[tag.to_owned()])
            .await
            .unwrap();
    }

    assert_eq!(
        sla_timers(&t),
        1,
        "edits that leave the next SLA event where it was arm nothing"
    );
    t.advance_and_drain(PAST_FIRST_RESPONSE).await;
    assert_eq!(sla_breaches(&t), 1);
    assert_eq!(t.notifier.of_kind(NotificationKind::SlaBreached).len(), 1);
}

#[tokio::test]
async fn when_a_change_moves_the_next_sla_event_the_old_timer_should_stop_at_its_next_hop() {
    // A first response of two hours: the timer hops (15 minutes at most per hop).
    let yaml = turno_testkit::harness::DEMO_CONFIG_YAML
        .replace("first_response_secs: 900", "first_response_secs: 7200");
    let t =
        TestTurno::configured(turno_testkit::harness::workspaces_from_yaml(&yaml), start()).await;
    let ticket = escalated(&t, "34600100012").await;
    assert_eq!(sla_timers(&t), 1);

    // VIP: a five-minute first response, a timer of its own.
    t.turno
        .set_tags(&ana(), &ticket.id, &["vip".to_owned()])
        .await
        .unwrap();
    assert_eq!(sla_timers(&t), 2);
    t.advance_and_drain(SignedDuration::from_secs(900)).await;

    assert_eq!(sla_breaches(&t), 1, "the VIP deadline was enforced");
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    assert_eq!(
        after.sla.next_event_with_clock(),
        None,
        "the VIP policy's only clock is done"
    );
    assert_eq!(
        sla_timers(&t),
        0,
        "the two-hour chain stopped at its hop instead of hopping on"
    );
}

#[tokio::test]
async fn when_a_change_moves_the_next_sla_event_away_and_back_only_the_newest_chain_should_live() {
    let yaml = turno_testkit::harness::DEMO_CONFIG_YAML
        .replace("first_response_secs: 900", "first_response_secs: 7200");
    let t =
        TestTurno::configured(turno_testkit::harness::workspaces_from_yaml(&yaml), start()).await;
    let ticket = escalated(&t, "34600100013").await;
    let first = t
        .ticket(&ticket.workspace, &ticket.id)
        .await
        .sla
        .next_event_with_clock();

    // A → B (VIP: five minutes) → A (the two-hour deadline again): three timers queued.
    for tags in [vec!["vip".to_owned()], vec![]] {
        t.turno.set_tags(&ana(), &ticket.id, &tags).await.unwrap();
    }
    let back = t.ticket(&ticket.workspace, &ticket.id).await;
    assert_eq!(
        back.sla.next_event_with_clock(),
        first,
        "the deadline moved back exactly where it was"
    );
    assert_eq!(sla_timers(&t), 3);

    // Past one hop: the first chain sees it was superseded, the VIP timer found nothing due.
    t.advance_and_drain(SignedDuration::from_secs(900)).await;
    assert_eq!(
        sla_timers(&t),
        1,
        "only the chain armed by the last change hops on"
    );
    t.advance_and_drain(SignedDuration::from_secs(7200)).await;
    assert_eq!(sla_breaches(&t), 1);
    assert_eq!(t.notifier.of_kind(NotificationKind::SlaBreached).len(), 1);
}

#[tokio::test]
async fn when_a_ticket_is_pending_past_its_deadline_the_sweep_should_not_breach_it() {
    let t = TestTurno::demo(start()).await;
    let ticket = escalated(&t, "34600100006").await;
    t.turno
        .change_status(&ana(), &ticket.id, StatusChange::Pending, None)
        .await
        .unwrap();
    t.advance(PAST_FIRST_RESPONSE);

    let report = t.turno.sla_sweep().await.unwrap();
    t.drain().await;

    assert_eq!(report.breaches, 0);
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    assert_eq!(
        after
            .sla
            .clock(ClockKind::FirstResponse)
            .unwrap()
            .breached_at,
        None
    );
    assert!(t.notifier.of_kind(NotificationKind::SlaBreached).is_empty());
}

// ---- optimistic concurrency: retry_on_conflict and the update helpers ----

/// The demo on a store whose ticket writes can be made to lose races.
async fn losing() -> (TestTurno, Arc<LosingStore>) {
    let mut handle = None;
    let t = TestTurno::with_store(demo_workspaces(), start(), |inner| {
        let store = Arc::new(LosingStore::new(inner));
        handle = Some(store.clone());
        store
    });
    t.turno.seed_agents().await.unwrap();
    (t, handle.unwrap())
}

#[tokio::test]
async fn when_every_ticket_write_loses_the_race_should_give_up_with_a_conflict_after_eight_tries() {
    let (t, races) = losing().await;
    let ticket = escalated(&t, "34600100007").await;
    races.lose(usize::MAX);

    let result = t
        .turno
        .change_status(&ana(), &ticket.id, StatusChange::Pending, None)
        .await;

    assert!(matches!(result, Err(AppError::Conflict(_))), "{result:?}");
    assert_eq!(races.ticket_writes(), 8);
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    assert_eq!(after.status, TicketStatus::Assigned);
    assert_eq!(after.version, ticket.version, "nothing was written");
}

#[tokio::test]
async fn when_a_write_loses_seven_races_should_redo_the_change_on_the_fresh_ticket_and_succeed() {
    let (t, races) = losing().await;
    let ticket = escalated(&t, "34600100008").await;
    races.lose(7);

    let changed = t
        .turno
        .change_status(&ana(), &ticket.id, StatusChange::Pending, None)
        .await
        .unwrap();

    assert_eq!(changed.status, TicketStatus::Pending);
    assert_eq!(races.ticket_writes(), 8);
    let after = t.ticket(&ticket.workspace, &ticket.id).await;
    assert_eq!(after.status, TicketStatus::Pending);
    assert_eq!(after.version, ticket.version + 1, "written once");
    assert_eq!(
        after.audit.len(),
        changed.audit.len(),
        "the change was applied to the ticket as read, once"
    );
}

#[tokio::test]
async fn when_a_resolve_loses_races_should_give_the_agent_capacity_back_exactly_once() {
    let (t, races) = losing().await;
    let first = escalated(&t, "34600100009").await;
    let second = escalated(&t, "34600100010").await;
    assert_eq!(first.assignee, Some(agent("ana")));
    assert_eq!(second.assignee, Some(agent("bruno")), "least busy first");
    races.lose(3);

    t.turno
        .change_status(&ana(), &first.id, StatusChange::Resolved, None)
        .await
        .unwrap();

    assert_eq!(races.ticket_writes(), 4);
    assert_eq!(load_of(&t, "ana").await, 0);
    assert_eq!(load_of(&t, "bruno").await, 1);
}

#[tokio::test]
async fn when_tagging_loses_every_race_should_fail_with_a_conflict_and_keep_the_old_tags() {
    let (t, races) = losing().await;
    let ticket = escalated(&t, "34600100011").await;
    races.lose(usize::MAX);

    let result = t
        .turno
        .set_tags(&ana(), &ticket.id, &["billing".to_owned()])
        .await;

    assert!(matches!(result, Err(AppError::Conflict(_))), "{result:?}");
    assert_eq!(races.ticket_writes(), 8);
    assert!(
        t.ticket(&ticket.workspace, &ticket.id)
            .await
            .tags
            .is_empty()
    );
}

#[tokio::test]
async fn when_a_queued_ticket_changes_while_an_agent_comes_online_should_read_it_again_and_assign_it()
 {
    let (t, races) = losing().await;
    everyone_offline(&t).await;
    let job = t.bot_handoff("34600100013").await;
    t.turno.handle_escalation(job.clone()).await.unwrap();
    assert_eq!(
        t.ticket(&job.workspace, &job.ticket_id).await.status,
        TicketStatus::Queued
    );
    // The queue's head is written by something else (the customer told their place, a
    // note) between the assignment run's read and its write: that write loses once.
    races.lose(1);

    t.turno
        .set_availability(&ana(), Availability::Online)
        .await
        .unwrap();

    let ticket = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(ticket.status, TicketStatus::Assigned, "{:?}", ticket.audit);
    assert_eq!(ticket.assignee, Some(agent("ana")));
    assert_eq!(
        races.ticket_writes(),
        2,
        "the lost write and the one after the read"
    );
    assert_eq!(audited(&ticket, "assigned"), 1);
    assert_eq!(load_of(&t, "ana").await, 1);
}

#[tokio::test]
async fn when_a_queued_ticket_keeps_changing_should_leave_it_queued_for_the_next_run() {
    let (t, races) = losing().await;
    everyone_offline(&t).await;
    let job = t.bot_handoff("34600100014").await;
    t.turno.handle_escalation(job.clone()).await.unwrap();
    races.lose(usize::MAX);

    t.turno
        .set_availability(&ana(), Availability::Online)
        .await
        .unwrap();

    let ticket = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(ticket.status, TicketStatus::Queued);
    assert_eq!(
        races.ticket_writes(),
        3,
        "one write and two more after reading it again"
    );
    assert_eq!(load_of(&t, "ana").await, 0);
}

#[tokio::test]
async fn when_twelve_handoffs_escalate_at_once_should_fill_the_agents_with_room_exactly_and_queue_the_rest()
 {
    let t = TestTurno::demo(start()).await;
    let ws = demo_workspace();
    let mut jobs = Vec::new();
    for i in 0..12 {
        jobs.push(t.bot_handoff(&format!("3460020{i:04}")).await);
    }

    let results =
        futures::future::join_all(jobs.iter().map(|j| t.turno.handle_escalation(j.clone()))).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut assigned = 0;
    for j in &jobs {
        let ticket = t.ticket(&j.workspace, &j.ticket_id).await;
        match ticket.status {
            TicketStatus::Assigned => assigned += 1,
            TicketStatus::Queued => {}
            other => panic!("{} is {other:?}", ticket.id),
        }
    }
    // The support team's online agents, Ana and Bruno, take five each.
    assert_eq!(assigned, 10);
    assert_eq!(load_of(&t, "ana").await, 5);
    assert_eq!(load_of(&t, "bruno").await, 5);
    let held: usize = t
        .store
        .agents(&ws)
        .await
        .unwrap()
        .iter()
        .map(|a| a.load as usize)
        .sum();
    assert_eq!(held, assigned, "each load counts a ticket held");
}

#[tokio::test]
async fn when_an_escalation_loses_its_assignment_race_should_escalate_the_fresh_ticket_and_assign_it_once()
 {
    let (t, races) = losing().await;
    let job = t.bot_handoff("34600100012").await;
    // The first write (the direct assignment) loses to another writer; the next one wins.
    races.lose(1);

    t.turno.handle_escalation(job.clone()).await.unwrap();

    let ticket = t.ticket(&job.workspace, &job.ticket_id).await;
    assert_eq!(ticket.status, TicketStatus::Assigned);
    assert_eq!(races.ticket_writes(), 2);
    assert_eq!(audited(&ticket, "escalated"), 1);
    assert_eq!(audited(&ticket, "assigned"), 1);
    assert_eq!(load_of(&t, "ana").await + load_of(&t, "bruno").await, 1);
}
