//! The topology itself: the deployed functions' wiring on the emulators, the event source
//! mappings the test plays, and the counts of what each request cost.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use axum::http::StatusCode;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tower::ServiceExt;
use turno_aws::testing::{self as emulators, StreamTail};
use turno_aws::{Clients, DynamoStore, RequestCounter, queue_url_var};
use turno_core::app::Turno;
use turno_core::bot::conversation::Conversation;
use turno_core::config::Workspaces;
use turno_core::kernel::ids::{WaId, WorkspaceId};
use turno_core::ports::ConversationStore;
use turno_core::ports::QueueName;
use turno_http::{WebhookState, webhook_router};
use turno_tests::{APP_SECRET, FakeGraph, VERIFY_TOKEN, sign};

use super::TOKEN;

pub(crate) struct Topology {
    pub(super) turno: Turno,
    /// The test's own client (polling, deleting, looking): not counted.
    pub(crate) own: Clients,
    pub(super) queues: HashMap<QueueName, String>,
    pub(super) events_queue: String,
    pub(super) store: DynamoStore,
    pub(crate) graph: FakeGraph,
    pub(super) counter: RequestCounter,
    /// The ticket-counts function's store (counted) and its event source mapping's reader.
    counts: DynamoStore,
    stream: Arc<StreamTail>,
    /// The functions' environment, for another process on the same resources.
    env: HashMap<String, String>,
}

/// What one round of the event source mappings did on one queue.
#[derive(Debug, Default, Clone)]
pub(crate) struct Handled {
    pub(super) records: u64,
    pub(super) aws_requests: u64,
    pub(super) by_operation: std::collections::BTreeMap<String, u64>,
    /// DynamoDB write units the batch consumed.
    pub(super) write_units: f64,
}

/// One line per queue of what a round did there (records, requests by operation, write
/// units), in queue order: the detail a budget test prints when it fails.
pub(super) fn per_queue(handled: &HashMap<QueueName, Handled>) -> Vec<String> {
    QueueName::ALL
        .iter()
        .filter_map(|q| {
            handled.get(q).map(|h| {
                format!(
                    "{} {} records, {} requests {:?}, {:.0} WCU",
                    q.as_str(),
                    h.records,
                    h.aws_requests,
                    h.by_operation,
                    h.write_units
                )
            })
        })
        .collect()
}

impl Topology {
    pub(super) async fn deploy() -> Self {
        Self::deploy_with(turno_testkit::harness::demo_workspaces()).await
    }

    pub(crate) async fn deploy_with(workspaces: Workspaces) -> Self {
        let own = emulators::emulator_clients().await;
        let counter = RequestCounter::default();
        let counted = emulators::counted_emulator_clients(&counter).await;
        // A table of its own: the tests run at once and share the demo agents' ids.
        let table = emulators::unique("turno-topology");
        emulators::create_table_from_template(&own.dynamodb, &table).await;
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
        let kept = env.clone();
        let env = move |name: &str| env.get(name).cloned();
        let turno = turno_lambda::connect_with("e2e", workspaces, &counted, &env)
            .await
            .expect("connect on the emulators");
        turno.seed_agents().await.expect("seed the demo agents");
        Topology {
            turno,
            counts: DynamoStore::new(counted.dynamodb.clone(), table.clone()),
            stream: StreamTail::of(&table).await,
            store: emulators::caught_up_store(own.dynamodb.clone(), &table).await,
            own,
            queues,
            events_queue,
            graph,
            counter,
            env: kept,
        }
    }

    /// Another function's process on the same table, queues and parameters (the agent API
    /// beside the queue consumers), started with `workspaces`: what it saves the functions'
    /// process learns only through the store.
    pub(crate) async fn another_process(&self, workspaces: Workspaces) -> Turno {
        let env = self.env.clone();
        let env = move |name: &str| env.get(name).cloned();
        turno_lambda::connect_with("agent-api", workspaces, &self.own, &env)
            .await
            .expect("connect on the emulators")
    }

    /// Delivers a signed webhook as API Gateway hands it to webhook-ingress: an HTTP API
    /// (payload 2.0) event, turned into the router's request as `lambda_http::run` does.
    /// The demo workspace's conversation with `customer`, as stored.
    pub(crate) async fn conversation_of(&self, customer: &str) -> Conversation {
        let ws = WorkspaceId::parse(turno_tests::WORKSPACE).expect("workspace id");
        let customer = WaId::parse(customer).expect("customer number");
        self.store
            .conversation(&ws, &customer)
            .await
            .expect("the conversation read")
            .expect("a conversation")
    }

    pub(crate) async fn webhook(&self, body: String) -> StatusCode {
        self.webhook_signed_with(body, APP_SECRET).await
    }

