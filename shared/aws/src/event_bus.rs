//! The event bus port on EventBridge.

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use turno_core::ports::EventBus;
use turno_core::ports::domain_events::DomainEvent;

/// The `source` of every turno event.
pub const SOURCE: &str = "turno";
/// EventBridge's largest `PutEvents` batch.
const BATCH: usize = 10;

/// [`EventBus`] on a custom EventBridge bus: `source` is `turno`, `detail-type` the event's
/// name, `detail` the event as JSON.
#[derive(Clone, Debug)]
pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        EventBridgeBus {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn publish(&self, events: &[DomainEvent]) -> anyhow::Result<()> {
        for chunk in events.chunks(BATCH) {
            let entries = chunk
                .iter()
                .map(|e| {
                    Ok(PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(SOURCE)
                        .detail_type(e.name())
                        .detail(serde_json::to_string(e).context("event to JSON")?)
                        .build())
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| anyhow!("PutEvents failed: {}", DisplayErrorContext(&e)))?;
            partial_failure(&out)?;
        }
        Ok(())
    }
}

/// An error naming the events EventBridge did not take, if any.
pub(crate) fn partial_failure(
    out: &aws_sdk_eventbridge::operation::put_events::PutEventsOutput,
) -> anyhow::Result<()> {
    if out.failed_entry_count() == 0 {
        return Ok(());
    }
    let codes: Vec<&str> = out
        .entries()
        .iter()
        .filter_map(|e| e.error_code())
        .collect();
    bail!(
        "EventBridge did not take {} of the events: {codes:?}",
        out.failed_entry_count()
    )
}

#[cfg(test)]
mod tests {
    use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;

    use super::*;

    #[test]
    fn a_partial_failure_is_an_error_naming_the_codes() {
        let out = PutEventsOutput::builder()
            .failed_entry_count(1)
            .entries(PutEventsResultEntry::builder().event_id("e1").build())
            .entries(
                PutEventsResultEntry::builder()
                    .error_code("InternalFailure")
                    .build(),
            )
            .build();
        let err = partial_failure(&out).expect_err("one event failed");
        assert!(err.to_string().contains("InternalFailure"), "{err}");
        let ok = PutEventsOutput::builder()
            .failed_entry_count(0)
            .entries(PutEventsResultEntry::builder().event_id("e1").build())
            .build();
        assert!(partial_failure(&ok).is_ok());
    }
}
