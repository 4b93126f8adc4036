//! lambda-probe: runs each Lambda function's real binary the way Lambda does, against a fake
//! Lambda Runtime API on 127.0.0.1, with its AWS clients pointed (through a counting proxy) at
//! the local emulators and its Graph API at a local fake. It drives the topology by hand:
//! signed webhooks as function URL (or API Gateway) events into webhook-ingress, then what landed on each queue
//! as one SQS batch (up to 10 records) into the function that consumes it, and the ticket
//! writes on the table's stream into ticket-counts. For each function
//! it reports the peak resident memory (`VmHWM`), the invocation time and the AWS requests;
//! then the AWS requests per bot-handled and per escalated message, and a cost estimate per
//! one million messages from those figures, with the webhook at either front door (the
//! function's URL or the HTTP API: `--webhook-front` picks the events it sends and the
//! per-kind table).
//!
//! ```sh
//! TURNO_DYNAMODB_PORT=18001 TURNO_MOTO_PORT=15001 ./infra/emulators/start.sh
//! source .turno-emulators/env
//! for f in webhook-ingress bot-turn ticket-writer ticket-counts escalation sla-enforcer; do
//!   cargo build --release -p $f   # one at a time: each links only its own features
//! done
//! cargo run -p turno-lambda-probe -- --bin-dir target/release
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::PoisonError;

use axum::Router;
use axum::routing::post;
use clap::Parser;
use serde_json::{Value, json};
use turno_aws::testing as emulators;
use turno_core::ports::QueueName;
use turno_tests::{WORKSPACE, sign, text_webhook};

mod batches;
mod cost;
mod deployment;
mod fakes;
mod proxy;

use batches::{take_batch, take_changes};
use cost::{Cost, Front, Kind};
use deployment::{Deployment, Probe};
use fakes::{Graph, graph_send};
use proxy::{Meter, serve, start_proxy};

#[derive(Parser, Debug)]
#[command(
    about = "Peak memory, duration, AWS requests and cost per message of turno's Lambda functions"
)]
struct Args {
    /// Where the function binaries are (`cargo build --release -p <function>`).
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Messages per round (and records per SQS batch, at most 10).
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Share of messages that end in a handoff to a person, for the cost estimate.
    #[arg(long, default_value_t = 0.2)]
    escalated_share: f64,
    /// Delivery status webhooks per reply sent (sent, delivered, read), for the cost estimate.
    #[arg(long, default_value_t = 2.0)]
    statuses_per_reply: f64,
    /// The webhook's front door (the template's `WebhookEndpoint`): the events webhook-ingress
    /// gets and the per-kind costs; the mix is printed for both.
    #[arg(long, value_enum, default_value_t = Front::FunctionUrl)]
    webhook_front: Front,
    /// Let the functions' logs through to this terminal.
    #[arg(long)]
    show_logs: bool,
}

const APP_SECRET: &str = "probe-app-secret";
const MEMORY_MB: u64 = 128;
/// A bot-handled message of a returning customer: a question the demo bot answers itself.
const FOLLOW_UP: &str = "cómo hago para devolver algo";

// ---- events ----------------------------------------------------------------------------------

fn webhook_event(template: &Value, body: &str) -> String {
    let mut event = template.clone();
    event["headers"]["x-hub-signature-256"] = sign(APP_SECRET, body.as_bytes()).into();
    event["headers"]["content-length"] = body.len().to_string().into();
    if let Some(h) = event["headers"].as_object_mut() {
        h.remove("x-hub-signature");
    }
    event["body"] = body.into();
    event.to_string()
}

fn statuses_webhook(statuses: &[(String, String)]) -> String {
    let now = jiff::Timestamp::now().as_second().to_string();
    let statuses: Vec<Value> = statuses
        .iter()
        .map(|(to, id)| json!({"id": id, "status": "delivered", "timestamp": now, "recipient_id": to}))
        .collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": WORKSPACE},
            "statuses": statuses
        }}]}]
    })
    .to_string()
}

// ---- the run ---------------------------------------------------------------------------------

