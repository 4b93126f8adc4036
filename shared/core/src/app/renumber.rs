//! A customer who changes phone number (WhatsApp's `user_changed_number` system message):
//! their tickets, profile and conversation move to the new number, so the next message from
//! it continues where the old number left off and agents see one customer.
//!
//! Every step can run again and converge, so a redelivered notice (or one retried after a
//! crash half-way) finishes the move without doubling anything:
//!
//! 1. a [`RecordKind::NumberChange`] record keyed by the old number says where it went (it is
//!    the audit record, and stays once the move is done);
//! 2. each ticket still under the old number is rewritten under the new one, with an audit
//!    line (a ticket already moved is left alone);
//! 3. the profile is merged into the new number's, then the old one is deleted;
//! 4. the conversation is merged into the new number's, then the old one is deleted (only if
//!    it did not change meanwhile, otherwise the step starts over);
//! 5. the record is marked done and a [`DomainEvent::CustomerNumberChanged`] published.
//!
//! When the new number already has data (the customer wrote from it before the notice came),
//! both are kept: every ticket of both numbers belongs to the new one; the profile keeps the new
//! number's fields and takes the old one's where the new has none (tags and attributes are
//! joined); the conversation of the number the customer wrote from last continues (ties go
//! to the new number), taking the other's open ticket and name if it has none, and the 24-hour
//! window is the later of the two. Transcript entries stay with their tickets and keep the
//! number each message was exchanged with.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::customers::CustomerProfile;
use super::effects::{Retry, retry_on_conflict};
use super::{AppError, Turno};
use crate::bot::conversation::Conversation;
use crate::kernel::ids::{TicketId, WaId, WorkspaceId};
use crate::ports::domain_events::DomainEvent;
use crate::ports::records::{Record, RecordKind};

/// The audit line each moved ticket gets.
pub const NUMBER_CHANGED_ACTION: &str = "customer_number_changed";

/// What a change of number did. A repeated call reports what was left to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberChange {
    pub workspace: WorkspaceId,
    pub from: WaId,
    pub to: WaId,
    /// Every ticket of the customer, now under `to`, oldest first.
    pub tickets: Vec<TicketId>,
    /// The tickets this call moved (those still under `from`).
    pub tickets_moved: usize,
    /// Whether this call moved a profile, a conversation.
    pub profile_moved: bool,
    pub conversation_moved: bool,
    /// Whether `to` already had a profile or a conversation the old one was merged into.
    pub merged: bool,
    pub at: Timestamp,
}

/// The [`RecordKind::NumberChange`] record: where the old number went, and whether the move
/// finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NumberChangeRecord {
    to: WaId,
    started_at: Timestamp,
    #[serde(default)]
    done_at: Option<Timestamp>,
}

