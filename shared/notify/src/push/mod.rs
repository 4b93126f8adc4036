//! Web Push to agents' browsers: for an assignment, a mention, a customer's reply on the
//! agent's ticket and an SLA warning or breach on it, each of the agent's subscriptions gets
//! an encrypted message ([`ece`]) signed for with the deployment's VAPID key ([`vapid`]).
//!
//! The payload carries ids and a short kind the console words in the agent's language,
//! never message text. Subscriptions are sent to at once, each with its own few retries
//! (429 and 5xx, with backoff), so one push service that is down delays no other and never
//! fails the notification; one that answers 404 or 410 has forgotten the subscription, and
//! so does turno.

pub mod ece;
#[cfg(feature = "testing")]
pub mod testing;
pub mod vapid;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use serde::Serialize;
use tracing::{debug, info, warn};
use turno_core::app::{PushSubscription, forget_push_subscription, push_subscriptions};
use turno_core::ports::{Clock, Notification, NotificationKind, Notifier, Store};

pub use vapid::VapidKey;

/// Attempts per subscription and message.
const ATTEMPTS: u32 = 3;
/// The longest one notification's pushes may take, all subscriptions and retries included,
/// when they are sent inline.
const DEADLINE: Duration = Duration::from_secs(6);
/// The longest a push service's `Retry-After` is waited for before the next attempt.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);
/// How long a push service keeps a message for a browser that is offline.
const TTL_SECS: u32 = 4 * 3600;

/// What the service worker receives: enough to word the notification and open the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PushPayload {
    /// `assigned`, `mention`, `reply`, `sla_warning` or `sla_breach`.
    pub kind: String,
    pub workspace: String,
    pub ticket: String,
}

/// The push kind of a notification, for those that go to one agent's devices.
fn push_kind(kind: &NotificationKind) -> Option<&'static str> {
    match kind {
        NotificationKind::TicketAssigned => Some("assigned"),
        NotificationKind::Mentioned => Some("mention"),
        NotificationKind::CustomerReplied => Some("reply"),
        NotificationKind::SlaWarning => Some("sla_warning"),
        NotificationKind::SlaBreached => Some("sla_breach"),
        NotificationKind::CsatLow => None,
    }
}

/// What a push service made of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 404 or 410: the subscription no longer exists.
    Gone,
    Failed(String),
}

/// Encrypts and posts push messages.
pub struct PushSender {
    client: reqwest::Client,
    key: VapidKey,
    /// The VAPID `sub` claim: a `mailto:` or `https:` contact for the push services.
    subject: String,
    rng: SystemRandom,
    backoff: Duration,
}

impl PushSender {
    pub fn new(key: VapidKey, subject: impl Into<String>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(PushSender {
            client,
            key,
            subject: subject.into(),
            rng: SystemRandom::new(),
            backoff: Duration::from_millis(200),
        })
    }

    /// The first retry's wait (doubled for each next one); shorter in tests.
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn public_key(&self) -> &str {
        self.key.public_key()
    }

    fn request(
        &self,
        sub: &PushSubscription,
        payload: &[u8],
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let url = reqwest::Url::parse(&sub.endpoint)?;
        let audience = url.origin().ascii_serialization();
        let ua_public = URL_SAFE_NO_PAD.decode(&sub.p256dh)?;
        let auth = URL_SAFE_NO_PAD.decode(&sub.auth)?;
        let body = ece::encrypt(&self.rng, &ua_public, &auth, payload)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let authorization = self
            .key
            .authorization(&self.rng, &audience, &self.subject, now)?;
        Ok(self
            .client
            .post(url)
            .header("authorization", authorization)
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", TTL_SECS.to_string())
            .header("urgency", "high")
            .body(body))
    }

    /// Sends `payload` to one subscription, retrying 429, 5xx and network errors.
    pub async fn send(&self, sub: &PushSubscription, payload: &[u8]) -> Outcome {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            // A fresh encryption each time: a record's key and nonce are never used twice.
            let request = match self.request(sub, payload) {
                Ok(r) => r,
                Err(e) => return Outcome::Failed(format!("{e:#}")),
            };
            let mut wait = self.backoff * 2u32.pow(attempt);
            match request.send().await {
                Ok(r) if r.status().is_success() => return Outcome::Delivered,
                Ok(r) if matches!(r.status().as_u16(), 404 | 410) => return Outcome::Gone,
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    if let Some(secs) = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                    {
                        wait = Duration::from_secs(secs).min(MAX_RETRY_AFTER);
                    }
                    last = format!("push service answered {}", r.status());
                }
                Ok(r) => {
                    return Outcome::Failed(format!("push service refused with {}", r.status()));
                }
                Err(e) => last = format!("push service unreachable: {e}"),
            }
            if attempt + 1 < ATTEMPTS {
                tokio::time::sleep(wait).await;
            }
        }
        Outcome::Failed(last)
    }
}

