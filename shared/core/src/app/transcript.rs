//! ticket-writer: transcript entries that were not written with a turn, and delivery
//! statuses, each idempotent.

use tracing::info;

use super::effects::retry_on_conflict;
use super::inbox::preview;
use super::{JobError, Turno};
use crate::channel::message::DeliveryStatus;
use crate::channel::message::TranscriptEntry;
use crate::ports::StoreError;
use crate::ports::jobs::TranscriptWrite;

impl Turno {
    /// Keeps a human ticket's list preview at its latest message, so lists read no transcript.
    async fn show_last_message(&self, entry: &TranscriptEntry) -> Result<(), StoreError> {
        let Some(shown) = preview(entry) else {
            return Ok(());
        };
        let (store, shown) = (&self.ports.store, &shown);
        retry_on_conflict(|_| async move {
            let Some(mut t) = store.ticket(&entry.workspace, &entry.ticket_id).await? else {
                return Ok(());
            };
            let newer = t.last_message.as_ref().is_some_and(|m| m.at > shown.at);
            if !t.status.is_human() || newer || t.last_message.as_ref() == Some(shown) {
                return Ok(());
            }
            t.last_message = Some(shown.clone());
            store.save_ticket(&mut t).await?;
            Ok(())
        })
        .await
    }

    pub async fn write_transcript(&self, write: TranscriptWrite) -> Result<(), JobError> {
        match write {
            TranscriptWrite::Append { entry } => {
                let inserted = self.ports.store.append_message(&entry).await?;
                if inserted {
                    self.show_last_message(&entry).await?;
                } else {
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
