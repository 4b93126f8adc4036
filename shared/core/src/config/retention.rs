//! How long a workspace keeps what customers said: the `retention` section. Unset (or a
//! period unset), nothing expires, as before the section existed.
//!
//! - `tickets_days`: a ticket that is done (resolved or closed) expires that many days after
//!   it was resolved, with everything stored under it (its transcript: messages, notes, media
//!   references; its CSAT answer and audit trail, which are in the ticket; the delivery states
//!   of its messages). A ticket still open never expires; reopening one takes its expiry off.
//! - `conversations_days`: a conversation (the bot's state with one customer: language,
//!   flow, the 24-hour window) expires that many days after its last write, which every
//!   message of the customer's makes. The customer's next message starts a new one.
//!
//! Rollups and reports hold counts, not numbers: they are never expired. Turn records (what
//! makes a redelivered message idempotent) are kept 30 days on DynamoDB whatever the setting.
//!
//! On DynamoDB an expiring item carries `expires_at` (epoch seconds) and the table's time to
//! live deletes it, typically within a few days of that time (AWS allows up to 48 hours and
//! more). On SQLite the embedded runner's sweep deletes what is due at each run.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::bot::conversation::Conversation;
use crate::desk::ticket::{Ticket, TicketStatus};

/// The longest retention period a setting may name: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days a done ticket (and what is under it) is kept after it was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets_days: Option<u32>,
    /// Days a conversation (the bot's state) is kept after its last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_days: Option<u32>,
}

fn days(n: u32) -> SignedDuration {
    SignedDuration::from_hours(i64::from(n) * 24)
}

impl RetentionConfig {
    /// Nothing expires.
    pub fn is_empty(&self) -> bool {
        self.tickets_days.is_none() && self.conversations_days.is_none()
    }

    /// Each period is 1 to [`MAX_RETENTION_DAYS`].
    pub fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("tickets_days", self.tickets_days),
            ("conversations_days", self.conversations_days),
        ] {
            if let Some(v) = value
                && !(1..=MAX_RETENTION_DAYS).contains(&v)
            {
                return Err(format!(
                    "retention.{name} must be 1 to {MAX_RETENTION_DAYS} (days), or left out to keep forever"
                ));
            }
        }
        Ok(())
    }

    /// When a ticket, as it is about to be written, expires: `tickets_days` after it was
    /// resolved if it is done, never if it is open (or no period is set).
    pub fn ticket_expiry(&self, ticket: &Ticket) -> Option<Timestamp> {
        let keep = self.tickets_days?;
        if !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed) {
            return None;
        }
        let done = ticket.resolved_at.unwrap_or(ticket.updated_at);
        done.checked_add(days(keep)).ok()
    }

    /// When a conversation written at `now` expires: `conversations_days` after its last
    /// activity (the customer's last message, or `now` if later).
    pub fn conversation_expiry(
        &self,
        conversation: &Conversation,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let keep = self.conversations_days?;
        let last = conversation
            .last_customer_message_at
            .map_or(now, |m| m.max(now));
        last.checked_add(days(keep)).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::kernel::ids::{WaId, WorkspaceId};
    use crate::kernel::lang::Lang;

    fn ticket(status: TicketStatus, resolved: Option<Timestamp>) -> Ticket {
        let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut t = Ticket::new(
            WorkspaceId::parse("ws").unwrap(),
            WaId::parse("5215512345678").unwrap(),
            None,
            Lang::Es,
            at,
        );
        t.status = status;
        t.resolved_at = resolved;
        t
    }

    #[test]
    fn a_done_ticket_expires_its_period_after_it_was_resolved_and_an_open_one_never() {
        let r = RetentionConfig {
            tickets_days: Some(30),
            conversations_days: None,
        };
        let resolved: Timestamp = "2026-02-01T10:00:00Z".parse().unwrap();
        let due: Timestamp = "2026-03-03T10:00:00Z".parse().unwrap();
        for status in [TicketStatus::Resolved, TicketStatus::Closed] {
            assert_eq!(r.ticket_expiry(&ticket(status, Some(resolved))), Some(due));
        }
        for status in [
            TicketStatus::Bot,
            TicketStatus::Queued,
            TicketStatus::Assigned,
            TicketStatus::Pending,
            TicketStatus::Snoozed,
        ] {
            assert_eq!(r.ticket_expiry(&ticket(status, Some(resolved))), None);
        }
        let keep = RetentionConfig::default();
        let done = ticket(TicketStatus::Closed, Some(resolved));
        assert_eq!(keep.ticket_expiry(&done), None);
    }

    #[test]
    fn a_conversation_expires_its_period_after_its_last_activity() {
        let r = RetentionConfig {
            tickets_days: None,
            conversations_days: Some(2),
        };
        let mut c = Conversation::new(
            WorkspaceId::parse("ws").unwrap(),
            WaId::parse("5215512345678").unwrap(),
            Lang::Es,
        );
        let now: Timestamp = "2026-02-01T10:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-02-02T10:00:00Z".parse().unwrap();
        assert_eq!(
            r.conversation_expiry(&c, now),
            Some("2026-02-03T10:00:00Z".parse().unwrap())
        );
        c.last_customer_message_at = Some(later);
        assert_eq!(
            r.conversation_expiry(&c, now),
            Some("2026-02-04T10:00:00Z".parse().unwrap())
        );
        assert_eq!(
            RetentionConfig::default().conversation_expiry(&c, now),
            None
        );
    }

    #[test]
    fn periods_are_checked() {
        for bad in [0, MAX_RETENTION_DAYS + 1] {
            let r = RetentionConfig {
                tickets_days: Some(bad),
                conversations_days: None,
            };
            assert!(r.check().unwrap_err().contains("retention.tickets_days"));
            let r = RetentionConfig {
                tickets_days: None,
                conversations_days: Some(bad),
            };
            assert!(
                r.check()
                    .unwrap_err()
                    .contains("retention.conversations_days")
            );
        }
        let ok = RetentionConfig {
            tickets_days: Some(365),
            conversations_days: Some(1),
        };
        assert!(ok.check().is_ok());
    }
}
