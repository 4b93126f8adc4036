//! The contract of the store calls a customer's change of phone number relies on:
//! [`save_conversation`](turno_core::ports::ConversationStore::save_conversation),
//! [`delete_conversation`](turno_core::ports::ConversationStore::delete_conversation) and
//! [`customer_tickets`](turno_core::ports::TicketStore::customer_tickets).

use turno_core::channel::message::DeliveryState;
use turno_core::desk::ticket::TicketStatus;
use turno_core::ports::Store;

use super::{assert_conflict, ids, save};
use crate::builders::*;

pub async fn a_conversation_is_saved_alone_versioned_and_deleted_only_as_read(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let cu = customer(1);
    let mut c = conversation(&ws, &cu);
    c.profile_name = Some("Ana".into());
    store.save_conversation(&mut c).await.expect("insert");
    assert_eq!(c.version, 1);
    assert_eq!(store.conversation(&ws, &cu).await.unwrap(), Some(c.clone()));
    assert_conflict(
        store.save_conversation(&mut conversation(&ws, &cu)).await,
        "a second insert",
    );

    let stale = c.clone();
    c.last_customer_message_at = Some(at(50));
    store.save_conversation(&mut c).await.expect("update");
    assert_eq!(c.version, 2);
    assert_conflict(
        store.save_conversation(&mut stale.clone()).await,
        "a stale save",
    );
    assert_conflict(
        store.delete_conversation(&stale).await,
        "deleting a copy that changed since it was read",
    );
    assert_eq!(store.conversation(&ws, &cu).await.unwrap(), Some(c.clone()));

    let mut elsewhere = conversation(&other, &cu);
    store.save_conversation(&mut elsewhere).await.unwrap();
    store.delete_conversation(&c).await.expect("delete");
    assert!(store.conversation(&ws, &cu).await.unwrap().is_none());
    store
        .delete_conversation(&c)
        .await
        .expect("deleting it again is no error");
    assert_eq!(
        store.conversation(&other, &cu).await.unwrap(),
        Some(elsewhere),
        "another workspace's conversation of the same number stays"
    );
}

pub async fn customer_tickets_are_every_ticket_of_that_customer_oldest_first(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let (lucia, pablo) = (customer(1), customer(2));
    let mut newer = ticket(&ws, &lucia);
    newer.created_at = at(20);
    newer.updated_at = at(20);
    let mut closed = ticket(&ws, &lucia);
    closed.created_at = at(10);
    closed.updated_at = at(30);
    closed.status = TicketStatus::Closed;
    let newer = save(store, newer).await;
    let closed = save(store, closed).await;
    save(store, ticket(&ws, &pablo)).await;
    save(store, ticket(&other, &lucia)).await;

    let listed = store.customer_tickets(&ws, &lucia).await.unwrap();
    assert_eq!(ids(&listed), ids(&[closed.clone(), newer.clone()]));
    assert_eq!(listed[0], closed, "read back whole");

    let mut moved = newer;
    moved.customer = pablo.clone();
    let moved = save(store, moved).await;
    assert_eq!(
        ids(&store.customer_tickets(&ws, &lucia).await.unwrap()),
        ids(&[closed])
    );
    let pablos = store.customer_tickets(&ws, &pablo).await.unwrap();
    assert_eq!(pablos.len(), 2);
    assert!(ids(&pablos).contains(&moved.id));
    assert!(
        store
            .customer_tickets(&ws, &customer(3))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_deleted_ticket_takes_its_transcript_deliveries_turns_and_count_with_it(
    store: &dyn Store,
) {
    let ws = workspace();
    let (cu, other) = (customer(1), customer(2));
    let mut t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    c.ticket_id = Some(t.id.clone());
    let record = turn(&ws, "wamid.in", &cu, &t.id);
    let entries = [
        inbound_entry(&ws, &t.id, &cu, "wamid.in", at(1)),
        outbound_entry(&ws, &t.id, &cu, "wamid.out", at(2)),
    ];
    store
        .commit_turn(&mut c, Some(&mut t), &record, &entries)
        .await
        .expect("commit");
    store
        .record_delivery(&delivery(
            &ws,
            "wamid.out",
            &cu,
            DeliveryState::Delivered,
            at(3),
        ))
        .await
        .unwrap();
    let kept = save(store, ticket(&ws, &other)).await;
    store
        .append_message(&inbound_entry(&ws, &kept.id, &other, "wamid.kept", at(4)))
        .await
        .unwrap();
    let count = |c: &turno_core::ports::StatusCounts| c.get(&t.status).copied().unwrap_or(0);
    let before = count(&store.ticket_counts(&ws, None).await.unwrap());
    let messages = [message_id("wamid.in"), message_id("wamid.out")];

    let stale = {
        let mut s = t.clone();
        s.version -= 1;
        s
    };
    assert_conflict(
        store.delete_ticket(&stale, &messages).await,
        "deleting a ticket that changed since it was read",
    );
    assert!(store.ticket(&ws, &t.id).await.unwrap().is_some());

    store.delete_ticket(&t, &messages).await.expect("delete");
    assert!(store.ticket(&ws, &t.id).await.unwrap().is_none());
    assert!(store.transcript(&ws, &t.id).await.unwrap().is_empty());
    assert!(store.turn(&ws, &record.message_id).await.unwrap().is_none());
    assert!(store.customer_tickets(&ws, &cu).await.unwrap().is_empty());
    assert_eq!(
        count(&store.ticket_counts(&ws, None).await.unwrap()),
        before - 1,
        "the status counter lost the ticket"
    );
    // The message ids are free again: the same entry can be appended to another ticket.
    let mut again = inbound_entry(&ws, &kept.id, &other, "wamid.in", at(5));
    again.customer = other.clone();
    assert!(store.append_message(&again).await.unwrap());
    store
        .delete_ticket(&t, &messages)
        .await
        .expect("deleting it again is no error");
    assert_eq!(store.transcript(&ws, &kept.id).await.unwrap().len(), 2);

    store.forget_customer(&ws, &cu).await.expect("forget");
    assert!(store.conversation(&ws, &cu).await.unwrap().is_none());
    store
        .forget_customer(&ws, &cu)
        .await
        .expect("forgetting again is no error");
}
