use std::collections::HashMap;

use jiff::civil::{Date, date};

use super::rollup::Counters;
use super::*;
use crate::kernel::ids::{AgentId, TeamId, WaId, WorkspaceId};
use crate::kernel::lang::Lang;
use crate::kernel::levels::Tier;
use crate::sla::{BreachActions, Policies, PolicyConfig, PolicyMatch};

fn policies() -> Policies {
    Policies::build(
        &HashMap::new(),
        &[PolicyConfig {
            name: "standard".into(),
            when: PolicyMatch::default(),
            calendar: None,
            first_response_secs: Some(60),
            next_response_secs: Some(120),
            resolution_secs: Some(3600),
            escalate_after_secs: None,
            warn_at_percent: 80,
            on_breach: BreachActions::default(),
            escalation_team: None,
        }],
    )
    .unwrap()
}

/// 2026-03-02 00:00 UTC plus `secs`.
fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_772_409_600 + secs).unwrap()
}

fn day() -> Date {
    date(2026, 3, 2)
}

fn ticket() -> Ticket {
    Ticket::new(
        WorkspaceId::parse("ws").unwrap(),
        WaId::parse("34600111222").unwrap(),
        None,
        Lang::Es,
        at(0),
    )
}

fn count(t: &mut Ticket, now: i64) -> Vec<RollupDelta> {
    count_facts(t, &Calendar::AlwaysOpen, &TimeZone::UTC, at(now))
}

/// The counters added to one dimension, over every day.
fn of(deltas: &[RollupDelta], dim: &Dim) -> Counters {
    let mut c = Counters::default();
    for d in deltas.iter().filter(|d| &d.dim == dim) {
        c.merge(&d.counters);
    }
    c
}

#[test]
fn a_bot_only_conversation_counts_new_then_resolved_by_bot_once() {
    let mut t = ticket();
    let d = count(&mut t, 0);
    assert_eq!(of(&d, &Dim::All).get(names::NEW), 1);
    assert_eq!(of(&d, &Dim::Channel(WHATSAPP.into())).get(names::NEW), 1);
    assert!(count(&mut t, 10).is_empty(), "counted twice");
    t.end_bot_conversation(at(1800)).unwrap();
    let d = count(&mut t, 1800);
    assert_eq!(of(&d, &Dim::All).get(names::BOT_RESOLVED), 1);
    assert!(d.iter().all(|x| x.day == day()));
    assert!(count(&mut t, 1900).is_empty());
}