pub(crate) struct Round {
    pub(crate) probes: Vec<Probe>,
    /// SQS records each queue carried (for the event source mappings' own requests).
    pub(crate) hops: BTreeMap<&'static str, usize>,
    pub(crate) messages: usize,
}

async fn run_round(
    d: &Deployment,
    tail: &emulators::StreamTail,
    sqs: &aws_sdk_sqs::Client,
    queues: &HashMap<QueueName, String>,
    template: &Value,
    text: &str,
    customers: &[String],
) -> anyhow::Result<Round> {
    let events: Vec<String> = customers
        .iter()
        .map(|c| {
            let id = format!("wamid.probe.in.{}", uuid::Uuid::new_v4().simple());
            webhook_event(template, &text_webhook(c, "Cliente", &id, text))
        })
        .collect();
    let mut probes = vec![d.probe("webhook-ingress", events, customers.len()).await?];
    let mut hops = BTreeMap::new();
    // Downstream, in topology order; each queue's batch goes to its consumer.
    for (q, function) in [
        (QueueName::Inbound, "bot-turn"),
        (QueueName::Escalations, "escalation"),
        (QueueName::TicketWrites, "ticket-writer"),
    ] {
        let (event, n) = take_batch(sqs, &queues[&q], 10).await?;
        hops.insert(q.as_str(), n);
        if n > 0 {
            probes.push(d.probe(function, vec![event], n).await?);
        }
    }
    // Then the counters and rollups, from the ticket writes on the table's stream (Lambda's
    // reads of a stream are free: no hop).
    let (events, n) = take_changes(tail).await;
    if n > 0 {
        probes.push(d.probe("ticket-counts", events, n).await?);
    }
    Ok(Round {
        probes,
        hops,
        messages: customers.len(),
    })
}

