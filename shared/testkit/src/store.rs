//! The contract of [`Store`]: what every adapter must do, as checks that panic with the
//! broken rule. Each check uses fresh workspaces, so checks can run concurrently on one store.
//!
//! Each check's name states the rule it checks, so the checks carry no further docs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use turno_core::channel::message::DeliveryState;
use turno_core::desk::agent::Availability;
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::kernel::levels::{Priority, Tier};
use turno_core::ports::records::{Change, ChangeKind, Record, RecordKind, cursor_at};
use turno_core::ports::{Store, StoreError, TicketFilter};

use crate::builders::*;

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id.clone()).collect()
}

async fn stored(store: &dyn Store, t: &Ticket) -> Ticket {
    store
        .ticket(&t.workspace, &t.id)
        .await
        .expect("read ticket")
        .expect("the ticket is stored")
}

async fn save(store: &dyn Store, mut t: Ticket) -> Ticket {
    store.save_ticket(&mut t).await.expect("save ticket");
    t
}

async fn load_of(store: &dyn Store, ws: &WorkspaceId, id: &str) -> u32 {
    store
        .agent(ws, &agent_id(id))
        .await
        .expect("read agent")
        .expect("the agent exists")
        .load
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "{what}: expected Conflict, got {result:?}"
    );
}

pub async fn new_ticket_is_stored_at_version_one_and_reads_back_unchanged(store: &dyn Store) {
    let ws = workspace();
    let mut t = queued_ticket(&ws, &customer(1), "support", Priority::High, at(10));
    t.customer_name = Some("Ana Souza".into());
    store.save_ticket(&mut t).await.expect("insert");
    assert_eq!(t.version, 1, "the caller's copy takes the stored version");
    assert_eq!(
        stored(store, &t).await,
        t,
        "every field reads back as written"
    );
}

pub async fn stale_ticket_write_conflicts_and_changes_nothing(store: &dyn Store) {
    let ws = workspace();
    let first = save(store, ticket(&ws, &customer(1))).await;
    let mut winner = first.clone();
    let mut loser = first.clone();

    winner.priority = Priority::Urgent;
    store
        .save_ticket(&mut winner)
        .await
        .expect("first writer wins");
    assert_eq!(winner.version, 2);

    loser.priority = Priority::Low;
    assert_conflict(store.save_ticket(&mut loser).await, "write of a stale copy");
    assert_eq!(
        loser.version, 1,
        "a failed write leaves the caller's version alone"
    );
    assert_eq!(
        stored(store, &first).await,
        winner,
        "the stale write changed nothing"
    );

    let mut again = first.clone();
    again.version = 0;
    assert_conflict(
        store.save_ticket(&mut again).await,
        "insert of an existing ticket",
    );

    let mut ghost = ticket(&ws, &customer(2));
    ghost.version = 3;
    assert_conflict(
        store.save_ticket(&mut ghost).await,
        "update of a missing ticket",
    );
    assert!(
        store.ticket(&ws, &ghost.id).await.unwrap().is_none(),
        "nothing was inserted"
    );
}

pub async fn conversation_write_with_a_stale_version_conflicts(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    store
        .commit_turn(&mut c, None, &turn(&ws, "wamid.a", &cu, &t.id), &[])
        .await
        .expect("insert");
    assert_eq!(c.version, 1);
    let mut stale = store.conversation(&ws, &cu).await.unwrap().expect("stored");
    assert_eq!(stale, c);

    c.profile_name = Some("Ana".into());
    store
        .commit_turn(&mut c, None, &turn(&ws, "wamid.b", &cu, &t.id), &[])
        .await
        .expect("update");
    assert_eq!(c.version, 2);

    stale.profile_name = Some("Bea".into());
    let late = turn(&ws, "wamid.c", &cu, &t.id);
    assert_conflict(
        store.commit_turn(&mut stale, None, &late, &[]).await,
        "stale conversation",
    );
    assert_eq!(stale.version, 1);
    assert_eq!(store.conversation(&ws, &cu).await.unwrap(), Some(c));
    assert!(store.turn(&ws, &late.message_id).await.unwrap().is_none());

    let mut twin = conversation(&ws, &cu);
    let other = turn(&ws, "wamid.d", &cu, &t.id);
    assert_conflict(
        store.commit_turn(&mut twin, None, &other, &[]).await,
        "second insert",
    );
}

pub async fn commit_turn_writes_conversation_ticket_and_turn_together(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let mut t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    c.ticket_id = Some(t.id.clone());
    let record = turn(&ws, "wamid.a", &cu, &t.id);
    store
        .commit_turn(&mut c, Some(&mut t), &record, &[])
        .await
        .expect("commit");
    assert_eq!((c.version, t.version), (1, 1));
    assert_eq!(store.conversation(&ws, &cu).await.unwrap(), Some(c.clone()));
    assert_eq!(stored(store, &t).await, t);
    assert_eq!(
        store.turn(&ws, &record.message_id).await.unwrap(),
        Some(record)
    );

    // A later turn updates both again.
    t.customer_wrote(&first_response_policy(3600), at(5));
    let next = turn(&ws, "wamid.b", &cu, &t.id);
    store
        .commit_turn(&mut c, Some(&mut t), &next, &[])
        .await
        .expect("second commit");
    assert_eq!((c.version, t.version), (2, 2));
    assert_eq!(stored(store, &t).await, t);
}

