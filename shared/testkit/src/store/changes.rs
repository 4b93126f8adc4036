//! The contract of [`ChangeFeed`](turno_core::ports::ChangeFeed).

use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::Store;
use turno_core::ports::records::{Change, ChangeKind, cursor_at};

use crate::builders::*;

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
