//! Live updates: the change feed, read from a cursor, limited to what the caller may see.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Actor, AppError, Turno};
use crate::desk::agent::Role;
use crate::kernel::ids::TicketId;
use crate::ports::records::{ChangeKind, cursor_at};

/// Writers stamp a change a moment before it is stored, so the newest changes may still be
/// joined by slightly older ones: a page never moves the cursor closer to now than this, and
/// those changes come again on the next read (events are hints to refresh, repeats are
/// harmless).
const SETTLE: SignedDuration = SignedDuration::from_secs(2);
const MAX_EVENTS: u32 = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEvent {
    pub kind: ChangeKind,
    pub ticket_id: TicketId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangePage {
    pub events: Vec<ChangeEvent>,
    /// Pass back as `since` for what comes next.
    pub cursor: String,
}

fn valid_cursor(c: &str) -> bool {
    // Checked: byte 20 of a string from the query may fall inside a multi-byte character.
    let Some((time, rest)) = c.split_at_checked(20) else {
        return false;
    };
    time.bytes().all(|b| b.is_ascii_digit())
        && (rest.is_empty()
            || rest.strip_prefix('#').is_some_and(|u| {
                !u.is_empty() && u.len() <= 64 && u.bytes().all(|b| b.is_ascii_alphanumeric())
            }))
}

impl Turno {
    /// What changed since `since` (a cursor from an earlier page). Without `since`: nothing
    /// yet, and the cursor to start from.
    pub async fn changes(
        &self,
        actor: &Actor,
        since: Option<&str>,
    ) -> Result<ChangePage, AppError> {
        let agent = self.actor_agent(actor).await?;
        let now = self.now();
        let settled = cursor_at(now.saturating_sub(SETTLE).unwrap_or(now));
        let Some(since) = since else {
            return Ok(ChangePage {
                events: Vec::new(),
                cursor: settled,
            });
        };
        if !valid_cursor(since) {
            return Err(AppError::Invalid(
                "`since` is not a cursor this API returned; start without it".into(),
            ));
        }
        let changes = self
            .ports
            .store
            .changes_since(&actor.workspace, Some(since), MAX_EVENTS)
            .await?;
        let last = changes.last().map(|c| c.cursor.clone());
        let mut cursor = last.unwrap_or_else(|| since.to_owned());
        if cursor > settled {
            cursor = settled.max(since.to_owned());
        }
        let mut visible: HashMap<TicketId, bool> = HashMap::new();
        let mut events = Vec::new();
        for c in changes {
            if actor.role < Role::Supervisor {
                let may = match visible.get(&c.ticket_id) {
                    Some(v) => *v,
                    None => {
                        let v = self
                            .ports
                            .store
                            .ticket(&actor.workspace, &c.ticket_id)
                            .await?
                            .is_some_and(|t| Self::may_see(actor, &agent, &t));
                        visible.insert(c.ticket_id.clone(), v);
                        v
                    }
                };
                if !may {
                    continue;
                }
            }
            events.push(ChangeEvent {
                kind: c.kind,
                ticket_id: c.ticket_id,
                at: c.at,
            });
        }
        Ok(ChangePage { events, cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cursors_the_feed_makes_are_accepted() {
        assert!(valid_cursor("00000000001700000000"));
        assert!(valid_cursor("00000000001700000000#0190abcdef"));
        assert!(!valid_cursor("1700000000"));
        assert!(!valid_cursor("00000000001700000000#"));
        assert!(!valid_cursor("0000000000170000000x"));
        assert!(!valid_cursor("00000000001700000000#a b"));
        assert!(!valid_cursor("0000000000000000000\u{e9}"));
        assert!(!valid_cursor("0000000000000000000\u{e9}#abc"));
    }
}
