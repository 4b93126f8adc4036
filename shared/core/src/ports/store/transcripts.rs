//! Ticket transcripts and the delivery states of the messages sent in them.

use async_trait::async_trait;

use crate::channel::message::{DeliveryStatus, TranscriptEntry};
use crate::kernel::ids::{TicketId, WorkspaceId};
use crate::ports::StoreError;

/// What was said in each ticket, in order, and how far each outbound message got.
#[async_trait]
pub trait TranscriptStore: Send + Sync {
    /// Adds a transcript entry. Returns `false`, writing nothing, if an entry with the same
    /// workspace and message id exists.
    async fn append_message(&self, entry: &TranscriptEntry) -> Result<bool, StoreError>;

    /// Records a delivery status. Statuses arrive in any order, possibly before the message
    /// they describe is in the transcript; the stored state only moves forward
    /// (see `DeliveryState::advances`).
    async fn record_delivery(&self, status: &DeliveryStatus) -> Result<(), StoreError>;

    /// A ticket's transcript in order, each outbound entry with its latest delivery state.
    async fn transcript(
        &self,
        ws: &WorkspaceId,
        ticket: &TicketId,
    ) -> Result<Vec<TranscriptEntry>, StoreError>;
}