pub async fn commit_turn_with_a_stale_ticket_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let original = save(store, ticket(&ws, &cu)).await;
    let mut newer = original.clone();
    newer.priority = Priority::High;
    store.save_ticket(&mut newer).await.unwrap();

    let mut c = conversation(&ws, &cu);
    let mut stale = original.clone();
    stale.priority = Priority::Low;
    let record = turn(&ws, "wamid.a", &cu, &stale.id);
    let result = store
        .commit_turn(&mut c, Some(&mut stale), &record, &[])
        .await;
    assert_conflict(result, "commit with a stale ticket");
    assert_eq!(
        (c.version, stale.version),
        (0, 1),
        "caller copies untouched"
    );
    assert!(
        store.conversation(&ws, &cu).await.unwrap().is_none(),
        "conversation not written"
    );
    assert_eq!(stored(store, &original).await, newer, "ticket unchanged");
    assert!(
        store.turn(&ws, &record.message_id).await.unwrap().is_none(),
        "turn not written"
    );
}

pub async fn commit_turn_with_a_stale_conversation_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let first_ticket = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    let first = turn(&ws, "wamid.a", &cu, &first_ticket.id);
    store.commit_turn(&mut c, None, &first, &[]).await.unwrap();
    let mut stale = c.clone();
    c.profile_name = Some("Ana".into());
    store
        .commit_turn(
            &mut c,
            None,
            &turn(&ws, "wamid.b", &cu, &first_ticket.id),
            &[],
        )
        .await
        .unwrap();

    let mut t = ticket(&ws, &cu);
    let record = turn(&ws, "wamid.c", &cu, &t.id);
    let result = store
        .commit_turn(&mut stale, Some(&mut t), &record, &[])
        .await;
    assert_conflict(result, "commit with a stale conversation");
    assert_eq!(
        (stale.version, t.version),
        (1, 0),
        "caller copies untouched"
    );
    assert_eq!(
        store.conversation(&ws, &cu).await.unwrap(),
        Some(c),
        "conversation unchanged"
    );
    assert!(
        store.ticket(&ws, &t.id).await.unwrap().is_none(),
        "ticket not written"
    );
    assert!(
        store.turn(&ws, &record.message_id).await.unwrap().is_none(),
        "turn not written"
    );
}

pub async fn commit_turn_for_a_processed_message_conflicts_and_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let mut t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    let record = turn(&ws, "wamid.a", &cu, &t.id);
    store
        .commit_turn(&mut c, Some(&mut t), &record, &[])
        .await
        .unwrap();

    // A redelivery that missed the record decides again from fresh copies.
    let mut c2 = store.conversation(&ws, &cu).await.unwrap().unwrap();
    let mut t2 = stored(store, &t).await;
    c2.profile_name = Some("changed".into());
    t2.priority = Priority::Urgent;
    let mut again = record.clone();
    again.effects.truncate(1);
    let result = store.commit_turn(&mut c2, Some(&mut t2), &again, &[]).await;
    assert_conflict(result, "second commit of one message");
    assert_eq!((c2.version, t2.version), (1, 1));
    assert_eq!(
        store.conversation(&ws, &cu).await.unwrap(),
        Some(c),
        "conversation unchanged"
    );
    assert_eq!(stored(store, &t).await, t, "ticket unchanged");
    assert_eq!(
        store.turn(&ws, &record.message_id).await.unwrap(),
        Some(record)
    );
}

pub async fn turn_progress_is_saved(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let mut record = turn(&ws, "wamid.a", &cu, &t.id);
    store
        .commit_turn(&mut conversation(&ws, &cu), None, &record, &[])
        .await
        .unwrap();
    record.done = 1;
    store
        .save_turn_progress(&record, &[])
        .await
        .expect("save progress");
    let read = store
        .turn(&ws, &record.message_id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read.done, 1);
    record.done = 2;
    store.save_turn_progress(&record, &[]).await.unwrap();
    assert!(
        store
            .turn(&ws, &record.message_id)
            .await
            .unwrap()
            .unwrap()
            .is_complete()
    );
}