fn print_probe(p: &Probe) {
    println!(
        "{:<16} {:>3} inv {:>3} rec {:>2} failed  peak {:>6.1} MB  init {:>7.1} ms  invoke {:>7.1} ms  AWS {:>3} {:?}  init AWS {:?}",
        p.function,
        p.invocations,
        p.records,
        p.failed,
        p.peak_kb as f64 / 1024.0,
        p.init_ms,
        p.mean_ms(),
        p.usage.total(),
        p.usage.requests,
        p.init_usage.requests,
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let batch = args.batch.clamp(1, 10);
    let own = emulators::emulator_clients().await;
    let meter = Meter::default();
    let dynamodb_proxy = start_proxy(
        emulators::endpoint(emulators::DYNAMODB_ENDPOINT_VAR),
        meter.clone(),
    )
    .await?;
    let moto_proxy = start_proxy(
        emulators::endpoint(emulators::MOTO_ENDPOINT_VAR),
        meter.clone(),
    )
    .await?;
    let graph = Graph::default();
    let graph_url = format!(
        "http://{}",
        serve(
            Router::new()
                .route("/{phone}/messages", post(graph_send))
                .with_state(graph.clone())
        )
        .await?
    );

    let table = emulators::unique("turno-probe");
    emulators::create_table_from_template(&own.dynamodb, &table).await;
    let queues = emulators::create_queues(&own.sqs).await;
    let bus = emulators::create_event_bus(&own.eventbridge).await;
    let token = emulators::put_secret(&own.ssm, "probe-graph-token").await;
    let app_secret = emulators::put_secret(&own.ssm, APP_SECRET).await;
    let verify = emulators::put_secret(&own.ssm, "probe-verify-token").await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let demo = root.join("infra/demo");

    let mut env: HashMap<String, String> = [
        ("TURNO_TABLE", table.clone()),
        ("TURNO_EVENT_BUS", bus),
        ("TURNO_WHATSAPP_TOKEN_PARAM", token),
        ("TURNO_APP_SECRET_PARAM", app_secret),
        ("TURNO_VERIFY_TOKEN_PARAM", verify),
        ("TURNO_GRAPH_API_BASE_URL", graph_url),
        (
            "TURNO_CONFIG",
            demo.join("turno.yaml").display().to_string(),
        ),
        ("TURNO_CONFIG_DIR", demo.display().to_string()),
        ("AWS_ENDPOINT_URL", moto_proxy),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_proxy),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "turnotest".into()),
        ("AWS_SECRET_ACCESS_KEY", "turnotest".into()),
        ("RUST_LOG", "info".into()),
        ("TURNO_LOG_FORMAT", "json".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (q, url) in &queues {
        env.insert(turno_aws::queue_url_var(*q).to_owned(), url.clone());
    }
    let d = Deployment {
        bin_dir: args.bin_dir.clone(),
        show_logs: args.show_logs,
        env,
        meter,
    };
    let template: Value = serde_json::from_str(&std::fs::read_to_string(
        root.join(args.webhook_front.sample_event()),
    )?)?;

    // The demo agents, as the functions' cold start does not write them.
    let store = turno_aws::DynamoStore::new(own.dynamodb.clone(), table.clone());
    let tail = emulators::StreamTail::of(&table).await;
    let workspaces = turno_local::config::parse_config(turno_local::config::DEMO_CONFIG)?;
    seed_agents(&store, &workspaces).await?;

    let run = uuid::Uuid::new_v4().as_u128() % 1_000_000;
    let customers = |prefix: u32| -> Vec<String> {
        (0..batch)
            .map(|i| format!("34{prefix}{run:06}{i:02}"))
            .collect()
    };

    println!(
        "# One round of {batch} messages per kind; SQS batches of up to {batch} records; the \
         functions' binaries from {}; webhooks through the {}\n",
        args.bin_dir.display(),
        args.webhook_front.name()
    );
    let bot = run_round(
        &d,
        &tail,
        &own.sqs,
        &queues,
        &template,
        "hola",
        &customers(61),
    )
    .await?;
    println!("## bot-handled messages (\"hola\")");
    bot.probes.iter().for_each(print_probe);
    // The same customers again, inside the thread window: the bot's ticket goes on, no new
    // ticket, no timer, no event. The representative bot-handled message (a conversation's
    // first message is one of several), so the cost mix below counts this one.
    let follow_up = run_round(
        &d,
        &tail,
        &own.sqs,
        &queues,
        &template,
        FOLLOW_UP,
        &customers(61),
    )
    .await?;
    println!("\n## bot-handled follow-ups (\"{FOLLOW_UP}\", same customers)");
    follow_up.probes.iter().for_each(print_probe);
    let alone = run_round(
        &d,
        &tail,
        &own.sqs,
        &queues,
        &template,
        "quiero hablar con un agente",
        &customers(63)[..1],
    )
    .await?;
    println!("\n## one escalated message alone");
    alone.probes.iter().for_each(print_probe);
    let escalated = run_round(
        &d,
        &tail,
        &own.sqs,
        &queues,
        &template,
        "quiero hablar con un agente",
        &customers(62),
    )
    .await?;
    println!(
        "\n## escalated messages (\"quiero hablar con un agente\": handoff, ticket, assignment)"
    );
    escalated.probes.iter().for_each(print_probe);

    // Delivery statuses for replies sent, as Meta reports them.
    let sent: Vec<(String, String)> = graph
        .sent
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .take(batch)
        .cloned()
        .collect();
    let status_event = webhook_event(&template, &statuses_webhook(&sent));
    let status_ingress = d
        .probe("webhook-ingress", vec![status_event], sent.len())
        .await?;
    let (writes, n) = take_batch(&own.sqs, &queues[&QueueName::TicketWrites], 10).await?;
    let status_writer = if n > 0 {
        Some(d.probe("ticket-writer", vec![writes], n).await?)
    } else {
        None
    };
    println!("\n## delivery statuses ({} in one webhook)", sent.len());
    print_probe(&status_ingress);
    status_writer.iter().for_each(print_probe);

    // SLA timers for the escalated tickets, due now, and the once-a-minute sweep.
    let mut timers = Vec::new();
    for c in customers(62) {
        let ws = turno_core::kernel::ids::WorkspaceId::parse(WORKSPACE)?;
        let customer = turno_core::kernel::ids::WaId::parse(&c)?;
        if let Some(ticket) =
            turno_core::ports::ConversationStore::conversation(&store, &ws, &customer)
                .await?
                .and_then(|c| c.ticket_id)
        {
            timers.push(json!({
                "workspace": WORKSPACE, "ticket_id": ticket.as_str(),
                "clock": "first_response", "due_at": jiff::Timestamp::now().to_string()
            }));
        }
    }
    for t in &timers {
        own.sqs
            .send_message()
            .queue_url(&queues[&QueueName::SlaTimers])
            .message_body(t.to_string())
            .send()
            .await?;
    }
    let (timer_event, timer_records) =
        take_batch(&own.sqs, &queues[&QueueName::SlaTimers], 10).await?;
    let schedule = std::fs::read_to_string(root.join("events/eventbridge-schedule.json"))?;
    let enforcer = d
        .probe("sla-enforcer", vec![timer_event, schedule], timer_records)
        .await?;
    println!("\n## SLA timers ({timer_records} in one batch) and one sweep");
    print_probe(&enforcer);

    // Functions this traffic left nothing to (a handoff is routed in bot-turn's invocation, a
    // status written by webhook-ingress): their cold start alone.
    let mut idle = Vec::new();
    for function in ["escalation", "ticket-writer"] {
        let ran = probes_of(function, &[&bot, &follow_up, &alone, &escalated])
            || status_writer.iter().any(|p| p.function == function);
        if !ran {
            idle.push(d.probe(function, Vec::new(), 0).await?);
        }
    }
    if !idle.is_empty() {
        println!("\n## cold start alone (no records reached them)");
        idle.iter().for_each(print_probe);
    }

    // The agent API, when built: an agent's inbox page, three times (its cold start writes
    // the configured agents). Not part of the customer-message cost below.
    let api = if d.bin_dir.join("agent-api").exists() {
        let mut env = d.env.clone();
        for (q, url) in emulators::create_queues(&own.sqs).await {
            env.insert(turno_aws::dead_letter_url_var(q).to_owned(), url);
        }
        let api = Deployment { env, ..d.clone() };
        let inbox = std::fs::read_to_string(root.join("events/apigw-api-list-tickets.json"))?;
        Some(api.probe("agent-api", vec![inbox; 3], 0).await?)
    } else {
        println!("\n(no agent-api in {}: not probed)", d.bin_dir.display());
        None
    };
    if let Some(api) = &api {
        println!("\n## agent API (an agent's inbox page, three times)");
        print_probe(api);
    }

    let all: Vec<&Probe> = bot
        .probes
        .iter()
        .chain(&follow_up.probes)
        .chain(&escalated.probes)
        .chain(&alone.probes)
        .chain([&status_ingress, &enforcer])
        .chain(&idle)
        .chain(api.as_ref())
        .chain(status_writer.as_ref())
        .collect();
    println!(
        "\n## peak memory per function (VmHWM, native x86-64, from {})",
        d.bin_dir.display()
    );
    let mut peaks: BTreeMap<&str, u64> = BTreeMap::new();
    for p in &all {
        let e = peaks.entry(p.function.as_str()).or_default();
        *e = (*e).max(p.peak_kb);
    }
    for (f, kb) in &peaks {
        let mb = *kb as f64 / 1024.0;
        println!(
            "{f:<16} {mb:>6.1} MB  {}",
            if mb <= 64.0 {
                "within 64 MB"
            } else {
                "OVER 64 MB"
            }
        );
    }

    // ---- per message of each kind, then per 1M messages ----
    let status_records = status_writer.as_ref().map_or(0, |p| p.records);
    let status_probes: Vec<&Probe> = std::iter::once(&status_ingress)
        .chain(status_writer.as_ref())
        .collect();
    let status = Kind::of(&status_probes, &BTreeMap::new(), sent.len().max(1));
    let kinds = [
        ("bot-handled, follow-up", Kind::of_round(&follow_up)),
        ("bot-handled, first", Kind::of_round(&bot)),
        ("escalated, alone", Kind::of_round(&alone)),
        ("escalated, 10 at once", Kind::of_round(&escalated)),
        ("status callback", status),
    ];
    println!("\n## AWS per message of each kind (the functions' own requests)");
    for (name, k) in &kinds {
        println!(
            "{name:<22} {:>5.1} requests  {:>5.1} RCU  {:>5.1} WCU  + {:>5.1} index WCU  ({})",
            k.requests(),
            k.rcu(),
            k.wcu(),
            k.index_wcu(),
            k.by_operation()
        );
    }

    let share = args.escalated_share.clamp(0.0, 1.0);
    let replies_per_message = graph
        .sent
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len() as f64
        / (bot.messages + follow_up.messages + alone.messages + escalated.messages) as f64;
    let statuses = args.statuses_per_reply * replies_per_message;
    let costs_at = |front: Front| -> Vec<(&str, Cost)> {
        kinds.iter().map(|(n, k)| (*n, k.cost(front))).collect()
    };
    let costs = costs_at(args.webhook_front);
    println!(
        "\n## cost per 1M of each kind (USD, us-east-1 list prices; the webhook at the {})",
        args.webhook_front.name()
    );
    println!(
        "{:<22} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "", "Lambda", "(req)", "SQS", "DynamoDB", "indexes", "Events", "APIGW", "total"
    );
    for (name, c) in &costs {
        c.print(name);
    }
    let mix_at = |front: Front| {
        let costs = costs_at(front);
        Cost::mix(&[
            (1.0 - share, &costs[0].1),
            (share, &costs[3].1),
            (statuses, &costs[4].1),
        ])
    };
    println!(
        "\n## cost per 1M customer messages (USD): bot-handled as the follow-up round, {:.0} % \
         escalated (as the 10-at-once round), \
         {replies_per_message:.2} replies per message measured, {} status callbacks per reply \
         ({statuses:.2} per message), {:.2} webhooks per message; the webhook at each front door",
        share * 100.0,
        args.statuses_per_reply,
        1.0 + statuses,
    );
    println!(
        "assumptions: arm64 at {MEMORY_MB} MB billed for the measured invocation time (x86-64 \
         here; a debug build overstates it); SQS consumers at the measured batch sizes (bot \
         round {:?}, escalated round {:?}, {status_records} status records), each batch one \
         ReceiveMessage and one DeleteMessageBatch; DynamoDB units from request sizes, the \
         indexes' a floor (a put's write in each index it lands in; a move inside an index, a \
         delete and a put, and a removal from one are not seen); the \
         per-minute sweep, cold starts, empty queue polls, CloudWatch Logs and data transfer not \
         included; each webhook one HTTP API request at $1.00 per million, or nothing beyond \
         its invocation at the function URL (the door changes nothing else)",
        bot.hops, escalated.hops,
    );
    let mixes = Front::BOTH.map(|f| (f, mix_at(f)));
    println!(
        "{:<18}{}",
        "",
        mixes
            .each_ref()
            .map(|(f, _)| format!("{:>14}", f.name()))
            .join("")
    );
    let row = |name: &str, part: fn(&Cost) -> f64| {
        let cells = mixes.each_ref().map(|(_, c)| format!("{:>14.2}", part(c)));
        println!("{name:<18}{}", cells.join(""));
    };
    row("Lambda compute", |c| c.lambda_compute);
    row("Lambda requests", |c| c.lambda_requests);
    row("SQS", |c| c.sqs);
    row("DynamoDB", |c| c.dynamodb);
    row("  its indexes", |c| c.dynamodb_indexes);
    row("EventBridge", |c| c.eventbridge);
    row("API Gateway", |c| c.apigw);
    row("total", Cost::total);
    Ok(())
}

/// Whether any of `rounds` invoked `function`.
fn probes_of(function: &str, rounds: &[&Round]) -> bool {
    rounds
        .iter()
        .any(|r| r.probes.iter().any(|p| p.function == function))
}

async fn seed_agents(
    store: &turno_aws::DynamoStore,
    workspaces: &turno_core::config::Workspaces,
) -> anyhow::Result<()> {
    use turno_core::desk::agent::{Agent, Availability};
    use turno_core::ports::AgentStore;
    for ws in workspaces.iter() {
        for a in &ws.agents {
            let agent = Agent {
                availability: Availability::Offline,
                ..a.record(&ws.id)
            };
            store.upsert_agent_profile(&agent).await?;
            store
                .set_availability(&ws.id, &a.id, Availability::Online)
                .await?;
        }
    }
    Ok(())
}
