//! The conversation export on the harness: a day's conversations in the workspace's time
//! zone, each with its agent, times, SLA results and the customer's attributes; paging; and
//! who may read it and which ranges it takes.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use turno_core::app::{
    Actor, AppError, ConversationRow, CustomerPatch, ExportParams, SlaResult, StatusChange,
};
use turno_core::channel::message::Content;
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, WaId};
use turno_core::ports::ConversationStore;
use turno_testkit::harness::{TestTurno, demo_workspace};

/// Monday 9 March 2026, 23:30 in Madrid (the demo's business-hours zone).
fn late_monday() -> Timestamp {
    "2026-03-09T22:30:00Z".parse().unwrap()
}

fn actor(agent: &str, role: Role) -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse(agent).unwrap(),
        role,
    }
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

async fn current(t: &TestTurno, customer: &str) -> Ticket {
    let ws = demo_workspace();
    let c = t
        .store
        .conversation(&ws, &WaId::parse(customer).unwrap())
        .await
        .unwrap();
    t.ticket(&ws, &c.and_then(|c| c.ticket_id).unwrap()).await
}

fn day(from: Date, to: Date) -> ExportParams {
    ExportParams {
        from,
        to,
        team: None,
        cursor: None,
        limit: None,
    }
}

async fn all_rows(t: &TestTurno, p: ExportParams, limit: u32) -> Vec<ConversationRow> {
    let bruno = actor("bruno", Role::Supervisor);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = t
            .turno
            .conversation_page(
                &bruno,
                ExportParams {
                    cursor,
                    limit: Some(limit),
                    ..p.clone()
                },
            )
            .await
            .unwrap();
        assert!(page.rows.len() <= limit as usize);
        out.extend(page.rows);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn a_days_conversations_are_exported_in_local_time_with_their_figures() {
    let t = TestTurno::demo(late_monday()).await;
    let bruno = actor("bruno", Role::Supervisor);
    // Late on Monday (local time) a customer only talks to the bot.
    t.customer_sends("34600000001", "wamid.e1", text("hola"))
        .await;

    // Tuesday morning, in office hours: a customer asks for a person, Ana answers and
    // resolves; another only greets the bot.
    t.advance_and_drain(SignedDuration::from_hours(10)).await;
    t.customer_sends(
        "34600000002",
        "wamid.e2",
        text("quiero hablar con un agente"),
    )
    .await;
    let handed = current(&t, "34600000002").await;
    let agent = handed.assignee.clone().expect("assigned at once");
    let holder = actor(agent.as_str(), Role::Agent);
    t.advance(SignedDuration::from_secs(90));
    t.turno
        .agent_reply(&holder, &handed.id, "Hola, ¿en qué te ayudo?")
        .await
        .unwrap();
    t.advance_and_drain(SignedDuration::from_mins(10)).await;
    t.turno
        .change_status(&holder, &handed.id, StatusChange::Resolved, None)
        .await
        .unwrap();
    t.drain().await;
    t.turno
        .update_customer(
            &bruno,
            &WaId::parse("34600000002").unwrap(),
            CustomerPatch {
                attributes: Some(BTreeMap::from([("plan".into(), Some("=gold".into()))])),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();
    t.customer_sends("34600000003", "wamid.e3", text("hola"))
        .await;

    let tuesday = all_rows(&t, day(date(2026, 3, 10), date(2026, 3, 10)), 1).await;
    assert_eq!(tuesday.len(), 2, "Monday's late ticket is Monday's");
    let row = &tuesday[0];
    assert_eq!(row.id, handed.id, "oldest first");
    assert_eq!(row.agent.as_ref(), Some(&agent));
    assert_eq!(row.status, TicketStatus::Resolved);
    assert_eq!(row.team, handed.team);
    assert_eq!(row.first_response_secs, Some(90));
    assert_eq!(row.sla_first_response, Some(SlaResult::Met));
    assert_eq!(row.resolution_secs, Some(90 + 600));
    assert_eq!(
        row.resolution_business_secs,
        Some(90 + 600),
        "all of it inside office hours"
    );
    assert_eq!(row.reopened, 0);
    assert!(!row.escalation_reasons.is_empty());
    assert_eq!(
        row.attributes.get("plan").map(String::as_str),
        Some("=gold"),
        "the profile's attributes, as stored (the CSV guards formulas)"
    );
    assert_eq!(tuesday[1].status, TicketStatus::Bot);
    assert_eq!(tuesday[1].agent, None);
    assert_eq!(tuesday[1].first_response_at, None);

    let monday = all_rows(&t, day(date(2026, 3, 9), date(2026, 3, 9)), 10).await;
    assert_eq!(monday.len(), 1);
    assert_eq!(monday[0].customer.as_str(), "34600000001");
    let both = all_rows(&t, day(date(2026, 3, 9), date(2026, 3, 10)), 2).await;
    assert_eq!(both.len(), 3);
    let mut team_only = day(date(2026, 3, 9), date(2026, 3, 10));
    team_only.team = handed.team.clone();
    let team_rows = all_rows(&t, team_only, 10).await;
    assert_eq!(team_rows.len(), 1, "bot-only conversations have no team");
}

#[tokio::test]
async fn only_supervisors_export_and_ranges_are_checked() {
    let t = TestTurno::demo(late_monday()).await;
    let ana = actor("ana", Role::Agent);
    let bruno = actor("bruno", Role::Supervisor);
    let refused = t
        .turno
        .conversation_page(&ana, day(date(2026, 3, 9), date(2026, 3, 9)))
        .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    for (from, to) in [
        (date(2026, 3, 10), date(2026, 3, 9)),
        (date(2025, 3, 9), date(2026, 3, 10)),
    ] {
        let r = t.turno.conversation_page(&bruno, day(from, to)).await;
        assert!(
            matches!(r, Err(AppError::Invalid(_))),
            "{from}..{to}: {r:?}"
        );
    }
    let full_year = t
        .turno
        .conversation_page(&bruno, day(date(2025, 3, 10), date(2026, 3, 10)))
        .await;
    assert!(full_year.is_ok(), "366 days: {full_year:?}");
    let bad_cursor = t
        .turno
        .conversation_page(
            &bruno,
            ExportParams {
                cursor: Some("nope".into()),
                ..day(date(2026, 3, 9), date(2026, 3, 9))
            },
        )
        .await;
    assert!(matches!(bad_cursor, Err(AppError::Invalid(_))));
    for limit in [0, 501] {
        let r = t
            .turno
            .conversation_page(
                &bruno,
                ExportParams {
                    limit: Some(limit),
                    ..day(date(2026, 3, 9), date(2026, 3, 9))
                },
            )
            .await;
        assert!(matches!(r, Err(AppError::Invalid(_))), "limit {limit}");
    }
}
