use std::collections::HashMap;

use jiff::Timestamp;

use super::*;
use crate::kernel::levels::{Priority, Tier};
use crate::sla::calendar::Calendar;

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

#[test]
fn a_clock_warns_at_its_share_then_breaches_each_once() {
    let cal = Calendar::AlwaysOpen;
    let mut c = SlaClock::default();
    c.start(100, at(0), 80, &cal);
    assert_eq!(c.warn_at, Some(at(80)));
    assert_eq!(c.due_at, Some(at(100)));
    assert!(c.check(at(79)).is_empty());
    assert_eq!(c.check(at(80)), vec![SlaEventKind::Warning]);
    assert!(c.check(at(90)).is_empty());
    assert_eq!(c.check(at(100)), vec![SlaEventKind::Breach]);
    assert!(c.check(at(200)).is_empty());
}

#[test]
fn a_late_check_records_warning_and_breach_together() {
    let cal = Calendar::AlwaysOpen;
    let mut c = SlaClock::default();
    c.start(100, at(0), 80, &cal);
    assert_eq!(
        c.check(at(500)),
        vec![SlaEventKind::Warning, SlaEventKind::Breach]
    );
}

#[test]
fn pausing_stops_the_clock_and_resuming_moves_the_deadline_by_the_pause() {
    let cal = Calendar::AlwaysOpen;
    let mut c = SlaClock::default();
    c.start(100, at(0), 80, &cal);
    c.pause(at(30), &cal);
    assert_eq!(c.next_event(), None);
    assert!(
        c.check(at(1000)).is_empty(),
        "a paused clock never breaches"
    );
    c.resume(at(1000), 80, &cal);
    assert_eq!(c.due_at, Some(at(1070)));
    assert_eq!(c.warn_at, Some(at(1050)));
    assert_eq!(c.elapsed(at(1010), &cal), 40);
}

#[test]
fn a_new_target_keeps_the_elapsed_time() {
    let cal = Calendar::AlwaysOpen;
    let mut c = SlaClock::default();
    c.start(600, at(0), 80, &cal);
    c.retarget(300, at(100), 80, &cal, &cal);
    assert_eq!(c.due_at, Some(at(300)), "100 s spent of 300");
    assert_eq!(c.warn_at, Some(at(240)));
}

#[test]
fn a_met_clock_stays_stopped() {
    let cal = Calendar::AlwaysOpen;
    let mut c = SlaClock::default();
    c.start(100, at(0), 80, &cal);
    c.meet(at(50), &cal);
    c.resume(at(60), 80, &cal);
    assert!(!c.is_running());
    assert_eq!(c.met_at, Some(at(50)));
    assert_eq!(c.next_event(), None);
}

#[test]
fn first_matching_policy_applies() {
    let p = |name: &str, when: PolicyMatch| PolicyConfig {
        name: name.into(),
        when,
        calendar: None,
        first_response_secs: Some(60),
        next_response_secs: None,
        resolution_secs: None,
        escalate_after_secs: None,
        warn_at_percent: 80,
        on_breach: BreachActions::default(),
        escalation_team: None,
    };
    let policies = Policies::build(
        &HashMap::new(),
        &[
            p(
                "vip",
                PolicyMatch {
                    tags: vec!["vip".into()],
                    ..PolicyMatch::default()
                },
            ),
            p(
                "urgent",
                PolicyMatch {
                    priorities: vec![Priority::Urgent],
                    ..PolicyMatch::default()
                },
            ),
            p("default", PolicyMatch::default()),
        ],
    )
    .unwrap();
    let name = |prio, tags: &[String]| {
        policies
            .select(prio, Tier::L2, None, tags)
            .unwrap()
            .config
            .name
            .clone()
    };
    assert_eq!(name(Priority::Normal, &["vip".into()]), "vip");
    assert_eq!(name(Priority::Urgent, &[]), "urgent");
    assert_eq!(name(Priority::Normal, &[]), "default");
}
