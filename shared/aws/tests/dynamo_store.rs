//! The store contract on DynamoStore, against DynamoDB Local (started by ./infra/test.sh).

use turno_aws::testing as common;

use std::sync::Arc;

use turno_aws::DynamoStore;
use turno_core::ports::Store;

async fn store() -> Arc<dyn Store> {
    let clients = common::dynamodb_clients().await;
    let table = common::table(&clients.dynamodb).await;
    Arc::new(DynamoStore::new(clients.dynamodb, table))
}

turno_testkit::store_contract_tests!(store);

/// What a console poll costs on DynamoDB: with nothing new, one query of one item (the change
/// feed's newest cursor); a page of a view, one query per index partition it needs.
#[tokio::test]
async fn a_poll_with_nothing_new_is_one_request_and_a_view_page_one_query() {
    use turno_aws::RequestCounter;
    use turno_core::ports::records::{Change, ChangeKind};
    use turno_core::ports::{ChangeFeed, StatusGroup, StatusScope, TicketQuery, TicketStore};
    use turno_testkit::builders::{at, customer, ticket, workspace};

    let counter = RequestCounter::default();
    let clients = common::counted_emulator_clients(&counter).await;
    let table = common::table(&clients.dynamodb).await;
    let store = DynamoStore::new(clients.dynamodb, table);
    let ws = workspace();
    for i in 0..60 {
        let mut t = ticket(&ws, &customer(i));
        t.status = turno_core::desk::ticket::TicketStatus::Queued;
        t.updated_at = at(i64::from(i));
        store.save_ticket(&mut t).await.expect("store call");
    }
    let change = Change {
        workspace: ws.clone(),
        ticket_id: turno_core::kernel::ids::TicketId::generate(),
        kind: ChangeKind::Message,
        at: at(100),
        cursor: String::new(),
    };
    store.append_change(&change).await.expect("store call");

    let before = counter.by_operation();
    let latest = store.latest_change(&ws).await.expect("store call");
    assert!(latest.is_some());
    let after = counter.by_operation();
    assert_eq!(counter_total(&after) - counter_total(&before), 1);
    let queries =
        |m: &std::collections::BTreeMap<String, u64>| m.get("DynamoDB.Query").copied().unwrap_or(0);
    assert_eq!(queries(&after) - queries(&before), 1);

    let before = counter.by_operation();
    let q = TicketQuery::workspace(StatusScope::Group(StatusGroup::Open));
    let (page, next) = store
        .ticket_page(&ws, &q, None, 50)
        .await
        .expect("store call");
    assert_eq!(page.len(), 50);
    assert!(next.is_some());
    let after = counter.by_operation();
    assert_eq!(
        counter_total(&after) - counter_total(&before),
        1,
        "one query per page"
    );
}

fn counter_total(m: &std::collections::BTreeMap<String, u64>) -> u64 {
    m.values().sum()
}
