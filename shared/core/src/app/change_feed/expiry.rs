//! The change feed's stamping of expiries: when a ticket or conversation written expires under
//! its workspace's retention, and the marking of what is under a done ticket.

use jiff::Timestamp;
use tracing::warn;

use super::ChangeFeedStore;
use crate::bot::conversation::Conversation;
use crate::config::RetentionConfig;
use crate::desk::ticket::Ticket;
use crate::kernel::ids::WorkspaceId;
use crate::ports::StoreError;

impl ChangeFeedStore {
    pub(super) fn retention(&self, ws: &WorkspaceId) -> RetentionConfig {
        self.workspaces
            .get(ws)
            .map(|w| w.retention.clone())
            .unwrap_or_default()
    }

    /// Before a ticket write: sets when the ticket expires; returns when it expired as read.
    pub(super) fn stamp_ticket(&self, ticket: &mut Ticket) -> Option<Timestamp> {
        let before = ticket.expires_at;
        ticket.expires_at = self.retention(&ticket.workspace).ticket_expiry(ticket);
        before
    }

    /// Before a conversation write: sets when it expires.
    pub(super) fn stamp_conversation(&self, conversation: &mut Conversation) {
        conversation.expires_at = self
            .retention(&conversation.workspace)
            .conversation_expiry(conversation, self.clock.now());
    }

    /// After a ticket write that failed: the expiry as read goes back (the caller may try
    /// again with the same copy).
    pub(super) fn unstamp<T>(
        ticket: &mut Ticket,
        before: Option<Timestamp>,
        result: &Result<T, StoreError>,
    ) {
        if result.is_err() {
            ticket.expires_at = before;
        }
    }

    /// After a ticket write that succeeded: a done ticket's items get its expiry (entries added
    /// since the last write too), a reopened one's lose it. An open ticket that never expired
    /// (the bot's and the agents' daily writes) costs nothing here. A failure is logged: the
    /// ticket's next write marks the items again.
    pub(super) async fn expire_items(&self, ticket: &Ticket, before: Option<Timestamp>) {
        if ticket.expires_at.is_none() && before.is_none() {
            return;
        }
        if let Err(e) = self.inner.expire_ticket_items(ticket).await {
            warn!(workspace = %ticket.workspace, ticket_id = %ticket.id, error = %e, "could not mark a ticket's items with its expiry");
        }
    }
}
