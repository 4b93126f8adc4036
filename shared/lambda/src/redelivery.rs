//! How long a record that failed because WhatsApp is down waits before SQS delivers it again.
//!
//! The local queues defer such jobs without counting the receive (`Settlement::Defer`). SQS
//! counts every receive toward the queue's `maxReceiveCount`, and the one way around that —
//! sending the job again as a new message and deleting the original — would put a FIFO
//! message behind its group's later ones (and FIFO queues take no per-message delay), which
//! would break the customer's order on `inbound.fifo`, the queue whose jobs send to WhatsApp.
//! So on SQS an outage retry keeps its message and hides it with `ChangeMessageVisibility`
//! for an exponential, capped backoff (at least what WhatsApp's `Retry-After` or the paused
//! circuit breaker asked for), and `maxReceiveCount` × backoff is sized to ride out the
//! outage: [`OUTAGE_BASE`] doubling up to [`OUTAGE_MAX`] covers 85 minutes over the inbound
//! queue's 20 receives (see [`covered`]) and comes back within five minutes of WhatsApp
//! recovering. An outage that outlasts it ends in the dead-letter queue, which alarms and is
//! redriven once WhatsApp is back — the local queues' `outage_budget` in SQS terms.
//!
//! Other failures keep SQS's own pacing: the message comes back after the queue's
//! visibility timeout.

use std::time::Duration;

use async_trait::async_trait;
use turno_core::ports::QueueName;

/// The first outage retry's delay.
pub const OUTAGE_BASE: Duration = Duration::from_secs(20);
/// The longest delay between outage retries: how long after WhatsApp recovers a waiting job
/// may still sleep.
pub const OUTAGE_MAX: Duration = Duration::from_secs(300);
/// SQS's longest visibility timeout.
const SQS_MAX: Duration = Duration::from_secs(12 * 3600);

/// Where a failed record's next delivery is pushed back.
#[async_trait]
pub trait Redelivery: Send + Sync {
    /// Keeps the received message of `queue` with `receipt_handle` hidden for `delay`.
    async fn delay_redelivery(
        &self,
        queue: QueueName,
        receipt_handle: &str,
        delay: Duration,
    ) -> anyhow::Result<()>;
}

#[cfg(feature = "queue")]
#[async_trait]
impl Redelivery for turno_aws::SqsQueue {
    async fn delay_redelivery(
        &self,
        queue: QueueName,
        receipt_handle: &str,
        delay: Duration,
    ) -> anyhow::Result<()> {
        turno_aws::SqsQueue::delay_redelivery(self, queue, receipt_handle, delay).await
    }
}

/// The wait before the next delivery of a message that failed on its `receive_count`th
/// receive because WhatsApp is down: [`OUTAGE_BASE`] doubling per receive up to
/// [`OUTAGE_MAX`], at least what WhatsApp asked for, at most SQS's 12 hours.
pub fn outage_backoff(receive_count: u32, asked: Option<Duration>) -> Duration {
    let doublings = receive_count.saturating_sub(1).min(20);
    let delay = OUTAGE_BASE.saturating_mul(1 << doublings).min(OUTAGE_MAX);
    asked.map_or(delay, |asked| asked.max(delay)).min(SQS_MAX)
}

/// How long an outage a message rides out before its queue gives up on it after
/// `max_receives` receives (WhatsApp asking for nothing longer).
pub fn covered(max_receives: u32) -> Duration {
    (1..=max_receives).map(|n| outage_backoff(n, None)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_receive_up_to_five_minutes() {
        let delays: Vec<u64> = (1..=7).map(|n| outage_backoff(n, None).as_secs()).collect();
        assert_eq!(delays, vec![20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn whatsapp_retry_after_is_honoured_up_to_the_sqs_limit() {
        let asked = Some(Duration::from_secs(900));
        assert_eq!(outage_backoff(1, asked), Duration::from_secs(900));
        assert_eq!(
            outage_backoff(1, Some(Duration::from_secs(1))),
            Duration::from_secs(20)
        );
        assert_eq!(
            outage_backoff(1, Some(Duration::from_secs(86_400))),
            SQS_MAX
        );
    }

    #[test]
    fn the_inbound_queue_rides_out_an_hour_of_outage_and_a_ten_minute_one_with_room() {
        // template.yaml: inbound's maxReceiveCount.
        let inbound = 20;
        assert!(
            covered(inbound) >= Duration::from_secs(3600),
            "{:?}",
            covered(inbound)
        );
        let receives_for_ten_minutes = (1..=inbound)
            .find(|n| covered(*n) >= Duration::from_secs(600))
            .unwrap_or(u32::MAX);
        assert!(receives_for_ten_minutes <= 6, "{receives_for_ten_minutes}");
    }
}
