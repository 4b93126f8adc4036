//! The retention sweep of a store that does not expire items by itself (SQLite): what the
//! workspaces' retention ([`RetentionConfig`](crate::config::RetentionConfig)) let expire is
//! deleted, a bounded batch per run, each ticket with what is under it in its own short
//! write. A store whose items expire by themselves (DynamoDB's time to live) finds nothing
//! to sweep.

use serde::Serialize;
use tracing::{info, warn};

use super::{AppError, Turno};
use crate::ports::StoreError;
use crate::ports::records::RecordKind;

/// Most tickets one run deletes.
pub const SWEEP_TICKETS: u32 = 100;
/// Most conversations one run deletes (one write).
pub const SWEEP_CONVERSATIONS: u32 = 500;

/// What one retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub tickets: usize,
    pub transcript_entries: usize,
    pub conversations: usize,
    /// Tickets left for the next run (written since they were read, or a failed delete).
    pub skipped: usize,
}

impl Turno {
    /// Deletes up to [`SWEEP_TICKETS`] expired tickets (each with its transcript, delivery
    /// states, turn records and amendments) and up to [`SWEEP_CONVERSATIONS`] expired
    /// conversations. A ticket written since it was read (reopened, say) conflicts and is
    /// left: its write took its expiry off or moved it.
    pub async fn retention_sweep(&self) -> Result<RetentionReport, AppError> {
        let now = self.now();
        let store = &self.ports.store;
        let mut report = RetentionReport::default();
        for ticket in store.expired_tickets(now, SWEEP_TICKETS).await? {
            let ws = &ticket.workspace;
            let transcript = store.transcript(ws, &ticket.id).await?;
            let messages: Vec<_> = transcript.iter().map(|e| e.message_id.clone()).collect();
            store
                .delete_record(ws, RecordKind::Amendments, ticket.id.as_str())
                .await?;
            match store.delete_ticket(&ticket, &messages).await {
                Ok(()) => {
                    report.tickets += 1;
                    report.transcript_entries += transcript.len();
                }
                Err(StoreError::Conflict) => report.skipped += 1,
                Err(e) => {
                    report.skipped += 1;
                    warn!(workspace = %ws, ticket_id = %ticket.id, error = %e, "an expired ticket could not be deleted; the next run tries again");
                }
            }
        }
        report.conversations = store
            .delete_expired_conversations(now, SWEEP_CONVERSATIONS)
            .await?;
        if report.tickets + report.conversations > 0 {
            info!(
                tickets = report.tickets,
                transcript_entries = report.transcript_entries,
                conversations = report.conversations,
                "retention sweep"
            );
        }
        Ok(report)
    }
}
