//! Reports checked against the raw tickets: three days of a desk (bot-only conversations,
//! handoffs, replies, breaches, a transfer, reopenings, survey answers) driven through the use
//! cases on each store, then every figure of the report compared with a recomputation from
//! the tickets' transcripts and audit trails that shares no code with the rollups.

mod recompute;
mod scenario;

use std::sync::Arc;

use turno_aws::testing as emulators;
use turno_core::ports::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_figures_equal_a_recomputation_from_transcripts_and_audit_on_sqlite() {
    scenario::run_and_check(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_figures_equal_a_recomputation_from_transcripts_and_audit_on_dynamodb() {
    let clients = emulators::dynamodb_clients().await;
    let table = emulators::table(&clients.dynamodb).await;
    let store: Arc<dyn Store> =
        Arc::new(emulators::caught_up_store(clients.dynamodb, &table).await);
    scenario::run_and_check(Some(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_races_and_redelivered_messages_count_nothing_twice() {
    scenario::races_count_once().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_activity_is_counted_by_local_day() {
    scenario::activity_is_split_at_local_midnight().await;
}
