use super::*;
use crate::channel::message::{Amended, Author};

fn marks(e: &TranscriptEntry) -> Amended {
    e.amended.as_deref().cloned().unwrap_or_default()
}
use crate::kernel::ids::WaId;

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

fn event(id: &str, s: i64, content: Content) -> InboundMessage {
    InboundMessage {
        workspace: WorkspaceId::parse("ws").unwrap(),
        id: MessageId::parse(id).unwrap(),
        from: WaId::parse("5215512345678").unwrap(),
        profile_name: None,
        at: at(s),
        content,
        context: None,
    }
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

fn entry() -> TranscriptEntry {
    TranscriptEntry {
        workspace: WorkspaceId::parse("ws").unwrap(),
        ticket_id: TicketId::parse("T1").unwrap(),
        message_id: MessageId::parse("wamid.orig").unwrap(),
        customer: WaId::parse("5215512345678").unwrap(),
        author: Author::Customer,
        at: at(1),
        body: Body::Inbound {
            content: text("helo"),
            context: None,
        },
        delivery: None,
        delivery_error: None,
        amended: None,
    }
}

fn target() -> MessageId {
    MessageId::parse("wamid.orig").unwrap()
}

#[test]
fn edits_replace_the_content_and_keep_the_earlier_versions_once() {
    let mut m = Marks::default();
    let edit = |id: &str, s: i64, body: &str| {
        event(
            id,
            s,
            Content::Edit {
                message_id: target(),
                content: Box::new(text(body)),
            },
        )
    };
    assert!(m.take(&edit("wamid.e2", 30, "hello!")));
    assert!(m.take(&edit("wamid.e1", 20, "hello")));
    assert!(!m.take(&edit("wamid.e1", 20, "hello")), "a redelivery");
    let mut e = entry();
    m.lay_over(&mut e);
    assert_eq!(
        e.body,
        Body::Inbound {
            content: text("hello!"),
            context: None
        }
    );
    assert_eq!(marks(&e).history, vec![text("helo"), text("hello")]);
    assert_eq!(marks(&e).edited_at, Some(at(30)));
}

#[test]
fn a_deletion_hides_the_content_and_its_edits_and_a_late_edit_does_not_bring_it_back() {
    let mut m = Marks::default();
    m.take(&event(
        "wamid.e1",
        20,
        Content::Edit {
            message_id: target(),
            content: Box::new(text("secret")),
        },
    ));
    assert!(m.take(&event(
        "wamid.r1",
        40,
        Content::Revoke {
            message_id: target()
        }
    )));
    assert!(m.edits.is_empty(), "the edited words are not kept");
    assert!(!m.take(&event(
        "wamid.e2",
        50,
        Content::Edit {
            message_id: target(),
            content: Box::new(text("again")),
        },
    )));
    let mut e = entry();
    m.lay_over(&mut e);
    assert_eq!(marks(&e).deleted_at, Some(at(40)));
    assert!(marks(&e).history.is_empty());
    let shown = serde_json::to_string(&e).unwrap();
    assert!(
        !shown.contains("helo") && !shown.contains("secret"),
        "{shown}"
    );
}

#[test]
fn the_latest_reaction_wins_and_an_empty_one_removes_it() {
    let mut m = Marks::default();
    let react = |id: &str, s: i64, emoji: Option<&str>| {
        event(
            id,
            s,
            Content::Reaction {
                message_id: target(),
                emoji: emoji.map(str::to_owned),
            },
        )
    };
    m.take(&react("wamid.a", 10, Some("👍")));
    m.take(&react("wamid.b", 5, Some("😡")));
    let mut e = entry();
    m.lay_over(&mut e);
    assert_eq!(marks(&e).reaction.as_deref(), Some("👍"));
    m.take(&react("wamid.c", 20, None));
    m.lay_over(&mut e);
    assert_eq!(marks(&e).reaction, None);
}
