//! The handoff summary of a ticket, built from the records of the turns of its customer
//! messages (found through the ticket's transcript, one read each) and the customer's tags.

use futures::future::try_join_all;

use super::{Actor, AppError, Turno};
use crate::bot::handoff::{HandoffSummary, summarise};
use crate::channel::message::Author;
use crate::kernel::ids::TicketId;

/// The summary reads the turns of at most this many of the ticket's latest customer messages.
const TURNS_READ: usize = 40;

impl Turno {
    /// What the bot learnt before a person took over, for a ticket the caller may see.
    pub async fn handoff_summary(
        &self,
        actor: &Actor,
        id: &TicketId,
    ) -> Result<HandoffSummary, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let ws = &actor.workspace;
        let transcript = self.ports.store.transcript(ws, id).await?;
        let mut ids: Vec<_> = transcript
            .iter()
            .filter(|e| e.author == Author::Customer)
            .map(|e| &e.message_id)
            .collect();
        if ids.len() > TURNS_READ {
            ids.drain(..ids.len() - TURNS_READ);
        }
        let store = &self.ports.store;
        let turns = try_join_all(ids.into_iter().map(|m| store.turn(ws, m))).await?;
        let turns: Vec<_> = turns
            .into_iter()
            .flatten()
            .filter(|t| t.ticket_id == *id)
            .collect();
        let tags = self.customer_tags(ws, &ticket.customer).await?;
        Ok(summarise(&ticket, &turns, &tags))
    }
}