pub async fn commit_turn_writes_its_entries_with_the_turn_or_not_at_all(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let mut t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    let record = turn(&ws, "wamid.a", &cu, &t.id);
    let inbound = inbound_entry(&ws, &t.id, &cu, "wamid.a", at(1));
    store
        .commit_turn(
            &mut c,
            Some(&mut t),
            &record,
            std::slice::from_ref(&inbound),
        )
        .await
        .expect("commit with an entry");
    assert_eq!((c.version, t.version), (1, 1));
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![inbound.clone()]
    );

    // A second commit of the message conflicts: no second entry, nothing else written.
    let mut c2 = store.conversation(&ws, &cu).await.unwrap().unwrap();
    let mut again = inbound.clone();
    again.at = at(2);
    let late = inbound_entry(&ws, &t.id, &cu, "wamid.late", at(3));
    assert_conflict(
        store
            .commit_turn(&mut c2, None, &record, &[again, late.clone()])
            .await,
        "second commit of one message",
    );
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![inbound.clone()],
        "a commit that conflicts adds no entry"
    );

    // A stale conversation: nothing written either.
    let mut stale = conversation(&ws, &cu);
    let other = turn(&ws, "wamid.b", &cu, &t.id);
    assert_conflict(
        store
            .commit_turn(&mut stale, None, &other, std::slice::from_ref(&late))
            .await,
        "commit with a stale conversation",
    );
    assert!(store.turn(&ws, &other.message_id).await.unwrap().is_none());
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![inbound.clone()]
    );

    // An entry already stored is skipped, not failed on; the others are added.
    let stored_before = inbound_entry(&ws, &t.id, &cu, "wamid.c", at(4));
    assert!(store.append_message(&stored_before).await.unwrap());
    let mut retry = stored_before.clone();
    retry.at = at(9);
    let fresh = outbound_entry(&ws, &t.id, &cu, "wamid.c-reply", at(5));
    let third = turn(&ws, "wamid.c", &cu, &t.id);
    store
        .commit_turn(&mut c2, None, &third, &[retry, fresh.clone()])
        .await
        .expect("commit skipping a stored entry");
    assert_eq!(c2.version, 2);
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![inbound, stored_before, fresh]
    );
}

pub async fn turn_progress_adds_each_entry_once_and_never_goes_back(store: &dyn Store) {
    let ws = workspace();
    let cu = customer(1);
    let t = ticket(&ws, &cu);
    let mut record = turn(&ws, "wamid.a", &cu, &t.id);
    record.effects.push(record.effects[1].clone());
    store
        .commit_turn(&mut conversation(&ws, &cu), None, &record, &[])
        .await
        .unwrap();
    let first = outbound_entry(&ws, &t.id, &cu, "wamid.r1", at(1));
    let second = outbound_entry(&ws, &t.id, &cu, "wamid.r2", at(2));

    record.done = 2;
    store
        .save_turn_progress(&record, std::slice::from_ref(&first))
        .await
        .expect("progress with one entry");
    assert_eq!(
        store
            .turn(&ws, &record.message_id)
            .await
            .unwrap()
            .unwrap()
            .done,
        2
    );
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![first.clone()]
    );

    // The same entry again (a retried write) is not added twice.
    record.done = 3;
    store
        .save_turn_progress(&record, &[first.clone(), second.clone()])
        .await
        .expect("progress with a stored entry and a new one");
    assert!(
        store
            .turn(&ws, &record.message_id)
            .await
            .unwrap()
            .unwrap()
            .is_complete()
    );
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![first.clone(), second.clone()]
    );

    // A slower run's older progress does not undo the record; its entries still land.
    let third = outbound_entry(&ws, &t.id, &cu, "wamid.r3", at(3));
    record.done = 1;
    store
        .save_turn_progress(&record, std::slice::from_ref(&third))
        .await
        .expect("older progress");
    assert_eq!(
        store
            .turn(&ws, &record.message_id)
            .await
            .unwrap()
            .unwrap()
            .done,
        3
    );
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![first, second, third]
    );
}

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

