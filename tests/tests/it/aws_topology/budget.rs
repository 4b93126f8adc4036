//! What a bot-handled message costs on AWS: requests and write units per message for a
//! batch of first messages and for the same customers' follow-ups, ticket-counts' share of the
//! stream included.

use axum::http::StatusCode;
use turno_core::ports::QueueName;
use turno_tests::{text_webhook, wamid};

use super::Topology;
use super::topology::per_queue;
/// AWS requests and DynamoDB write units per bot-handled message when a batch of ten new
/// conversations' greetings goes through (webhook-ingress once per message; bot-turn, as
/// Lambda hands it the batch, sharing one PutEvents and one SendMessageBatch of the
/// bot-inactivity timers): reading the conversation with the message's turn record (one
/// BatchGetItem), sending the replies, then committing the turn with the customer's entry,
/// the replies' entries and the new ticket (one transaction of four items of a kilobyte or
/// less: conversation, turn record, ticket (no NULLs, no marks not set, no status or assignee
/// view keys while the bot holds it, and its rollup deltas as one short string), and one item
/// of the customer's entry with the two replies', doubled as a transaction bills them: 8).
/// Then ticket-counts' batch of the ten new tickets: one transaction of its marker, the bot's
/// status counter and the day's `all` rollup item (the channel's count rides on it), 6 write
/// units for the ten (for a hundred, a stream batch's size, 0.06 each). The configuration's
/// version is read once for the batch (by webhook-ingress, when its cache has expired: 10 or
/// 11 requests for the ten).
const BOT_BATCH_REQUESTS_PER_MESSAGE: f64 = 3.4;
const BOT_BATCH_WRITE_UNITS_PER_MESSAGE: f64 = 8.6;
/// The same customers' next message, inside the thread window: the conversation with the turn
/// record and the count of writes to bot-held tickets (one BatchGetItem; the bot's ticket is
/// not read), and the commit of three small items, the conversation, the turn record and one
/// item of the customer's entry with the reply's (no claim of the message id, no ticket write,
/// no timer, no event): 3 requests and 6 write units; webhook-ingress's configuration read,
/// when its cache has expired, adds 0.1.
const FOLLOW_UP_REQUESTS_PER_MESSAGE: f64 = 3.1;
const FOLLOW_UP_WRITE_UNITS_PER_MESSAGE: f64 = 6.0;

/// Sends `text` from each of `customers` through the topology and returns the AWS requests
/// and write units per message, with what each function did.
async fn per_message(t: &Topology, customers: &[String], text: &str) -> (f64, f64, String) {
    t.counter.log_writes();
    t.counter.take_writes();
    let before = t.counter.count();
    let units_before = t.counter.write_units();
    for c in customers {
        let status = t.webhook(text_webhook(c, "Cliente", &wamid(), text)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let ingress = t.counter.count() - before;
    let sent_before: Vec<usize> = futures::future::join_all(
        customers
            .iter()
            .map(|c| async move { t.graph.texts_to(c).await.len() }),
    )
    .await;
    let handled = t.run_functions().await;
    for (c, before) in customers.iter().zip(sent_before) {
        assert!(
            t.graph.texts_to(c).await.len() > before,
            "the bot answered {c}"
        );
    }
    let inbound = &handled[&QueueName::Inbound];
    assert_eq!(inbound.records, customers.len() as u64);
    let messages = customers.len() as f64;
    // Everything the functions asked of AWS, the ticket-counts function's batches included.
    let requests = (t.counter.count() - before) as f64;
    let units = t.counter.write_units() - units_before;
    eprintln!(
        "items written for {messages} messages:\n{}",
        super::escalations::item_breakdown(&t.counter.take_writes(), messages)
    );
    let detail = format!(
        "webhook-ingress {ingress} requests for {messages}; {}",
        per_queue(&handled).join("; ")
    );
    (requests / messages, units / messages, detail)
}

#[tokio::test]
async fn a_batch_of_bot_handled_messages_stays_within_its_aws_budget() {
    let t = Topology::deploy().await;
    let customers: Vec<String> = (0..10).map(|i| format!("3460022{i:04}")).collect();

    let (requests, units, detail) = per_message(&t, &customers, "hola").await;
    eprintln!(
        "per bot-handled first message: {requests:.1} AWS requests, {units:.1} write units ({detail})"
    );
    assert!(
        requests <= BOT_BATCH_REQUESTS_PER_MESSAGE,
        "{requests:.1} AWS requests per bot-handled first message, over the budget of \
         {BOT_BATCH_REQUESTS_PER_MESSAGE}: {detail}"
    );
    assert!(
        units <= BOT_BATCH_WRITE_UNITS_PER_MESSAGE,
        "{units:.1} write units per bot-handled first message, over the budget of \
         {BOT_BATCH_WRITE_UNITS_PER_MESSAGE}: {detail}"
    );

    let (requests, units, detail) =
        per_message(&t, &customers, "cómo hago para devolver algo").await;
    eprintln!(
        "per bot-handled follow-up: {requests:.1} AWS requests, {units:.1} write units ({detail})"
    );
    assert!(
        requests <= FOLLOW_UP_REQUESTS_PER_MESSAGE,
        "{requests:.1} AWS requests per bot-handled follow-up, over the budget of \
         {FOLLOW_UP_REQUESTS_PER_MESSAGE}: {detail}"
    );
    assert!(
        units <= FOLLOW_UP_WRITE_UNITS_PER_MESSAGE,
        "{units:.1} write units per bot-handled follow-up, over the budget of \
         {FOLLOW_UP_WRITE_UNITS_PER_MESSAGE}: {detail}"
    );
}
