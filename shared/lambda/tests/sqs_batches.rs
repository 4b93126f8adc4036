//! `handle_sqs_batch` and `handle_schedule` on a real `Turno` (embedded adapters on a
//! temporary SQLite file) with the sample events from `events/`.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use turno_core::Timestamp;
use turno_core::channel::message::InboundMessage;
use turno_core::desk::escalation::EscalationJob;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};
use turno_core::ports::jobs::SlaTimer;
use turno_core::ports::{NotificationKind, QueueName};
use turno_core::sla::ClockKind;
use turno_lambda::testing::{sample, sqs_sample};
use turno_lambda::{handle_schedule, handle_sqs_batch};
use turno_testkit::harness::TestTurno;

fn failed_ids(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

fn id(record: &SqsMessage) -> &str {
    record
        .message_id
        .as_deref()
        .expect("sample records have ids")
}

fn body<T: serde::de::DeserializeOwned>(record: &SqsMessage) -> T {
    serde_json::from_str(record.body.as_deref().expect("sample records have bodies"))
        .expect("sample body")
}

/// When SQS sent the record: the clock the tests start from.
fn sent_at(record: &SqsMessage) -> Timestamp {
    let ms: i64 = record.attributes["SentTimestamp"]
        .parse()
        .expect("SentTimestamp is a number");
    Timestamp::from_millisecond(ms).expect("SentTimestamp is a time")
}

fn inbound_batch() -> (SqsEvent, Vec<InboundMessage>) {
    let event = sqs_sample("sqs-inbound.json");
    let messages = event.records.iter().map(body).collect();
    (event, messages)
}

async fn turn_exists(t: &TestTurno, message: &InboundMessage) -> bool {
    t.turno
        .store()
        .turn(&message.workspace, &message.id)
        .await
        .expect("store reads")
        .is_some()
}

/// The ticket of the escalation sample, as the bot would have left it: still with the bot.
async fn seed_escalation_ticket(t: &TestTurno) -> EscalationJob {
    let job: EscalationJob = body(&sqs_sample("sqs-escalations.json").records[0]);
    let customer = WaId::parse("5215512345678").expect("customer");
    t.seed_bot_ticket(&job.workspace, &job.ticket_id, &customer)
        .await;
    job
}

async fn ticket(t: &TestTurno, ws: &WorkspaceId, id: &TicketId) -> Ticket {
    t.turno
        .store()
        .ticket(ws, id)
        .await
        .expect("store reads")
        .expect("ticket exists")
}

#[tokio::test]
async fn inbound_batch_runs_every_message_and_reports_no_failures() {
    let (event, messages) = inbound_batch();
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Inbound, event).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    for m in &messages {
        assert!(
            turn_exists(&t, m).await,
            "message {} was not processed",
            m.id
        );
    }
}

#[tokio::test]
async fn a_malformed_record_is_the_only_one_reported() {
    let (mut event, messages) = inbound_batch();
    event.records[2].body = Some("{\"workspace\": \"100200300400500\", \"id\": ".to_owned());
    let malformed = id(&event.records[2]).to_owned();
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Inbound, event).await;

    assert_eq!(failed_ids(&response), vec![malformed.as_str()]);
    assert!(turn_exists(&t, &messages[0]).await);
    assert!(turn_exists(&t, &messages[1]).await);
}

#[tokio::test]
async fn when_a_groups_first_record_fails_its_later_records_are_reported_without_running() {
    let (mut event, messages) = inbound_batch();
    event.records[0].body = Some("not json".to_owned());
    let (first, second) = (
        id(&event.records[0]).to_owned(),
        id(&event.records[1]).to_owned(),
    );
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Inbound, event).await;

    assert_eq!(failed_ids(&response), vec![first.as_str(), second.as_str()]);
    assert!(
        !turn_exists(&t, &messages[1]).await,
        "the group's second message ran before its first"
    );
    assert!(
        turn_exists(&t, &messages[2]).await,
        "the other customer's message should run"
    );
}

