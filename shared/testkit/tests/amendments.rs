//! What a customer's edit or deletion of a message does to the ticket agents see: the preview
//! in the inbox follows the message.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::{SignedDuration, Timestamp};
use turno_core::channel::message::Content;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{MessageId, WaId};
use turno_core::ports::ConversationStore;
use turno_testkit::harness::{TestTurno, demo_workspace};

const CUSTOMER: &str = "34600222333";

async fn customer_sends(t: &TestTurno, id: &str, content: Content) {
    t.advance(SignedDuration::from_secs(30));
    t.customer_sends(CUSTOMER, id, content).await;
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

async fn human_ticket(t: &TestTurno) -> Ticket {
    customer_sends(t, "wamid.a1", text("quiero hablar con un agente")).await;
    let ws = demo_workspace();
    let conversation = t
        .store
        .conversation(&ws, &WaId::parse(CUSTOMER).unwrap())
        .await
        .unwrap()
        .unwrap();
    let ticket = t.ticket(&ws, &conversation.ticket_id.unwrap()).await;
    assert!(ticket.status.is_human());
    ticket
}

fn preview(ticket: &Ticket) -> String {
    ticket.last_message.as_ref().unwrap().text.clone()
}

#[tokio::test]
async fn a_deleted_last_message_is_hidden_in_the_preview_and_an_edited_one_shows_its_new_words() {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).unwrap()).await;
    let ticket = human_ticket(&t).await;
    let ws = demo_workspace();

    customer_sends(&t, "wamid.a2", text("mi clave es 1234")).await;
    assert_eq!(
        preview(&t.ticket(&ws, &ticket.id).await),
        "mi clave es 1234"
    );
    let revoke = Content::Revoke {
        message_id: MessageId::parse("wamid.a2").unwrap(),
    };
    customer_sends(&t, "wamid.a3", revoke).await;
    assert_eq!(preview(&t.ticket(&ws, &ticket.id).await), "[deleted]");

    customer_sends(&t, "wamid.a4", text("el pedido llegó roto")).await;
    let edit = Content::Edit {
        message_id: MessageId::parse("wamid.a4").unwrap(),
        content: Box::new(text("el pedido llegó abierto")),
    };
    customer_sends(&t, "wamid.a5", edit).await;
    assert_eq!(
        preview(&t.ticket(&ws, &ticket.id).await),
        "el pedido llegó abierto"
    );
}
