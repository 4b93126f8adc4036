//! A whole delivery, read level by level (entry, change, message, status). Each item is read
//! on its own: one that cannot be understood is set aside raw with its reason
//! ([`QuarantinedItem`]) and the rest of the delivery is read as usual, so a validly signed
//! delivery is always acknowledged.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tracing::{debug, warn};
use turno_core::app::{QuarantineKind, QuarantinedItem, WebhookBatch, truncate_raw};
use turno_core::channel::message::InboundMessage;
use turno_core::kernel::ids::{WaId, WorkspaceId};

use super::fields::{RawCall, RawPreference, RawTemplateChange};
use super::payload::{
    ParseError, RawContact, RawEcho, RawError, RawMessage, RawStatus, decode, describe,
};

const OBJECT: &str = "whatsapp_business_account";

/// The template fields: changes for the whole business account, without a phone number.
const TEMPLATE_FIELDS: [&str; 3] = [
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
];

/// Every field turno reads; a change for any other is kept as [`QuarantineKind::UnhandledField`].
const HANDLED_FIELDS: [&str; 7] = [
    "messages",
    "smb_message_echoes",
    "calls",
    "user_preferences",
    TEMPLATE_FIELDS[0],
    TEMPLATE_FIELDS[1],
    TEMPLATE_FIELDS[2],
];

/// Reads a webhook delivery: every message and status of every change of every entry, and
/// every item that could not be read (or belongs to a field turno does not act on) as a
/// quarantined item. Never fails: the worst body is one quarantined item.
pub fn parse(raw_body: &[u8]) -> WebhookBatch {
    Delivery::read(raw_body).parse()
}

/// A delivery's body parsed as JSON once: the phone number ids its changes name (to know
/// whose secret must have signed it) and then its content are read from the same parse.
pub struct Delivery<'a> {
    raw: &'a [u8],
    json: Result<Value, serde_json::Error>,
}

impl<'a> Delivery<'a> {
    pub fn read(raw_body: &'a [u8]) -> Delivery<'a> {
        Delivery {
            raw: raw_body,
            json: serde_json::from_slice(raw_body),
        }
    }

    /// The distinct phone number ids the changes name, in order ([`phone_number_ids`]
    /// (super::phone_number_ids)); `None` if the body is not JSON.
    pub fn phone_number_ids(&self) -> Option<Vec<String>> {
        self.json.as_ref().ok().map(super::numbers::ids_in)
    }

    /// Reads the delivery, as [`parse`] does.
    pub fn parse(self) -> WebhookBatch {
        read(self.raw, self.json)
    }
}

fn read(raw_body: &[u8], json: Result<Value, serde_json::Error>) -> WebhookBatch {
    let mut walk = Walk::default();
    let root: Value = match json {
        Ok(v) => v,
        Err(e) => {
            let raw = String::from_utf8_lossy(raw_body);
            walk.malformed(None, None, ParseError::Json(describe(&e)), &raw);
            return walk.batch;
        }
    };
    let Value::Object(mut root) = root else {
        let e = ParseError::WrongObject("the body is not a JSON object".into());
        walk.malformed_value(None, None, e, &root);
        return walk.batch;
    };
    let wrong_object = match root.get("object") {
        Some(Value::String(o)) if o == OBJECT => None,
        Some(Value::String(o)) => {
            let shown: String = o.chars().take(64).collect();
            Some(format!("object is {shown:?}, expected {OBJECT:?}"))
        }
        Some(_) => Some("object is not a string".to_owned()),
        None => Some("object is missing".to_owned()),
    };
    if let Some(why) = wrong_object {
        walk.malformed_value(
            None,
            None,
            ParseError::WrongObject(why),
            &Value::Object(root),
        );
        return walk.batch;
    }
    let Some(entries) = walk.list(&mut root, "entry", "", None, None) else {
        return walk.batch;
    };
    for (i, entry) in entries.into_iter().enumerate() {
        walk.entry(entry, &format!("entry[{i}]"));
    }
    walk.batch
}

#[derive(Default)]
struct Walk {
    batch: WebhookBatch,
}

impl Walk {
    fn entry(&mut self, entry: Value, path: &str) {
        let Value::Object(mut entry) = entry else {
            let e = ParseError::invalid(path, "an entry must be an object");
            return self.malformed_value(None, None, e, &entry);
        };
        // Template changes carry no time of their own: the entry's says when they happened.
        let time = entry
            .get("time")
            .and_then(Value::as_i64)
            .and_then(|t| jiff::Timestamp::from_second(t).ok());
        let Some(changes) = self.list(&mut entry, "changes", path, None, None) else {
            return;
        };
        for (j, change) in changes.into_iter().enumerate() {
            self.change(change, &format!("{path}.changes[{j}]"), time);
        }
    }

