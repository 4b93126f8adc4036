//! The AWS topology under concurrency, on the local emulators: the Lambda functions' handlers
//! in this process (`turno_lambda::connect_with`, `handle_sqs_batch`, the webhook router that
//! webhook-ingress serves), DynamoDB Local and moto behind clients that count every request,
//! and a fake Graph API. N customers write at once; the event source mappings are played by
//! `concurrency` pollers per queue, each handing batches of up to 10 records to the handler,
//! then ticket-counts' batches of the table's stream. Reports the AWS requests per bot-handled message, per escalated message and per delivery
//! status, by operation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use futures::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use turno_aws::testing as emulators;
use turno_aws::{Clients, RequestCounter, queue_url_var};
use turno_core::app::Turno;
use turno_core::ports::QueueName;
use turno_http::{WebhookState, webhook_router};
use turno_tests::{APP_SECRET, VERIFY_TOKEN, sign};

use super::graph::FakeGraph;
use super::mix;

/// What the AWS run is asked for.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// Customers writing at once in each phase.
    pub customers: usize,
    /// Webhooks in flight, and pollers per queue.
    pub concurrency: usize,
}

/// One phase: what was sent and the AWS requests it cost.
#[derive(Clone, Debug, Default)]
pub struct Phase {
    pub name: &'static str,
    /// Webhooks sent (one message or status each).
    pub items: usize,
    pub refused: usize,
    /// Batch items the handlers reported failed.
    pub failed_records: usize,
    pub requests: BTreeMap<String, u64>,
    pub seconds: f64,
}

impl Phase {
    pub fn total(&self) -> u64 {
        self.requests.values().sum()
    }

    pub fn per_item(&self) -> f64 {
        self.total() as f64 / self.items.max(1) as f64
    }