pub async fn list_tickets_honours_every_filter_most_recently_updated_first(store: &dyn Store) {
    let ws = workspace();
    let at_time = |t: Ticket, secs: i64| {
        let mut t = t;
        t.updated_at = at(secs);
        t
    };
    let assigned = |team_id: &str, agent: &str, secs: i64| {
        let mut t = queued_ticket(
            &ws,
            &customer(secs as u32),
            team_id,
            Priority::Normal,
            at(1),
        );
        t.assign(agent_id(agent), at(secs)).unwrap();
        t
    };
    let t1 = save(
        store,
        at_time(
            queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
            10,
        ),
    )
    .await;
    let t2 = save(store, assigned("support", "ana", 20)).await;
    let t3 = save(
        store,
        at_time(
            queued_ticket(&ws, &customer(3), "billing", Priority::Normal, at(1)),
            30,
        ),
    )
    .await;
    let t4 = save(store, assigned("billing", "ana", 40)).await;
    let t5 = save(store, at_time(ticket(&ws, &customer(5)), 50)).await;
    let t6 = save(store, assigned("billing", "bruno", 60)).await;
    save(store, at_time(ticket(&workspace(), &customer(7)), 70)).await;

    let ws_ref = &ws;
    let list = |filter: TicketFilter| async move {
        ids(&store.list_tickets(ws_ref, &filter).await.unwrap())
    };
    let all = TicketFilter::default();
    assert_eq!(
        list(all.clone()).await,
        ids(&[
            t6.clone(),
            t5.clone(),
            t4.clone(),
            t3.clone(),
            t2.clone(),
            t1.clone()
        ])
    );
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Queued),
            ..all.clone()
        })
        .await,
        ids(&[t3.clone(), t1.clone()]),
        "by status"
    );
    assert_eq!(
        list(TicketFilter {
            team: Some(team("support")),
            ..all.clone()
        })
        .await,
        ids(&[t2.clone(), t1.clone()]),
        "by team"
    );
    assert_eq!(
        list(TicketFilter {
            assignee: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone()]),
        "by assignee"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![team("support")]),
            ..all.clone()
        })
        .await,
        ids(&[t2.clone(), t1.clone()]),
        "by a set of teams"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![team("support")]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone(), t1.clone()]),
        "an agent sees their teams' tickets and their own"
    );
    assert_eq!(
        list(TicketFilter {
            teams: Some(vec![]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t4.clone(), t2.clone()]),
        "an agent with no teams sees only their own"
    );
    assert_eq!(
        list(TicketFilter {
            status: Some(TicketStatus::Assigned),
            teams: Some(vec![team("billing")]),
            visible_to_agent: Some(agent_id("ana")),
            ..all.clone()
        })
        .await,
        ids(&[t6.clone(), t4.clone(), t2.clone()]),
        "filters combine"
    );
    assert_eq!(
        list(TicketFilter {
            limit: Some(2),
            ..all.clone()
        })
        .await,
        ids(&[t6, t5]),
        "limit"
    );

    // Updating a ticket moves it to the front.
    let mut t1 = stored(store, &t1).await;
    t1.updated_at = at(100);
    let t1 = save(store, t1).await;
    assert_eq!(
        list(TicketFilter {
            limit: Some(1),
            ..all
        })
        .await,
        ids(&[t1])
    );
}

/// A VIP ticket goes ahead of others of its priority, never ahead of a higher priority.
pub async fn vip_tickets_go_ahead_within_their_priority(store: &dyn Store) {
    let ws = workspace();
    let q =
        |n: u32, p: Priority, secs: i64| queued_ticket(&ws, &customer(n), "support", p, at(secs));
    let normal_first = save(store, q(1, Priority::Normal, 10)).await;
    let mut vip = q(2, Priority::Normal, 50);
    vip.tags.push(turno_core::desk::ticket::VIP_TAG.into());
    let vip = save(store, vip).await;
    let high = save(store, q(3, Priority::High, 60)).await;

    let queue = store
        .queued_tickets(&ws, &team("support"), 10)
        .await
        .unwrap();

    assert_eq!(ids(&queue), ids(&[high, vip, normal_first]));
}

