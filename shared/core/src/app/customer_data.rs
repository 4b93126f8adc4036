//! A customer's data on request: everything stored about them exported as one document, or
//! erased; both audited.
//!
//! Every item that names a customer's number is reached from the customer without a scan:
//!
//! | What (both stores)                                | Keyed by / found through                        |
//! |---------------------------------------------------|-------------------------------------------------|
//! | Conversation (bot state)                          | workspace and number                            |
//! | Tickets (CSAT answer, audit trail, last message)  | the customer index of tickets                   |
//! | Transcript entries (messages, notes, media ids)   | the ticket                                      |
//! | Delivery states, message claims                   | the message ids of the ticket's transcript      |
//! | Turn records (number, bot insight)                | the message ids of the ticket's transcript      |
//! | Amendments (reactions, edits)                     | the ticket id                                   |
//! | Profile (name, tags, attributes, consent)         | the number (a `customer` record)                |
//! | Number change                                     | the old number (a `number_change` record); for  |
//! |                                                   | the new number, the old one read from the       |
//! |                                                   | customer's `previous_numbers` record (and the   |
//! |                                                   | number-change lines of its tickets' audits)     |
//! | Quarantined webhook items naming the number       | a `quarantine_index` record keyed by the number |
//! |                                                   | (in the workspace and the deployment's scope),  |
//! |                                                   | written when an item is quarantined             |
//! | SQLite: queued messages, dead letters             | the customer's queue group (workspace#number),  |
//! |                                                   | or the job's `customer` (the inactivity timer)  |
//! | SQLite: sandbox chat's outbox and media           | the number; the transcript's media ids          |
//!
//! Nothing else holds the number: the change feed, domain events (other than a number
//! change's), rollups and agents hold ticket ids and counts. Messages on SQS are not read
//! back: they expire with the queue's retention, and a job for an erased customer finds
//! nothing to act on. A quarantined item is indexed by the numbers it names where Meta
//! puts a customer's (`wa_id`, `from`, `recipient_id`); one whose raw text is not JSON names
//! none and is not found. The domain event of a number change (EventBridge delivers it and
//! keeps nothing; the embedded runner's `events` table keeps it) is not erased.
//!
//! Logs and audit records name the customer by [`customer_ref`], never by number.

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::info;

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::bot::conversation::Conversation;
use crate::channel::message::{Body, TranscriptEntry};
use crate::desk::agent::Role;
use crate::desk::ticket::{Ticket, TicketStatus};
use crate::kernel::ids::{MessageId, WaId, WorkspaceId};
use crate::ports::records::{Record, RecordKind, change_cursor};

use super::customers::CustomerProfile;
use super::renumber::NUMBER_CHANGED_ACTION;

/// Most tickets one export carries (newest kept); `truncated` says when there were more.
pub const MAX_EXPORT_TICKETS: usize = 200;

/// A customer's reference in logs and audit records: a digest of the workspace and number,
/// the same for every request about that customer. It keeps the number out of logs; it is
/// not anonymous (numbers are few enough to try them all).
pub fn customer_ref(ws: &WorkspaceId, customer: &WaId) -> String {
    let digest = Sha256::digest(format!("{ws}#{customer}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// One ticket in an export: the ticket (status, tags, CSAT answer, audit trail), its
/// transcript (messages, notes, media references) and what later events did to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedTicket {
    pub ticket: Ticket,
    pub transcript: Vec<TranscriptEntry>,
    pub amendments: Option<serde_json::Value>,
}

/// A media message of the customer's, as a reference (the file stays with WhatsApp).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaReference {
    pub ticket_id: crate::kernel::ids::TicketId,
    pub message_id: MessageId,
    pub at: Timestamp,
    pub media: serde_json::Value,
}

/// Everything stored about a customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerExport {
    pub wa_id: WaId,
    pub exported_at: Timestamp,
    pub profile: Option<CustomerProfile>,
    /// Marketing consent as last recorded (`None`: never asked) and when.
    pub marketing_consent: Option<bool>,
    pub consent_updated_at: Option<Timestamp>,
    pub conversation: Option<Conversation>,
    /// Oldest first.
    pub tickets: Vec<ExportedTicket>,
    pub media: Vec<MediaReference>,
    /// More than [`MAX_EXPORT_TICKETS`] tickets: the oldest were left out.
    pub truncated: bool,
}

/// What an erasure deleted (all zero when there was nothing left).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    pub customer_ref: String,
    pub tickets: usize,
    /// Of `tickets`, the ones still open, resolved first so their agents got capacity back.
    pub open_tickets: usize,
    pub transcript_entries: usize,
    pub profile: bool,
    pub conversation: bool,
    /// Quarantined webhook items that named the customer.
    pub quarantined: usize,
}

