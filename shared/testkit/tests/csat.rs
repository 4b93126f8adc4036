//! The satisfaction survey on the harness: sent once after the resolution's delay (a list
//! inside the 24-hour window, the template outside it), not to customers who opted out nor
//! for reopened tickets; the answer by tap or digit, the comment, and the low-average alert.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{Actor, CustomerPatch, StatusChange};
use turno_core::channel::message::{Content, Outbound};
use turno_core::config::TurnoConfig;
use turno_core::desk::agent::Role;
use turno_core::desk::csat::SurveyChannel;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{AgentId, WaId};
use turno_core::ports::domain_events::DomainEvent;
use turno_core::ports::jobs::{CsatSurvey, DelayedJob};
use turno_core::ports::{Clock, ConversationStore, NotificationKind, QueueName};
use turno_testkit::harness::{
    DEMO_CONFIG_YAML, DEMO_INTENTS_YAML, TestTurno, demo_workspace, workspaces_from_yaml,
};

/// The demo's survey delay (300 s), and one second more.
const PAST_DELAY: SignedDuration = SignedDuration::from_secs(301);

fn start() -> Timestamp {
    Timestamp::from_second(1_748_876_667).unwrap()
}

fn wa(n: &str) -> WaId {
    WaId::parse(n).unwrap()
}

fn bruno() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse("bruno").unwrap(),
        role: Role::Supervisor,
    }
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

fn tap(score: u8) -> Content {
    Content::ListReply {
        id: format!("csat:{score}"),
        title: format!("{score}"),
        description: None,
    }
}

/// The customer's current ticket.
async fn current(t: &TestTurno, customer: &str) -> Ticket {
    let ws = demo_workspace();
    let c = t.store.conversation(&ws, &wa(customer)).await.unwrap();
    let id = c
        .and_then(|c| c.ticket_id)
        .expect("a conversation with a ticket");
    t.ticket(&ws, &id).await
}

/// The customer asks for a person, an agent takes the ticket, and a supervisor resolves it.
async fn resolved_ticket(t: &TestTurno, customer: &str) -> Ticket {
    t.customer_sends(
        customer,
        &format!("wamid.{customer}.a"),
        text("quiero hablar con un agente"),
    )
    .await;
    let ticket = current(t, customer).await;
    assert!(ticket.status.is_human(), "handed off: {:?}", ticket.status);
    t.turno
        .change_status(&bruno(), &ticket.id, StatusChange::Resolved, None)
        .await
        .unwrap();
    t.drain().await;
    t.ticket(&demo_workspace(), &ticket.id).await
}

/// The surveys sent to a customer so far.
fn surveys(t: &TestTurno, customer: &str) -> Vec<Outbound> {
    t.whatsapp
        .messages(&demo_workspace(), Some(&wa(customer)), 0)
        .unwrap()
        .into_iter()
        .map(|m| m.message)
        .filter(|m| match m {
            Outbound::List { rows, .. } => rows.iter().any(|r| r.id.starts_with("csat:")),
            Outbound::Template(tm) => tm.name == "encuesta_satisfaccion",
            _ => false,
        })
        .collect()
}

fn events_of(t: &TestTurno, pick: fn(&DomainEvent) -> bool) -> usize {
    let events = t.events.events(&demo_workspace()).unwrap();
    events.iter().filter(|e| pick(e)).count()
}

fn audited(ticket: &Ticket, action: &str) -> usize {
    ticket.audit.iter().filter(|a| a.action == action).count()
}

#[tokio::test]
async fn inside_the_window_the_survey_is_a_list_sent_once_after_the_delay() {
    let t = TestTurno::demo(start()).await;
    let ticket = resolved_ticket(&t, "34600200001").await;
    assert!(
        surveys(&t, "34600200001").is_empty(),
        "not before the delay"
    );
    t.advance_and_drain(PAST_DELAY).await;
    let sent = surveys(&t, "34600200001");
    assert_eq!(sent.len(), 1);
    let Outbound::List { rows, .. } = &sent[0] else {
        panic!("inside the window the survey is a list: {:?}", sent[0]);
    };
    assert_eq!(rows.len(), 5);
    let ticket = t.ticket(&demo_workspace(), &ticket.id).await;
    let csat = ticket.csat.clone().expect("the ticket is marked surveyed");
    assert_eq!(csat.channel, SurveyChannel::List);
    assert!(csat.survey_message.is_some());
    assert_eq!(csat.agent, Some(AgentId::parse("ana").unwrap()));
    assert_eq!(audited(&ticket, "csat_sent"), 1);
}