pub async fn queued_tickets_come_by_priority_then_longest_waiting(store: &dyn Store) {
    let ws = workspace();
    let q =
        |n: u32, p: Priority, secs: i64| queued_ticket(&ws, &customer(n), "support", p, at(secs));
    let normal = save(store, q(1, Priority::Normal, 10)).await;
    let high_later = save(store, q(2, Priority::High, 30)).await;
    let high_earlier = save(store, q(3, Priority::High, 20)).await;
    let urgent = save(store, q(4, Priority::Urgent, 40)).await;
    let low = save(store, q(5, Priority::Low, 5)).await;
    let mut taken = q(6, Priority::Urgent, 1);
    taken.assign(agent_id("ana"), at(2)).unwrap();
    save(store, taken).await;
    save(
        store,
        queued_ticket(&ws, &customer(7), "billing", Priority::Urgent, at(1)),
    )
    .await;
    save(
        store,
        queued_ticket(
            &workspace(),
            &customer(8),
            "support",
            Priority::Urgent,
            at(1),
        ),
    )
    .await;

    let queue = store
        .queued_tickets(&ws, &team("support"), 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&queue),
        ids(&[
            urgent.clone(),
            high_earlier.clone(),
            high_later,
            normal,
            low
        ])
    );
    let head = store
        .queued_tickets(&ws, &team("support"), 2)
        .await
        .unwrap();
    assert_eq!(ids(&head), ids(&[urgent, high_earlier]));
    assert!(
        store
            .queued_tickets(&ws, &team("nobody"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn sla_due_tickets_are_listed_soonest_first_across_workspaces(store: &dyn Store) {
    // An era of its own (1973 plus a random offset), so other tests' tickets are not due in it.
    let offset = i64::from(uuid::Uuid::new_v4().as_fields().0 % 10_000_000);
    let base = Timestamp::from_second(100_000_000 + offset).unwrap();
    let (ws1, ws2) = (workspace(), workspace());
    let due_in = |ws: &WorkspaceId, n: u32, secs: i64| {
        let mut t = ticket(ws, &customer(n));
        t.escalate(
            team("support"),
            Tier::L2,
            vec![],
            &first_response_policy(secs.unsigned_abs()),
            base,
        )
        .unwrap();
        t
    };
    let a = save(store, due_in(&ws1, 1, 60)).await;
    let b = save(store, due_in(&ws2, 2, 30)).await;
    let c = save(store, due_in(&ws1, 3, 90)).await;
    save(store, due_in(&ws1, 4, 1_000)).await;
    let mut answered = due_in(&ws2, 5, 45);
    answered
        .record_human_reply(&first_response_policy(45), base)
        .unwrap();
    save(store, answered).await;
    let mut resolved = due_in(&ws1, 6, 10);
    resolved.resolve(&first_response_policy(10), base).unwrap();
    save(store, resolved).await;
    save(store, ticket(&ws1, &customer(7))).await;

    let ours = |found: Vec<(WorkspaceId, TicketId)>| -> Vec<(WorkspaceId, TicketId)> {
        found
            .into_iter()
            .filter(|(ws, _)| *ws == ws1 || *ws == ws2)
            .collect()
    };
    let before = base + SignedDuration::from_secs(90);
    let due = ours(store.tickets_sla_due(before, 1_000).await.unwrap());
    let expected = |ts: &[&Ticket]| -> Vec<(WorkspaceId, TicketId)> {
        ts.iter()
            .map(|t| (t.workspace.clone(), t.id.clone()))
            .collect()
    };
    assert_eq!(
        due,
        expected(&[&b, &a, &c]),
        "due at or before, soonest first"
    );

    // The due time follows the ticket: a human reply stops the clock.
    let mut a = stored(store, &a).await;
    a.record_human_reply(
        &first_response_policy(60),
        base + SignedDuration::from_secs(1),
    )
    .unwrap();
    save(store, a).await;
    let due = ours(store.tickets_sla_due(before, 1_000).await.unwrap());
    assert_eq!(due, expected(&[&b, &c]));

    let first = store.tickets_sla_due(before, 1).await.unwrap();
    assert_eq!(first.len(), 1, "limit");
}

pub async fn upserting_an_agent_profile_keeps_availability_load_and_last_assignment(
    store: &dyn Store,
) {
    let ws = workspace();
    let mut profile = agent(&ws, "ana", &["support"], 2);
    profile.availability = Availability::Offline;
    store.upsert_agent_profile(&profile).await.expect("create");
    assert_eq!(
        store.agent(&ws, &profile.id).await.unwrap(),
        Some(profile.clone())
    );

    assert!(
        store
            .set_availability(&ws, &profile.id, Availability::Online)
            .await
            .unwrap()
    );
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(profile.id.clone(), at(5)).unwrap();
    store
        .assign_ticket(&mut t, &profile.id, None, at(5))
        .await
        .unwrap();

    let mut edited = profile.clone();
    edited.name = "Ana Lima".into();
    edited.capacity = 5;
    edited.teams = vec![team("billing")];
    store.upsert_agent_profile(&edited).await.expect("update");
    let read = store
        .agent(&ws, &profile.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (read.name.as_str(), read.capacity, read.teams.clone()),
        ("Ana Lima", 5, vec![team("billing")])
    );
    assert_eq!(read.availability, Availability::Online, "availability kept");
    assert_eq!(read.load, 1, "load kept");
    assert_eq!(read.last_assigned_at, Some(at(5)), "last assignment kept");

    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 1))
        .await
        .unwrap();
    let listed: BTreeSet<String> = store
        .agents(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from(["ana".to_owned(), "bruno".to_owned()])
    );
}

pub async fn set_availability_reports_a_missing_agent(store: &dyn Store) {
    let ws = workspace();
    let found = store
        .set_availability(&ws, &agent_id("nobody"), Availability::Online)
        .await;
    assert!(!found.unwrap(), "false for an agent that does not exist");
    assert!(
        store
            .agent(&ws, &agent_id("nobody"))
            .await
            .unwrap()
            .is_none(),
        "none created"
    );
}

pub async fn assign_takes_one_unit_of_capacity_and_records_the_time(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(7)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(7))
        .await
        .expect("assign");
    assert_eq!(t.version, 2);
    assert_eq!(stored(store, &t).await, t);
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!((ana.load, ana.last_assigned_at), (1, Some(at(7))));
}

pub async fn assign_at_capacity_fails_and_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 1))
        .await
        .unwrap();
    let mut first = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    first.assign(agent_id("ana"), at(5)).unwrap();
    store
        .assign_ticket(&mut first, &agent_id("ana"), None, at(5))
        .await
        .unwrap();

    let queued = save(
        store,
        queued_ticket(&ws, &customer(2), "support", Priority::Normal, at(2)),
    )
    .await;
    let mut second = queued.clone();
    second.assign(agent_id("ana"), at(9)).unwrap();
    let result = store
        .assign_ticket(&mut second, &agent_id("ana"), None, at(9))
        .await;
    assert!(
        matches!(result, Err(StoreError::AtCapacity)),
        "expected AtCapacity, got {result:?}"
    );
    assert_eq!(second.version, 1, "caller's copy untouched");
    assert_eq!(stored(store, &queued).await, queued, "ticket unchanged");
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!(
        (ana.load, ana.last_assigned_at),
        (1, Some(at(5))),
        "agent unchanged"
    );
}

