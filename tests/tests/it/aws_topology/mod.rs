//! The AWS topology in one process, on the local emulators (./infra/test.sh starts them): the
//! webhook router enqueues to SQS (moto), the test plays Lambda's event source mappings (poll
//! each queue, hand the batch to `handle_sqs_batch` as an `SqsEvent`, delete what succeeded),
//! the store is DynamoDB Local, domain events go to an EventBridge bus (moto) whose rule
//! forwards them to a queue, and the Graph API is a fake. Every AWS request the use cases make
//! is counted.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use axum::http::StatusCode;
use turno_aws::testing as emulators;
use turno_core::app::Actor;
use turno_core::bot::turn::Effect;
use turno_core::channel::message::Author;
use turno_core::config::Workspaces;
use turno_core::desk::agent::Role;
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{AgentStore, ConversationStore, QueueName, TicketStore, TranscriptStore};
use turno_core::sla::ClockKind;
use turno_tests::{WORKSPACE, text_webhook, wamid};

const CUSTOMER: &str = "34600111222";
const TOKEN: &str = "graph-token-in-ssm";
/// AWS requests one bot-handled message may cost in all: webhook-ingress (1 SendMessageBatch),
/// bot-turn (read the conversation with the message's turn record, and the ticket when there
/// is one; send the replies; commit the turn with the customer's entry and the replies';
/// TicketCreated for a new ticket; for a new conversation, its inactivity timer) and
/// ticket-writer (nothing left to do).
const BOT_MESSAGE_REQUEST_BUDGET: u64 = 5;

mod budget;
mod escalations;
mod topology;

use topology::Handled;
pub(crate) use topology::Topology;

