//! Small workspace records the agent API edits (quick replies, customer profiles) and the
//! change feed the console polls for live updates.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{TicketId, WorkspaceId};

/// What a [`Record`] holds; records of one kind are listed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A canned answer agents insert with `/shortcut`; keyed by its id.
    QuickReply,
    /// What agents added to a customer (tags, attributes, consent); keyed by WhatsApp id.
    Customer,
    /// A webhook item set aside unread, with its reason; keyed by its fingerprint.
    Quarantine,
    /// Where a customer's phone number moved to, and how far the move got; keyed by the old
    /// WhatsApp id.
    NumberChange,
    /// What WhatsApp last reported about a template (status, quality, category); keyed by
    /// `name#language`.
    Template,
    /// What later events did to a ticket's messages (reactions, edits, deletions); keyed by
    /// ticket id.
    Amendments,
    /// A workspace's latest survey scores and whether its low-score alert fired; one record,
    /// keyed `ring`.
    CsatScores,
    /// An agent's availability and since when, for the reports' activity time; keyed by
    /// agent id.
    AgentActivity,
    /// A workspace's configuration as admins last saved it, with who saved it; one record,
    /// keyed `current`, its version the configuration's.
    WorkspaceConfig,
    /// The version of the workspace's configuration alone, the small record every process
    /// reads to know whether to reload; one record, keyed `current`.
    ConfigVersion,
    /// One saved change to a workspace's configuration (who, what, when, old and new
    /// version); keyed by the new version, zero-padded.
    ConfigAudit,
    /// The browsers an agent gets Web Push notifications on; keyed by agent id.
    PushSubscriptions,
    /// One export or erasure of a customer's data (who, when, which customer by its
    /// reference, how far an erasure got); keyed by its time and the customer reference.
    CustomerDataAudit,
    /// The claim of an inbound message answered outside a turn (an opt-out keyword's
    /// confirmation), so a redelivery is not answered twice; keyed by message id, holding no
    /// number.
    KeywordReply,
    /// The quarantined webhook items that name a customer, so erasing the customer finds
    /// them without a scan; keyed by WhatsApp id, holding the items' fingerprints.
    QuarantineIndex,
    /// The numbers a customer changed from (each the key of a [`RecordKind::NumberChange`]
    /// record), so erasing the customer finds those records; keyed by the new WhatsApp id.
    PreviousNumbers,
    /// The workspaces operators onboarded while the deployment runs (their ids, names and
    /// when), the small record every process reads to learn of a new one; one record under
    /// the deployment's reserved workspace, keyed `current`, its version the index's.
    WorkspaceIndex,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::QuickReply => "quick_reply",
            RecordKind::Customer => "customer",
            RecordKind::Quarantine => "quarantine",
            RecordKind::NumberChange => "number_change",
            RecordKind::Template => "template",
            RecordKind::Amendments => "amendments",
            RecordKind::CsatScores => "csat_scores",
            RecordKind::AgentActivity => "agent_activity",
            RecordKind::WorkspaceConfig => "workspace_config",
            RecordKind::ConfigVersion => "config_version",
            RecordKind::ConfigAudit => "config_audit",
            RecordKind::PushSubscriptions => "push_subscriptions",
            RecordKind::CustomerDataAudit => "customer_data_audit",
            RecordKind::KeywordReply => "keyword_reply",
            RecordKind::QuarantineIndex => "quarantine_index",
            RecordKind::PreviousNumbers => "previous_numbers",
            RecordKind::WorkspaceIndex => "workspace_index",
        }
    }
}

/// One record: a JSON value under a workspace, a kind and a key, versioned like tickets
/// (the write succeeds only if the stored version still equals the caller's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub workspace: WorkspaceId,
    pub kind: RecordKind,
    /// 1 to 200 characters.
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at: Timestamp,
    /// 0 for a record not stored yet.
    pub version: u64,
}

/// Where a record sits in [`records_page`](super::RecordStore::records_page) order (most
/// recently written first): its write time as fixed-width nanoseconds, then its key, so
/// cursors sort as strings. For a quarantined item that is its receipt time and id.
pub fn record_cursor(record: &Record) -> String {
    change_cursor(record.updated_at, &record.key)
}

/// One page of a kind of records, most recently written first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPage {
    pub records: Vec<Record>,
    /// Each record's place in the order, as stored: `cursors[i]` is `records[i]`'s (its
    /// [`record_cursor`], or for a row written before cursors were kept, as near as the store
    /// could tell).
    pub cursors: Vec<String>,
    /// The [`record_cursor`] of the last record, when more may follow: pass it as `after`.
    pub next: Option<String>,
}

impl RecordPage {
    /// A page from a read of up to `limit + 1` records with their cursors: the extra one,
    /// when it came, only says that more follow.
    pub fn from_overfetch(mut records: Vec<Record>, mut cursors: Vec<String>, limit: u32) -> Self {
        let more = records.len() > limit as usize;
        records.truncate(limit as usize);
        cursors.truncate(records.len());
        let next = more.then(|| cursors.last().cloned()).flatten();
        RecordPage {
            records,
            cursors,
            next,
        }
    }
}

/// What changed, for the console's live view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A message in or out of the ticket's conversation.
    Message,
    /// A private note.
    Note,
    /// An assignment or a transfer to an agent.
    Assignment,
    /// An SLA warning or breach.
    Sla,
    /// Anything else about the ticket: status, tags, team, priority.
    Ticket,
}

/// One entry of a workspace's change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub workspace: WorkspaceId,
    pub kind: ChangeKind,
    pub ticket_id: TicketId,
    pub at: Timestamp,
    /// Where this change sits in the feed, set by the store when read: pass it back to get
    /// what came after.
    #[serde(default)]
    pub cursor: String,
}

/// A change feed cursor: the change's time as fixed-width nanoseconds (so cursors sort as
/// strings, in time order), then something unique.
pub fn change_cursor(at: Timestamp, unique: &str) -> String {
    format!("{:020}#{unique}", at.as_nanosecond().max(0))
}

/// The cursor just before anything at or after `at`: reads after it start at `at`.
pub fn cursor_at(at: Timestamp) -> String {
    format!("{:020}", at.as_nanosecond().max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_sort_in_time_order_and_a_time_cursor_precedes_changes_at_that_time() {
        let t = |s: i64| Timestamp::from_second(s).unwrap();
        let a = change_cursor(t(9), "zzz");
        let b = change_cursor(t(10), "aaa");
        assert!(a < b);
        assert!(cursor_at(t(10)) < b);
        assert!(cursor_at(t(10)) > a);
    }
}