pub async fn assign_with_a_stale_ticket_conflicts_and_takes_no_capacity(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 3))
        .await
        .unwrap();
    let t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    let mut stale = t.clone();
    let mut newer = t.clone();
    newer.priority = Priority::High;
    store.save_ticket(&mut newer).await.unwrap();

    stale.assign(agent_id("ana"), at(5)).unwrap();
    assert_conflict(
        store
            .assign_ticket(&mut stale, &agent_id("ana"), None, at(5))
            .await,
        "stale assign",
    );
    assert_eq!(stale.version, 1);
    assert_eq!(load_of(store, &ws, "ana").await, 0, "no capacity taken");
    assert_eq!(stored(store, &t).await, newer);
}

pub async fn transfer_gives_the_previous_agent_a_unit_back(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();

    let previous = t.unassign(at(3)).unwrap();
    t.assign(agent_id("bruno"), at(3)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("bruno"), Some(&previous), at(3))
        .await
        .expect("transfer");
    assert_eq!(load_of(store, &ws, "ana").await, 0);
    assert_eq!(load_of(store, &ws, "bruno").await, 1);
    assert_eq!(stored(store, &t).await.assignee, Some(agent_id("bruno")));
}

pub async fn transfer_to_a_full_agent_fails_and_keeps_the_previous_assignee(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    store
        .upsert_agent_profile(&agent(&ws, "bruno", &["support"], 0))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();
    let before = t.clone();

    let previous = t.unassign(at(3)).unwrap();
    t.assign(agent_id("bruno"), at(3)).unwrap();
    let result = store
        .assign_ticket(&mut t, &agent_id("bruno"), Some(&previous), at(3))
        .await;
    assert!(
        matches!(result, Err(StoreError::AtCapacity)),
        "expected AtCapacity, got {result:?}"
    );
    assert_eq!(
        load_of(store, &ws, "ana").await,
        1,
        "previous agent keeps the ticket"
    );
    assert_eq!(load_of(store, &ws, "bruno").await, 0);
    assert_eq!(stored(store, &before).await, before);
}

pub async fn release_gives_capacity_back_and_load_never_goes_below_zero(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 2))
        .await
        .unwrap();
    let mut t = save(
        store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    t.assign(agent_id("ana"), at(2)).unwrap();
    store
        .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
        .await
        .unwrap();

    let mut stale = t.clone();
    t.priority = Priority::High;
    store.save_ticket(&mut t).await.unwrap();
    let released = stale
        .resolve(&first_response_policy(3600), at(3))
        .unwrap()
        .expect("had an assignee");
    assert_conflict(
        store.release_ticket(&mut stale, &released).await,
        "stale release",
    );
    assert_eq!(stale.version, 2);
    assert_eq!(
        load_of(store, &ws, "ana").await,
        1,
        "a failed release gives nothing back"
    );
    assert_eq!(
        stored(store, &t).await,
        t,
        "a failed release writes nothing"
    );

    let released = t
        .resolve(&first_response_policy(3600), at(4))
        .unwrap()
        .expect("had an assignee");
    store
        .release_ticket(&mut t, &released)
        .await
        .expect("release");
    assert_eq!(t.version, 4);
    assert_eq!(stored(store, &t).await.status, TicketStatus::Resolved);
    assert_eq!(load_of(store, &ws, "ana").await, 0);

    let mut other = save(
        store,
        queued_ticket(&ws, &customer(2), "support", Priority::Normal, at(1)),
    )
    .await;
    store
        .release_ticket(&mut other, &agent_id("ana"))
        .await
        .expect("release at zero");
    assert_eq!(load_of(store, &ws, "ana").await, 0, "load stays at zero");
}