#[tokio::test]
async fn bot_conversation_escalation_and_agent_reply_run_on_the_aws_adapters() {
    let t = Topology::deploy().await;
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let customer = WaId::parse(CUSTOMER).unwrap();

    // The bot answers a greeting.
    let before_ingress = t.counter.count();
    let status = t
        .webhook(text_webhook(CUSTOMER, "Lucía", &wamid(), "hola"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let greeting_ingress = t.counter.count() - before_ingress;
    let first = t.run_functions().await;
    assert!(
        !t.graph.texts_to(CUSTOMER).await.is_empty(),
        "the bot replied through the Graph API"
    );

    // Asking for a person hands the conversation to an agent.
    let before_ingress = t.counter.count();
    let status = t
        .webhook(text_webhook(
            CUSTOMER,
            "Lucía",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let handoff_ingress = t.counter.count() - before_ingress;
    let handoff = t.run_functions().await;
    let conversation = t
        .store
        .conversation(&ws, &customer)
        .await
        .unwrap()
        .expect("conversation in DynamoDB");
    let ticket_id = conversation.ticket_id.expect("a ticket");
    let ticket = t
        .store
        .ticket(&ws, &ticket_id)
        .await
        .unwrap()
        .expect("ticket");
    assert_eq!(ticket.status, TicketStatus::Assigned);
    let agent = ticket.assignee.clone().expect("an agent holds it");
    let holder = t.store.agent(&ws, &agent).await.unwrap().expect("agent");
    assert_eq!(holder.load, 1, "the assignment took one unit of capacity");

    // The agent answers.
    let actor = Actor {
        workspace: ws.clone(),
        agent: agent.clone(),
        role: Role::Agent,
    };
    t.turno
        .agent_reply(&actor, &ticket_id, "Hola Lucía, soy tu agente")
        .await
        .expect("agent reply");
    t.run_functions().await;
    assert!(
        t.graph
            .texts_to(CUSTOMER)
            .await
            .contains(&"Hola Lucía, soy tu agente".to_owned())
    );

    // The whole conversation is in the ticket's transcript, in order.
    let transcript = t.store.transcript(&ws, &ticket_id).await.unwrap();
    let authors: Vec<&Author> = transcript.iter().map(|e| &e.author).collect();
    assert_eq!(authors.first(), Some(&&Author::Customer), "{authors:?}");
    assert!(authors.contains(&&Author::Bot), "{authors:?}");
    assert_eq!(
        authors.last(),
        Some(&&Author::Agent { id: agent.clone() }),
        "{authors:?}"
    );

    // Domain events reached the EventBridge bus.
    let mut detail_types = Vec::new();
    for _ in 0..5 {
        detail_types.extend(
            emulators::drain_url(&t.own.sqs, &t.events_queue, 1)
                .await
                .iter()
                .map(|m| {
                    let v: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
                    v["detail-type"].as_str().unwrap_or_default().to_owned()
                }),
        );
        if detail_types.iter().any(|d| d == "Assigned") {
            break;
        }
    }
    assert!(
        detail_types.iter().any(|d| d == "Escalated")
            && detail_types.iter().any(|d| d == "Assigned"),
        "{detail_types:?}"
    );

    // The figures the milestone watches: AWS requests per message.
    let per_function = |run: &HashMap<QueueName, Handled>| {
        QueueName::ALL
            .iter()
            .filter_map(|q| {
                run.get(q)
                    .map(|h| format!("{} {} {:?}", q.as_str(), h.aws_requests, h.by_operation))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let total =
        |run: &HashMap<QueueName, Handled>| run.values().map(|h| h.aws_requests).sum::<u64>();
    let bot_message = greeting_ingress + total(&first);
    let escalated_message = handoff_ingress + total(&handoff);
    eprintln!(
        "AWS requests for one bot-handled message: {bot_message} = webhook-ingress {greeting_ingress}; {}",
        per_function(&first)
    );
    eprintln!(
        "AWS requests for one escalated message (handoff, ticket, assignment): {escalated_message} = webhook-ingress {handoff_ingress}; {}",
        per_function(&handoff)
    );
    assert_eq!(first[&QueueName::Inbound].records, 1);
    assert!(
        bot_message <= BOT_MESSAGE_REQUEST_BUDGET,
        "a bot-handled message cost {bot_message} AWS requests, over its budget of \
         {BOT_MESSAGE_REQUEST_BUDGET}: webhook-ingress {greeting_ingress}; {}",
        per_function(&first)
    );
}

/// The demo configuration with a first response due `secs` after the handoff and SLA timers
/// that hop at most `hop_secs` at a time: the same re-arming SQS's 900-second cap forces on a
/// timer further out, in seconds instead of hours.
fn workspaces_with_short_sla(secs: u64, hop_secs: u64) -> Workspaces {
    let yaml = turno_local::config::DEMO_CONFIG.replace(
        "      first_response_secs: 900\n",
        &format!("      first_response_secs: {secs}\n      max_timer_delay_secs: {hop_secs}\n"),
    );
    assert_ne!(yaml, turno_local::config::DEMO_CONFIG, "the demo SLA moved");
    turno_local::config::parse_config(&yaml).expect("a valid configuration")
}

async fn escalate(t: &Topology, customer: &str) -> turno_core::desk::ticket::Ticket {
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let status = t
        .webhook(text_webhook(
            customer,
            "Cliente",
            &wamid(),
            "quiero hablar con un agente",
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    t.run_functions().await;
    let conversation = t.conversation_of(customer).await;
    t.store
        .ticket(&ws, &conversation.ticket_id.expect("a ticket"))
        .await
        .unwrap()
        .expect("ticket")
}

fn events_of<'a>(
    events: &'a [serde_json::Value],
    detail_type: &str,
    ticket: &str,
) -> Vec<&'a serde_json::Value> {
    events
        .iter()
        .filter(|e| e["detail-type"] == detail_type && e["detail"]["ticket_id"] == ticket)
        .collect()
}

#[tokio::test]
async fn a_timer_further_than_one_hop_rearms_until_due_and_the_breach_is_recorded_once() {
    // An 8 s first response with 2 s hops stands for a 1 h target with SQS's 15 min cap.
    let t = Topology::deploy_with(workspaces_with_short_sla(8, 2)).await;
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let ticket = escalate(&t, "34600222333").await;
    assert_eq!(ticket.status, TicketStatus::Assigned);
    let due = ticket
        .sla
        .clock(ClockKind::FirstResponse)
        .and_then(|c| c.due_at)
        .expect("the first-response clock runs");

    let handled = t
        .run_until(
            "the first-response breach",
            turno_tests::EVENTUALLY,
            || async {
                t.store
                    .ticket(&ws, &ticket.id)
                    .await
                    .unwrap()
                    .unwrap()
                    .sla
                    .clock(ClockKind::FirstResponse)
                    .is_some_and(|c| c.breached_at.is_some())
            },
        )
        .await;
    let timers = handled.get(&QueueName::SlaTimers).map_or(0, |h| h.records);
    // Timers that could wait the whole way would take two deliveries: the warning (at 80 %,
    // 6.4 s) and the breach. With 2 s hops the warning alone takes three re-armed hops first.
    assert!(
        timers >= 4,
        "the timer re-armed itself hop by hop: {timers} timer deliveries"
    );
    let breached = t.store.ticket(&ws, &ticket.id).await.unwrap().unwrap();
    let clock = breached.sla.clock(ClockKind::FirstResponse).unwrap();
    assert!(
        clock.breached_at.unwrap() >= due,
        "not before it was due: {clock:?}"
    );

    // The sweep and a duplicate timer find the breach already recorded.
    t.turno.sla_sweep().await.expect("sweep");
    let duplicate = turno_core::ports::jobs::SlaTimer {
        workspace: ws.clone(),
        ticket_id: ticket.id.clone(),
        clock: ClockKind::FirstResponse,
        due_at: due,
        armed_at: None,
    };
    t.own
        .sqs
        .send_message()
        .queue_url(&t.queues[&QueueName::SlaTimers])
        .message_body(serde_json::to_string(&duplicate).unwrap())
        .send()
        .await
        .unwrap();
    t.run_functions().await;
    t.turno.sla_sweep().await.expect("sweep");

    let after = t.store.ticket(&ws, &ticket.id).await.unwrap().unwrap();
    assert_eq!(
        after
            .sla
            .clock(ClockKind::FirstResponse)
            .unwrap()
            .breached_at,
        clock.breached_at,
        "the breach time stands"
    );
    let mut events = Vec::new();
    for _ in 0..3 {
        events.extend(t.drain_events().await);
    }
    let breaches = events_of(&events, "SlaBreached", ticket.id.as_str());
    assert_eq!(breaches.len(), 1, "one SlaBreached event: {events:?}");
}

#[tokio::test]
async fn a_duplicate_webhook_and_a_redelivered_message_produce_one_ticket_message() {
    let t = Topology::deploy().await;
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let customer = "34600333444";
    let id = wamid();
    let body = text_webhook(customer, "Ana", &id, "hola");

    // Meta retries a delivery it did not see answered: the same body, twice.
    assert_eq!(t.webhook(body.clone()).await, StatusCode::OK);
    assert_eq!(t.webhook(body.clone()).await, StatusCode::OK);
    t.run_functions().await;
    let replies = t.graph.texts_to(customer).await.len();
    assert!(replies > 0, "the bot answered");

    // Past SQS's deduplication window the same message would come again: the turn record
    // makes bot-turn finish nothing twice.
    let batch = turno_whatsapp::webhook::parse(body.as_bytes());
    let again = turno_core::ports::jobs::inbound_envelope(&batch.messages[0]);
    t.own
        .sqs
        .send_message()
        .queue_url(&t.queues[&QueueName::Inbound])
        .message_group_id(again.group.unwrap())
        .message_deduplication_id(format!("{}-after-the-window", again.dedupe_id.unwrap()))
        .message_body(again.body)
        .send()
        .await
        .unwrap();
    let redelivered = t.run_functions().await;
    assert_eq!(redelivered[&QueueName::Inbound].records, 1);

    assert_eq!(
        t.graph.texts_to(customer).await.len(),
        replies,
        "no second reply"
    );
    let conversation = t.conversation_of(customer).await;
    let transcript = t
        .store
        .transcript(&ws, &conversation.ticket_id.unwrap())
        .await
        .unwrap();
    let customer_entries: Vec<_> = transcript
        .iter()
        .filter(|e| e.author == Author::Customer)
        .collect();
    assert_eq!(customer_entries.len(), 1, "{transcript:?}");
    assert_eq!(customer_entries[0].message_id.as_str(), id);
    assert_eq!(
        transcript
            .iter()
            .filter(|e| e.author == Author::Bot)
            .count(),
        replies,
        "each reply recorded once"
    );
}

#[tokio::test]
async fn a_poison_record_reaches_the_dead_letter_queue_after_max_receives_while_its_batch_mates_succeed()
 {
    const MAX_RECEIVES: usize = 3;
    let t = Topology::deploy().await;
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let escalations = &t.queues[&QueueName::Escalations];
    let dlq = t
        .own
        .sqs
        .create_queue()
        .queue_name(emulators::unique("escalations-dlq"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = t
        .own
        .sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .unwrap();
    t.own
        .sqs
        .set_queue_attributes()
        .queue_url(escalations)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES.to_string()})
                .to_string(),
        )
        .send()
        .await
        .unwrap();

    // Two customers ask for a person. Bot-turn runs each handoff itself; the handoffs' jobs
    // then reach the escalations queue again (as a job sent before bot-turn ran handoffs, or
    // sent twice, would), with a record no function can process.
    let customers = ["34600444555", "34600444666"];
    let mut messages = Vec::new();
    for c in customers {
        let id = wamid();
        let status = t
            .webhook(text_webhook(
                c,
                "Cliente",
                &id,
                "quiero hablar con un agente",
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        messages.push(id);
    }
    for _ in 0..3 {
        t.poll_once(QueueName::Inbound, 30).await;
    }
    for id in &messages {
        let turn = t
            .store
            .turn(&ws, &MessageId::parse(id).unwrap())
            .await
            .unwrap()
            .expect("the handoff's turn");
        let job = turn
            .effects
            .iter()
            .find_map(|e| match e {
                Effect::Escalate { job } => Some(job.clone()),
                _ => None,
            })
            .expect("the turn hands off");
        t.own
            .sqs
            .send_message()
            .queue_url(escalations)
            .message_body(job.envelope().body)
            .send()
            .await
            .unwrap();
    }
    let poison = r#"{"workspace":"100200300400500","ticket_id":"#;
    t.own
        .sqs
        .send_message()
        .queue_url(escalations)
        .message_body(poison)
        .send()
        .await
        .unwrap();

    // The escalation function's event source mapping, with a one-second visibility timeout.
    let mut poison_receives = 0;
    let mut succeeded = 0;
    for _ in 0..20 {
        let (received, failed) = t.poll_once(QueueName::Escalations, 1).await;
        for m in &received {
            if m.body() == Some(poison) {
                poison_receives += 1;
                assert!(failed.contains(m.message_id().unwrap()), "the poison fails");
            } else {
                assert!(
                    !failed.contains(m.message_id().unwrap()),
                    "a batch-mate failed: {failed:?}"
                );
                succeeded += 1;
            }
        }
        if poison_receives >= MAX_RECEIVES {
            // One more receive after the visibility timeout moves it.
            tokio::time::sleep(Duration::from_millis(1100)).await;
            let (received, _) = t.poll_once(QueueName::Escalations, 1).await;
            assert!(received.is_empty(), "nothing left to deliver: {received:?}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert_eq!(succeeded, customers.len(), "each handoff handled once");
    assert_eq!(
        poison_receives, MAX_RECEIVES,
        "received exactly maxReceiveCount times"
    );
    let dead = emulators::drain_url(&t.own.sqs, &dlq, 2).await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].body(), Some(poison));

    for c in customers {
        let conversation = t.conversation_of(c).await;
        let ticket = t
            .store
            .ticket(&ws, &conversation.ticket_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(ticket.status, TicketStatus::Assigned | TicketStatus::Queued),
            "the batch-mate's handoff went through: {:?}",
            ticket.status
        );
    }
}
