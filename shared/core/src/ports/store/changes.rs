//! The change feed the console follows.

use async_trait::async_trait;

use crate::kernel::ids::WorkspaceId;
use crate::ports::StoreError;
use crate::ports::records::Change;

/// Each workspace's feed of [`Change`]s, the hints the console refreshes on.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Adds an entry to the workspace's change feed (kept at least a day).
    async fn append_change(&self, change: &Change) -> Result<(), StoreError>;

    /// The cursor of the workspace's newest kept change (`None`: none kept): one key read,
    /// what a poll compares before reading anything else.
    async fn latest_change(&self, ws: &WorkspaceId) -> Result<Option<String>, StoreError>;

    /// The changes after `after` (a cursor a previous read returned; `None`: from the oldest
    /// kept), oldest first, at most `limit`, each with its cursor set.
    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError>;
}
