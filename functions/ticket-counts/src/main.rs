//! ticket-counts: moves the status counters and the rollups from the table's stream of ticket
//! writes, a batch at a time, exactly once (see `turno_aws`'s `store/counts.rs`).

use std::process::ExitCode;

use aws_lambda_events::dynamodb::Event;
use aws_lambda_events::streams::DynamoDbEventResponse;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use turno_lambda::counts::{handle_ticket_changes, table_store};

const FUNCTION: &str = "ticket-counts";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let store = table_store(FUNCTION, &env).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| {
        let store = &store;
        async move {
            Ok::<DynamoDbEventResponse, Error>(handle_ticket_changes(store, event.payload).await)
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use turno_aws::DynamoStore;
    use turno_aws::testing as emulators;
    use turno_core::desk::report::rollup::Dim;
    use turno_core::desk::ticket::TicketStatus;
    use turno_core::kernel::ids::{TeamId, WorkspaceId};
    use turno_core::ports::{RollupStore, TicketStore};
    use turno_lambda::testing::sample;

    use super::*;

    fn event() -> Event {
        serde_json::from_str(&sample("dynamodb-ticket-changes.json"))
            .expect("a DynamoDB stream event")
    }

    async fn fresh_table() -> (aws_sdk_dynamodb::Client, String) {
        let clients = emulators::dynamodb_clients().await;
        let table = emulators::unique("turno-counts");
        emulators::create_table_from_template(&clients.dynamodb, &table).await;
        (clients.dynamodb, table)
    }

    #[tokio::test]
    async fn the_sample_moves_the_counts_once_however_often_and_however_cut_lambda_hands_it() {
        let (client, table) = fresh_table().await;
        let store = DynamoStore::new(client, table);
        // A first try that got the first two records, then the batch again from its start,
        // longer, twice.
        let mut first = event();
        first.records.truncate(2);
        for e in [first, event(), event()] {
            let response = handle_ticket_changes(&store, e).await;
            assert!(response.batch_item_failures.is_empty(), "{response:?}");
        }

        let ws = WorkspaceId::parse("100200300400500").unwrap();
        let all = store.ticket_counts(&ws, None).await.unwrap();
        assert_eq!(all[&TicketStatus::Queued], 1, "{all:?}");
        assert_eq!(all[&TicketStatus::Bot], 0, "{all:?}");
        let support = TeamId::parse("support").unwrap();
        let team = store.ticket_counts(&ws, Some(&support)).await.unwrap();
        // The third ticket's write moved its own counters: it is not counted again.
        assert_eq!(team[&TicketStatus::Queued], 1, "{team:?}");

        let day = date(2026, 12, 1);
        let rollups = store.rollups(&ws, day, day).await.unwrap();
        let counter = |dim: Dim, name: &str| {
            rollups
                .iter()
                .find(|r| r.dim == dim)
                .and_then(|r| r.counters.0.get(name).copied())
        };
        assert_eq!(counter(Dim::All, "new"), Some(2), "{rollups:?}");
        assert_eq!(counter(Dim::All, "escalated"), Some(1), "{rollups:?}");
        assert_eq!(counter(Dim::Channel("whatsapp".into()), "new"), Some(2));
        assert_eq!(counter(Dim::Team("support".into()), "escalated"), Some(1));
    }

    #[tokio::test]
    async fn ticket_writes_read_from_the_tables_stream_move_the_counts_to_a_recount() {
        use turno_testkit::builders::{customer, team, ticket, workspace};
        let (client, table) = fresh_table().await;
        let store = DynamoStore::new(client, table.clone());
        let ws = workspace();
        let mut tickets = Vec::new();
        for i in 0..5 {
            let mut t = ticket(&ws, &customer(i));
            store.save_ticket(&mut t).await.unwrap();
            tickets.push(t);
        }
        // Two handed off to support, one of them resolved; one erased.
        for t in &mut tickets[..2] {
            t.status = TicketStatus::Queued;
            t.team = Some(team("support"));
            store.save_ticket(t).await.unwrap();
        }
        tickets[1].status = TicketStatus::Resolved;
        store.save_ticket(&mut tickets[1]).await.unwrap();
        store.delete_ticket(&tickets[4], &[]).await.unwrap();

        // The stream as Lambda hands it, in batches of two (more runs, and a run cut anywhere).
        let tail = emulators::StreamTail::of(&table).await;
        let mut records = 0;
        for changes in tail.read().await {
            for batch in changes.chunks(2) {
                records += batch.len();
                let event: Event = serde_json::from_value(emulators::stream_event(batch))
                    .expect("the stream's records as Lambda's event");
                let response = handle_ticket_changes(&store, event).await;
                assert!(response.batch_item_failures.is_empty(), "{response:?}");
            }
        }
        assert_eq!(records, 9, "five creations, three writes, one removal");

        let counts = store.ticket_counts(&ws, None).await.unwrap();
        assert_eq!(counts[&TicketStatus::Bot], 2, "{counts:?}");
        assert_eq!(counts[&TicketStatus::Queued], 1, "{counts:?}");
        assert_eq!(counts[&TicketStatus::Resolved], 1, "{counts:?}");
    }

    #[tokio::test]
    async fn a_batch_that_cannot_be_applied_is_answered_with_its_first_record() {
        let (client, _) = fresh_table().await;
        let store = DynamoStore::new(client, emulators::unique("turno-no-such-table"));

        let response = handle_ticket_changes(&store, event()).await;

        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_deref())
            .collect();
        assert_eq!(failed, [Some("100000000000000000001")]);
    }
}