/// A [`Notifier`] that also pushes agents' notifications to their browsers, besides what
/// `inner` does with them (the workspace's webhook).
pub struct PushNotifier {
    inner: Arc<dyn Notifier>,
    pusher: Arc<Pusher>,
    detached: bool,
}

struct Pusher {
    sender: PushSender,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl PushNotifier {
    pub fn new(
        inner: Arc<dyn Notifier>,
        sender: PushSender,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        PushNotifier {
            inner,
            pusher: Arc::new(Pusher {
                sender,
                store,
                clock,
            }),
            detached: false,
        }
    }

    /// Pushes on a task of their own, so the notification returns at once: for a process that
    /// keeps running (the local runner). Without it (a Lambda function, which may be frozen
    /// once it answers) pushes are sent before `notify` returns, within a few seconds.
    pub fn detached(mut self) -> Self {
        self.detached = true;
        self
    }
}

impl Pusher {
    /// Pushes `n` to its agent's subscriptions; failures are logged, never returned.
    async fn push(&self, n: &Notification) {
        let (Some(agent), Some(kind)) = (&n.agent, push_kind(&n.kind)) else {
            return;
        };
        let subs = match push_subscriptions(self.store.as_ref(), &n.workspace, agent).await {
            Ok(subs) => subs,
            Err(e) => {
                warn!(workspace = %n.workspace, agent = %agent, error = %format!("{e:#}"), "push subscriptions unreadable");
                return;
            }
        };
        if subs.is_empty() {
            return;
        }
        let payload = PushPayload {
            kind: kind.to_owned(),
            workspace: n.workspace.as_str().to_owned(),
            ticket: n.ticket_id.as_str().to_owned(),
        };
        let Ok(payload) = serde_json::to_vec(&payload) else {
            return;
        };
        let sends = subs.iter().map(|s| self.sender.send(s, &payload));
        let outcomes = futures::future::join_all(sends).await;
        for (sub, outcome) in subs.iter().zip(outcomes) {
            match outcome {
                Outcome::Delivered => {
                    debug!(workspace = %n.workspace, agent = %agent, ticket_id = %n.ticket_id, "push delivered");
                }
                Outcome::Gone => {
                    info!(workspace = %n.workspace, agent = %agent, "push subscription gone; forgetting it");
                    let now = self.clock.now();
                    if let Err(e) = forget_push_subscription(
                        self.store.as_ref(),
                        &n.workspace,
                        agent,
                        &sub.endpoint,
                        now,
                    )
                    .await
                    {
                        warn!(workspace = %n.workspace, agent = %agent, error = %format!("{e:#}"), "gone push subscription not forgotten");
                    }
                }
                Outcome::Failed(why) => {
                    warn!(workspace = %n.workspace, agent = %agent, ticket_id = %n.ticket_id, error = %why, "push not delivered");
                }
            }
        }
    }
}

#[async_trait]
impl Notifier for PushNotifier {
    async fn notify(&self, n: &Notification) -> anyhow::Result<()> {
        if self.detached {
            let (pusher, n2) = (self.pusher.clone(), n.clone());
            tokio::spawn(async move {
                if tokio::time::timeout(DEADLINE * 2, pusher.push(&n2))
                    .await
                    .is_err()
                {
                    warn!(ticket_id = %n2.ticket_id, "pushes given up after their deadline");
                }
            });
            return self.inner.notify(n).await;
        }
        let push = async {
            if tokio::time::timeout(DEADLINE, self.pusher.push(n))
                .await
                .is_err()
            {
                warn!(ticket_id = %n.ticket_id, "pushes given up after their deadline");
            }
        };
        let (done, ()) = tokio::join!(self.inner.notify(n), push);
        done
    }
}

#[cfg(test)]
mod tests;
