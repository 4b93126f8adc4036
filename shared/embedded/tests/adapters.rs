//! The database itself, durability of the store, the event bus and the sandbox channel.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::Timestamp;
use turno_core::channel::message::{Outbound, ReplyButton};
use turno_core::kernel::levels::Priority;
use turno_core::ports::domain_events::DomainEvent;
use turno_core::ports::{EventBus, SendError, TicketStore, WhatsApp};
use turno_embedded::{Db, SandboxWhatsApp, SqliteEventBus, SqliteStore};
use turno_testkit::{at, customer, queued_ticket, workspace};

#[test]
fn a_new_database_gets_the_whole_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turno.db");
    let db = Db::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), 11);
    assert_eq!(db.path(), Some(path.as_path()));
    drop(db);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_temporary_database_is_deleted_with_its_last_handle() {
    let db = Db::open_temporary().unwrap();
    let path = db.path().unwrap().to_path_buf();
    let clone = db.clone();
    drop(db);
    assert!(path.exists(), "a clone keeps it");
    drop(clone);
    assert!(!path.exists());
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turno.db");
    drop(Db::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let err = Db::open(&path).unwrap_err();
    assert!(
        format!("{err:#}").contains("newer than this build"),
        "{err:#}"
    );
}

#[tokio::test]
async fn committed_tickets_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turno.db");
    let ws = workspace();
    let mut t = queued_ticket(&ws, &customer(1), "support", Priority::High, at(1));
    {
        let store = SqliteStore::new(Db::open(&path).unwrap());
        store.save_ticket(&mut t).await.unwrap();
    }
    let store = SqliteStore::new(Db::open(&path).unwrap());
    assert_eq!(store.ticket(&ws, &t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(
        store.tickets_sla_due(Timestamp::MAX, 10).await.unwrap(),
        vec![(ws, t.id)]
    );
}

#[tokio::test]
async fn published_events_are_kept_in_order_per_workspace() {
    let bus = SqliteEventBus::new(Db::open_in_memory().unwrap());
    let (ws, other) = (workspace(), workspace());
    let created = |ws: &turno_core::kernel::ids::WorkspaceId, n: i64| DomainEvent::TicketCreated {
        workspace: ws.clone(),
        ticket_id: turno_core::kernel::ids::TicketId::parse(format!("T{n}")).unwrap(),
        at: at(n),
    };
    bus.publish(&[created(&ws, 1), created(&other, 2)])
        .await
        .unwrap();
    bus.publish(&[]).await.unwrap();
    bus.publish(&[created(&ws, 3)]).await.unwrap();
    assert_eq!(
        bus.events(&ws).unwrap(),
        vec![created(&ws, 1), created(&ws, 3)]
    );
    assert_eq!(bus.events(&other).unwrap(), vec![created(&other, 2)]);

    let page = bus.events_after(&ws, 0, 1).unwrap();
    assert_eq!(page.len(), 1);
    let rest = bus.events_after(&ws, page[0].0, 10).unwrap();
    assert_eq!(
        rest.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        vec![created(&ws, 3)]
    );
}

#[tokio::test]
async fn sandbox_keeps_each_sent_message_under_a_sandbox_wamid() {
    let sandbox = SandboxWhatsApp::new(Db::open_in_memory().unwrap());
    let ws = workspace();
    let (ana, bea) = (customer(1), customer(2));
    let id1 = sandbox
        .send(&ws, &ana, &Outbound::text("hola"))
        .await
        .unwrap();
    let id2 = sandbox
        .send(&ws, &bea, &Outbound::text("oi"))
        .await
        .unwrap();
    let id3 = sandbox
        .send(&ws, &ana, &Outbound::text("¿algo más?"))
        .await
        .unwrap();
    assert!(id1.as_str().starts_with("wamid.sandbox."), "{id1}");
    assert_ne!(id1, id3);

    let to_ana = sandbox.messages(&ws, Some(&ana), 0).unwrap();
    assert_eq!(
        to_ana.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![id1, id3.clone()]
    );
    assert_eq!(to_ana[0].message, Outbound::text("hola"));
    assert_eq!(to_ana[0].to, ana);
    assert_eq!(to_ana[0].workspace, ws);

    let newer = sandbox.messages(&ws, Some(&ana), to_ana[0].seq).unwrap();
    assert_eq!(
        newer.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![id3]
    );
    assert_eq!(sandbox.messages(&ws, None, 0).unwrap().len(), 3);
    assert!(sandbox.messages(&workspace(), None, 0).unwrap().is_empty());
    assert_eq!(sandbox.messages(&ws, Some(&bea), 0).unwrap()[0].id, id2);
}

#[tokio::test]
async fn sandbox_rejects_a_message_whatsapp_would_reject_and_keeps_nothing() {
    let sandbox = SandboxWhatsApp::new(Db::open_in_memory().unwrap());
    let ws = workspace();
    let too_many = Outbound::Buttons {
        body: "pick".into(),
        buttons: (0..4)
            .map(|i| ReplyButton {
                id: format!("b{i}"),
                title: format!("option {i}"),
            })
            .collect(),
    };
    let err = sandbox
        .send(&ws, &customer(1), &too_many)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Rejected { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(sandbox.messages(&ws, None, 0).unwrap().is_empty());
}