#[tokio::test]
async fn outside_the_window_the_survey_is_the_template_with_score_buttons() {
    let t = TestTurno::demo(start()).await;
    t.customer_sends(
        "34600200002",
        "wamid.w1",
        text("quiero hablar con un agente"),
    )
    .await;
    let ticket = current(&t, "34600200002").await;
    t.advance_and_drain(SignedDuration::from_hours(24)).await;
    t.turno
        .change_status(&bruno(), &ticket.id, StatusChange::Resolved, None)
        .await
        .unwrap();
    t.advance_and_drain(PAST_DELAY).await;
    let sent = surveys(&t, "34600200002");
    assert_eq!(sent.len(), 1);
    let Outbound::Template(template) = &sent[0] else {
        panic!(
            "outside the window the survey is the template: {:?}",
            sent[0]
        );
    };
    assert_eq!(template.button_payloads.len(), 5);
    assert_eq!(template.button_payloads[0], "csat_1");
    let csat = t.ticket(&demo_workspace(), &ticket.id).await.csat.unwrap();
    assert_eq!(csat.channel, SurveyChannel::Template);

    // The customer taps a button of the template: the score is the ticket's, which stays
    // resolved (the tap is not a new question).
    let button = Content::TemplateButton {
        payload: "csat_3".into(),
        text: "3".into(),
    };
    t.customer_sends("34600200002", "wamid.w2", button).await;
    let ticket = t.ticket(&demo_workspace(), &ticket.id).await;
    assert_eq!(ticket.csat.unwrap().score, Some(3));
    assert_eq!(ticket.status, TicketStatus::Resolved);
}

#[tokio::test]
async fn a_redelivered_survey_job_sends_no_second_survey() {
    let t = TestTurno::demo(start()).await;
    let ticket = resolved_ticket(&t, "34600200003").await;
    t.advance(PAST_DELAY);
    let job = DelayedJob::CsatSurvey(CsatSurvey {
        workspace: demo_workspace(),
        ticket_id: ticket.id.clone(),
        resolved_at: ticket.resolved_at.unwrap(),
        due_at: t.clock.now(),
    });
    let body = serde_json::to_string(&job).unwrap();
    for _ in 0..2 {
        t.turno
            .handle_job(QueueName::SlaTimers, &body)
            .await
            .unwrap();
    }
    // And the job the resolution queued, delivered too.
    t.drain().await;
    assert_eq!(surveys(&t, "34600200003").len(), 1);
    let ticket = t.ticket(&demo_workspace(), &ticket.id).await;
    assert_eq!(audited(&ticket, "csat_sent"), 1);
}

#[tokio::test]
async fn customers_who_opted_out_and_reopened_tickets_get_no_survey() {
    let t = TestTurno::demo(start()).await;
    t.customer_sends(
        "34600200004",
        "wamid.x1",
        text("quiero hablar con un agente"),
    )
    .await;
    let opted_out = current(&t, "34600200004").await;
    t.turno
        .update_customer(
            &bruno(),
            &wa("34600200004"),
            CustomerPatch {
                marketing_consent: Some(false),
                ..CustomerPatch::default()
            },
        )
        .await
        .unwrap();
    t.turno
        .change_status(&bruno(), &opted_out.id, StatusChange::Resolved, None)
        .await
        .unwrap();

    let reopened = resolved_ticket(&t, "34600200005").await;
    t.advance_and_drain(SignedDuration::from_secs(60)).await;
    t.customer_sends("34600200005", "wamid.r1", text("sigue sin funcionar"))
        .await;
    assert!(
        t.ticket(&demo_workspace(), &reopened.id)
            .await
            .status
            .is_human()
    );

    t.advance_and_drain(PAST_DELAY).await;
    assert!(surveys(&t, "34600200004").is_empty());
    assert!(surveys(&t, "34600200005").is_empty());
    assert!(
        t.ticket(&demo_workspace(), &opted_out.id)
            .await
            .csat
            .is_none()
    );
    assert!(
        t.ticket(&demo_workspace(), &reopened.id)
            .await
            .csat
            .is_none()
    );
}

#[tokio::test]
async fn a_tap_is_the_score_then_the_next_text_is_the_comment() {
    let t = TestTurno::demo(start()).await;
    let ticket = resolved_ticket(&t, "34600200006").await;
    t.advance_and_drain(PAST_DELAY).await;
    t.customer_sends("34600200006", "wamid.t1", tap(4)).await;
    t.customer_sends("34600200006", "wamid.t2", text("muy amables, gracias"))
        .await;
    // The tap redelivered changes nothing.
    t.customer_sends("34600200006", "wamid.t1", tap(4)).await;

    let ticket = t.ticket(&demo_workspace(), &ticket.id).await;
    assert_eq!(
        ticket.status,
        TicketStatus::Resolved,
        "answers do not reopen"
    );
    let csat = ticket.csat.clone().unwrap();
    assert_eq!(csat.score, Some(4));
    assert_eq!(csat.comment.as_deref(), Some("muy amables, gracias"));
    assert!(csat.answered_at.is_some() && csat.commented_at.is_some());
    assert_eq!(csat.team.as_ref().map(|t| t.as_str()), Some("support"));
    assert_eq!(audited(&ticket, "csat_answered"), 1);
    assert_eq!(audited(&ticket, "csat_comment"), 1);
    assert_eq!(
        events_of(&t, |e| matches!(
            e,
            DomainEvent::CsatAnswered { score: 4, .. }
        )),
        1
    );
    // Both answers are on the transcript, each thanked.
    let transcript = t
        .turno
        .store()
        .transcript(&demo_workspace(), &ticket.id)
        .await
        .unwrap();
    for id in ["wamid.t1", "wamid.t2"] {
        assert!(
            transcript.iter().any(|e| e.message_id.as_str() == id),
            "{id}"
        );
    }
    let thanks = t
        .whatsapp
        .messages(&demo_workspace(), Some(&wa("34600200006")), 0)
        .unwrap()
        .into_iter()
        .filter(|m| m.message.body().starts_with("¡Gracias"))
        .count();
    assert_eq!(thanks, 2);
}

