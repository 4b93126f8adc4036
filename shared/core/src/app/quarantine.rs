//! Webhook items turno could not read (or reads no further, like a field it does not
//! handle), kept raw with the reason so an admin can see what Meta sent and nothing is lost
//! silently. Stored as workspace records of kind [`RecordKind::Quarantine`], keyed by a
//! fingerprint of the raw item so a redelivered item is kept once. An item whose phone number
//! could not be read belongs to no workspace: it is kept once, under the deployment's scope
//! ([`WorkspaceId::deployment`]), and every workspace's admins see it in their listing, marked
//! [`QuarantineScope::Deployment`] (they share the Meta app, so it may be theirs).

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::effects::{Retry, retry_on_conflict};
use super::{Actor, AppError, Turno};
use crate::kernel::ids::{WaId, WorkspaceId};
use crate::ports::StoreError;
use crate::ports::records::{Record, RecordKind};

/// The most raw text kept per item: a DynamoDB item holds 400 KB, and one bad item that big
/// says all it can in its first part.
pub const MAX_RAW_CHARS: usize = 64 * 1024;

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 200;

/// Why an item was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineKind {
    /// The item does not have the shape Meta documents; `reason` says what is wrong where.
    Malformed,
    /// A change for a webhook field turno does not act on; kept, acknowledged, counted.
    UnhandledField,
}

/// One item of a delivery set aside by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedItem {
    /// The phone number the item was for, when that much could be read. Without it the item
    /// is kept once for the deployment, and listed to every workspace's admins.
    pub workspace: Option<WorkspaceId>,
    pub kind: QuarantineKind,
    /// The webhook field of the change it came in, when known.
    pub field: Option<String>,
    /// Where in the body, like `entry[0].changes[1].value.messages[2]`.
    pub path: String,
    /// What is wrong, never quoting message text.
    pub reason: String,
    /// The item as received (JSON text, or the body itself when it is not JSON), at most
    /// [`MAX_RAW_CHARS`].
    pub raw: String,
    /// Stable for the same raw item: the record key.
    pub fingerprint: String,
}

/// Whose a quarantined item is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineScope {
    /// The workspace's own phone number.
    #[default]
    Workspace,
    /// No phone number could be read: it is the deployment's, shown to every workspace.
    Deployment,
}

