//! The contract of [`RecordStore`](turno_core::ports::RecordStore).

use serde_json::json;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::Store;
use turno_core::ports::records::{Record, RecordKind};

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