#[tokio::test]
async fn a_record_without_a_body_is_reported_failed() {
    let (mut event, _) = inbound_batch();
    event.records[2].body = None;
    let no_body = id(&event.records[2]).to_owned();
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Inbound, event).await;

    assert_eq!(failed_ids(&response), vec![no_body.as_str()]);
}

#[tokio::test]
async fn a_record_on_the_wrong_queue_fails_as_malformed() {
    let event = sqs_sample("sqs-inbound.json");
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Escalations, event).await;

    assert_eq!(response.batch_item_failures.len(), 3);
}

#[tokio::test]
async fn ticket_writes_are_stored_in_the_transcript() {
    let event = sqs_sample("sqs-ticket-writes.json");
    let t = TestTurno::demo(sent_at(&event.records[0])).await;
    let job: EscalationJob = body(&sqs_sample("sqs-escalations.json").records[0]);

    let response = handle_sqs_batch(&t.turno, QueueName::TicketWrites, event).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    let transcript = t
        .turno
        .store()
        .transcript(&job.workspace, &job.ticket_id)
        .await
        .expect("store reads");
    let expected =
        MessageId::parse("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBBMkM3RDlFMEYxQTJCM0M0RDUA")
            .expect("id");
    assert_eq!(transcript.len(), 1);
    assert_eq!(transcript[0].message_id, expected);
}

