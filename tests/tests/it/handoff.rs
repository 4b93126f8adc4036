//! A handoff runs in its turn's own invocation: the turn's commit writes the ticket routed and
//! assigned, with the agent's unit of capacity, and counts the turn complete. When that commit
//! does not get done (the process stops, it keeps losing its races), the message comes again
//! and its handoff runs then: once, whatever the number of deliveries.

use std::sync::{Arc, Mutex};

use turno_core::Timestamp;
use turno_core::channel::message::{Content, InboundMessage};
use turno_core::desk::ticket::TicketStatus;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::Store;
use turno_testkit::harness::{TestTurno, demo_workspace, demo_workspaces};
use turno_testkit::races::LosingStore;

#[tokio::test]
async fn a_handoff_whose_commit_kept_losing_runs_when_the_message_comes_again_once() {
    let losing: Mutex<Option<Arc<LosingStore>>> = Mutex::new(None);
    // Within the demo's business hours: an online agent takes a handoff at once.
    let now = Timestamp::from_second(1_748_876_667).unwrap();
    let t = TestTurno::with_store(demo_workspaces(), now, |inner| {
        let l = Arc::new(LosingStore::new(inner));
        *losing.lock().unwrap() = Some(Arc::clone(&l));
        l
    });
    let losing = losing.lock().unwrap().clone().unwrap();
    t.turno.seed_agents().await.unwrap();
    let store = Arc::clone(t.turno.store());
    let ws = demo_workspace();
    let customer = WaId::parse("5215550007777").unwrap();
    let message = InboundMessage {
        workspace: ws.clone(),
        id: MessageId::parse("wamid.handoff.once").unwrap(),
        from: customer.clone(),
        profile_name: Some("Lucía".into()),
        at: now,
        content: Content::Text {
            body: "quiero hablar con un agente".into(),
        },
        context: None,
    };

    // Every commit that assigns the ticket loses its race: the turn gives up, the job fails,
    // and nothing is written.
    losing.lose(usize::MAX);
    let failed = t.turno.handle_inbound(message.clone()).await;
    assert!(failed.is_err(), "the handoff could not be written");
    assert!(losing.ticket_writes() > 1, "the commit was tried again");
    assert!(
        store.turn(&ws, &message.id).await.unwrap().is_none(),
        "no turn committed"
    );
    assert!(
        store.conversation(&ws, &customer).await.unwrap().is_none(),
        "no conversation committed"
    );
    let loads = total_load(&store, &ws).await;
    assert_eq!(loads, 0, "no unit taken");

    // The redelivery hands it off in its commit; later ones find it done and change nothing.
    losing.lose(0);
    t.turno.handle_inbound(message.clone()).await.unwrap();
    let conversation = store.conversation(&ws, &customer).await.unwrap().unwrap();
    let id = conversation.ticket_id.expect("the turn's ticket");
    let turn = store.turn(&ws, &message.id).await.unwrap().unwrap();
    assert!(turn.is_complete(), "the turn was committed complete");
    assert_eq!(losing.ticket_writes(), 1, "the ticket written once");
    let assigned = store.ticket(&ws, &id).await.unwrap().unwrap();
    assert_eq!(assigned.status, TicketStatus::Assigned);
    let agent = assigned.assignee.clone().expect("an agent");
    for _ in 0..2 {
        t.turno.handle_inbound(message.clone()).await.unwrap();
    }
    let after = store.ticket(&ws, &id).await.unwrap().unwrap();
    assert_eq!(after.status, TicketStatus::Assigned);
    assert_eq!(after.assignee.as_ref(), Some(&agent));
    assert_eq!(after.version, assigned.version, "nothing written again");
    let loads = total_load(&store, &ws).await;
    assert_eq!(loads, 1, "one ticket counted once");
}

/// The workspace's agents' loads added up: the units of capacity taken.
async fn total_load(store: &Arc<dyn Store>, ws: &WorkspaceId) -> u32 {
    store.agents(ws).await.unwrap().iter().map(|a| a.load).sum()
}