/// The new number's profile, completed with the old one's where it has nothing.
pub(crate) fn merge_profiles(old: &CustomerProfile, new: &CustomerProfile) -> CustomerProfile {
    let mut merged = new.clone();
    if merged.name.is_none() {
        merged.name.clone_from(&old.name);
    }
    for tag in &old.tags {
        if !merged.tags.contains(tag) {
            merged.tags.push(tag.clone());
        }
    }
    for (k, v) in &old.attributes {
        merged
            .attributes
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    if merged.marketing_consent.is_none() {
        merged.marketing_consent = old.marketing_consent;
        merged.consent_updated_at = old.consent_updated_at;
    }
    merged
}

/// The conversation `to` continues with: see the module docs. `new` is the stored one of
/// `to`, if any; the result carries its version so the write is conditional on it.
pub(crate) fn merge_conversations(
    old: &Conversation,
    new: Option<&Conversation>,
    to: &WaId,
) -> Conversation {
    let version = new.map_or(0, |n| n.version);
    let (base, other) = match new {
        Some(n) if n.last_customer_message_at >= old.last_customer_message_at => (n, Some(old)),
        Some(n) => (old, Some(n)),
        None => (old, None),
    };
    let mut merged = base.clone();
    merged.customer = to.clone();
    merged.version = version;
    // A store tells whether the bot still holds the ticket by what it keeps under the
    // customer's number: under the new number the next turn reads the ticket.
    merged.bot_ticket = None;
    if let Some(other) = other {
        if merged.ticket_id.is_none() {
            merged.ticket_id.clone_from(&other.ticket_id);
        }
        if merged.profile_name.is_none() {
            merged.profile_name.clone_from(&other.profile_name);
        }
        merged.last_customer_message_at = merged
            .last_customer_message_at
            .max(other.last_customer_message_at);
    }
    merged
}

fn unexpected(what: &str, e: serde_json::Error) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

impl Turno {
    /// Moves a customer's tickets, profile and conversation from `from` to `to`; see the
    /// module docs. Safe to call again with the same numbers, at any point.
    pub async fn change_customer_number(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
    ) -> Result<NumberChange, AppError> {
        if from == to {
            return Err(AppError::Invalid(
                "the new number is the customer's current one".into(),
            ));
        }
        if self.config(ws).await.is_none() {
            return Err(AppError::NotFound("workspace"));
        }
        let started_at = self.now();
        self.note_previous_number(ws, from, to).await?;
        self.note_number_change(ws, from, to, started_at, None)
            .await?;

        let tickets_moved = self.move_tickets(ws, from, to).await?;
        let (profile_moved, profile_merged) = self.move_profile(ws, from, to).await?;
        let (conversation_moved, conversation_merged) =
            self.move_conversation(ws, from, to).await?;

        let at = self.now();
        self.note_number_change(ws, from, to, started_at, Some(at))
            .await?;
        let tickets: Vec<TicketId> = self
            .ports
            .store
            .customer_tickets(ws, to)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        info!(workspace = %ws, tickets_moved, profile_moved, conversation_moved, "customer moved to a new phone number");
        self.publish(&[DomainEvent::CustomerNumberChanged {
            workspace: ws.clone(),
            from: from.clone(),
            to: to.clone(),
            tickets: tickets.clone(),
            at,
        }])
        .await;
        Ok(NumberChange {
            workspace: ws.clone(),
            from: from.clone(),
            to: to.clone(),
            tickets,
            tickets_moved,
            profile_moved,
            conversation_moved,
            merged: profile_merged || conversation_merged,
            at,
        })
    }

    /// Adds `from` to the new number's [`RecordKind::PreviousNumbers`], which erasing the
    /// customer reads to find the number-change records that name them.
    async fn note_previous_number(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
    ) -> Result<(), AppError> {
        retry_on_conflict(|_| async move {
            let store = &self.ports.store;
            let stored = store
                .record(ws, RecordKind::PreviousNumbers, to.as_str())
                .await?;
            let mut numbers: Vec<WaId> = stored
                .as_ref()
                .and_then(|r| serde_json::from_value(r.value.clone()).ok())
                .unwrap_or_default();
            if numbers.contains(from) {
                return Ok::<_, Retry<AppError>>(());
            }
            numbers.push(from.clone());
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::PreviousNumbers,
                key: to.as_str().to_owned(),
                value: serde_json::to_value(&numbers)
                    .map_err(|e| Retry::Fail(AppError::Unexpected(e.into())))?,
                updated_at: self.now(),
                version: stored.map_or(0, |r| r.version),
            };
            store.put_record(&mut record).await?;
            Ok(())
        })
        .await
    }

    /// Writes the old number's [`NumberChangeRecord`]: started (keeping an earlier start time
    /// for the same destination), or done.
    async fn note_number_change(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
        started_at: Timestamp,
        done_at: Option<Timestamp>,
    ) -> Result<(), AppError> {
        retry_on_conflict(|_| async move {
            let stored = self
                .ports
                .store
                .record(ws, RecordKind::NumberChange, from.as_str())
                .await?;
            let earlier = match &stored {
                Some(r) => serde_json::from_value::<NumberChangeRecord>(r.value.clone())
                    .ok()
                    .filter(|e| &e.to == to),
                None => None,
            };
            let value = NumberChangeRecord {
                to: to.clone(),
                started_at: earlier.map_or(started_at, |e| e.started_at),
                done_at,
            };
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::NumberChange,
                key: from.as_str().to_owned(),
                value: serde_json::to_value(&value)
                    .map_err(|e| Retry::Fail(unexpected("number change record", e)))?,
                updated_at: done_at.unwrap_or(started_at),
                version: stored.map_or(0, |r| r.version),
            };
            self.ports.store.put_record(&mut record).await?;
            Ok(())
        })
        .await
    }

    /// Rewrites every ticket still under `from` to `to`. Returns how many it moved.
    async fn move_tickets(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
    ) -> Result<usize, AppError> {
        let mut moved = 0;
        for listed in self.ports.store.customer_tickets(ws, from).await? {
            let id = &listed.id;
            let changed = retry_on_conflict(|_| async move {
                let Some(mut ticket) = self.ports.store.ticket(ws, id).await? else {
                    return Ok(false);
                };
                if &ticket.customer != from {
                    return Ok(false);
                }
                ticket.customer = to.clone();
                ticket.record(
                    self.now(),
                    None,
                    NUMBER_CHANGED_ACTION,
                    Some(format!("{from} → {to}")),
                );
                self.ports.store.save_ticket(&mut ticket).await?;
                Ok::<_, Retry<AppError>>(true)
            })
            .await?;
            moved += usize::from(changed);
        }
        Ok(moved)
    }

    /// Merges the old number's profile into the new one's and deletes it. Returns whether
    /// there was one to move, and whether the new number had one already.
    async fn move_profile(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
    ) -> Result<(bool, bool), AppError> {
        let (old, old_record) = self.profile_record(ws, from).await?;
        if old_record.is_none() {
            return Ok((false, false));
        }
        let old = &old;
        let merged_into_existing = retry_on_conflict(|_| async move {
            let (new, new_record) = self.profile_record(ws, to).await?;
            let merged = merge_profiles(old, &new);
            let existed = new_record.is_some();
            if new_record.is_none() || merged != new {
                let mut record = Record {
                    workspace: ws.clone(),
                    kind: RecordKind::Customer,
                    key: to.as_str().to_owned(),
                    value: serde_json::to_value(&merged)
                        .map_err(|e| Retry::Fail(unexpected("customer profile", e)))?,
                    updated_at: self.now(),
                    version: new_record.map_or(0, |r| r.version),
                };
                self.ports.store.put_record(&mut record).await?;
            }
            Ok::<_, Retry<AppError>>(existed)
        })
        .await?;
        self.ports
            .store
            .delete_record(ws, RecordKind::Customer, from.as_str())
            .await?;
        Ok((true, merged_into_existing))
    }

    /// Merges the old number's conversation into the new one's and deletes it, unless a turn
    /// changed it meanwhile (then it starts over). Returns whether there was one to move, and
    /// whether the new number had one already.
    async fn move_conversation(
        &self,
        ws: &WorkspaceId,
        from: &WaId,
        to: &WaId,
    ) -> Result<(bool, bool), AppError> {
        retry_on_conflict(|_| async move {
            let store = &self.ports.store;
            let Some(old) = store.conversation(ws, from).await? else {
                return Ok((false, false));
            };
            let new = store.conversation(ws, to).await?;
            let mut merged = merge_conversations(&old, new.as_ref(), to);
            if new.as_ref() != Some(&merged) {
                store.save_conversation(&mut merged).await?;
            }
            store.delete_conversation(&old).await?;
            Ok::<_, Retry<AppError>>((true, new.is_some()))
        })
        .await
    }
}

#[cfg(test)]
mod tests;
