//! The report rollups: counters per workspace, local day and dimension
//! ([`crate::desk::report`]).

use async_trait::async_trait;
use jiff::civil::Date;

use crate::desk::report::rollup::{Rollup, RollupDelta};
use crate::kernel::ids::WorkspaceId;
use crate::ports::StoreError;

/// Rollup items. Ticket writes apply [`Ticket::rollup`](crate::desk::ticket::Ticket::rollup)
/// in the same transaction as the ticket (every `TicketStore` write and `commit_turn`); this
/// port reads them and adds what does not come with a ticket (agent activity).
#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Every item of the workspace from `from` to `to` (inclusive), by day then dimension:
    /// one range read per store, O(days × dimensions) items.
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Rollup>, StoreError>;

    /// Adds the deltas to their items (created at zero when absent), all or none.
    async fn add_rollups(&self, ws: &WorkspaceId, deltas: &[RollupDelta])
    -> Result<(), StoreError>;
}
