//! Tickets by creation time: what the conversation export pages through, oldest first, with
//! a keyset cursor over `(created_at, id)`.

use jiff::Timestamp;

use crate::kernel::ids::{TeamId, TicketId};

/// Tickets created in `[from, to)`, of one team if `team` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRange {
    pub from: Timestamp,
    pub to: Timestamp,
    pub team: Option<TeamId>,
}

/// Where a page of [`TicketStore::tickets_created`](super::TicketStore::tickets_created)
/// ended: the last ticket's creation time and id (pages run oldest first, ties by id).
/// Stores compare creation times at millisecond precision, the precision of their index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreatedCursor {
    /// Milliseconds since the Unix epoch.
    pub created_ms: i64,
    pub id: TicketId,
}

impl CreatedCursor {
    pub fn of(t: &crate::desk::ticket::Ticket) -> Self {
        CreatedCursor {
            created_ms: t.created_at.as_millisecond(),
            id: t.id.clone(),
        }
    }

    /// As the export hands it out: `<ms>.<id>`.
    pub fn to_text(&self) -> String {
        format!("{}.{}", self.created_ms, self.id)
    }

    /// Reads back what [`to_text`](Self::to_text) wrote; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (ms, id) = text.split_once('.')?;
        Some(CreatedCursor {
            created_ms: ms.parse().ok()?,
            id: TicketId::parse(id).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_garbage_is_refused() {
        let c = CreatedCursor {
            created_ms: 1_700_000_000_123,
            id: TicketId::parse("T0190abc").unwrap(),
        };
        assert_eq!(CreatedCursor::parse(&c.to_text()), Some(c));
        assert_eq!(CreatedCursor::parse("x.T1"), None);
        assert_eq!(CreatedCursor::parse("12"), None);
        assert_eq!(CreatedCursor::parse("12."), None);
    }
}