pub async fn records_are_scoped_by_workspace(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let cu = customer(1);
    let mut t = ticket(&ws, &cu);
    let record = turn(&ws, "wamid.same", &cu, &t.id);
    store
        .commit_turn(&mut conversation(&ws, &cu), Some(&mut t), &record, &[])
        .await
        .unwrap();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 1))
        .await
        .unwrap();

    assert!(store.conversation(&other, &cu).await.unwrap().is_none());
    assert!(store.ticket(&other, &t.id).await.unwrap().is_none());
    assert!(
        store
            .turn(&other, &record.message_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .agent(&other, &agent_id("ana"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.agents(&other).await.unwrap().is_empty());
    assert!(
        store
            .list_tickets(&other, &TicketFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // The same message id in another workspace is another message.
    let elsewhere = turn(&other, "wamid.same", &cu, &t.id);
    store
        .commit_turn(&mut conversation(&other, &cu), None, &elsewhere, &[])
        .await
        .expect("independent");
}

fn record(ws: &WorkspaceId, kind: RecordKind, key: &str, value: serde_json::Value) -> Record {
    Record {
        workspace: ws.clone(),
        kind,
        key: key.to_owned(),
        value,
        updated_at: at(100),
        version: 0,
    }
}

pub async fn records_are_versioned_listed_by_kind_and_deleted(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let mut b = record(
        &ws,
        RecordKind::QuickReply,
        "b",
        json!({"text": "hola", "n": [1, 2]}),
    );
    let mut a = record(&ws, RecordKind::QuickReply, "a", json!({"text": "adiós"}));
    let mut c = record(
        &ws,
        RecordKind::Customer,
        "34600000001",
        json!({"tags": ["vip"]}),
    );
    for r in [&mut b, &mut a, &mut c] {
        store.put_record(r).await.expect("insert record");
        assert_eq!(r.version, 1);
    }
    let again = &mut record(&ws, RecordKind::QuickReply, "a", json!({}));
    assert_conflict(
        store.put_record(again).await,
        "inserting an existing record",
    );

    let read = store
        .record(&ws, RecordKind::QuickReply, "b")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(read, b, "reads back unchanged, at version 1");
    let keys: Vec<String> = store
        .records(&ws, RecordKind::QuickReply)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, vec!["a", "b"], "only that kind, by key");

    let mut stale = read.clone();
    let mut fresh = read;
    fresh.value = json!({"text": "hola de nuevo"});
    store.put_record(&mut fresh).await.expect("update");
    assert_eq!(fresh.version, 2);
    stale.value = json!({"text": "lost"});
    assert_conflict(store.put_record(&mut stale).await, "a stale record write");
    assert_eq!(
        store
            .record(&ws, RecordKind::QuickReply, "b")
            .await
            .unwrap()
            .unwrap()
            .value,
        json!({"text": "hola de nuevo"})
    );

    assert!(
        store
            .record(&other, RecordKind::QuickReply, "b")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .records(&other, RecordKind::QuickReply)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .delete_record(&other, RecordKind::QuickReply, "b")
            .await
            .unwrap()
    );

    assert!(
        store
            .delete_record(&ws, RecordKind::QuickReply, "b")
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_record(&ws, RecordKind::QuickReply, "b")
            .await
            .unwrap()
    );
    assert!(
        store
            .record(&ws, RecordKind::QuickReply, "b")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn changes_come_after_their_cursor_in_time_order_per_workspace(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let t1 = TicketId::generate();
    let t2 = TicketId::generate();
    let change = |ws: &WorkspaceId, id: &TicketId, kind: ChangeKind, secs: i64| Change {
        workspace: ws.clone(),
        kind,
        ticket_id: id.clone(),
        at: at(secs),
        cursor: String::new(),
    };
    store
        .append_change(&change(&ws, &t1, ChangeKind::Message, 10))
        .await
        .unwrap();
    store
        .append_change(&change(&ws, &t2, ChangeKind::Assignment, 12))
        .await
        .unwrap();
    store
        .append_change(&change(&ws, &t1, ChangeKind::Note, 11))
        .await
        .unwrap();
    store
        .append_change(&change(&other, &t1, ChangeKind::Sla, 11))
        .await
        .unwrap();

    let all = store.changes_since(&ws, None, 100).await.unwrap();
    let kinds: Vec<ChangeKind> = all.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ChangeKind::Message,
            ChangeKind::Note,
            ChangeKind::Assignment
        ],
        "in time order, only this workspace"
    );
    assert!(
        all.iter().all(|c| !c.cursor.is_empty()),
        "each has its cursor"
    );
    assert_eq!(all[0].ticket_id, t1);
    assert_eq!(all[0].at, at(10));

    let first = store.changes_since(&ws, None, 1).await.unwrap();
    assert_eq!(first.len(), 1, "limit");
    let rest = store
        .changes_since(&ws, Some(&first[0].cursor), 100)
        .await
        .unwrap();
    assert_eq!(
        rest,
        all[1..].to_vec(),
        "after the cursor, not including it"
    );
    let none = store
        .changes_since(&ws, Some(&all[2].cursor), 100)
        .await
        .unwrap();
    assert!(none.is_empty());
    let from_time = store
        .changes_since(&ws, Some(&cursor_at(at(11))), 100)
        .await
        .unwrap();
    assert_eq!(
        from_time,
        all[1..].to_vec(),
        "a time cursor starts at that time"
    );
}

/// Many tasks assign different tickets to one agent at once: exactly `capacity` succeed.
pub async fn concurrent_assigns_never_exceed_capacity(store: Arc<dyn Store>) {
    const CAPACITY: u32 = 3;
    const TICKETS: u32 = 12;
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], CAPACITY))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..TICKETS {
        let t = save(
            &*store,
            queued_ticket(&ws, &customer(n), "support", Priority::Normal, at(1)),
        )
        .await;
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut t = t;
            t.assign(agent_id("ana"), at(2)).unwrap();
            store
                .assign_ticket(&mut t, &agent_id("ana"), None, at(2))
                .await
        }));
    }
    let mut assigned = 0;
    for result in futures::future::join_all(tasks).await {
        match result.expect("task ran") {
            Ok(()) => assigned += 1,
            Err(StoreError::AtCapacity) => {}
            Err(e) => panic!("unexpected error from a concurrent assign: {e:?}"),
        }
    }
    assert_eq!(assigned, CAPACITY, "exactly capacity assigns succeed");
    assert_eq!(load_of(&*store, &ws, "ana").await, CAPACITY);
    let held = store
        .list_tickets(
            &ws,
            &TicketFilter {
                assignee: Some(agent_id("ana")),
                ..TicketFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        held.len(),
        CAPACITY as usize,
        "only successful assigns were written"
    );
}

