//! The store contract on DynamoStore, against DynamoDB Local (started by ./infra/test.sh).

use turno_aws::testing as common;

use std::sync::Arc;

use turno_aws::DynamoStore;
use turno_core::ports::Store;

async fn store() -> Arc<dyn Store> {
    let clients = common::dynamodb_clients().await;
    let table = common::table(&clients.dynamodb).await;
    Arc::new(common::caught_up_store(clients.dynamodb, &table).await)
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

/// A turn reads no ticket the bot holds while the count of writes to the customer's bot-held
/// tickets, beside the conversation, holds what the conversation keeps: a write of such a
/// ticket (here an escalation) moves it, and the customer's erasure takes it away.
#[tokio::test]
async fn a_bot_held_ticket_is_vouched_for_until_another_write_of_it() {
    use turno_core::bot::conversation::BotTicket;
    use turno_core::desk::ticket::TicketStatus;
    use turno_core::ports::{ConversationStore, TicketStore};
    use turno_testkit::builders::{
        conversation, customer, message_id, team, ticket, turn, workspace,
    };

    let clients = common::dynamodb_clients().await;
    let table = common::table(&clients.dynamodb).await;
    let store = DynamoStore::new(clients.dynamodb, table);
    let (ws, cu) = (workspace(), customer(1));
    let mut t = ticket(&ws, &cu);
    assert_eq!(t.status, TicketStatus::Bot);
    let first = store
        .turn_reads(&ws, &cu, &message_id("wamid.a"))
        .await
        .expect("store call");
    assert_eq!(first.bot_ticket_changes, 0);
    assert!(!first.bot_ticket_held, "nothing kept yet");
    let mut c = conversation(&ws, &cu);
    c.ticket_id = Some(t.id.clone());
    c.bot_ticket = Some(BotTicket {
        id: t.id.clone(),
        updated_at: t.updated_at,
        previous_ticket: None,
        changes: first.bot_ticket_changes,
    });
    let record = turn(&ws, "wamid.a", &cu, &t.id);
    store
        .commit_turn(&mut c, Some(&mut t), &record, &[])
        .await
        .expect("store call");

    let next = store
        .turn_reads(&ws, &cu, &message_id("wamid.b"))
        .await
        .expect("store call");
    assert!(
        next.bot_ticket_held,
        "no write of the ticket since the turn"
    );
    assert!(next.turn.is_none());

    t.status = TicketStatus::Queued;
    t.team = Some(team("support"));
    store.save_ticket(&mut t).await.expect("store call");
    let after = store
        .turn_reads(&ws, &cu, &message_id("wamid.b"))
        .await
        .expect("store call");
    assert!(!after.bot_ticket_held, "the escalation moved the count");
    assert_eq!(after.bot_ticket_changes, 1);

    // A ticket a person holds is read by every turn: its writes count nothing.
    store.save_ticket(&mut t).await.expect("store call");
    let again = store
        .turn_reads(&ws, &cu, &message_id("wamid.b"))
        .await
        .expect("store call");
    assert_eq!(again.bot_ticket_changes, 1);

    store.forget_customer(&ws, &cu).await.expect("store call");
    let erased = store
        .turn_reads(&ws, &cu, &message_id("wamid.b"))
        .await
        .expect("store call");
    assert!(erased.conversation.is_none());
    assert_eq!(erased.bot_ticket_changes, 0, "erased with the conversation");
}
