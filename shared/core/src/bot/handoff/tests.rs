use jiff::Timestamp;

use super::*;
use crate::bot::flow::Vars;
use crate::bot::turn::{BotInsight, Lookup};
use crate::desk::escalation::EscalationJob;
use crate::desk::ticket::EscalationReason;
use crate::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};
use crate::sla::{ClockKind, SlaClock};

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

fn ticket() -> Ticket {
    let mut t = Ticket::new(
        WorkspaceId::parse("ws").unwrap(),
        WaId::parse("34600000001").unwrap(),
        None,
        Lang::Es,
        ts(0),
    );
    t.id = TicketId::parse("t1").unwrap();
    t
}

fn turn(n: u32, understood_as: &str, lang: Lang) -> TurnRecord {
    TurnRecord {
        workspace: WorkspaceId::parse("ws").unwrap(),
        message_id: MessageId::parse(format!("wamid.{n}")).unwrap(),
        customer: WaId::parse("34600000001").unwrap(),
        ticket_id: TicketId::parse("t1").unwrap(),
        effects: Vec::new(),
        done: 0,
        bot: Some(Box::new(BotInsight {
            understood_as: understood_as.into(),
            language: lang,
            slots: Vars::new(),
            lookup: None,
            failed_attempts: 0,
            frustration: Vec::new(),
        })),
    }
}

fn with_lookup(mut t: TurnRecord, order: &str, outcome: LookupOutcome) -> TurnRecord {
    let bot = t.bot.as_mut().unwrap();
    bot.slots.insert("order_number".into(), order.into());
    bot.lookup = Some(Lookup {
        action: "order_status".into(),
        outcome,
    });
    t
}

fn handed_off(mut t: TurnRecord, reason: EscalationReason) -> TurnRecord {
    t.effects.push(Effect::Escalate {
        job: EscalationJob {
            workspace: t.workspace.clone(),
            ticket_id: t.ticket_id.clone(),
            reason,
            requested_team: None,
            menu_choice: None,
            text: String::new(),
            language: Lang::Es,
            trigger: Some(t.message_id.clone()),
            intent: None,
            out_of_hours: false,
            keyword: None,
            priority: None,
        },
    });
    t
}

#[test]
fn an_order_flow_keeps_the_order_number_the_lookups_and_the_failed_attempts() {
    let mut t = ticket();
    t.reasons = vec!["failed_attempts".into(), "route:default".into()];
    let turns = vec![
        turn(1, "greeting", Lang::Es),
        turn(2, "flow:order_status:ask:order_number", Lang::Es),
        with_lookup(
            turn(3, "flow:order_status:not_found", Lang::Es),
            "111111",
            LookupOutcome::NotFound,
        ),
        with_lookup(
            turn(4, "flow:order_status:answered", Lang::Es),
            "456789",
            LookupOutcome::Found,
        ),
        turn(5, "not_understood", Lang::Es),
        handed_off(
            turn(6, "not_understood", Lang::Es),
            EscalationReason::FailedAttempts,
        ),
    ];
    let s = summarise(&t, &turns, &[]);
    assert_eq!(s.reasons, vec!["failed_attempts", "route:default"]);
    assert_eq!(s.asked, vec!["order_status"]);
    assert_eq!(s.answered, vec!["flow:order_status:answered"]);
    assert_eq!(
        s.slots.get("order_number").map(String::as_str),
        Some("456789")
    );
    assert_eq!(s.lookups.len(), 2);
    assert_eq!(s.lookups[0].outcome, LookupOutcome::NotFound);
    assert_eq!(s.lookups[0].slots["order_number"], "111111");
    assert_eq!(s.lookups[1].outcome, LookupOutcome::Found);
    assert_eq!(s.failed_attempts, 3);
    assert_eq!(s.bot_turns, 6);
    assert_eq!(s.sentiment, Sentiment::Neutral);
}

#[test]
fn a_handoff_intent_is_asked_but_not_answered_and_the_language_is_the_latest() {
    let t = ticket();
    let turns = vec![
        turn(1, "intent:store_hours", Lang::Es),
        handed_off(
            turn(2, "intent:human_agent", Lang::En),
            EscalationReason::ExplicitRequest,
        ),
    ];
    let s = summarise(&t, &turns, &[]);
    assert_eq!(s.asked, vec!["store_hours", "human_agent"]);
    assert_eq!(s.answered, vec!["intent:store_hours"]);
    assert_eq!(s.language, Lang::En);
    assert_eq!(s.failed_attempts, 0);
}

#[test]
fn frustration_makes_the_sentiment_negative_with_each_sign_once() {
    let t = ticket();
    let mut a = turn(1, "not_understood", Lang::Es);
    a.bot.as_mut().unwrap().frustration = vec!["all_caps".into(), "negative_wording".into()];
    let mut b = turn(2, "frustrated:all_caps", Lang::Es);
    b.bot.as_mut().unwrap().frustration = vec!["all_caps".into()];
    let s = summarise(&t, &[a, b], &[]);
    assert_eq!(s.sentiment, Sentiment::Negative);
    assert_eq!(s.frustration, vec!["all_caps", "negative_wording"]);
    assert_eq!(s.asked, vec!["frustrated"]);

    let mut calm = ticket();
    calm.reasons = vec!["frustration".into()];
    assert_eq!(summarise(&calm, &[], &[]).sentiment, Sentiment::Negative);
    assert_eq!(summarise(&ticket(), &[], &[]).sentiment, Sentiment::Neutral);
}

#[test]
fn profile_tags_join_the_ticket_tags_and_make_a_vip() {
    let mut t = ticket();
    t.tags = vec!["wholesale".into()];
    let s = summarise(&t, &[], &["wholesale".into(), "vip".into()]);
    assert_eq!(s.tags, vec!["wholesale", "vip"]);
    assert!(s.vip);
    assert!(!summarise(&t, &[], &[]).vip);
}

#[test]
fn the_sla_due_is_the_earliest_clock_not_met() {
    let mut t = ticket();
    let clock = |due: i64, met: Option<i64>| SlaClock {
        due_at: Some(ts(due)),
        met_at: met.map(ts),
        ..SlaClock::default()
    };
    t.sla
        .clocks
        .insert(ClockKind::FirstResponse, clock(100, Some(50)));
    t.sla.clocks.insert(ClockKind::Resolution, clock(900, None));
    t.sla
        .clocks
        .insert(ClockKind::EscalateAfter, clock(400, None));
    let due = summarise(&t, &[], &[]).sla_due.unwrap();
    assert_eq!(due.clock, "escalate_after");
    assert_eq!(due.due_at, ts(400));
}

#[test]
fn turns_without_the_bot_count_for_nothing() {
    let t = ticket();
    let mut silent = turn(1, "greeting", Lang::Pt);
    silent.bot = None;
    let s = summarise(&t, &[silent], &[]);
    assert_eq!(s.bot_turns, 0);
    assert_eq!(s.language, Lang::Es);
    assert!(s.asked.is_empty());
}
