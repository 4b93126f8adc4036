//! Small constructors of valid domain values for tests. They panic on the (impossible) invalid
//! input, as test helpers should.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use turno_core::bot::conversation::Conversation;
use turno_core::bot::turn::{Effect, TurnRecord};
use turno_core::channel::message::{
    Author, Body, Content, DeliveryState, DeliveryStatus, Outbound, TranscriptEntry,
};
use turno_core::desk::agent::{Agent, Availability, Role};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{AgentId, MessageId, TeamId, TicketId, WaId, WorkspaceId};
use turno_core::kernel::lang::Lang;
use turno_core::kernel::levels::{Priority, Tier};

/// The instant [`at`] counts from: 2025-01-01T00:00:00Z.
pub const BASE: i64 = 1_735_689_600;

/// `secs` seconds after [`BASE`] (negative for before).
pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(BASE + secs).expect("a timestamp in range")
}

/// A workspace id no other test uses.
pub fn workspace() -> WorkspaceId {
    WorkspaceId::parse(format!("ws-{}", uuid::Uuid::new_v4().simple())).expect("a valid id")
}

/// The `n`th test customer: a valid Spanish mobile number.
pub fn customer(n: u32) -> WaId {
    WaId::parse(format!("346{:08}", n % 100_000_000)).expect("a valid WhatsApp id")
}

/// A team id (`"support"`, `"billing"`, ...).
pub fn team(id: &str) -> TeamId {
    TeamId::parse(id).expect("a valid team id")
}

/// An agent id (`"ana"`, ...).
pub fn agent_id(id: &str) -> AgentId {
    AgentId::parse(id).expect("a valid agent id")
}

/// A message id (`"wamid.a"`, ...).
pub fn message_id(id: &str) -> MessageId {
    MessageId::parse(id).expect("a valid message id")
}

/// A new ticket the bot handles, created at [`at`]`(0)`, version 0 (not stored).
pub fn ticket(ws: &WorkspaceId, customer: &WaId) -> Ticket {
    Ticket::new(ws.clone(), customer.clone(), None, Lang::Es, at(0))
}

/// A new ticket waiting in `team`'s queue since `queued_at`, with a one-hour first-response
/// target; version 0 (not stored).
pub fn queued_ticket(
    ws: &WorkspaceId,
    customer: &WaId,
    team_id: &str,
    priority: Priority,
    queued_at: Timestamp,
) -> Ticket {
    let mut t = ticket(ws, customer);
    t.escalate(
        team(team_id),
        Tier::L2,
        vec!["test".into()],
        &first_response_policy(3600),
        queued_at,
    )
    .expect("a bot ticket can be escalated");
    t.priority = priority;
    t
}

/// SLA policies with one 24/7 policy that only sets a first-response target (warning at
/// 80 %).
pub fn first_response_policy(secs: u64) -> turno_core::sla::Policies {
    let policy = turno_core::sla::PolicyConfig {
        name: "test".into(),
        when: turno_core::sla::PolicyMatch::default(),
        calendar: None,
        first_response_secs: Some(secs),
        next_response_secs: None,
        resolution_secs: None,
        escalate_after_secs: None,
        warn_at_percent: 80,
        on_breach: turno_core::sla::BreachActions::default(),
        escalation_team: None,
    };
    turno_core::sla::Policies::build(&std::collections::HashMap::new(), &[policy])
        .expect("a valid policy")
}

/// An online agent of `teams` with no load.
pub fn agent(ws: &WorkspaceId, id: &str, teams: &[&str], capacity: u32) -> Agent {
    Agent {
        workspace: ws.clone(),
        id: agent_id(id),
        name: id.to_owned(),
        email: format!("{id}@example.com"),
        role: Role::Agent,
        teams: teams.iter().map(|t| team(t)).collect(),
        capacity,
        availability: Availability::Online,
        load: 0,
        last_assigned_at: None,
        deactivated: false,
    }
}

/// A new conversation, version 0 (not stored).
pub fn conversation(ws: &WorkspaceId, customer: &WaId) -> Conversation {
    Conversation::new(ws.clone(), customer.clone(), Lang::Es)
}

/// A customer's text message in a ticket's transcript.
pub fn inbound_entry(
    ws: &WorkspaceId,
    ticket: &TicketId,
    customer: &WaId,
    id: &str,
    when: Timestamp,
) -> TranscriptEntry {
    TranscriptEntry {
        workspace: ws.clone(),
        ticket_id: ticket.clone(),
        message_id: message_id(id),
        customer: customer.clone(),
        author: Author::Customer,
        at: when,
        body: Body::Inbound {
            content: Content::Text {
                body: format!("message {id}"),
            },
            context: None,
        },
        delivery: None,
        delivery_error: None,
        amended: None,
    }
}

/// A bot's text reply in a ticket's transcript.
pub fn outbound_entry(
    ws: &WorkspaceId,
    ticket: &TicketId,
    customer: &WaId,
    id: &str,
    when: Timestamp,
) -> TranscriptEntry {
    TranscriptEntry {
        workspace: ws.clone(),
        ticket_id: ticket.clone(),
        message_id: message_id(id),
        customer: customer.clone(),
        author: Author::Bot,
        at: when,
        body: Body::Outbound {
            message: Outbound::text(format!("reply {id}")),
        },
        delivery: None,
        delivery_error: None,
        amended: None,
    }
}

/// A delivery status WhatsApp reported for message `id`.
pub fn delivery(
    ws: &WorkspaceId,
    id: &str,
    recipient: &WaId,
    state: DeliveryState,
    when: Timestamp,
) -> DeliveryStatus {
    DeliveryStatus {
        workspace: ws.clone(),
        message_id: message_id(id),
        recipient: recipient.clone(),
        state,
        at: when,
        error: (state == DeliveryState::Failed).then(|| "131026: message undeliverable".into()),
    }
}

/// The record of a processed inbound message `id`, with one reply to send and nothing done.
pub fn turn(ws: &WorkspaceId, id: &str, customer: &WaId, ticket: &TicketId) -> TurnRecord {
    TurnRecord {
        workspace: ws.clone(),
        message_id: message_id(id),
        customer: customer.clone(),
        ticket_id: ticket.clone(),
        effects: vec![
            Effect::Record {
                entry: inbound_entry(ws, ticket, customer, id, at(0)),
            },
            Effect::Reply {
                message: Outbound::text("hola"),
            },
        ],
        done: 0,
        bot: None,
    }
}
