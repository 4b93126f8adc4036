//! `connect()` on the AWS adapters, against the local emulators (./infra/test.sh starts them):
//! the secrets come from SSM, and a bot turn runs for real on DynamoDB, SQS, EventBridge and a
//! fake Graph API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use turno_aws::testing as emulators;
use turno_aws::{Clients, DynamoStore, queue_url_var};
use turno_core::channel::message::Author;
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::{WaId, WorkspaceId};
use turno_core::ports::{ConversationStore, QueueName, TicketStore, TranscriptStore};
use turno_lambda::testing::sqs_sample;
use turno_testkit::harness::demo_workspaces;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "graph-token-from-ssm";

/// The Graph API's answer to a send, with a new message id each time.
struct Sent(AtomicU32);

impl Respond for Sent {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "5215512345678", "wa_id": "5215512345678"}],
            "messages": [{"id": format!("wamid.reply{n}")}]
        }))
    }
}

struct Deployment {
    clients: Clients,
    env: HashMap<String, String>,
    queues: HashMap<QueueName, String>,
    table: String,
    graph: MockServer,
}

async fn deployment() -> Deployment {
    let clients = emulators::emulator_clients().await;
    let table = emulators::table(&clients.dynamodb).await;
    let queues = emulators::create_queues(&clients.sqs).await;
    let bus = emulators::create_event_bus(&clients.eventbridge).await;
    let token_param = emulators::put_secret(&clients.ssm, TOKEN).await;
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/100200300400500/messages"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(Sent(AtomicU32::new(0)))
        .mount(&graph)
        .await;
    let mut env = HashMap::from([
        ("TURNO_TABLE".to_owned(), table.clone()),
        ("TURNO_EVENT_BUS".to_owned(), bus),
        ("TURNO_WHATSAPP_TOKEN_PARAM".to_owned(), token_param),
        ("TURNO_GRAPH_API_BASE_URL".to_owned(), graph.uri()),
    ]);
    for (q, url) in &queues {
        env.insert(queue_url_var(*q).to_owned(), url.clone());
    }
    Deployment {
        clients,
        env,
        queues,
        table,
        graph,
    }
}

#[tokio::test]
async fn secrets_are_read_from_ssm_parameter_store() {
    let d = deployment().await;
    let env = |name: &str| d.env.get(name).cloned();
    let token =
        turno_lambda::secret_with("bot-turn", "TURNO_WHATSAPP_TOKEN_PARAM", &d.clients, &env)
            .await
            .expect("the token");
    assert_eq!(token, TOKEN);
}

#[tokio::test]
async fn a_missing_ssm_parameter_fails_naming_the_variable_and_not_a_value() {
    let d = deployment().await;
    let env = |name: &str| (name == "TURNO_APP_SECRET_PARAM").then(|| "/turno/nope".to_owned());
    let err = turno_lambda::secret_with(
        "webhook-ingress",
        "TURNO_APP_SECRET_PARAM",
        &d.clients,
        &env,
    )
    .await
    .expect_err("no such parameter");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("TURNO_APP_SECRET_PARAM") && msg.contains("/turno/nope"),
        "{msg}"
    );
}

#[tokio::test]
async fn bot_turn_on_the_aws_adapters_replies_through_graph_and_hands_off_in_its_own_invocation() {
    let d = deployment().await;
    let env = |name: &str| d.env.get(name).cloned();
    let turno = turno_lambda::connect_with("bot-turn", demo_workspaces(), &d.clients, &env)
        .await
        .expect("connect on the emulators");
    turno
        .seed_agents()
        .await
        .expect("agents written to DynamoDB");

    let response =
        turno_lambda::handle_sqs_batch(&turno, QueueName::Inbound, sqs_sample("sqs-inbound.json"))
            .await;

    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let sent = d.graph.received_requests().await.expect("recorded");
    assert!(!sent.is_empty(), "the bot replied through the Graph API");
    let store = DynamoStore::new(d.clients.dynamodb.clone(), d.table.clone());
    let ws = WorkspaceId::parse("100200300400500").unwrap();
    let conversation = store
        .conversation(&ws, &WaId::parse("5215512345678").unwrap())
        .await
        .unwrap()
        .expect("the conversation is in DynamoDB");
    let ticket = conversation.ticket_id.expect("a ticket");
    let authors: Vec<Author> = store
        .transcript(&ws, &ticket)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.author)
        .collect();
    assert!(
        authors.first() == Some(&Author::Customer) && authors.contains(&Author::Bot),
        "bot-turn wrote the customer's messages and the delivered replies itself: {authors:?}"
    );
    let writes = emulators::drain_url(&d.clients.sqs, &d.queues[&QueueName::TicketWrites], 1).await;
    assert!(
        writes.is_empty(),
        "nothing left for ticket-writer: {writes:?}"
    );
    let handed_off = store
        .ticket(&ws, &ticket)
        .await
        .unwrap()
        .expect("the ticket is in DynamoDB");
    assert!(
        matches!(
            handed_off.status,
            TicketStatus::Queued | TicketStatus::Assigned
        ),
        "asking for an agent hands the ticket off in bot-turn's own invocation: {:?}",
        handed_off.status
    );
    let escalations =
        emulators::drain_url(&d.clients.sqs, &d.queues[&QueueName::Escalations], 1).await;
    assert!(
        escalations.is_empty(),
        "no escalation job is left for another function: {escalations:?}"
    );
}

/// The integrations' secrets on Lambda: each named by its `*_PARAM` variable is read from SSM
/// under the name the configuration uses; one without a parameter stays unset.
#[tokio::test]
async fn integration_secrets_are_read_from_the_ssm_parameters_their_variables_name() {
    let clients = emulators::moto_clients().await;
    let order_param = emulators::put_secret(&clients.ssm, "order-key-1").await;
    let env = HashMap::from([("ORDER_API_KEY_PARAM".to_owned(), order_param)]);
    let lookup = |name: &str| env.get(name).cloned();

    let secrets = turno_lambda::integration_secrets("bot-turn", &clients, &lookup)
        .await
        .unwrap();

    assert_eq!(secrets("ORDER_API_KEY").as_deref(), Some("order-key-1"));
    assert_eq!(secrets("LLM_API_KEY"), None);

    let missing = HashMap::from([(
        "LLM_API_KEY_PARAM".to_owned(),
        "/turno-test/never-put".to_owned(),
    )]);
    let lookup = |name: &str| missing.get(name).cloned();
    let err = turno_lambda::integration_secrets("bot-turn", &clients, &lookup)
        .await
        .err()
        .expect("the parameter does not exist");
    assert!(format!("{err:#}").contains("LLM_API_KEY_PARAM"), "{err:#}");
}
