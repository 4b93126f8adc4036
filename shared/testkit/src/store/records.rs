//! The contract of [`RecordStore`](turno_core::ports::RecordStore).

use serde_json::json;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::Store;
use turno_core::ports::records::{Record, RecordKind, RecordPage, record_cursor};

use super::assert_conflict;
use crate::builders::*;

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
    // Quarantined webhook items keep raw text up to 64 KiB: it must fit and read back.
    let mut q = record(
        &ws,
        RecordKind::Quarantine,
        "9f86d081884c7d659a2feaa0c55ad015",
        json!({"raw": "x".repeat(64 * 1024), "reason": "missing"}),
    );
    for r in [&mut b, &mut a, &mut c, &mut q] {
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
    let quarantined = store.records(&ws, RecordKind::Quarantine).await.unwrap();
    assert_eq!(quarantined, vec![q], "a kind of its own, read back whole");

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

pub async fn records_are_paged_most_recently_written_first(store: &dyn Store) {
    let (ws, other) = (workspace(), workspace());
    // Written at 10, 20, 20 (same time: by key, higher first), 40; one of another kind and one
    // of another workspace in between.
    for (key, secs) in [("c", 10), ("a", 20), ("b", 20), ("d", 40)] {
        let mut r = record(&ws, RecordKind::Quarantine, key, json!({"n": key}));
        r.updated_at = at(secs);
        store.put_record(&mut r).await.unwrap();
    }
    let mut noise = record(&ws, RecordKind::QuickReply, "z", json!({}));
    noise.updated_at = at(30);
    store.put_record(&mut noise).await.unwrap();
    let mut elsewhere = record(&other, RecordKind::Quarantine, "y", json!({}));
    elsewhere.updated_at = at(30);
    store.put_record(&mut elsewhere).await.unwrap();

    let keys =
        |page: &RecordPage| -> Vec<String> { page.records.iter().map(|r| r.key.clone()).collect() };
    let first = store
        .records_page(&ws, RecordKind::Quarantine, None, 3)
        .await
        .unwrap();
    assert_eq!(keys(&first), vec!["d", "b", "a"]);
    assert_eq!(first.records[0].value, json!({"n": "d"}), "read back whole");
    let places: Vec<String> = first.records.iter().map(record_cursor).collect();
    assert_eq!(first.cursors, places, "each record's place, as written");
    let next = first.next.clone().expect("one more");
    assert_eq!(next, record_cursor(&first.records[2]));
    let second = store
        .records_page(&ws, RecordKind::Quarantine, Some(&next), 3)
        .await
        .unwrap();
    assert_eq!(keys(&second), vec!["c"]);
    assert_eq!(second.next, None, "the last page says so");
    let exact = store
        .records_page(&ws, RecordKind::Quarantine, None, 4)
        .await
        .unwrap();
    assert_eq!((exact.records.len(), exact.next), (4, None));

    // A rewrite moves a record to the front.
    let mut c = store
        .record(&ws, RecordKind::Quarantine, "c")
        .await
        .unwrap()
        .unwrap();
    c.updated_at = at(50);
    store.put_record(&mut c).await.unwrap();
    let front = store
        .records_page(&ws, RecordKind::Quarantine, None, 1)
        .await
        .unwrap();
    assert_eq!(keys(&front), vec!["c"]);
    assert_eq!(front.records[0].version, 2);
    store
        .delete_record(&ws, RecordKind::Quarantine, "c")
        .await
        .unwrap();
    let all = store
        .records_page(&ws, RecordKind::Quarantine, None, 10)
        .await
        .unwrap();
    assert_eq!(
        keys(&all),
        vec!["d", "b", "a"],
        "a deleted record is not listed"
    );
}