#[test]
fn an_escalated_ticket_counts_each_fact_once_on_its_dimensions() {
    let p = policies();
    let mut t = ticket();
    count(&mut t, 0);
    let support = TeamId::parse("support").unwrap();
    let ana = AgentId::parse("ana").unwrap();
    t.escalate(
        support.clone(),
        Tier::L2,
        vec!["keyword".into(), "vip_route".into()],
        &p,
        at(100),
    )
    .unwrap();
    let d = count(&mut t, 100);
    assert_eq!(
        of(&d, &Dim::Team("support".into())).get(names::ESCALATED),
        1
    );
    assert_eq!(
        of(&d, &Dim::Reason("keyword".into())).get(names::ESCALATED),
        1
    );
    t.assign(ana.clone(), at(110)).unwrap();
    assert!(count(&mut t, 110).is_empty());
    // First reply 50 s after the handoff: first response met.
    t.record_human_reply(&p, at(150)).unwrap();
    let d = count(&mut t, 150);
    let agent = of(&d, &Dim::Agent("ana".into()));
    assert_eq!(agent.get("fr_n"), 1);
    assert_eq!(agent.get("fr_ws"), 50);
    assert_eq!(agent.get(&names::sla("first_response", true)), 1);
    // The customer writes, the next reply comes 200 s later: next response breached.
    t.customer_wrote(&p, at(200));
    t.sla.check(at(330));
    let d = count(&mut t, 330);
    assert_eq!(
        of(&d, &Dim::All).get(&names::sla("next_response", false)),
        1
    );
    t.record_human_reply(&p, at(400)).unwrap();
    let d = count(&mut t, 400);
    assert_eq!(of(&d, &Dim::All).get("nr_ws"), 200);
    assert_eq!(of(&d, &Dim::All).get(&names::sla("next_response", true)), 0);
    // Resolved: by people, first contact, resolution 900 s after the handoff.
    t.resolve(&p, at(1000)).unwrap();
    let d = count(&mut t, 1000);
    let all = of(&d, &Dim::All);
    assert_eq!(all.get(names::PEOPLE_RESOLVED), 1);
    assert_eq!(all.get(names::FIRST_CONTACT), 1);
    assert_eq!(all.get("res_ws"), 900);
    assert_eq!(all.get(&names::sla("resolution", true)), 1);
    assert!(
        count(&mut t, 1001).is_empty(),
        "a save with nothing new counts nothing"
    );
    // Reopened, resolved again: a reopen, a second resolution (not first contact), and the
    // resolution clock, already counted, is not counted again.
    t.escalate(support, Tier::L2, vec!["reopened".into()], &p, at(2000))
        .unwrap();
    let d = count(&mut t, 2000);
    assert_eq!(of(&d, &Dim::All).get(names::REOPENED), 1);
    assert_eq!(of(&d, &Dim::All).get(names::ESCALATED), 0);
    t.resolve(&p, at(2300)).unwrap();
    let d = count(&mut t, 2300);
    let all = of(&d, &Dim::All);
    assert_eq!(all.get(names::PEOPLE_RESOLVED), 1);
    assert_eq!(all.get(names::FIRST_CONTACT), 0);
    assert_eq!(all.get("res_ws"), 300);
    assert_eq!(all.get(&names::sla("resolution", true)), 0);
    assert!(count(&mut t, 2400).is_empty());
}

#[test]
fn business_time_uses_the_calendar_and_days_the_time_zone() {
    let p = policies();
    let cal = crate::sla::calendar::CalendarConfig {
        timezone: "America/Mexico_City".into(),
        week: crate::sla::calendar::WeekConfig {
            mon: vec!["09:00-18:00".into()],
            ..Default::default()
        },
        holidays: vec![],
    }
    .build()
    .unwrap();
    let tz = TimeZone::get("America/Mexico_City").unwrap();
    let mut t = ticket();
    // 2026-03-02 00:00 UTC is Sunday 1 March 18:00 in Mexico City.
    t.escalate(
        TeamId::parse("support").unwrap(),
        Tier::L2,
        vec![],
        &p,
        at(0),
    )
    .unwrap();
    // Replied Monday 10:00 local (16:00 UTC): one business hour.
    t.record_human_reply(&p, at(16 * 3600)).unwrap();
    let d = count_facts(&mut t, &cal, &tz, at(16 * 3600));
    let new = d.iter().find(|x| x.counters.get(names::NEW) == 1).unwrap();
    assert_eq!(new.day, date(2026, 3, 1));
    let reply = d
        .iter()
        .find(|x| x.dim == Dim::All && x.counters.get("fr_n") == 1)
        .unwrap();
    assert_eq!(reply.day, date(2026, 3, 2));
    assert_eq!(reply.counters.get("fr_ws"), 16 * 3600);
    assert_eq!(reply.counters.get("fr_bs"), 3600);
    assert_eq!(
        of(&d, &Dim::Reason("other".into())).get(names::ESCALATED),
        1
    );
}

#[test]
fn a_transferred_ticket_is_not_a_first_contact_resolution() {
    let p = policies();
    let mut t = ticket();
    t.escalate(
        TeamId::parse("support").unwrap(),
        Tier::L2,
        vec![],
        &p,
        at(0),
    )
    .unwrap();
    t.record(at(10), None, "transferred", Some("billing".into()));
    t.resolve(&p, at(100)).unwrap();
    let d = count(&mut t, 100);
    assert_eq!(of(&d, &Dim::All).get(names::PEOPLE_RESOLVED), 1);
    assert_eq!(of(&d, &Dim::All).get(names::FIRST_CONTACT), 0);
}