    fn change(&mut self, change: Value, path: &str, time: Option<jiff::Timestamp>) {
        let workspace = change
            .pointer("/value/metadata/phone_number_id")
            .and_then(Value::as_str)
            .and_then(|id| WorkspaceId::parse(id).ok());
        let Value::Object(mut change) = change else {
            let e = ParseError::invalid(path, "a change must be an object");
            return self.malformed_value(None, None, e, &change);
        };
        let field = match change.get("field") {
            Some(Value::String(f)) => f.clone(),
            _ => {
                let e = ParseError::invalid(format!("{path}.field"), "missing or not a string");
                return self.malformed_value(workspace.as_ref(), None, e, &Value::Object(change));
            }
        };
        if !HANDLED_FIELDS.contains(&field.as_str()) {
            debug!(field = %field, "webhook change for a field turno does not act on");
            let reason = format!(
                "turno does not act on the `{field}` webhook field; the change is kept and acknowledged"
            );
            let raw = Value::Object(change).to_string();
            return self.push(
                workspace,
                Some(field),
                QuarantineKind::UnhandledField,
                path.into(),
                reason,
                &raw,
            );
        }
        let vpath = format!("{path}.value");
        let mut value = match change.remove("value") {
            Some(Value::Object(v)) => v,
            other => {
                let e = ParseError::invalid(&vpath, "missing or not an object");
                let raw = other.unwrap_or(Value::Null);
                return self.malformed_value(None, Some(&field), e, &raw);
            }
        };
        if TEMPLATE_FIELDS.contains(&field.as_str()) {
            let raw = Value::Object(value);
            let read = decode::<RawTemplateChange>(raw.clone(), &vpath)
                .and_then(|t| t.into_domain(&field, workspace.clone(), time, &vpath));
            return match read {
                Ok(t) => self.batch.templates.push(t),
                Err(e) => self.malformed_value(workspace.as_ref(), Some(&field), e, &raw),
            };
        }
        let Some(ws) = workspace else {
            let e = ParseError::invalid(
                format!("{vpath}.metadata.phone_number_id"),
                "missing or not a phone number id; its messages cannot be attributed",
            );
            return self.malformed_value(None, Some(&field), e, &Value::Object(value));
        };
        match field.as_str() {
            "messages" => self.messages_value(&ws, &mut value, &vpath),
            "smb_message_echoes" => {
                let f = Some("smb_message_echoes");
                let items = self.list(&mut value, "message_echoes", &vpath, Some(&ws), f);
                for (k, raw) in items.unwrap_or_default().into_iter().enumerate() {
                    let path = format!("{vpath}.message_echoes[{k}]");
                    let read = decode::<RawEcho>(raw.clone(), &path)
                        .and_then(|m| m.into_domain(&ws, &path));
                    match read {
                        Ok(m) => self.batch.messages.push(m),
                        Err(e) => self.malformed_value(Some(&ws), f, e, &raw),
                    }
                }
            }
            "calls" => {
                let f = Some("calls");
                let items = self.list(&mut value, "calls", &vpath, Some(&ws), f);
                for (k, raw) in items.unwrap_or_default().into_iter().enumerate() {
                    let path = format!("{vpath}.calls[{k}]");
                    let read = decode::<RawCall>(raw.clone(), &path)
                        .and_then(|c| c.into_domain(&ws, &path));
                    match read {
                        Ok(Some(m)) => self.batch.messages.push(m),
                        Ok(None) => {}
                        Err(e) => self.malformed_value(Some(&ws), f, e, &raw),
                    }
                }
            }
            _ => {
                let f = Some("user_preferences");
                let items = self.list(&mut value, "user_preferences", &vpath, Some(&ws), f);
                for (k, raw) in items.unwrap_or_default().into_iter().enumerate() {
                    let path = format!("{vpath}.user_preferences[{k}]");
                    let read = decode::<RawPreference>(raw.clone(), &path)
                        .and_then(|p| p.into_domain(&ws, &path));
                    match read {
                        Ok(Some(p)) => self.batch.preferences.push(p),
                        Ok(None) => {}
                        Err(e) => self.malformed_value(Some(&ws), f, e, &raw),
                    }
                }
            }
        }
    }