#[tokio::test]
async fn a_digit_right_after_the_survey_is_the_score_and_later_text_is_the_bots() {
    let t = TestTurno::demo(start()).await;
    let ticket = resolved_ticket(&t, "34600200007").await;
    t.advance_and_drain(PAST_DELAY).await;
    t.customer_sends("34600200007", "wamid.d1", text(" 2 "))
        .await;
    let csat = t.ticket(&demo_workspace(), &ticket.id).await.csat.unwrap();
    assert_eq!(csat.score, Some(2));
    // After the comment window, a text is a new question: it reopens the ticket.
    t.advance_and_drain(SignedDuration::from_secs(601)).await;
    t.customer_sends(
        "34600200007",
        "wamid.d2",
        text("quiero hablar con un agente"),
    )
    .await;
    let ticket = t.ticket(&demo_workspace(), &ticket.id).await;
    assert!(ticket.csat.unwrap().comment.is_none());
    assert!(ticket.status.is_human(), "{:?}", ticket.status);
}

#[tokio::test]
async fn an_answer_after_the_ticket_reopened_counts_for_the_surveyed_ticket() {
    let t = TestTurno::demo(start()).await;
    let ticket = resolved_ticket(&t, "34600200008").await;
    t.advance_and_drain(PAST_DELAY).await;
    t.customer_sends("34600200008", "wamid.o1", text("hola, otra duda"))
        .await;
    assert!(
        t.ticket(&demo_workspace(), &ticket.id)
            .await
            .status
            .is_human()
    );
    t.customer_sends("34600200008", "wamid.o2", tap(5)).await;
    let csat = t.ticket(&demo_workspace(), &ticket.id).await.csat.unwrap();
    assert_eq!(csat.score, Some(5));
}

#[tokio::test]
async fn the_low_average_alert_fires_once_and_rearms_when_the_average_recovers() {
    let yaml = DEMO_CONFIG_YAML.replace("alert_window: 20", "alert_window: 3");
    assert_ne!(yaml, DEMO_CONFIG_YAML, "the demo sets an alert window");
    let t = TestTurno::configured(workspaces_from_yaml(&yaml), start()).await;
    let alerts = |t: &TestTurno| {
        (
            t.notifier.of_kind(NotificationKind::CsatLow).len(),
            events_of(t, |e| matches!(e, DomainEvent::CsatAlert { .. })),
        )
    };
    let scores = [1, 2, 3, 1, 5, 5, 5, 1, 1];
    let mut seen = Vec::new();
    for (i, score) in scores.into_iter().enumerate() {
        let customer = format!("3460030000{i}");
        resolved_ticket(&t, &customer).await;
        t.advance_and_drain(PAST_DELAY).await;
        t.customer_sends(&customer, &format!("wamid.s{i}"), tap(score))
            .await;
        seen.push(alerts(&t).0);
        assert_eq!(
            alerts(&t).0,
            alerts(&t).1,
            "a notification and an event each time"
        );
    }
    // 1,2,3 drops to 2.0: fires; 3,1 stays low: quiet; 5,5,5 climbs to 5.0: re-arms; 5,1,1
    // drops to 2.33: fires again.
    assert_eq!(seen, vec![0, 0, 1, 1, 1, 1, 1, 1, 2]);
}

#[tokio::test]
async fn a_bad_survey_configuration_is_refused_at_start_up() {
    let yaml = DEMO_CONFIG_YAML.replace(
        "button_payloads: [csat_1, csat_2, csat_3, csat_4, csat_5]",
        "button_payloads: [csat_good, csat_bad]",
    );
    assert_ne!(yaml, DEMO_CONFIG_YAML);
    let mut config: TurnoConfig = serde_yaml_ng::from_str(&yaml).unwrap();
    config
        .load_intents(|_| Ok(DEMO_INTENTS_YAML.to_owned()))
        .unwrap();
    let Err(refused) = config.validate() else {
        panic!("payloads that are not scores are refused");
    };
    assert!(refused.to_string().contains("csat_good"), "{refused}");
}
