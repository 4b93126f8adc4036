//! A customer's conversation with a workspace: the bot's memory, the current ticket, and the
//! WhatsApp customer-service window.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::bot::engine::BotState;
use crate::channel::window::WindowState;
use crate::kernel::ids::{TicketId, WaId, WorkspaceId};
use crate::kernel::lang::Lang;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub workspace: WorkspaceId,
    pub customer: WaId,
    pub profile_name: Option<String>,
    pub language: Lang,
    pub ticket_id: Option<TicketId>,
    pub bot: BotState,
    pub last_customer_message_at: Option<Timestamp>,
    /// The current ticket as the last turn left it, when the bot held it (see [`BotTicket`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_ticket: Option<BotTicket>,
    /// When the stored conversation expires under the workspace's retention (none: kept); set
    /// by the store's decorator just before each write, stored by the adapter beside it.
    #[serde(skip)]
    pub expires_at: Option<Timestamp>,
    /// Optimistic concurrency: the version this copy was read at (0 = not stored yet).
    pub version: u64,
}

/// What a turn needs of a ticket the bot holds, kept on the conversation by the turn that
/// last saw the ticket in the bot's hands: its id, when it last changed (the thread window),
/// and the ticket it follows (a late survey answer). A turn never writes a ticket the bot
/// holds (it creates it, then leaves it to the bot's state on the conversation), so what
/// changes such a ticket is some other write: an escalation, a close, an agent's edit. A store
/// that counts those writes per customer, in the same write as the ticket, and finds its count
/// still at `changes` vouches for this instead of the turn reading the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotTicket {
    pub id: TicketId,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_ticket: Option<TicketId>,
    /// The store's count of writes to the customer's bot-held tickets outside a turn, as read
    /// before the ticket was seen.
    #[serde(default)]
    pub changes: u64,
}

impl Conversation {
    pub fn new(workspace: WorkspaceId, customer: WaId, language: Lang) -> Self {
        Conversation {
            workspace,
            customer,
            profile_name: None,
            language,
            ticket_id: None,
            bot: BotState::default(),
            last_customer_message_at: None,
            bot_ticket: None,
            expires_at: None,
            version: 0,
        }
    }

    /// When the 24-hour window closes, if it is open at all.
    pub fn window_closes_at(&self) -> Option<Timestamp> {
        self.window(Timestamp::MIN).closes_at
    }

    pub fn window_open(&self, now: Timestamp) -> bool {
        self.window(now).open
    }

    /// The 24-hour window at `now`.
    pub fn window(&self, now: Timestamp) -> WindowState {
        WindowState::at(self.last_customer_message_at, now)
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    #[test]
    fn window_is_open_for_24_hours_after_the_customers_last_message() {
        let mut c = Conversation::new(
            WorkspaceId::parse("ws").unwrap(),
            WaId::parse("34600111222").unwrap(),
            Lang::Es,
        );
        let t0 = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(!c.window_open(t0));
        c.last_customer_message_at = Some(t0);
        assert!(c.window_open(t0 + SignedDuration::from_hours(23)));
        assert!(!c.window_open(t0 + SignedDuration::from_hours(24)));
    }
}
