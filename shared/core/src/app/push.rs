//! Web Push: the browsers an agent asked to be notified on even with the console in the
//! background. Each agent's subscriptions are one record (kind `push_subscriptions`, keyed by
//! agent id) holding at most [`MAX_PER_AGENT`] of them; the sender (`turno-notify`) reads it
//! and forgets a subscription its push service says is gone.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::effects::retry_on_conflict;
use super::{Actor, AppError, Turno};
use crate::desk::ticket::Ticket;
use crate::kernel::ids::{AgentId, WorkspaceId};
use crate::ports::records::{Record, RecordKind};
use crate::ports::{Notification, NotificationKind, Store, StoreError};

/// Subscriptions kept per agent (one per browser); the oldest goes when another comes.
pub const MAX_PER_AGENT: usize = 10;
/// The longest push endpoint taken.
const ENDPOINT_MAX: usize = 2048;
/// A P-256 public key (65 bytes, uncompressed) in unpadded base64url.
const P256DH_CHARS: usize = 87;
/// The 16-byte authentication secret in unpadded base64url.
const AUTH_CHARS: usize = 22;

/// How this deployment sends Web Push: its VAPID public key and which endpoints it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSettings {
    /// The VAPID public key (uncompressed P-256 point, unpadded base64url): the browser's
    /// `applicationServerKey`.
    pub public_key: String,
    /// Also accept `http://` endpoints on a loopback host (the local runner and its tests).
    pub allow_loopback_http: bool,
}

/// A browser's `PushSubscription` as the console sends it (`subscription.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    pub keys: PushKeys,
    /// When the browser says the subscription ends (ms since the epoch), if it does.
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushKeys {
    /// The browser's P-256 public key, unpadded base64url.
    pub p256dh: String,
    /// The browser's authentication secret, unpadded base64url.
    pub auth: String,
}

/// One stored subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    subscriptions: Vec<PushSubscription>,
}

fn base64url(s: &str, chars: usize) -> Option<String> {
    let s = s.trim_end_matches('=');
    (s.len() == chars
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| s.to_owned())
}

/// Whether `host` (as written in a URL, with its port) is a loopback host.
fn loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

/// Checks a subscription as the browser sent it: an `https://` endpoint (or `http://` on a
/// loopback host when `settings` allows it) of at most 2,048 characters without userinfo, a
/// P-256 public key and a 16-byte secret in base64url.
pub fn check_subscription(
    input: &PushSubscriptionInput,
    settings: &PushSettings,
    now: Timestamp,
) -> Result<PushSubscription, AppError> {
    let endpoint = input.endpoint.trim();
    if endpoint.len() > ENDPOINT_MAX || endpoint.chars().any(|c| c.is_whitespace()) {
        return Err(AppError::Invalid(format!(
            "endpoint must be a URL of at most {ENDPOINT_MAX} characters"
        )));
    }
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("", ""));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let https = scheme.eq_ignore_ascii_case("https");
    let local_http = scheme.eq_ignore_ascii_case("http") && settings.allow_loopback_http;
    if host.is_empty() || host.contains('@') || !(https || (local_http && loopback(host))) {
        return Err(AppError::Invalid(
            "endpoint must be an https:// URL of the browser's push service".into(),
        ));
    }
    let p256dh = base64url(&input.keys.p256dh, P256DH_CHARS)
        // An uncompressed point starts with the byte 4, which base64 writes as 'B'.
        .filter(|k| k.starts_with('B'))
        .ok_or_else(|| {
            AppError::Invalid("keys.p256dh must be a P-256 public key in base64url".into())
        })?;
    let auth = base64url(&input.keys.auth, AUTH_CHARS).ok_or_else(|| {
        AppError::Invalid("keys.auth must be a 16-byte secret in base64url".into())
    })?;
    Ok(PushSubscription {
        endpoint: endpoint.to_owned(),
        p256dh,
        auth,
        created_at: now,
    })
}

fn decode(r: &Record) -> Stored {
    serde_json::from_value(r.value.clone()).unwrap_or_else(|e| {
        warn!(workspace = %r.workspace, error = %e, "stored push subscriptions unreadable; starting afresh");
        Stored::default()
    })
}

/// An agent's push subscriptions.
pub async fn push_subscriptions(
    store: &dyn Store,
    ws: &WorkspaceId,
    agent: &AgentId,
) -> Result<Vec<PushSubscription>, StoreError> {
    Ok(store
        .record(ws, RecordKind::PushSubscriptions, agent.as_str())
        .await?
        .map(|r| decode(&r).subscriptions)
        .unwrap_or_default())
}

/// Changes an agent's subscriptions with `f`; returns what `f` returned. Writes nothing when
/// the list comes out unchanged.
async fn edit<T: Send>(
    store: &dyn Store,
    ws: &WorkspaceId,
    agent: &AgentId,
    now: Timestamp,
    f: impl Fn(&mut Vec<PushSubscription>) -> T + Send + Sync,
) -> Result<T, StoreError> {
    let f = &f;
    retry_on_conflict(|_| async move {
        let read = store
            .record(ws, RecordKind::PushSubscriptions, agent.as_str())
            .await?;
        let mut stored = read.as_ref().map(decode).unwrap_or_default();
        let before = stored.subscriptions.clone();
        let out = f(&mut stored.subscriptions);
        if stored.subscriptions == before {
            return Ok(out);
        }
        let value = serde_json::to_value(&stored).map_err(|e| StoreError::Unexpected(e.into()))?;
        let mut record = match read {
            Some(r) => Record {
                value,
                updated_at: now,
                ..r
            },
            None => Record {
                workspace: ws.clone(),
                kind: RecordKind::PushSubscriptions,
                key: agent.as_str().to_owned(),
                value,
                updated_at: now,
                version: 0,
            },
        };
        store.put_record(&mut record).await?;
        Ok(out)
    })
    .await
}

