//! Domain events held for the end of an SQS batch: every record's events go to EventBridge
//! together (`PutEvents` takes ten at a time) instead of one request per record. Outside a
//! batch (the agent API's requests) they go at once.
//!
//! Events are notifications, published after the write they report and never a reason to
//! fail a job (a failed publish is logged): holding them to the end of the invocation keeps
//! that promise and moves no write.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use tracing::warn;
use turno_core::ports::EventBus;
use turno_core::ports::domain_events::DomainEvent;

tokio::task_local! {
    /// The events published during the current batch, with the bus each goes to.
    static HELD: RefCell<Vec<(Arc<dyn EventBus>, DomainEvent)>>;
}

/// An [`EventBus`] (EventBridge in a function built with it) that holds what is published
/// inside [`batched`].
pub(crate) struct HeldEvents(pub(crate) Arc<dyn EventBus>);

#[async_trait]
impl EventBus for HeldEvents {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()> {
        let held = HELD.try_with(|h| {
            h.borrow_mut()
                .extend(events.iter().map(|e| (Arc::clone(&self.0), e.clone())));
        });
        match held {
            Ok(()) => Ok(()),
            Err(_) => self.0.publish(events).await,
        }
    }
}

/// Runs `work` (one SQS batch) holding the events it publishes, then publishes them: one
/// `PutEvents` per ten events of the batch.
pub(crate) async fn batched<T>(work: impl Future<Output = T>) -> T {
    let (out, held) = HELD
        .scope(RefCell::new(Vec::new()), async {
            let out = work.await;
            (out, HELD.with(RefCell::take))
        })
        .await;
    let Some((bus, _)) = held.first() else {
        return out;
    };
    let bus = Arc::clone(bus);
    let events: Vec<DomainEvent> = held.into_iter().map(|(_, e)| e).collect();
    if let Err(e) = bus.publish(&events).await {
        warn!(error = %format!("{e:#}"), events = events.len(), "domain events not published");
    }
    out
}