    fn line(&self) -> String {
        let per: BTreeMap<&str, f64> = self
            .requests
            .iter()
            .map(|(op, n)| (op.as_str(), round2(*n as f64 / self.items.max(1) as f64)))
            .collect();
        format!(
            "{:<12} {:>5} webhooks  {:>5.2} AWS requests each  {per:?}  ({:.1} s; refused {}, failed records {})",
            self.name,
            self.items,
            self.per_item(),
            self.seconds,
            self.refused,
            self.failed_records
        )
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

struct Topology {
    turno: Turno,
    /// ticket-counts' store (counted) and its event source mapping's reader of the stream.
    counts: turno_aws::DynamoStore,
    stream: Arc<emulators::StreamTail>,
    /// The run's own client (polling, deleting): not counted.
    own: Clients,
    queues: HashMap<QueueName, String>,
    counter: RequestCounter,
    graph: FakeGraph,
    concurrency: usize,
}

/// Runs the three phases and returns them: bot-handled, escalated, statuses.
pub async fn run(opts: &AwsOptions) -> anyhow::Result<Vec<Phase>> {
    let t = deploy(opts.concurrency.max(1)).await?;
    let n = opts.customers;
    let run_id = jiff::Timestamp::now().as_second() % 1_000_000;
    let customer = |group: u64, i: usize| format!("34{group}{run_id:06}{i:04}");
    let texts = |group: u64, text: &str| -> Vec<String> {
        (0..n)
            .map(|i| {
                let from = customer(group, i);
                let m = json!({ "from": from, "id": format!("wamid.aws.{group}.{run_id}.{i}"),
                    "timestamp": jiff::Timestamp::now().as_second().to_string(),
                    "type": "text", "text": { "body": text } });
                mix::webhook(vec![m], vec![])
            })
            .collect()
    };
    let bot = t.phase("bot-handled", texts(61, "hola")).await?;
    let escalated = t
        .phase("escalated", texts(62, "quiero hablar con un agente"))
        .await?;
    // Delivery statuses for the replies so far: every reply's sent, then delivered, then read.
    let mut ids = Vec::new();
    while let Some((id, to, state)) = t.graph.next_status() {
        let now = jiff::Timestamp::now().as_second();
        ids.push(mix::webhook(
            vec![],
            vec![mix::status(&id, &to, state, now)],
        ));
    }
    let statuses = t.phase("statuses", ids).await?;
    Ok(vec![bot, escalated, statuses])
}

/// The phases as text, a line each.
pub fn text(phases: &[Phase], opts: &AwsOptions) -> String {
    let mut out = vec![format!(
        "AWS topology on the emulators: {} customers at once, {} webhooks in flight and {} pollers per queue; the functions' own requests",
        opts.customers, opts.concurrency, opts.concurrency
    )];
    out.extend(phases.iter().map(Phase::line));
    out.join("\n")
}

/// The phases as one JSON object.
pub fn json(phases: &[Phase], opts: &AwsOptions) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("mode".into(), "aws".into());
    m.insert("customers".into(), opts.customers.into());
    m.insert("concurrency".into(), opts.concurrency.into());
    for p in phases {
        let key = p.name.replace('-', "_");
        m.insert(format!("{key}_requests_each"), round2(p.per_item()).into());
        m.insert(format!("{key}_items"), p.items.into());
        m.insert(
            format!("{key}_failed"),
            (p.refused + p.failed_records).into(),
        );
    }
    Value::Object(m)
}

async fn deploy(concurrency: usize) -> anyhow::Result<Topology> {
    let own = emulators::emulator_clients().await;
    let counter = RequestCounter::default();
    let counted = emulators::counted_emulator_clients(&counter).await;
    let table = emulators::unique("turno-loadgen");
    emulators::create_table_from_template(&own.dynamodb, &table).await;
    let queues = emulators::create_queues(&own.sqs).await;
    let bus = emulators::create_event_bus(&own.eventbridge).await;
    let token = emulators::put_secret(&own.ssm, "loadgen-graph-token").await;
    let (graph, graph_url) = FakeGraph::start(true).await?;
    let mut env = HashMap::from([
        ("TURNO_TABLE".to_owned(), table.clone()),
        ("TURNO_EVENT_BUS".to_owned(), bus),
        ("TURNO_WHATSAPP_TOKEN_PARAM".to_owned(), token),
        ("TURNO_GRAPH_API_BASE_URL".to_owned(), graph_url),
    ]);
    for (q, url) in &queues {
        env.insert(queue_url_var(*q).to_owned(), url.clone());
    }
    let env = move |name: &str| env.get(name).cloned();
    let workspaces = turno_testkit::harness::demo_workspaces();
    let counts = turno_aws::DynamoStore::new(counted.dynamodb.clone(), table.clone());
    let stream = emulators::StreamTail::of(&table).await;
    let turno = turno_lambda::connect_with("loadgen", workspaces, &counted, &env)
        .await
        .context("connecting on the emulators")?;
    turno
        .seed_agents()
        .await
        .context("seeding the demo agents")?;
    Ok(Topology {
        turno,
        counts,
        stream,
        own,
        queues,
        counter,
        graph,
        concurrency,
    })
}

impl Topology {
    /// Sends `webhooks` at once (`concurrency` in flight), then plays the event source
    /// mappings until no queue has anything receivable; the AWS requests in between.
    async fn phase(&self, name: &'static str, webhooks: Vec<String>) -> anyhow::Result<Phase> {
        let before = self.counter.by_operation();
        let started = Instant::now();
        let items = webhooks.len();
        let router = webhook_router(WebhookState {
            turno: self.turno.clone(),
            app_secret: Arc::from(APP_SECRET.as_bytes()),
            verify_token: Arc::from(VERIFY_TOKEN),
        });
        let refused = futures::stream::iter(webhooks)
            .map(|body| {
                let router = router.clone();
                async move {
                    let request = axum::http::Request::post(turno_http::webhook::WEBHOOK_PATH)
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
                        .body(axum::body::Body::from(body));
                    match request {
                        Ok(r) => router
                            .oneshot(r)
                            .await
                            .map_or(true, |res| !res.status().is_success()),
                        Err(_) => true,
                    }
                }
            })
            .buffer_unordered(self.concurrency)
            .filter(|refused| futures::future::ready(*refused))
            .count()
            .await;
        let failed_records = self.run_functions().await?;
        let after = self.counter.by_operation();
        let requests = after
            .into_iter()
            .filter_map(|(op, n)| {
                let new = n - before.get(&op).copied().unwrap_or(0);
                (new > 0).then_some((op, new))
            })
            .collect();
        Ok(Phase {
            name,
            items,
            refused,
            failed_records,
            requests,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Plays every queue's event source mapping with `concurrency` pollers until a whole
    /// pass finds nothing receivable. Returns the batch items reported failed.
    async fn run_functions(&self) -> anyhow::Result<usize> {
        let mut failed = 0;
        loop {
            let mut handled = 0;
            for q in QueueName::ALL {
                let polls = (0..self.concurrency).map(|_| self.drain(q));
                for r in futures::future::join_all(polls).await {
                    let (h, f) = r?;
                    handled += h;
                    failed += f;
                }
            }
            // Then ticket-counts, on the ticket writes the table's stream holds (batches of
            // up to 100, as template.yaml has it).
            handled += self
                .stream
                .apply(&self.counts, 100)
                .await
                .context("ticket-counts")?;
            if handled == 0 {
                return Ok(failed);
            }
        }
    }

    /// One poller on `q`: receive up to 10, run the handler, delete what succeeded, until
    /// the queue has nothing receivable. Returns records handled and reported failed.
    async fn drain(&self, q: QueueName) -> anyhow::Result<(usize, usize)> {
        let url = &self.queues[&q];
        let (mut handled, mut failed) = (0, 0);
        loop {
            let received = self
                .own
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(60)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await?
                .messages
                .unwrap_or_default();
            if received.is_empty() {
                return Ok((handled, failed));
            }
            handled += received.len();
            let response =
                turno_lambda::handle_sqs_batch(&self.turno, q, sqs_event(&received, q)?).await;
            let bad: Vec<&str> = response
                .batch_item_failures
                .iter()
                .map(|f| f.item_identifier.as_str())
                .collect();
            failed += bad.len();
            for m in &received {
                if let (Some(id), Some(handle)) = (m.message_id(), m.receipt_handle())
                    && !bad.contains(&id)
                {
                    self.own
                        .sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(handle)
                        .send()
                        .await?;
                }
            }
        }
    }
}

/// The SQS event Lambda would hand the function for these messages.
fn sqs_event(messages: &[aws_sdk_sqs::types::Message], q: QueueName) -> anyhow::Result<SqsEvent> {
    serde_json::from_value(emulators::sqs_event(messages, q.as_str())).context("an SQS event")
}