/// Forgets a subscription its push service says is gone (404 or 410). Returns whether it
/// was there.
pub async fn forget_push_subscription(
    store: &dyn Store,
    ws: &WorkspaceId,
    agent: &AgentId,
    endpoint: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    edit(store, ws, agent, now, |subs| {
        let before = subs.len();
        subs.retain(|s| s.endpoint != endpoint);
        subs.len() != before
    })
    .await
}

impl Turno {
    /// The VAPID public key browsers subscribe with, when this deployment sends Web Push.
    pub fn push_settings(&self) -> Option<&PushSettings> {
        self.push.as_ref()
    }

    /// Keeps the caller's browser subscription (replacing one with the same endpoint).
    pub async fn subscribe_push(
        &self,
        actor: &Actor,
        input: &PushSubscriptionInput,
    ) -> Result<PushSubscription, AppError> {
        let settings = self
            .push
            .as_ref()
            .ok_or(AppError::NotFound("web push on this deployment"))?;
        let sub = check_subscription(input, settings, self.now())?;
        let kept = sub.clone();
        edit(
            self.ports.store.as_ref(),
            &actor.workspace,
            &actor.agent,
            self.now(),
            |subs| {
                subs.retain(|s| s.endpoint != kept.endpoint);
                subs.push(kept.clone());
                let over = subs.len().saturating_sub(MAX_PER_AGENT);
                subs.drain(..over);
            },
        )
        .await?;
        info!(workspace = %actor.workspace, agent = %actor.agent, "push subscription kept");
        Ok(sub)
    }

    /// Forgets the caller's subscription with this endpoint. Returns whether there was one.
    pub async fn unsubscribe_push(&self, actor: &Actor, endpoint: &str) -> Result<bool, AppError> {
        Ok(forget_push_subscription(
            self.ports.store.as_ref(),
            &actor.workspace,
            &actor.agent,
            endpoint,
            self.now(),
        )
        .await?)
    }

    /// Tells the assignee that the customer wrote on their ticket.
    pub(super) async fn announce_customer_reply(&self, ticket: &Ticket) {
        let Some(agent) = ticket.assignee.clone() else {
            return;
        };
        let n = Notification {
            workspace: ticket.workspace.clone(),
            kind: NotificationKind::CustomerReplied,
            ticket_id: ticket.id.clone(),
            agent: Some(agent),
            text: format!("The customer wrote on ticket {}", ticket.id),
        };
        if let Err(e) = self.ports.notifier.notify(&n).await {
            warn!(ticket_id = %ticket.id, error = %format!("{e:#}"), "customer reply notification failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(endpoint: &str) -> PushSubscriptionInput {
        PushSubscriptionInput {
            endpoint: endpoint.into(),
            keys: PushKeys {
                p256dh: format!("B{}", "A".repeat(86)),
                auth: "A".repeat(22),
            },
            expiration_time: None,
        }
    }

    fn settings(loopback: bool) -> PushSettings {
        PushSettings {
            public_key: String::new(),
            allow_loopback_http: loopback,
        }
    }

    #[test]
    fn endpoints_must_be_https_or_loopback_http_when_allowed() {
        let now = Timestamp::UNIX_EPOCH;
        let ok = |e: &str, l: bool| check_subscription(&input(e), &settings(l), now).is_ok();
        assert!(ok("https://fcm.googleapis.com/fcm/send/abc", false));
        assert!(!ok("http://fcm.googleapis.com/fcm/send/abc", false));
        assert!(!ok("http://127.0.0.1:9/push", false));
        assert!(ok("http://127.0.0.1:9/push", true));
        assert!(ok("http://[::1]:9/push", true));
        assert!(ok("http://localhost/push", true));
        assert!(!ok("http://example.com/push", true));
        assert!(!ok("http://localhost.example.com/push", true));
        assert!(!ok("https://user@push.example/", false));
        assert!(!ok("ftp://push.example/", false));
        assert!(!ok("https://", false));
        let long = format!("https://push.example/{}", "a".repeat(ENDPOINT_MAX));
        assert!(!ok(&long, false));
    }

    #[test]
    fn keys_must_be_a_p256_point_and_a_16_byte_secret() {
        let now = Timestamp::UNIX_EPOCH;
        let mut bad = input("https://push.example/x");
        bad.keys.p256dh = "A".repeat(87);
        assert!(check_subscription(&bad, &settings(false), now).is_err());
        let mut bad = input("https://push.example/x");
        bad.keys.auth = "A+/".repeat(7) + "A";
        assert!(check_subscription(&bad, &settings(false), now).is_err());
        let mut padded = input("https://push.example/x");
        padded.keys.auth = format!("{}==", "A".repeat(22));
        let sub = check_subscription(&padded, &settings(false), now).unwrap();
        assert_eq!(sub.auth, "A".repeat(22));
    }
}
