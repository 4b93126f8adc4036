//! ticket-writer: transcript entries that were not written with a turn, and delivery
//! statuses, each idempotent.

use tracing::info;

use super::{JobError, Turno};
use crate::channel::message::DeliveryStatus;
use crate::ports::jobs::TranscriptWrite;

impl Turno {
    pub async fn write_transcript(&self, write: TranscriptWrite) -> Result<(), JobError> {
        match write {
            TranscriptWrite::Append { entry } => {
                let inserted = self.ports.store.append_message(&entry).await?;
                if !inserted {
                    info!(workspace = %entry.workspace, wamid = %entry.message_id, "transcript entry already stored");
                }
                if let Some(state) = entry.delivery {
                    // A failed send: keep its state as a delivery record too.
                    self.ports
                        .store
                        .record_delivery(&DeliveryStatus {
                            workspace: entry.workspace,
                            message_id: entry.message_id,
                            recipient: entry.customer,
                            state,
                            at: entry.at,
                            error: entry.delivery_error,
                        })
                        .await?;
                }
            }
            TranscriptWrite::Delivery { status } => {
                self.ports.store.record_delivery(&status).await?
            }
        }
        Ok(())
    }
}
