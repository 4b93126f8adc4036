use std::collections::HashMap;

use super::*;
use crate::sla::{BreachActions, PolicyConfig, PolicyMatch, SlaEventKind};

fn policies() -> Policies {
    let policy = |name: &str, when: PolicyMatch, first: u64| PolicyConfig {
        name: name.into(),
        when,
        calendar: None,
        first_response_secs: Some(first),
        next_response_secs: Some(120),
        resolution_secs: Some(3600),
        escalate_after_secs: Some(1800),
        warn_at_percent: 80,
        on_breach: BreachActions::default(),
        escalation_team: None,
    };
    Policies::build(
        &HashMap::new(),
        &[
            policy(
                "vip",
                PolicyMatch {
                    tags: vec!["vip".into()],
                    ..PolicyMatch::default()
                },
                30,
            ),
            policy("standard", PolicyMatch::default(), 60),
        ],
    )
    .unwrap()
}

fn ticket() -> Ticket {
    Ticket::new(
        WorkspaceId::parse("ws").unwrap(),
        WaId::parse("34600111222").unwrap(),
        None,
        Lang::Es,
        Timestamp::UNIX_EPOCH,
    )
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap()
}

fn team() -> TeamId {
    TeamId::parse("support").unwrap()
}

fn escalated(p: &Policies, now: i64) -> Ticket {
    let mut t = ticket();
    t.escalate(
        team(),
        Tier::L2,
        vec!["explicit_request".into()],
        p,
        at(now),
    )
    .unwrap();
    t
}

fn clock(t: &Ticket, k: ClockKind) -> &crate::sla::SlaClock {
    t.sla.clock(k).unwrap()
}

#[test]
fn first_response_starts_at_handoff_not_when_the_bot_began() {
    let p = policies();
    let t = escalated(&p, 100);
    assert_eq!(t.status, TicketStatus::Queued);
    assert_eq!(t.sla.policy.as_deref(), Some("standard"));
    assert_eq!(
        clock(&t, ClockKind::FirstResponse).started_at,
        Some(at(100))
    );
    assert_eq!(clock(&t, ClockKind::FirstResponse).due_at, Some(at(160)));
    assert_eq!(
        t.sla_due_at(),
        Some(at(148)),
        "the warning at 80 % comes first"
    );
}

#[test]
fn a_human_reply_stops_first_response_and_no_breach_follows() {
    let p = policies();
    let mut t = escalated(&p, 100);
    t.assign(AgentId::parse("ana").unwrap(), at(101)).unwrap();
    t.record_human_reply(&p, at(130)).unwrap();
    assert_eq!(clock(&t, ClockKind::FirstResponse).met_at, Some(at(130)));
    let events = t.sla.check(at(10_000));
    assert!(
        !events.iter().any(|(k, _)| *k == ClockKind::FirstResponse),
        "{events:?}"
    );
}

#[test]
fn next_response_starts_at_a_customer_message_after_a_human_reply() {
    let p = policies();
    let mut t = escalated(&p, 0);
    t.assign(AgentId::parse("ana").unwrap(), at(1)).unwrap();
    t.customer_wrote(&p, at(5));
    assert!(
        t.sla.clock(ClockKind::NextResponse).is_none(),
        "no reply yet: first response still runs"
    );
    t.record_human_reply(&p, at(10)).unwrap();
    t.customer_wrote(&p, at(20));
    assert_eq!(clock(&t, ClockKind::NextResponse).due_at, Some(at(140)));
    t.customer_wrote(&p, at(30));
    assert_eq!(
        clock(&t, ClockKind::NextResponse).started_at,
        Some(at(20)),
        "a second message does not restart it"
    );
    t.record_human_reply(&p, at(50)).unwrap();
    assert_eq!(clock(&t, ClockKind::NextResponse).met_at, Some(at(50)));
}

#[test]
fn clocks_pause_while_pending_and_resume_when_the_customer_writes() {
    let p = policies();
    let mut t = escalated(&p, 0);
    t.assign(AgentId::parse("ana").unwrap(), at(1)).unwrap();
    t.set_pending(&p, at(40)).unwrap();
    assert!(!clock(&t, ClockKind::FirstResponse).is_running());
    assert!(
        t.sla.check(at(5_000)).is_empty(),
        "nothing breaches while paused"
    );
    t.customer_wrote(&p, at(1_000));
    assert_eq!(t.status, TicketStatus::Assigned);
    assert_eq!(
        clock(&t, ClockKind::FirstResponse).due_at,
        Some(at(1_020)),
        "40 s were spent of 60"
    );
}

#[test]
fn a_policy_change_mid_ticket_carries_elapsed_time_over() {
    let p = policies();
    let mut t = escalated(&p, 0);
    t.tags.push("vip".into());
    t.refresh_sla(&p, at(20));
    assert_eq!(t.sla.policy.as_deref(), Some("vip"));
    assert_eq!(
        clock(&t, ClockKind::FirstResponse).due_at,
        Some(at(30)),
        "20 s spent of the VIP 30"
    );
}

#[test]
fn warning_and_breach_are_each_recorded_once() {
    let p = policies();
    let mut t = escalated(&p, 0);
    let first = |e: &[(ClockKind, SlaEventKind)]| {
        e.iter()
            .filter(|(k, _)| *k == ClockKind::FirstResponse)
            .map(|(_, e)| *e)
            .collect::<Vec<_>>()
    };
    assert_eq!(first(&t.sla.check(at(48))), vec![SlaEventKind::Warning]);
    assert!(first(&t.sla.check(at(49))).is_empty());
    assert_eq!(first(&t.sla.check(at(60))), vec![SlaEventKind::Breach]);
    assert!(first(&t.sla.check(at(61))).is_empty());
}

#[test]
fn resolving_meets_resolution_and_reopening_counts_on() {
    let p = policies();
    let mut t = escalated(&p, 0);
    t.resolve(&p, at(100)).unwrap();
    assert_eq!(clock(&t, ClockKind::Resolution).met_at, Some(at(100)));
    assert_eq!(t.sla_due_at(), None);
    t.escalate(team(), Tier::L2, vec![], &p, at(1_000)).unwrap();
    assert_eq!(
        clock(&t, ClockKind::Resolution).due_at,
        Some(at(4_500)),
        "100 s spent of 3600"
    );
}

#[test]
fn bot_tickets_cannot_take_agent_replies_or_be_assigned() {
    let p = policies();
    let mut t = ticket();
    assert!(t.record_human_reply(&p, at(1)).is_err());
    assert!(t.assign(AgentId::parse("ana").unwrap(), at(1)).is_err());
    assert_eq!(t.sla_due_at(), None);
}

#[test]
fn priority_and_tier_steps() {
    assert_eq!(Priority::Normal.raised(), Priority::High);
    assert_eq!(Priority::Urgent.raised(), Priority::Urgent);
    assert_eq!(Tier::L2.next(), Some(Tier::L3));
    assert_eq!(Tier::L3.next(), None);
}