/// A quarantined item as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    pub id: String,
    /// Set when listed, from where the item is kept.
    #[serde(default)]
    pub scope: QuarantineScope,
    pub kind: QuarantineKind,
    pub field: Option<String>,
    pub path: String,
    pub reason: String,
    pub raw: String,
    pub received_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantinePage {
    /// Newest first.
    pub items: Vec<QuarantineEntry>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Cuts `raw` to [`MAX_RAW_CHARS`] on a character boundary.
pub fn truncate_raw(raw: &str) -> String {
    match raw.char_indices().nth(MAX_RAW_CHARS) {
        Some((cut, _)) => format!("{}…[truncated]", &raw[..cut]),
        None => raw.to_owned(),
    }
}

/// Most customers one quarantined item is indexed under.
const MAX_NAMED: usize = 10;
/// Most items one customer's index keeps (the oldest are dropped beyond it).
pub const MAX_INDEXED: usize = 500;

/// The WhatsApp ids a raw item names where Meta puts a customer's number (`wa_id`, `from`,
/// `recipient_id`, at any depth), each once. A raw item that is not JSON names none.
pub(super) fn customers_named(raw: &str) -> Vec<WaId> {
    fn walk(v: &serde_json::Value, out: &mut Vec<WaId>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if let (true, Some(s)) = (
                        matches!(k.as_str(), "wa_id" | "from" | "recipient_id"),
                        v.as_str(),
                    ) && let Ok(id) = WaId::parse(s)
                        && !out.contains(&id)
                    {
                        out.push(id);
                    }
                    walk(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) {
        walk(&v, &mut out);
    }
    out.truncate(MAX_NAMED);
    out
}

/// The longest cursor taken: a cursor is 20 digits, `#` and a fingerprint.
const MAX_CURSOR: usize = 256;

impl Turno {
    /// Keeps one quarantined item in `ws`. Returns `false` if it was kept before (a
    /// redelivery).
    pub(super) async fn quarantine_item(
        &self,
        ws: &WorkspaceId,
        item: &QuarantinedItem,
    ) -> Result<bool, StoreError> {
        let entry = QuarantineEntry {
            id: item.fingerprint.clone(),
            scope: if ws.is_deployment() {
                QuarantineScope::Deployment
            } else {
                QuarantineScope::Workspace
            },
            kind: item.kind,
            field: item.field.clone(),
            path: item.path.clone(),
            reason: item.reason.clone(),
            raw: truncate_raw(&item.raw),
            received_at: self.now(),
        };
        let value = serde_json::to_value(&entry)
            .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("quarantine entry: {e}")))?;
        let mut record = Record {
            workspace: ws.clone(),
            kind: RecordKind::Quarantine,
            key: item.fingerprint.clone(),
            value,
            updated_at: entry.received_at,
            version: 0,
        };
        match self.ports.store.put_record(&mut record).await {
            Ok(()) => {
                warn!(workspace = %ws, id = %item.fingerprint, kind = ?item.kind, field = item.field.as_deref(), path = %item.path, reason = %item.reason, "webhook item quarantined");
                for customer in customers_named(&item.raw) {
                    self.index_quarantined(ws, &customer, &item.fingerprint)
                        .await?;
                }
                Ok(true)
            }
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds a quarantined item's fingerprint to the index of a customer it names.
    async fn index_quarantined(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
        fingerprint: &str,
    ) -> Result<(), StoreError> {
        let store = &self.ports.store;
        retry_on_conflict(|_| async move {
            let stored = store
                .record(ws, RecordKind::QuarantineIndex, customer.as_str())
                .await?;
            let mut prints: Vec<String> = stored
                .as_ref()
                .and_then(|r| serde_json::from_value(r.value.clone()).ok())
                .unwrap_or_default();
            if prints.iter().any(|p| p == fingerprint) {
                return Ok::<_, Retry<StoreError>>(());
            }
            prints.push(fingerprint.to_owned());
            if prints.len() > MAX_INDEXED {
                prints.drain(..prints.len() - MAX_INDEXED);
            }
            let mut record = Record {
                workspace: ws.clone(),
                kind: RecordKind::QuarantineIndex,
                key: customer.as_str().to_owned(),
                value: serde_json::json!(prints),
                updated_at: self.now(),
                version: stored.map_or(0, |r| r.version),
            };
            store.put_record(&mut record).await?;
            Ok(())
        })
        .await
    }

    /// Deletes the quarantined items that name a customer, in the workspace and in the
    /// deployment's scope, found through the customer's index; returns how many.
    pub(super) async fn forget_quarantined(
        &self,
        ws: &WorkspaceId,
        customer: &WaId,
    ) -> Result<usize, StoreError> {
        let store = &self.ports.store;
        let mut deleted = 0;
        for scope in [ws.clone(), WorkspaceId::deployment()] {
            let Some(index) = store
                .record(&scope, RecordKind::QuarantineIndex, customer.as_str())
                .await?
            else {
                continue;
            };
            let prints: Vec<String> = serde_json::from_value(index.value).unwrap_or_default();
            for print in prints {
                if store
                    .delete_record(&scope, RecordKind::Quarantine, &print)
                    .await?
                {
                    deleted += 1;
                }
            }
            store
                .delete_record(&scope, RecordKind::QuarantineIndex, customer.as_str())
                .await?;
        }
        Ok(deleted)
    }

    /// `GET /admin/quarantine`: the workspace's quarantined webhook items and the
    /// deployment's (those whose phone number could not be read), newest first, one page
    /// read from each scope. The cursor is the last item's place (receipt time, then id).
    pub async fn quarantine_page(
        &self,
        actor: &Actor,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<QuarantinePage, AppError> {
        Self::admin_only(actor)?;
        self.actor_agent(actor).await?;
        if cursor.is_some_and(|c| c.len() > MAX_CURSOR) {
            return Err(AppError::Invalid(
                "the cursor is not one this API gave".into(),
            ));
        }
        let cursor = cursor.filter(|c| !c.is_empty());
        let limit = limit.map_or(DEFAULT_PAGE, |l| (l as usize).clamp(1, MAX_PAGE));
        let mut placed = Vec::with_capacity(2 * limit);
        let mut more = false;
        for (ws, scope) in [
            (actor.workspace.clone(), QuarantineScope::Workspace),
            (WorkspaceId::deployment(), QuarantineScope::Deployment),
        ] {
            let page = self
                .ports
                .store
                .records_page(&ws, RecordKind::Quarantine, cursor, limit as u32)
                .await?;
            more |= page.next.is_some();
            for (r, place) in page.records.into_iter().zip(page.cursors) {
                match serde_json::from_value::<QuarantineEntry>(r.value) {
                    Ok(mut e) => {
                        e.scope = scope;
                        placed.push((place, e));
                    }
                    Err(e) => {
                        warn!(workspace = %ws, id = %r.key, error = %e, "a quarantine record does not read back; skipped")
                    }
                }
            }
        }
        placed.sort_by(|a, b| b.0.cmp(&a.0));
        more |= placed.len() > limit;
        placed.truncate(limit);
        let next_cursor = more.then(|| placed.last().map(|p| p.0.clone())).flatten();
        Ok(QuarantinePage {
            items: placed.into_iter().map(|(_, e)| e).collect(),
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_is_cut_on_a_character_boundary() {
        let long = "ñ".repeat(MAX_RAW_CHARS + 10);
        let cut = truncate_raw(&long);
        assert!(cut.ends_with("…[truncated]"));
        assert_eq!(cut.chars().filter(|c| *c == 'ñ').count(), MAX_RAW_CHARS);
        assert_eq!(truncate_raw("{}"), "{}");
    }
}
