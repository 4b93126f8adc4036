//! A circuit breaker in front of the WhatsApp channel: when WhatsApp keeps failing, sends
//! stop hitting it (and stop spending the jobs' attempts) until one probe gets through.
//!
//! One breaker per process, not per workspace: the failures it counts (5xx, timeouts,
//! connection errors) are outages of Meta's Graph API, shared by every phone number; one
//! breaker notices an outage after a handful of failures in total and probes it with one
//! request, where per-workspace breakers would each pay for their own failures and probes.
//! Per-number problems (a refused token, a rejected message) are not outages and never open
//! it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use tracing::{info, warn};
use turno_core::channel::message::{MediaFile, Outbound};
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
use turno_core::ports::{Clock, MediaError, SendError, WhatsApp};

/// When the breaker opens and how long it waits before probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerOptions {
    /// Consecutive outage failures (5xx, timeouts) that open the breaker.
    pub failures_to_open: u32,
    /// The wait before the first probe; it doubles after each failed probe.
    pub cool_down: Duration,
    /// The longest wait between probes.
    pub max_cool_down: Duration,
}

impl Default for BreakerOptions {
    fn default() -> Self {
        BreakerOptions {
            failures_to_open: 5,
            cool_down: Duration::from_secs(5),
            max_cool_down: Duration::from_secs(60),
        }
    }
}

/// The breaker's state, as health reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum BreakerState {
    /// Sending normally.
    Closed,
    /// Sending is paused; `probe_at` is when one request may try again.
    Open {
        since: Timestamp,
        probe_at: Timestamp,
        reason: String,
    },
    /// One probe is in flight; everything else waits for its answer.
    Probing { since: Timestamp, reason: String },
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    cool_down: Duration,
}

/// The shared state of one breaker. Cheap to query; every call takes a short lock.
pub struct CircuitBreaker {
    options: BreakerOptions,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("options", &self.options)
            .field("state", &self.state())
            .finish()
    }
}

/// What a caller may do now.
enum Permit {
    Go,
    Probe,
    Wait(Duration),
}

impl CircuitBreaker {
    pub fn new(options: BreakerOptions, clock: Arc<dyn Clock>) -> Self {
        CircuitBreaker {
            options,
            clock,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                cool_down: options.cool_down,
            }),
        }
    }

    pub fn state(&self) -> BreakerState {
        self.lock().state.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The state is a few plain fields, consistent after every statement: a panic while
        // the lock was held leaves nothing half-written.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn permit(&self) -> Permit {
        let now = self.clock.now();
        let mut inner = self.lock();
        match inner.state.clone() {
            BreakerState::Closed => Permit::Go,
            BreakerState::Open {
                probe_at, reason, ..
            } if probe_at <= now => {
                inner.state = BreakerState::Probing { since: now, reason };
                Permit::Probe
            }
            BreakerState::Open { probe_at, .. } => {
                let wait = probe_at.duration_since(now).unsigned_abs();
                Permit::Wait(wait.max(Duration::from_millis(1)))
            }
            // The probe's answer decides; until then everyone waits one more cool-down.
            BreakerState::Probing { .. } => Permit::Wait(inner.cool_down),
        }
    }

    /// Records a finished call's outcome.
    fn record(&self, outcome: Result<(), &SendError>, probe: bool) {
        let now = self.clock.now();
        let mut inner = self.lock();
        match outcome {
            Err(SendError::Unavailable(reason)) => {
                inner.failures = inner.failures.saturating_add(1);
                let opens = probe || inner.failures >= self.options.failures_to_open;
                if opens && !matches!(inner.state, BreakerState::Open { .. }) {
                    if probe {
                        inner.cool_down = inner
                            .cool_down
                            .saturating_mul(2)
                            .min(self.options.max_cool_down);
                    }
                    let probe_at = now.checked_add(inner.cool_down).unwrap_or(Timestamp::MAX);
                    let cool_down_ms = u64::try_from(inner.cool_down.as_millis()).unwrap_or(0);
                    warn!(failures = inner.failures, cool_down_ms, error = %reason, "WhatsApp keeps failing; sending paused");
                    inner.state = BreakerState::Open {
                        since: now,
                        probe_at,
                        reason: format!("WhatsApp is unavailable: {reason}"),
                    };
                }
            }
            // Anything WhatsApp answered (even a refusal or throttling) shows it is up.
            _ => {
                if !matches!(inner.state, BreakerState::Closed) {
                    info!("WhatsApp answered again; sending resumed");
                }
                inner.state = BreakerState::Closed;
                inner.failures = 0;
                inner.cool_down = self.options.cool_down;
            }
        }
    }

    /// Runs `call` unless the breaker is open, and records its outcome.
    async fn guard<T, F>(&self, call: F) -> Result<T, SendError>
    where
        F: std::future::Future<Output = Result<T, SendError>>,
    {
        let probe = match self.permit() {
            Permit::Go => false,
            Permit::Probe => true,
            Permit::Wait(retry_after) => return Err(SendError::Paused { retry_after }),
        };
        let result = call.await;
        self.record(result.as_ref().map(|_| ()), probe);
        result
    }
}