#[tokio::test]
async fn an_escalation_for_a_missing_ticket_is_reported_failed() {
    let event = sqs_sample("sqs-escalations.json");
    let only = id(&event.records[0]).to_owned();
    let t = TestTurno::demo(sent_at(&event.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Escalations, event).await;

    assert_eq!(failed_ids(&response), vec![only.as_str()]);
}

#[tokio::test]
async fn an_escalation_assigns_the_ticket_notifies_the_agent_and_arms_the_sla_timer() {
    let event = sqs_sample("sqs-escalations.json");
    let t = TestTurno::demo(sent_at(&event.records[0])).await;
    let job = seed_escalation_ticket(&t).await;

    let response = handle_sqs_batch(&t.turno, QueueName::Escalations, event).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    let escalated = ticket(&t, &job.workspace, &job.ticket_id).await;
    assert_eq!(escalated.status, TicketStatus::Assigned);
    assert!(escalated.assignee.is_some());
    let sent = t.notifier.sent();
    assert!(
        sent.iter()
            .any(|n| n.kind == NotificationKind::TicketAssigned)
    );
    assert_eq!(
        t.queues.depth(QueueName::SlaTimers).expect("queue depth"),
        1
    );
}

#[tokio::test]
async fn a_due_timer_records_the_breach_and_notifies_once_even_when_redelivered() {
    let escalations = sqs_sample("sqs-escalations.json");
    let timers = sqs_sample("sqs-sla-timers.json");
    let timer: SlaTimer = body(&timers.records[0]);
    let t = TestTurno::demo(sent_at(&escalations.records[0])).await;
    let job = seed_escalation_ticket(&t).await;
    let escalated = handle_sqs_batch(&t.turno, QueueName::Escalations, escalations).await;
    assert_eq!(failed_ids(&escalated), Vec::<&str>::new());
    t.clock.set(sent_at(&timers.records[0]));

    let first = handle_sqs_batch(&t.turno, QueueName::SlaTimers, timers.clone()).await;
    let redelivered = handle_sqs_batch(&t.turno, QueueName::SlaTimers, timers).await;

    assert_eq!(failed_ids(&first), Vec::<&str>::new());
    assert_eq!(failed_ids(&redelivered), Vec::<&str>::new());
    let breached = ticket(&t, &job.workspace, &job.ticket_id).await;
    assert_eq!(
        breached
            .sla
            .clock(ClockKind::FirstResponse)
            .expect("first-response clock")
            .breached_at,
        Some(timer.due_at)
    );
    let breaches = t
        .notifier
        .sent()
        .into_iter()
        .filter(|n| n.kind == NotificationKind::SlaBreached)
        .count();
    assert_eq!(breaches, 1);
}

#[tokio::test]
async fn a_timer_that_is_not_due_yet_is_armed_again_not_failed() {
    let escalations = sqs_sample("sqs-escalations.json");
    let t = TestTurno::demo(sent_at(&escalations.records[0])).await;
    let job = seed_escalation_ticket(&t).await;
    let escalated = handle_sqs_batch(&t.turno, QueueName::Escalations, escalations).await;
    assert_eq!(failed_ids(&escalated), Vec::<&str>::new());
    let escalated_ticket = ticket(&t, &job.workspace, &job.ticket_id).await;
    let (clock, due_at) = escalated_ticket
        .sla
        .next_event_with_clock()
        .expect("a running clock");
    // A hop of the ticket's live timer chain, arriving before its event is due.
    let mut timers = sqs_sample("sqs-sla-timers.json");
    timers.records[0].body = Some(
        serde_json::to_string(&SlaTimer {
            workspace: job.workspace.clone(),
            ticket_id: job.ticket_id.clone(),
            clock,
            due_at,
            armed_at: Some(escalated_ticket.version),
        })
        .expect("a timer body"),
    );
    let armed = t.queues.depth(QueueName::SlaTimers).expect("queue depth");

    let response = handle_sqs_batch(&t.turno, QueueName::SlaTimers, timers).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    assert_eq!(
        t.queues.depth(QueueName::SlaTimers).expect("queue depth"),
        armed + 1
    );
}

#[tokio::test]
async fn a_timer_whose_ticket_moved_on_is_dropped_at_its_hop_not_armed_again() {
    let escalations = sqs_sample("sqs-escalations.json");
    let timers = sqs_sample("sqs-sla-timers.json");
    let t = TestTurno::demo(sent_at(&escalations.records[0])).await;
    seed_escalation_ticket(&t).await;
    let escalated = handle_sqs_batch(&t.turno, QueueName::Escalations, escalations).await;
    assert_eq!(failed_ids(&escalated), Vec::<&str>::new());
    // The sample timer is for the first-response deadline; the ticket's next event is the
    // warning before it, with a timer of its own.
    let armed = t.queues.depth(QueueName::SlaTimers).expect("queue depth");

    let response = handle_sqs_batch(&t.turno, QueueName::SlaTimers, timers).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    assert_eq!(
        t.queues.depth(QueueName::SlaTimers).expect("queue depth"),
        armed
    );
}

#[tokio::test]
async fn a_timer_for_a_ticket_that_does_not_exist_is_dropped_not_retried() {
    let timers = sqs_sample("sqs-sla-timers.json");
    let t = TestTurno::demo(sent_at(&timers.records[0])).await;

    let response = handle_sqs_batch(&t.turno, QueueName::SlaTimers, timers).await;

    assert_eq!(failed_ids(&response), Vec::<&str>::new());
    assert!(t.notifier.sent().is_empty());
}

#[tokio::test]
async fn the_schedule_sweeps_every_ticket_whose_sla_is_due() {
    let escalations = sqs_sample("sqs-escalations.json");
    let schedule: EventBridgeEvent<serde_json::Value> =
        serde_json::from_str(&sample("eventbridge-schedule.json")).expect("EventBridge event");
    let t = TestTurno::demo(sent_at(&escalations.records[0])).await;
    let job = seed_escalation_ticket(&t).await;
    let escalated = handle_sqs_batch(&t.turno, QueueName::Escalations, escalations).await;
    assert_eq!(failed_ids(&escalated), Vec::<&str>::new());
    let scheduled_at = schedule.time.expect("the sample has a time").timestamp();
    t.clock
        .set(Timestamp::from_second(scheduled_at).expect("time"));

    let report = handle_schedule(&t.turno, schedule)
        .await
        .expect("sweep runs");

    assert_eq!((report.looked_at, report.breaches), (1, 1));
    let swept = ticket(&t, &job.workspace, &job.ticket_id).await;
    assert!(
        swept
            .sla
            .clock(ClockKind::FirstResponse)
            .is_some_and(|c| c.breached_at.is_some())
    );
}