/// The audit record of one export or erasure.
#[derive(Debug, Clone, Serialize)]
struct AuditValue<'a> {
    action: &'a str,
    state: &'a str,
    by: &'a str,
    customer_ref: &'a str,
    at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    erased: Option<&'a Erasure>,
}

/// The numbers the customer had before, as the number-change lines of their tickets' audit
/// trails say (`<old> → <new>`): the keys of the number-change records that name them.
fn previous_numbers(tickets: &[Ticket]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tickets {
        for a in t.audit.iter().filter(|a| a.action == NUMBER_CHANGED_ACTION) {
            let old = a.detail.as_deref().and_then(|d| d.split(" → ").next());
            if let Some(old) = old.and_then(|o| WaId::parse(o.trim()).ok())
                && !out.iter().any(|x| x == old.as_str())
            {
                out.push(old.as_str().to_owned());
            }
        }
    }
    out
}

/// The message ids a transcript holds.
fn message_ids(entries: &[TranscriptEntry]) -> Vec<MessageId> {
    entries.iter().map(|e| e.message_id.clone()).collect()
}

/// The media a transcript's entries refer to.
fn media_of(entries: &[TranscriptEntry]) -> Vec<MediaReference> {
    entries
        .iter()
        .filter_map(|e| {
            let content = match &e.body {
                Body::Inbound { content, .. } => serde_json::to_value(content).ok()?,
                Body::Outbound { message } => serde_json::to_value(message).ok()?,
                Body::Note { .. } => return None,
            };
            // A customer's media carries its `media_id`; a message turno sent, a `media`
            // (an uploaded id or a link).
            let media = match content.get("media").filter(|m| !m.is_null()) {
                Some(m) => m.clone(),
                None => content.get("media_id").is_some().then_some(content)?,
            };
            Some(MediaReference {
                ticket_id: e.ticket_id.clone(),
                message_id: e.message_id.clone(),
                at: e.at,
                media,
            })
        })
        .collect()
}

impl Turno {
    /// Writes an audit record of a customer-data action; returns it for a later update.
    async fn audit_customer_data(
        &self,
        actor: &Actor,
        cref: &str,
        action: &str,
        state: &str,
        erased: Option<&Erasure>,
        record: Option<Record>,
    ) -> Result<Record, AppError> {
        let now = self.now();
        let value = AuditValue {
            action,
            state,
            by: actor.agent.as_str(),
            customer_ref: cref,
            at: now,
            erased,
        };
        let value = serde_json::to_value(&value).map_err(|e| AppError::Unexpected(e.into()))?;
        let mut record = match record {
            Some(mut r) => {
                r.value = value;
                r.updated_at = now;
                r
            }
            None => Record {
                workspace: actor.workspace.clone(),
                kind: RecordKind::CustomerDataAudit,
                // Unique even for two requests at one instant.
                key: change_cursor(now, &format!("{cref}#{}", uuid::Uuid::new_v4().simple())),
                value,
                updated_at: now,
                version: 0,
            },
        };
        self.ports.store.put_record(&mut record).await?;
        Ok(record)
    }