/// Many tasks assign one ticket (each from the same read) to different agents at once: one
/// wins, the others conflict, and only the winner's load changes.
pub async fn concurrent_assigns_of_one_ticket_take_exactly_one_unit(store: Arc<dyn Store>) {
    const AGENTS: usize = 8;
    let ws = workspace();
    let names: Vec<String> = (0..AGENTS).map(|i| format!("agent{i}")).collect();
    for name in &names {
        store
            .upsert_agent_profile(&agent(&ws, name, &["support"], 5))
            .await
            .unwrap();
    }
    let t = save(
        &*store,
        queued_ticket(&ws, &customer(1), "support", Priority::Normal, at(1)),
    )
    .await;
    let mut tasks = Vec::new();
    for name in names.clone() {
        let store = Arc::clone(&store);
        let mut copy = t.clone();
        tasks.push(tokio::spawn(async move {
            copy.assign(agent_id(&name), at(2)).unwrap();
            store
                .assign_ticket(&mut copy, &agent_id(&name), None, at(2))
                .await
        }));
    }
    let mut wins = 0;
    for result in futures::future::join_all(tasks).await {
        match result.expect("task ran") {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("unexpected error from a concurrent assign: {e:?}"),
        }
    }
    assert_eq!(wins, 1, "exactly one assign of one ticket wins");
    let mut total = 0;
    for name in &names {
        total += load_of(&*store, &ws, name).await;
    }
    assert_eq!(total, 1, "one unit of capacity taken in all");
    let holder = stored(&*store, &t).await.assignee.expect("assigned");
    assert_eq!(
        load_of(&*store, &ws, holder.as_str()).await,
        1,
        "the winner holds it"
    );
}

/// Every check of the store contract, one after another (the two concurrent ones included).
pub async fn run_all(store: Arc<dyn Store>) {
    let s = &*store;
    new_ticket_is_stored_at_version_one_and_reads_back_unchanged(s).await;
    stale_ticket_write_conflicts_and_changes_nothing(s).await;
    conversation_write_with_a_stale_version_conflicts(s).await;
    commit_turn_writes_conversation_ticket_and_turn_together(s).await;
    commit_turn_with_a_stale_ticket_writes_nothing(s).await;
    commit_turn_with_a_stale_conversation_writes_nothing(s).await;
    commit_turn_for_a_processed_message_conflicts_and_writes_nothing(s).await;
    turn_progress_is_saved(s).await;
    commit_turn_writes_its_entries_with_the_turn_or_not_at_all(s).await;
    turn_progress_adds_each_entry_once_and_never_goes_back(s).await;
    append_message_is_idempotent_by_workspace_and_message_id(s).await;
    delivery_state_only_moves_forward(s).await;
    failed_delivery_is_final_and_keeps_its_error(s).await;
    delivery_status_recorded_before_its_message_shows_once_the_message_arrives(s).await;
    transcript_is_ordered_by_time_then_insertion_and_holds_only_its_ticket(s).await;
    list_tickets_honours_every_filter_most_recently_updated_first(s).await;
    queued_tickets_come_by_priority_then_longest_waiting(s).await;
    vip_tickets_go_ahead_within_their_priority(s).await;
    sla_due_tickets_are_listed_soonest_first_across_workspaces(s).await;
    upserting_an_agent_profile_keeps_availability_load_and_last_assignment(s).await;
    set_availability_reports_a_missing_agent(s).await;
    assign_takes_one_unit_of_capacity_and_records_the_time(s).await;
    assign_at_capacity_fails_and_writes_nothing(s).await;
    assign_with_a_stale_ticket_conflicts_and_takes_no_capacity(s).await;
    transfer_gives_the_previous_agent_a_unit_back(s).await;
    transfer_to_a_full_agent_fails_and_keeps_the_previous_assignee(s).await;
    release_gives_capacity_back_and_load_never_goes_below_zero(s).await;
    records_are_scoped_by_workspace(s).await;
    records_are_versioned_listed_by_kind_and_deleted(s).await;
    changes_come_after_their_cursor_in_time_order_per_workspace(s).await;
    concurrent_assigns_never_exceed_capacity(Arc::clone(&store)).await;
    concurrent_assigns_of_one_ticket_take_exactly_one_unit(store).await;
}
