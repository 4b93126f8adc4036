//! The contract of [`ConversationStore`](turno_core::ports::ConversationStore).

use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::{BotInsight, Lookup, LookupOutcome, TurnRecord};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::kernel::lang::Lang;
use turno_core::kernel::levels::Priority;
use turno_core::ports::Store;

use super::{assert_conflict, save, stored};
use crate::builders::*;

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
    let mut record = turn(&ws, "wamid.a", &cu, &t.id);
    // What the bot made of the message comes back whole: the handoff summary reads it.
    record.bot = Some(Box::new(BotInsight {
        understood_as: "flow:order_status:answered".into(),
        language: Lang::Pt,
        slots: [("order_number".to_owned(), "456789".to_owned())].into(),
        lookup: Some(Lookup {
            action: "order_status".into(),
            outcome: LookupOutcome::Found,
        }),
        failed_attempts: 1,
        frustration: vec!["all_caps".into()],
    }));
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
        Some(c.clone()),
        "conversation unchanged"
    );
    assert_eq!(stored(store, &t).await, t, "ticket unchanged");
    assert_eq!(
        store.turn(&ws, &record.message_id).await.unwrap(),
        Some(record.clone())
    );

    // The conversation and the message's record read together, as a turn's first read does:
    // a processed message finds its record; a new one, none; a new customer, nothing.
    assert_eq!(
        conversation_and_turn(store, &ws, &cu, &record.message_id).await,
        (Some(c.clone()), Some(record))
    );
    let new_message = message_id("wamid.new");
    assert_eq!(
        conversation_and_turn(store, &ws, &cu, &new_message).await,
        (Some(c), None)
    );
    assert_eq!(
        conversation_and_turn(store, &ws, &customer(2), &new_message).await,
        (None, None)
    );
}

