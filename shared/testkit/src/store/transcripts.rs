//! The contract of [`TranscriptStore`](turno_core::ports::TranscriptStore).

use jiff::SignedDuration;
use turno_core::channel::message::DeliveryState;
use turno_core::ports::Store;

use crate::builders::*;

pub async fn append_message_is_idempotent_by_workspace_and_message_id(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let first = inbound_entry(&ws, &t.id, &cu, "wamid.a", at(1));
    assert!(
        store.append_message(&first).await.expect("append"),
        "first append inserts"
    );

    let mut retry = first.clone();
    retry.at = at(2);
    retry.body = outbound_entry(&ws, &t.id, &cu, "wamid.a", at(2)).body;
    assert!(
        !store.append_message(&retry).await.unwrap(),
        "second append is a no-op"
    );
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![first.clone()]
    );

    let other_ws = workspace();
    let elsewhere = inbound_entry(&other_ws, &t.id, &cu, "wamid.a", at(1));
    assert!(
        store.append_message(&elsewhere).await.unwrap(),
        "other workspaces are separate"
    );
}

pub async fn delivery_state_only_moves_forward(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let entry = outbound_entry(&ws, &t.id, &cu, "wamid.out", at(1));
    store.append_message(&entry).await.unwrap();
    let (ws_ref, ticket_id) = (&ws, &t.id);
    let transcript_state =
        || async move { store.transcript(ws_ref, ticket_id).await.unwrap()[0].delivery };
    assert_eq!(transcript_state().await, None, "no status yet");

    store
        .record_delivery(&delivery(&ws, "wamid.out", &cu, DeliveryState::Read, at(4)))
        .await
        .unwrap();
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
    store
        .record_delivery(&delivery(&ws, "wamid.out", &cu, DeliveryState::Sent, at(2)))
        .await
        .unwrap();
    assert_eq!(
        transcript_state().await,
        Some(DeliveryState::Read),
        "read is not undone"
    );
}

pub async fn failed_delivery_is_final_and_keeps_its_error(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    store
        .append_message(&outbound_entry(&ws, &t.id, &cu, "wamid.out", at(1)))
        .await
        .unwrap();
    store
        .record_delivery(&delivery(
            &ws,
            "wamid.out",
            &cu,
            DeliveryState::Delivered,
            at(2),
        ))
        .await
        .unwrap();
    let failed = delivery(&ws, "wamid.out", &cu, DeliveryState::Failed, at(3));
    store.record_delivery(&failed).await.unwrap();
    store
        .record_delivery(&delivery(&ws, "wamid.out", &cu, DeliveryState::Read, at(4)))
        .await
        .unwrap();
    let entry = &store.transcript(&ws, &t.id).await.unwrap()[0];
    assert_eq!(entry.delivery, Some(DeliveryState::Failed));
    assert_eq!(entry.delivery_error, failed.error);
}

pub async fn delivery_status_recorded_before_its_message_shows_once_the_message_arrives(
    store: &dyn Store,
) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    store
        .record_delivery(&delivery(
            &ws,
            "wamid.early",
            &cu,
            DeliveryState::Delivered,
            at(2),
        ))
        .await
        .unwrap();
    assert!(
        store.transcript(&ws, &t.id).await.unwrap().is_empty(),
        "no entry is invented"
    );
    store
        .append_message(&outbound_entry(&ws, &t.id, &cu, "wamid.early", at(1)))
        .await
        .unwrap();
    let entry = &store.transcript(&ws, &t.id).await.unwrap()[0];
    assert_eq!(entry.delivery, Some(DeliveryState::Delivered));
}

pub async fn transcript_is_ordered_by_time_then_insertion_and_holds_only_its_ticket(
    store: &dyn Store,
) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let other = ticket(&ws, &cu);
    let b = inbound_entry(&ws, &t.id, &cu, "wamid.b", at(20));
    let a = outbound_entry(&ws, &t.id, &cu, "wamid.a", at(10));
    let c = inbound_entry(&ws, &t.id, &cu, "wamid.c", at(20));
    let elsewhere = inbound_entry(&ws, &other.id, &cu, "wamid.x", at(15));
    let sub_second = inbound_entry(
        &ws,
        &t.id,
        &cu,
        "wamid.d",
        at(20) + SignedDuration::from_millis(1),
    );
    for e in [&sub_second, &b, &a, &elsewhere, &c] {
        store.append_message(e).await.unwrap();
    }
    let transcript = store.transcript(&ws, &t.id).await.unwrap();
    assert_eq!(transcript, vec![a, b, c, sub_second]);
    assert!(
        store
            .transcript(&workspace(), &t.id)
            .await
            .unwrap()
            .is_empty()
    );
}
