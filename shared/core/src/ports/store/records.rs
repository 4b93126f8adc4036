//! The small records the agent API edits.

use async_trait::async_trait;

use crate::kernel::ids::WorkspaceId;
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind, RecordPage};

/// A workspace's [`Record`]s, by kind and key, versioned like tickets.
#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError>;

    /// A workspace's records of one kind, by key.
    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError>;

    /// At most `limit` of a workspace's records of one kind, most recently written first
    /// (by [`record_cursor`](crate::ports::records::record_cursor)), starting after the
    /// cursor `after` (exclusive). Reads only what the page needs.
    async fn records_page(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<RecordPage, StoreError>;

    /// Inserts (version 0) or updates a record, versioned like tickets.
    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError>;

    /// Returns `false` if there was no such record.
    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError>;
}