/// A turn's first read may bring the conversation's current ticket along (a store whose
/// reads cost little more together than apart does). The ticket it brings is the one stored
/// now, never an older copy; a message processed before brings none. Returns whether it
/// brought one, for a store's own test to require it.
pub async fn turn_reads_bring_the_current_ticket_as_stored(store: &dyn Store) -> bool {
    let ws = workspace();
    let cu = customer(7);
    let mut t = ticket(&ws, &cu);
    let mut c = conversation(&ws, &cu);
    c.ticket_id = Some(t.id.clone());
    let record = turn(&ws, "wamid.reads.a", &cu, &t.id);
    store
        .commit_turn(&mut c, Some(&mut t), &record, &[])
        .await
        .unwrap();
    let processed = store
        .turn_reads(&ws, &cu, &record.message_id)
        .await
        .unwrap();
    assert!(processed.turn.is_some());
    assert!(
        processed.ticket.is_none(),
        "a processed message's turn reads no ticket"
    );

    let next = message_id("wamid.reads.b");
    let brought = store.turn_reads(&ws, &cu, &next).await.unwrap().ticket;
    if let Some(read) = &brought {
        assert_eq!(read, &stored(store, &t).await);
    }
    // Written again since: the read brings the new version.
    t.priority = Priority::Urgent;
    let t = save(store, t).await;
    let again = store.turn_reads(&ws, &cu, &next).await.unwrap().ticket;
    assert_eq!(
        again.is_some(),
        brought.is_some(),
        "the same store reads alike"
    );
    if let Some(read) = again {
        assert_eq!((read.version, read.priority), (t.version, Priority::Urgent));
    }
    brought.is_some()
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

    // An entry already stored (other than the turn's own message, which the turn record
    // claims) is skipped, not failed on; the others are added.
    let stored_before = inbound_entry(&ws, &t.id, &cu, "wamid.c0", at(4));
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
        vec![inbound.clone(), stored_before.clone(), fresh.clone()]
    );

    // A turn's own message and the two replies it sent, with an entry stored before the
    // commit whose time falls between the replies: each reads once, in time order, a reply
    // with its delivery state.
    let fourth = turn(&ws, "wamid.d", &cu, &t.id);
    let own = inbound_entry(&ws, &t.id, &cu, "wamid.d", at(10));
    let first_reply = outbound_entry(&ws, &t.id, &cu, "wamid.d-r1", at(11));
    let second_reply = outbound_entry(&ws, &t.id, &cu, "wamid.d-r2", at(13));
    let between = inbound_entry(&ws, &t.id, &cu, "wamid.between", at(12));
    assert!(store.append_message(&between).await.unwrap());
    let sent = [own.clone(), first_reply.clone(), second_reply.clone()];
    store
        .commit_turn(&mut c2, None, &fourth, &sent)
        .await
        .expect("commit with the replies sent");
    store
        .record_delivery(&turno_core::channel::message::DeliveryStatus {
            workspace: ws.clone(),
            message_id: second_reply.message_id.clone(),
            recipient: cu.clone(),
            state: turno_core::channel::message::DeliveryState::Delivered,
            at: at(14),
            error: None,
        })
        .await
        .unwrap();
    let mut delivered = second_reply;
    delivered.delivery = Some(turno_core::channel::message::DeliveryState::Delivered);
    assert_eq!(
        store.transcript(&ws, &t.id).await.unwrap(),
        vec![
            inbound,
            stored_before,
            fresh,
            own,
            first_reply,
            between,
            delivered
        ]
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

pub async fn conversations_and_turns_are_scoped_by_workspace(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    let cu = customer(1);
    let mut t = ticket(&ws, &cu);
    let record = turn(&ws, "wamid.same", &cu, &t.id);
    store
        .commit_turn(&mut conversation(&ws, &cu), Some(&mut t), &record, &[])
        .await
        .unwrap();
    assert!(store.conversation(&ws, &cu).await.unwrap().is_some());

    assert!(store.conversation(&other, &cu).await.unwrap().is_none());
    assert!(store.ticket(&other, &t.id).await.unwrap().is_none());
    assert!(
        store
            .turn(&other, &record.message_id)
            .await
            .unwrap()
            .is_none()
    );

    // The same message id in another workspace is another message.
    let elsewhere = turn(&other, "wamid.same", &cu, &t.id);
    store
        .commit_turn(&mut conversation(&other, &cu), None, &elsewhere, &[])
        .await
        .expect("independent");
}

/// A turn's first read, as the tuple of the conversation and the message's record.
async fn conversation_and_turn(
    store: &dyn Store,
    ws: &WorkspaceId,
    customer: &WaId,
    message: &MessageId,
) -> (Option<Conversation>, Option<TurnRecord>) {
    let reads = store.turn_reads(ws, customer, message).await.unwrap();
    (reads.conversation, reads.turn)
}

/// A turn's commit that assigns its ticket takes one unit of the agent's capacity in the same
/// write; with the agent full it fails with `AtCapacity` and writes nothing at all.
pub async fn commit_turn_assigning_its_ticket_takes_a_unit_or_writes_nothing(store: &dyn Store) {
    let ws = workspace();
    store
        .upsert_agent_profile(&agent(&ws, "ana", &["support"], 1))
        .await
        .unwrap();
    let handoff = |n: u32| {
        let cu = customer(n);
        let mut t = queued_ticket(&ws, &cu, "support", Priority::Normal, at(i64::from(n)));
        t.assign(agent_id("ana"), at(10 + i64::from(n))).unwrap();
        let mut c = conversation(&ws, &cu);
        c.ticket_id = Some(t.id.clone());
        let record = turn(&ws, &format!("wamid.handoff.{n}"), &cu, &t.id);
        (c, t, record)
    };
    let assigning = || turno_core::ports::TurnOutbox {
        assign: Some(agent_id("ana")),
        ..Default::default()
    };

    let (mut c, mut t, record) = handoff(1);
    let mut outbox = assigning();
    store
        .commit_turn_with(&mut c, Some(&mut t), &record, &[], &mut outbox)
        .await
        .expect("commit with its assignment");
    assert_eq!((c.version, t.version), (1, 1));
    assert!(outbox.assign.is_none(), "the assignment was taken");
    assert_eq!(stored(store, &t).await, t);
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!((ana.load, ana.last_assigned_at), (1, Some(t.updated_at)));

    let (mut c, mut t, record) = handoff(2);
    let result = store
        .commit_turn_with(&mut c, Some(&mut t), &record, &[], &mut assigning())
        .await;
    assert!(
        matches!(result, Err(turno_core::ports::StoreError::AtCapacity)),
        "expected AtCapacity, got {result:?}"
    );
    assert_eq!((c.version, t.version), (0, 0), "caller copies untouched");
    assert!(
        store
            .conversation(&ws, &c.customer)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.ticket(&ws, &t.id).await.unwrap().is_none());
    assert!(store.turn(&ws, &record.message_id).await.unwrap().is_none());
    let ana = store.agent(&ws, &agent_id("ana")).await.unwrap().unwrap();
    assert_eq!(ana.load, 1, "no unit taken");
}
