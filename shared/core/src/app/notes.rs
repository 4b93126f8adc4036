//! Private notes on a ticket, with @mentions that notify the agents named and let them open
//! the ticket.

use tracing::{info, warn};

use super::{Actor, AppError, Turno};
use crate::channel::message::{Author, Body, TranscriptEntry};
use crate::kernel::ids::{AgentId, MessageId, TicketId};
use crate::ports::{Notification, NotificationKind};

const NOTE_MAX: usize = 4096;

/// The `@agent_id` words of a note, in order, each once (trailing punctuation ignored).
pub fn mentions_in(text: &str) -> Vec<AgentId> {
    let mut out: Vec<AgentId> = Vec::new();
    for word in text.split_whitespace() {
        let Some(name) = word.strip_prefix('@') else {
            continue;
        };
        let name =
            name.trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if let Ok(id) = AgentId::parse(name)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

impl Turno {
    /// Adds a private note to a ticket's transcript (never sent to the customer). Agents of
    /// the workspace @mentioned in it are recorded on the note and notified.
    pub async fn add_note(
        &self,
        actor: &Actor,
        id: &TicketId,
        text: &str,
    ) -> Result<TranscriptEntry, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::Invalid("the note is empty".into()));
        }
        if text.chars().count() > NOTE_MAX {
            return Err(AppError::Invalid(format!(
                "the note is longer than {NOTE_MAX} characters"
            )));
        }
        let ticket = self.visible_ticket(actor, id).await?;
        let agents = self.ports.store.agents(&actor.workspace).await?;
        let mentions: Vec<AgentId> = mentions_in(text)
            .into_iter()
            .filter(|m| agents.iter().any(|a| &a.id == m))
            .collect();
        let entry = TranscriptEntry {
            workspace: actor.workspace.clone(),
            ticket_id: ticket.id.clone(),
            message_id: MessageId::local(),
            customer: ticket.customer.clone(),
            author: Author::Agent {
                id: actor.agent.clone(),
            },
            at: self.now(),
            body: Body::Note {
                text: text.to_owned(),
                mentions: mentions.clone(),
            },
            delivery: None,
            delivery_error: None,
            amended: None,
        };
        self.ports.store.append_message(&entry).await?;
        // Whoever is named may open the ticket from now on, whatever their team.
        let newcomers: Vec<AgentId> = mentions
            .iter()
            .filter(|m| **m != actor.agent && !ticket.mentioned.contains(m))
            .cloned()
            .collect();
        if !newcomers.is_empty() {
            self.update_ticket(&actor.workspace, id, |t| {
                for m in &newcomers {
                    if !t.mentioned.contains(m) {
                        t.mentioned.push(m.clone());
                    }
                }
                Ok::<_, AppError>(None)
            })
            .await?;
        }
        info!(workspace = %actor.workspace, ticket_id = %id, agent = %actor.agent, mentions = mentions.len(), "note added");
        for m in mentions.iter().filter(|m| **m != actor.agent) {
            let n = Notification {
                workspace: actor.workspace.clone(),
                kind: NotificationKind::Mentioned,
                ticket_id: ticket.id.clone(),
                agent: Some(m.clone()),
                text: format!(
                    "{} mentioned you in a note on ticket {}",
                    actor.agent, ticket.id
                ),
            };
            if let Err(e) = self.ports.notifier.notify(&n).await {
                warn!(ticket_id = %ticket.id, error = %format!("{e:#}"), "mention notification failed");
            }
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_the_at_words_once_each_without_trailing_punctuation() {
        let m = mentions_in("@ana can you look? cc @bruno, @ana. email@x.com @");
        let ids: Vec<&str> = m.iter().map(AgentId::as_str).collect();
        assert_eq!(ids, vec!["ana", "bruno"]);
    }
}