    fn messages_value(&mut self, ws: &WorkspaceId, value: &mut Map<String, Value>, path: &str) {
        let field = Some("messages");
        if let Some(Value::Array(errors)) = value.get("errors") {
            for e in errors {
                if let Ok(e) = serde_json::from_value::<RawError>(e.clone()) {
                    warn!(workspace = %ws, code = e.code, title = e.title.as_deref(), "WhatsApp reported an error in a webhook");
                }
            }
        }
        let mut profile_names = std::collections::HashMap::new();
        if let Some(Value::Array(contacts)) = value.get("contacts") {
            for contact in contacts {
                // A contact only adds a display name: one that cannot be read is skipped.
                let Ok(c) = serde_json::from_value::<RawContact>(contact.clone()) else {
                    debug!(workspace = %ws, "webhook contact skipped: unreadable");
                    continue;
                };
                let name = c.profile.and_then(|p| p.name);
                if let (Some(id), Some(name)) = (c.wa_id.and_then(|w| WaId::parse(w).ok()), name) {
                    profile_names.insert(id, name);
                }
            }
        }
        let messages = self.list(value, "messages", path, Some(ws), field);
        for (k, raw) in messages.unwrap_or_default().into_iter().enumerate() {
            let path = format!("{path}.messages[{k}]");
            let read =
                decode::<RawMessage>(raw.clone(), &path).and_then(|m| m.into_domain(ws, &path));
            match read {
                Ok(m) => self.batch.messages.push(InboundMessage {
                    profile_name: profile_names.get(&m.from).cloned(),
                    ..m
                }),
                Err(e) => self.malformed_value(Some(ws), field, e, &raw),
            }
        }
        let statuses = self.list(value, "statuses", path, Some(ws), field);
        for (k, raw) in statuses.unwrap_or_default().into_iter().enumerate() {
            let path = format!("{path}.statuses[{k}]");
            let read =
                decode::<RawStatus>(raw.clone(), &path).and_then(|s| s.into_domain(ws, &path));
            match read {
                Ok(Some(s)) => self.batch.statuses.push(s),
                Ok(None) => {}
                Err(e) => self.malformed_value(Some(ws), field, e, &raw),
            }
        }
    }

    /// Takes the list under `key`: absent or null is an empty list; anything else but a list
    /// is quarantined and `None` returned.
    fn list(
        &mut self,
        obj: &mut Map<String, Value>,
        key: &str,
        path: &str,
        ws: Option<&WorkspaceId>,
        field: Option<&str>,
    ) -> Option<Vec<Value>> {
        match obj.remove(key) {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(items)) => Some(items),
            Some(other) => {
                let at = if path.is_empty() {
                    key.to_owned()
                } else {
                    format!("{path}.{key}")
                };
                self.malformed_value(ws, field, ParseError::invalid(at, "must be a list"), &other);
                None
            }
        }
    }

    fn malformed_value(
        &mut self,
        ws: Option<&WorkspaceId>,
        field: Option<&str>,
        e: ParseError,
        raw: &Value,
    ) {
        self.malformed(ws, field, e, &raw.to_string());
    }

    fn malformed(
        &mut self,
        ws: Option<&WorkspaceId>,
        field: Option<&str>,
        e: ParseError,
        raw: &str,
    ) {
        let (path, reason) = match e {
            ParseError::Invalid { path, reason } => (path, reason),
            other => (String::new(), other.to_string()),
        };
        self.push(
            ws.cloned(),
            field.map(str::to_owned),
            QuarantineKind::Malformed,
            path,
            reason,
            raw,
        );
    }

    fn push(
        &mut self,
        workspace: Option<WorkspaceId>,
        field: Option<String>,
        kind: QuarantineKind,
        path: String,
        reason: String,
        raw: &str,
    ) {
        let digest = Sha256::digest(raw.as_bytes());
        self.batch.quarantined.push(QuarantinedItem {
            workspace,
            kind,
            field,
            path,
            reason,
            raw: truncate_raw(raw),
            fingerprint: hex::encode(&digest[..16]),
        });
    }
}
