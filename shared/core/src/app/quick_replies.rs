//! Quick replies: canned answers agents insert by typing `/shortcut`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Actor, AppError, Turno};
use crate::desk::agent::Role;
use crate::kernel::ids::TicketId;
use crate::kernel::lang::Lang;
use crate::ports::records::{Record, RecordKind};

const TEXT_MAX: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: String,
    /// Typed as `/shortcut`: 1 to 32 lower-case letters, digits, '-' or '_'.
    pub shortcut: String,
    /// May use `{{customer_name}}` and `{{agent_name}}`.
    pub text: String,
    pub language: Option<Lang>,
    pub updated_at: Timestamp,
}

/// A quick reply as created or replaced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyInput {
    pub shortcut: String,
    pub text: String,
    #[serde(default)]
    pub language: Option<Lang>,
}

fn check(input: &QuickReplyInput) -> Result<(String, String), AppError> {
    let shortcut = input.shortcut.trim().trim_start_matches('/').to_lowercase();
    if shortcut.is_empty()
        || shortcut.len() > 32
        || !shortcut
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(AppError::Invalid(
            "shortcut must be 1 to 32 lower-case letters, digits, '-' or '_' (typed as /shortcut)"
                .into(),
        ));
    }
    let text = input.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > TEXT_MAX {
        return Err(AppError::Invalid(format!(
            "text must be 1 to {TEXT_MAX} characters"
        )));
    }
    Ok((shortcut, text))
}

fn from_record(r: &Record) -> Result<QuickReply, AppError> {
    serde_json::from_value(r.value.clone())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored quick reply: {e}")))
}

impl Turno {
    fn may_edit_quick_replies(actor: &Actor) -> Result<(), AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "only supervisors and admins change quick replies".into(),
            ));
        }
        Ok(())
    }

    /// The workspace's quick replies, by shortcut.
    pub async fn quick_replies(&self, actor: &Actor) -> Result<Vec<QuickReply>, AppError> {
        self.actor_agent(actor).await?;
        let mut out = self
            .ports
            .store
            .records(&actor.workspace, RecordKind::QuickReply)
            .await?
            .iter()
            .map(from_record)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        Ok(out)
    }

    /// Creates (`id: None`) or replaces a quick reply; shortcuts are unique in a workspace.
    pub async fn save_quick_reply(
        &self,
        actor: &Actor,
        id: Option<&str>,
        input: QuickReplyInput,
    ) -> Result<QuickReply, AppError> {
        Self::may_edit_quick_replies(actor)?;
        self.actor_agent(actor).await?;
        let (shortcut, text) = check(&input)?;
        let existing = self.quick_replies(actor).await?;
        if existing
            .iter()
            .any(|q| q.shortcut == shortcut && Some(q.id.as_str()) != id)
        {
            return Err(AppError::Conflict(format!(
                "/{shortcut} is already a quick reply: pick another shortcut"
            )));
        }
        let version = match id {
            Some(id) => {
                self.ports
                    .store
                    .record(&actor.workspace, RecordKind::QuickReply, id)
                    .await?
                    .ok_or(AppError::NotFound("quick reply"))?
                    .version
            }
            None => 0,
        };
        let reply = QuickReply {
            id: id.map_or_else(
                || format!("qr{}", uuid::Uuid::now_v7().simple()),
                str::to_owned,
            ),
            shortcut,
            text,
            language: input.language,
            updated_at: self.now(),
        };
        let mut record = Record {
            workspace: actor.workspace.clone(),
            kind: RecordKind::QuickReply,
            key: reply.id.clone(),
            value: serde_json::to_value(&reply).map_err(|e| AppError::Unexpected(e.into()))?,
            updated_at: reply.updated_at,
            version,
        };
        self.ports.store.put_record(&mut record).await?;
        Ok(reply)
    }

    pub async fn delete_quick_reply(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        Self::may_edit_quick_replies(actor)?;
        self.actor_agent(actor).await?;
        if !self
            .ports
            .store
            .delete_record(&actor.workspace, RecordKind::QuickReply, id)
            .await?
        {
            return Err(AppError::NotFound("quick reply"));
        }
        Ok(())
    }

    /// Expands a reply that starts with `/shortcut` into the quick reply's text (the rest of
    /// the reply follows it); any other text comes back as it is.
    pub async fn expand_reply(
        &self,
        actor: &Actor,
        ticket: &TicketId,
        text: &str,
    ) -> Result<String, AppError> {
        let trimmed = text.trim_start();
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Ok(text.to_owned());
        };
        let (shortcut, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let shortcut = shortcut.to_lowercase();
        let reply = self
            .quick_replies(actor)
            .await?
            .into_iter()
            .find(|q| q.shortcut == shortcut)
            .ok_or(AppError::NotFound("quick reply"))?;
        let t = self.visible_ticket(actor, ticket).await?;
        let me = self.actor_agent(actor).await?;
        let mut out = reply
            .text
            .replace(
                "{{customer_name}}",
                t.customer_name.as_deref().unwrap_or(""),
            )
            .replace("{{agent_name}}", &me.name);
        let tail = tail.trim();
        if !tail.is_empty() {
            out.push(' ');
            out.push_str(tail);
        }
        Ok(out)
    }

    /// Adds the given quick replies to a workspace that has none yet (demo data).
    pub async fn seed_quick_replies(
        &self,
        ws: &crate::kernel::ids::WorkspaceId,
        replies: &[QuickReplyInput],
    ) -> Result<(), AppError> {
        if !self
            .ports
            .store
            .records_page(ws, RecordKind::QuickReply, None, 1)
            .await?
            .records
            .is_empty()
        {
            return Ok(());
        }
        for (i, input) in replies.iter().enumerate() {
            let (shortcut, text) = check(input)?;
            let reply = QuickReply {
                id: format!("demo{i}"),
                shortcut,
                text,
                language: input.language,
                updated_at: self.now(),
            };
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::QuickReply,
                key: reply.id.clone(),
                value: serde_json::to_value(&reply).map_err(|e| AppError::Unexpected(e.into()))?,
                updated_at: reply.updated_at,
                version: 0,
            };
            match self.ports.store.put_record(&mut record).await {
                Ok(()) | Err(crate::ports::StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
