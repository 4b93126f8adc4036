//! The AWS topology in one process, on the local emulators (./infra/test.sh starts them): the
//! webhook router enqueues to SQS (moto), the test plays Lambda's event source mappings (poll
//! each queue, hand the batch to `handle_sqs_batch` as an `SqsEvent`, delete what succeeded),
//! the store is DynamoDB Local, domain events go to an EventBridge bus (moto) whose rule
//! forwards them to a queue, and the Graph API is a fake. Every AWS request the use cases make
//! is counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use turno_aws::testing as emulators;
use turno_aws::{Clients, DynamoStore, RequestCounter, queue_url_var};
use turno_core::agent::Role;
use turno_core::app::{Actor, Turno};
use turno_core::ids::{WaId, WorkspaceId};
use turno_core::message::Author;
use turno_core::ports::{QueueName, Store};
use turno_core::ticket::TicketStatus;
use turno_http::{WebhookState, webhook_router};
use turno_tests::{APP_SECRET, FakeGraph, VERIFY_TOKEN, WORKSPACE, sign, text_webhook, wamid};

const CUSTOMER: &str = "34600111222";
const TOKEN: &str = "graph-token-in-ssm";
/// AWS requests one bot-handled message may cost in all: webhook-ingress (1 SendMessageBatch),
/// bot-turn (read the conversation, and the ticket when there is one; commit the turn with the
/// customer's entry; TicketCreated for a new ticket; the replies' entries with the progress)
/// and ticket-writer (nothing left to do).
const BOT_MESSAGE_REQUEST_BUDGET: u64 = 5;

struct Topology {
    turno: Turno,
    /// The test's own client (polling, deleting, looking): not counted.
    own: Clients,
    queues: HashMap<QueueName, String>,
    events_queue: String,
    store: DynamoStore,
    graph: FakeGraph,
    counter: RequestCounter,
}

/// What one round of the event source mappings did on one queue.
#[derive(Debug, Default, Clone)]
struct Handled {
    records: u64,
    aws_requests: u64,
    by_operation: std::collections::BTreeMap<String, u64>,
}

impl Topology {
    async fn deploy() -> Self {
        let own = emulators::emulator_clients().await;
        let counter = RequestCounter::default();
        let counted = emulators::counted_emulator_clients(&counter).await;
        let table = emulators::table(&own.dynamodb).await;
        let queues = emulators::create_queues(&own.sqs).await;
        let bus = emulators::create_event_bus(&own.eventbridge).await;
        let events_queue = forward_bus_to_a_queue(&own, &bus).await;
        let token_param = emulators::put_secret(&own.ssm, TOKEN).await;
        let graph = FakeGraph::start().await;
        let mut env = HashMap::from([
            ("TURNO_TABLE".to_owned(), table.clone()),
            ("TURNO_EVENT_BUS".to_owned(), bus),
            ("TURNO_WHATSAPP_TOKEN_PARAM".to_owned(), token_param),
            ("TURNO_GRAPH_API_BASE_URL".to_owned(), graph.server.uri()),
        ]);
        for (q, url) in &queues {
            env.insert(queue_url_var(*q).to_owned(), url.clone());
        }
        let env = move |name: &str| env.get(name).cloned();
        let turno = turno_lambda::connect_with(
            "e2e",
            turno_lambda::testing::demo_workspaces(),
            &counted,
            &env,
        )
        .await
        .expect("connect on the emulators");
        turno.seed_agents().await.expect("seed the demo agents");
        Topology {
            turno,
            store: DynamoStore::new(own.dynamodb.clone(), table),
            own,
            queues,
            events_queue,
            graph,
            counter,
        }
    }

    async fn webhook(&self, body: String) -> StatusCode {
        let router = webhook_router(WebhookState {
            turno: self.turno.clone(),
            app_secret: Arc::from(APP_SECRET.as_bytes()),
            verify_token: Arc::from(VERIFY_TOKEN),
        });
        let request = Request::post("/webhook/whatsapp")
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
            .body(Body::from(body))
            .unwrap();
        router.oneshot(request).await.unwrap().status()
    }

    /// Plays the event source mappings until no queue has anything receivable; panics on any
    /// batch item failure.
    async fn run_functions(&self) -> HashMap<QueueName, Handled> {
        let mut total: HashMap<QueueName, Handled> = HashMap::new();
        loop {
            let mut progressed = false;
            for q in QueueName::ALL {
                let url = &self.queues[&q];
                let received = self
                    .own
                    .sqs
                    .receive_message()
                    .queue_url(url)
                    .max_number_of_messages(10)
                    .visibility_timeout(30)
                    .message_system_attribute_names(MessageSystemAttributeName::All)
                    .send()
                    .await
                    .expect("receive")
                    .messages
                    .unwrap_or_default();
                if received.is_empty() {
                    continue;
                }
                progressed = true;
                let event = sqs_event(&received, q);
                let before = self.counter.by_operation();
                let response = turno_lambda::handle_sqs_batch(&self.turno, q, event).await;
                let handled = total.entry(q).or_default();
                handled.records += received.len() as u64;
                for (op, n) in self.counter.by_operation() {
                    let new = n - before.get(&op).copied().unwrap_or(0);
                    if new > 0 {
                        handled.aws_requests += new;
                        *handled.by_operation.entry(op).or_default() += new;
                    }
                }
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{}: {response:?}",
                    q.as_str()
                );
                let failed: HashSet<String> = response
                    .batch_item_failures
                    .iter()
                    .map(|f| f.item_identifier.clone())
                    .collect();
                for m in received {
                    if !failed.contains(m.message_id().unwrap()) {
                        self.own
                            .sqs
                            .delete_message()
                            .queue_url(url)
                            .receipt_handle(m.receipt_handle().unwrap())
                            .send()
                            .await
                            .expect("delete");
                    }
                }
            }
            if !progressed {
                return total;
            }
        }
    }
}

/// The SQS event Lambda would hand the function for these messages.
fn sqs_event(messages: &[aws_sdk_sqs::types::Message], q: QueueName) -> SqsEvent {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let attributes: HashMap<&str, &str> = m
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            serde_json::json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:us-east-1:123456789012:{}", q.as_str()),
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).expect("an SQS event")
}

async fn forward_bus_to_a_queue(own: &Clients, bus: &str) -> String {
    let url = own
        .sqs
        .create_queue()
        .queue_name(emulators::unique("domain-events"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("url");
    let arn = own
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("arn")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("arn");
    own.eventbridge
        .put_rule()
        .name("turno-events")
        .event_bus_name(bus)
        .event_pattern(r#"{"source": ["turno"]}"#)
        .send()
        .await
        .expect("rule");
    own.eventbridge
        .put_targets()
        .rule("turno-events")
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("target");
    url
}

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