    /// [`Topology::webhook`], signed with `secret`.
    pub(crate) async fn webhook_signed_with(&self, body: String, secret: &str) -> StatusCode {
        let router = webhook_router(WebhookState {
            turno: self.turno.clone(),
            app_secret: Arc::from(APP_SECRET.as_bytes()),
            verify_token: Arc::from(VERIFY_TOKEN),
        });
        let mut event: serde_json::Value =
            serde_json::from_str(&turno_lambda::testing::sample("apigw-webhook-post.json"))
                .unwrap();
        event["headers"]["x-hub-signature-256"] = sign(secret, body.as_bytes()).into();
        event["headers"]["content-length"] = body.len().to_string().into();
        event["headers"]
            .as_object_mut()
            .unwrap()
            .remove("x-hub-signature");
        event["body"] = body.into();
        let request = lambda_http::request::from_str(&event.to_string())
            .expect("an API Gateway HTTP API event");
        router.oneshot(request).await.unwrap().status()
    }

    /// One round of the event source mapping of `q`: receive up to 10 messages (hidden for
    /// `visibility` seconds), run the function on them, delete what it did not report failed.
    /// Returns the messages received and the ids reported failed.
    pub(super) async fn poll_once(
        &self,
        q: QueueName,
        visibility: i32,
    ) -> (Vec<aws_sdk_sqs::types::Message>, HashSet<String>) {
        let url = &self.queues[&q];
        let received = self
            .own
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            return (received, HashSet::new());
        }
        let response =
            turno_lambda::handle_sqs_batch(&self.turno, q, sqs_event(&received, q)).await;
        let failed = self.delete_succeeded(url, &received, &response).await;
        (received, failed)
    }

    /// What Lambda does with a batch's response: deletes every received message the function
    /// did not report failed. Returns the ids reported failed.
    pub(super) async fn delete_succeeded(
        &self,
        url: &str,
        received: &[aws_sdk_sqs::types::Message],
        response: &SqsBatchResponse,
    ) -> HashSet<String> {
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
        failed
    }

    /// Plays the event source mappings (delays honoured: a delayed message is polled once it
    /// is due) until `done` holds, or fails after `limit`. Returns what each queue handled.
    pub(super) async fn run_until<F, Fut>(
        &self,
        what: &str,
        limit: std::time::Duration,
        mut done: F,
    ) -> HashMap<QueueName, Handled>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = std::time::Instant::now() + limit;
        let mut total: HashMap<QueueName, Handled> = HashMap::new();
        loop {
            for (q, h) in self.run_functions().await {
                let t = total.entry(q).or_default();
                t.records += h.records;
                t.aws_requests += h.aws_requests;
            }
            if done().await {
                return total;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what} did not happen within {limit:?}: {total:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// The detail types of the domain events on the bus so far (drained from its queue).
    pub(super) async fn drain_events(&self) -> Vec<serde_json::Value> {
        emulators::drain_url(&self.own.sqs, &self.events_queue, 1)
            .await
            .iter()
            .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
            .collect()
    }

    /// Plays the event source mappings until no queue has anything receivable; panics on any
    /// batch item failure.
    pub(crate) async fn run_functions(&self) -> HashMap<QueueName, Handled> {
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
                let units_before = self.counter.write_units();
                let response = turno_lambda::handle_sqs_batch(&self.turno, q, event).await;
                let handled = total.entry(q).or_default();
                handled.records += received.len() as u64;
                handled.write_units += self.counter.write_units() - units_before;
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
                self.delete_succeeded(url, &received, &response).await;
            }
            if !self.run_ticket_counts().await && !progressed {
                return total;
            }
        }
    }

    /// The ticket-counts function's event source mapping: the ticket changes the table's
    /// stream holds, in batches of up to 100 per shard (its reads are Lambda's, not counted).
    /// Returns whether there were any.
    async fn run_ticket_counts(&self) -> bool {
        match self.stream.apply(&self.counts, TICKET_COUNTS_BATCH).await {
            Ok(records) => records > 0,
            Err(e) => panic!("ticket-counts: {e}"),
        }
    }
}

/// The ticket-counts function's batch size, as in `template.yaml`.
const TICKET_COUNTS_BATCH: usize = 100;

/// The SQS event Lambda would hand the function for these messages.
pub(super) fn sqs_event(messages: &[aws_sdk_sqs::types::Message], q: QueueName) -> SqsEvent {
    serde_json::from_value(emulators::sqs_event(messages, q.as_str())).expect("an SQS event")
}

pub(super) async fn forward_bus_to_a_queue(own: &Clients, bus: &str) -> String {
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