    /// Everything stored about a customer, for a supervisor or an admin; audited.
    pub async fn export_customer(
        &self,
        actor: &Actor,
        customer: &WaId,
    ) -> Result<CustomerExport, AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "exporting a customer's data is for supervisors and admins".into(),
            ));
        }
        let ws = &actor.workspace;
        let cref = customer_ref(ws, customer);
        let store = &self.ports.store;
        let (profile, record) = self.profile_record(ws, customer).await?;
        let profile = record.map(|_| profile);
        let conversation = store.conversation(ws, customer).await?;
        let mut tickets = store.customer_tickets(ws, customer).await?;
        let truncated = tickets.len() > MAX_EXPORT_TICKETS;
        if truncated {
            tickets.drain(..tickets.len() - MAX_EXPORT_TICKETS);
        }
        let mut exported = Vec::with_capacity(tickets.len());
        let mut media = Vec::new();
        for ticket in tickets {
            let transcript = store.transcript(ws, &ticket.id).await?;
            media.extend(media_of(&transcript));
            let amendments = store
                .record(ws, RecordKind::Amendments, ticket.id.as_str())
                .await?
                .map(|r| r.value);
            exported.push(ExportedTicket {
                ticket,
                transcript,
                amendments,
            });
        }
        if profile.is_none() && conversation.is_none() && exported.is_empty() {
            return Err(AppError::NotFound("customer"));
        }
        self.audit_customer_data(actor, &cref, "export", "done", None, None)
            .await?;
        info!(workspace = %ws, customer_ref = %cref, agent = %actor.agent, tickets = exported.len(), "customer data exported");
        Ok(CustomerExport {
            wa_id: customer.clone(),
            exported_at: self.now(),
            marketing_consent: profile.as_ref().and_then(|p| p.marketing_consent),
            consent_updated_at: profile.as_ref().and_then(|p| p.consent_updated_at),
            profile,
            conversation,
            tickets: exported,
            media,
            truncated,
        })
    }

    /// Erases everything stored about a customer (admins; audited). Open tickets are resolved
    /// first, giving their agents' capacity back. Each part is deleted on its own and a
    /// ticket last of what is under it, so an erasure cut short is finished by asking again;
    /// asking again when nothing is left deletes nothing and succeeds.
    pub async fn erase_customer(
        &self,
        actor: &Actor,
        customer: &WaId,
    ) -> Result<Erasure, AppError> {
        if actor.role < Role::Admin {
            return Err(AppError::Forbidden(
                "erasing a customer's data is for admins".into(),
            ));
        }
        let ws = &actor.workspace;
        let cref = customer_ref(ws, customer);
        let started = self
            .audit_customer_data(actor, &cref, "erase", "started", None, None)
            .await?;
        info!(workspace = %ws, customer_ref = %cref, agent = %actor.agent, "customer erasure started");
        let mut erased = Erasure {
            customer_ref: cref.clone(),
            ..Erasure::default()
        };
        let tickets = self.ports.store.customer_tickets(ws, customer).await?;
        let mut previous = previous_numbers(&tickets);
        let noted = self
            .ports
            .store
            .record(ws, RecordKind::PreviousNumbers, customer.as_str())
            .await?;
        for n in noted
            .and_then(|r| serde_json::from_value::<Vec<WaId>>(r.value).ok())
            .unwrap_or_default()
        {
            if !previous.iter().any(|p| p == n.as_str()) {
                previous.push(n.as_str().to_owned());
            }
        }
        for ticket in tickets {
            self.erase_ticket(actor, ticket, &mut erased).await?;
        }
        let store = &self.ports.store;
        erased.profile = store
            .delete_record(ws, RecordKind::Customer, customer.as_str())
            .await?;
        for number in std::iter::once(customer.as_str()).chain(previous.iter().map(String::as_str))
        {
            store
                .delete_record(ws, RecordKind::NumberChange, number)
                .await?;
        }
        store
            .delete_record(ws, RecordKind::PreviousNumbers, customer.as_str())
            .await?;
        erased.quarantined = self.forget_quarantined(ws, customer).await?;
        erased.conversation = store.conversation(ws, customer).await?.is_some();
        store.forget_customer(ws, customer).await?;
        self.audit_customer_data(actor, &cref, "erase", "done", Some(&erased), Some(started))
            .await?;
        info!(workspace = %ws, customer_ref = %cref, agent = %actor.agent, tickets = erased.tickets, open = erased.open_tickets, "customer erased");
        Ok(erased)
    }

    /// Resolves a ticket still open (its agent's capacity back, the queue pulled), then
    /// deletes it with its transcript and amendments.
    async fn erase_ticket(
        &self,
        actor: &Actor,
        ticket: Ticket,
        erased: &mut Erasure,
    ) -> Result<(), AppError> {
        let ws = &actor.workspace;
        let config = self
            .config(ws)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let mut current = ticket;
        if !matches!(
            current.status,
            TicketStatus::Resolved | TicketStatus::Closed
        ) {
            let now = self.now();
            let policies = config.sla.policies();
            let updated = self
                .update_ticket(ws, &current.id, |t| {
                    if matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed) {
                        return Ok(None);
                    }
                    let released = t.resolve(policies, now)?;
                    t.record(now, Some(&actor.agent), "erased", None);
                    Ok::<_, AppError>(released)
                })
                .await?;
            let Some(updated) = updated else {
                return Ok(());
            };
            current = updated.ticket;
            erased.open_tickets += 1;
            if let Some(team) = &current.team {
                self.assign_from_queue(&config, team).await?;
            }
        }
        let id = current.id.clone();
        let store = &self.ports.store;
        let transcript = store.transcript(ws, &id).await?;
        let messages = message_ids(&transcript);
        store
            .delete_record(ws, RecordKind::Amendments, id.as_str())
            .await?;
        let (messages, current, id) = (&messages, &current, &id);
        retry_on_conflict(|attempt| async move {
            let ticket = if attempt == 0 {
                current.clone()
            } else {
                match store.ticket(ws, id).await? {
                    Some(t) => t,
                    None => return Ok::<_, Retry<AppError>>(()),
                }
            };
            store.delete_ticket(&ticket, messages).await?;
            Ok(())
        })
        .await?;
        erased.tickets += 1;
        erased.transcript_entries += transcript.len();
        Ok(())
    }
}
