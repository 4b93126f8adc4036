//! Timers held for the end of an SQS batch: the delayed jobs every record of the batch arms
//! (a new bot conversation's inactivity timer, an SLA clock's) go to the timers queue together
//! (`SendMessageBatch` takes ten at a time) instead of one request per record. Outside a
//! batch (the agent API's requests) they go at once; so do jobs for the other queues, whose
//! consumers run at once.
//!
//! A timer is due minutes or hours later, so holding it for the rest of the invocation moves
//! nothing its job sees. What a held send risks is what a send after the commit risks: the
//! process ending between the commit and the send. A timer send that fails at the end of the
//! batch is logged at error level; its job had committed and is not run again for it (a
//! redelivered turn finishes its replies and does not arm timers again either), and SLA
//! clocks are found again by the once-a-minute sweep.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use tracing::error;
use turno_core::ports::{Envelope, Queue, QueueError, QueueName};

tokio::task_local! {
    /// The timers sent during the current batch, with the queue each goes to.
    static HELD: RefCell<Vec<(Arc<dyn Queue>, Envelope)>>;
}

/// A [`Queue`] (SQS in a function built with it) that holds the timers sent inside
/// [`batched`].
pub(crate) struct HeldTimers(pub(crate) Arc<dyn Queue>);

#[async_trait]
impl Queue for HeldTimers {
    async fn send(&self, envelopes: Vec<Envelope>) -> Result<(), QueueError> {
        if envelopes.is_empty() || envelopes.iter().any(|e| e.queue != QueueName::SlaTimers) {
            return self.0.send(envelopes).await;
        }
        let held = HELD.try_with(|h| {
            h.borrow_mut()
                .extend(envelopes.iter().map(|e| (Arc::clone(&self.0), e.clone())));
        });
        match held {
            Ok(()) => Ok(()),
            Err(_) => self.0.send(envelopes).await,
        }
    }
}

/// Runs `work` (one SQS batch, one sweep) holding the timers it sends, then sends them: one
/// `SendMessageBatch` per ten timers of the batch.
pub(crate) async fn batched<T>(work: impl Future<Output = T>) -> T {
    let (out, held) = HELD
        .scope(RefCell::new(Vec::new()), async {
            let out = work.await;
            (out, HELD.with(RefCell::take))
        })
        .await;
    let Some((queue, _)) = held.first() else {
        return out;
    };
    let queue = Arc::clone(queue);
    let timers: Vec<Envelope> = held.into_iter().map(|(_, e)| e).collect();
    let n = timers.len();
    if let Err(e) = queue.send(timers).await {
        error!(error = %e, timers = n, "timers not armed");
    }
    out
}
