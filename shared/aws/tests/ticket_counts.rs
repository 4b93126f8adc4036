//! ticket-counts' application of the table's stream, against DynamoDB Local: runs cut where a
//! transaction's item limit falls, each applied exactly once however the batch comes again.

use std::collections::HashMap;

use turno_aws::testing::{self as emulators, AttributeValue};
use turno_aws::{DynamoStore, TicketChange};
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::TicketStore;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// A new bot-held ticket in workspace `ws`: its own counter item.
fn created(ws: &str, i: usize) -> TicketChange {
    let pk = format!("WS#{ws}#TICKET#T{i:04}");
    let keys = HashMap::from([("PK".to_owned(), s(&pk)), ("SK".to_owned(), s("TICKET"))]);
    let mut image = keys.clone();
    image.insert("workspace".into(), s(ws));
    image.insert("status".into(), s("bot"));
    image.insert("version".into(), AttributeValue::N("1".into()));
    // Written by a version that leaves its counter moves to the stream.
    image.insert(turno_aws::ROLLUP_DELTAS.into(), s(""));
    TicketChange {
        event_id: format!("{}-{i}", uuid::Uuid::new_v4().simple()),
        sequence: format!("{:021}", 1000 + i),
        keys,
        old: None,
        new: Some(image),
    }
}

#[tokio::test]
async fn a_batch_over_one_transaction_is_cut_into_runs_each_applied_once() {
    let clients = emulators::dynamodb_clients().await;
    let table = emulators::table(&clients.dynamodb).await;
    let store = DynamoStore::new(clients.dynamodb, table);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let workspaces: Vec<String> = (0..150).map(|i| format!("ws-{run}-{i}")).collect();
    // 150 changes, each moving a counter item of its own: more than one transaction holds.
    let changes: Vec<TicketChange> = workspaces
        .iter()
        .enumerate()
        .map(|(i, ws)| created(ws, i))
        .collect();

    let first = store.apply_ticket_changes(&changes).await.expect("applied");
    assert_eq!(
        (first.applied, first.already, first.runs),
        (150, 0, 2),
        "{first:?}"
    );

    // Handed again whole, then from the second run's start (where Lambda goes on after a
    // failure answered with that change): nothing moves twice.
    let again = store.apply_ticket_changes(&changes).await.expect("applied");
    assert_eq!((again.applied, again.already), (0, 150), "{again:?}");
    let from_second = store
        .apply_ticket_changes(&changes[99..])
        .await
        .expect("ok");
    assert_eq!(from_second.already, 51, "{from_second:?}");

    for ws in [
        &workspaces[0],
        &workspaces[98],
        &workspaces[99],
        &workspaces[149],
    ] {
        let ws = WorkspaceId::parse(ws.as_str()).unwrap();
        let counts = store.ticket_counts(&ws, None).await.unwrap();
        assert_eq!(counts[&TicketStatus::Bot], 1, "{ws}: {counts:?}");
    }
}