/// A [`WhatsApp`] channel behind a [`CircuitBreaker`].
pub struct BreakerWhatsApp {
    inner: Arc<dyn WhatsApp>,
    breaker: Arc<CircuitBreaker>,
}

impl BreakerWhatsApp {
    pub fn new(inner: Arc<dyn WhatsApp>, breaker: Arc<CircuitBreaker>) -> Self {
        BreakerWhatsApp { inner, breaker }
    }
}

#[async_trait]
impl WhatsApp for BreakerWhatsApp {
    async fn send(
        &self,
        ws: &WorkspaceId,
        to: &WaId,
        message: &Outbound,
    ) -> Result<MessageId, SendError> {
        self.breaker.guard(self.inner.send(ws, to, message)).await
    }

    /// Media is fetched while the breaker is open too (an agent asked for it, once), but its
    /// failures do not count: the send path alone decides when WhatsApp is down.
    async fn media(&self, ws: &WorkspaceId, media_id: &str) -> Result<MediaFile, MediaError> {
        self.inner.media(ws, media_id).await
    }

    /// An upload is an agent's request, answered at once: tried while the breaker is open
    /// too, its failures not counted.
    async fn upload_media(
        &self,
        ws: &WorkspaceId,
        mime_type: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<String, SendError> {
        self.inner
            .upload_media(ws, mime_type, filename, bytes)
            .await
    }

    /// An admin's request, answered at once: tried while the breaker is open too, its
    /// failures not counted.
    async fn message_templates(
        &self,
        ws: &WorkspaceId,
        waba_id: &str,
    ) -> Result<Vec<turno_core::channel::templates::ListedTemplate>, SendError> {
        self.inner.message_templates(ws, waba_id).await
    }

    /// A read receipt is best effort: skipped while paused, not counted either way.
    async fn mark_read(&self, ws: &WorkspaceId, message: &MessageId) -> Result<(), SendError> {
        if let BreakerState::Open { .. } | BreakerState::Probing { .. } = self.breaker.state() {
            return Err(SendError::Paused {
                retry_after: self.breaker.options.cool_down,
            });
        }
        self.inner.mark_read(ws, message).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jiff::SignedDuration;

    struct Manual(Mutex<Timestamp>);

    impl Clock for Manual {
        fn now(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
    }

    impl Manual {
        fn advance(&self, secs: i64) {
            let mut t = self.0.lock().unwrap();
            *t = t.checked_add(SignedDuration::from_secs(secs)).unwrap();
        }
    }

    fn breaker() -> (Arc<Manual>, CircuitBreaker) {
        let clock = Arc::new(Manual(Mutex::new(Timestamp::UNIX_EPOCH)));
        let options = BreakerOptions {
            failures_to_open: 3,
            cool_down: Duration::from_secs(5),
            max_cool_down: Duration::from_secs(20),
        };
        (clock.clone(), CircuitBreaker::new(options, clock))
    }

    fn down() -> SendError {
        SendError::Unavailable("503".into())
    }

    async fn call(b: &CircuitBreaker, answer: Result<(), SendError>) -> Result<(), SendError> {
        b.guard(async { answer }).await
    }

    #[tokio::test]
    async fn opens_after_repeated_outages_and_refuses_without_calling() {
        let (_, b) = breaker();
        for _ in 0..3 {
            assert_eq!(call(&b, Err(down())).await, Err(down()));
        }
        let refused = b.guard(async { panic!("must not be called") }).await;
        let paused: Result<(), _> = refused;
        assert_eq!(
            paused,
            Err(SendError::Paused {
                retry_after: Duration::from_secs(5)
            })
        );
        assert!(matches!(b.state(), BreakerState::Open { .. }));
    }

    #[tokio::test]
    async fn one_probe_after_the_cool_down_closes_it_on_success() {
        let (clock, b) = breaker();
        for _ in 0..3 {
            let _ = call(&b, Err(down())).await;
        }
        clock.advance(5);
        assert!(matches!(b.permit(), Permit::Probe));
        // While the probe is out, others wait.
        assert!(matches!(b.permit(), Permit::Wait(_)));
        b.record(Ok(()), true);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(call(&b, Ok(())).await, Ok(()));
    }

    #[tokio::test]
    async fn a_failed_probe_doubles_the_cool_down_up_to_the_maximum() {
        let (clock, b) = breaker();
        for _ in 0..3 {
            let _ = call(&b, Err(down())).await;
        }
        let mut waits = Vec::new();
        for _ in 0..4 {
            let BreakerState::Open {
                since, probe_at, ..
            } = b.state()
            else {
                panic!("open");
            };
            let wait = probe_at.duration_since(since).as_secs();
            waits.push(wait);
            clock.advance(wait);
            assert_eq!(call(&b, Err(down())).await, Err(down()));
        }
        assert_eq!(waits, vec![5, 10, 20, 20]);
    }

    #[tokio::test]
    async fn throttling_and_refusals_do_not_open_it() {
        let (_, b) = breaker();
        for _ in 0..10 {
            let throttled = SendError::Throttled { retry_after: None };
            let _ = call(&b, Err(throttled)).await;
            let _ = call(&b, Err(SendError::Unauthorized { code: 190 })).await;
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
