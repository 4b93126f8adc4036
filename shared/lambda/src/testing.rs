//! Test support for the functions' handler tests (feature `testing`): the sample events from
//! `events/` and the secrets that sign them. The use cases themselves run on
//! `turno_testkit::harness::TestTurno`.

use aws_lambda_events::sqs::SqsEvent;

/// The Meta app secret that signs `events/apigw-webhook-post.json`.
pub const SAMPLE_APP_SECRET: &str = "turno-sample-app-secret";
/// The verify token in `events/apigw-webhook-verify.json`.
pub const SAMPLE_VERIFY_TOKEN: &str = "turno-sample-verify-token";

/// The text of `events/<name>`.
pub fn sample(name: &str) -> String {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read sample event {path}: {e}"))
}

/// `events/<name>` as an SQS event.
pub fn sqs_sample(name: &str) -> SqsEvent {
    serde_json::from_str(&sample(name))
        .unwrap_or_else(|e| panic!("{name} is not an SQS event: {e}"))
}

/// A [`Redelivery`](crate::Redelivery) that records the delays asked for instead of calling SQS.
#[derive(Debug, Default)]
pub struct RecordedRedelivery {
    delays: std::sync::Mutex<Vec<(turno_core::ports::QueueName, String, std::time::Duration)>>,
}

impl RecordedRedelivery {
    /// Every delay asked for, in order: queue, receipt handle, delay.
    pub fn delays(&self) -> Vec<(turno_core::ports::QueueName, String, std::time::Duration)> {
        self.delays.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl crate::Redelivery for RecordedRedelivery {
    async fn delay_redelivery(
        &self,
        queue: turno_core::ports::QueueName,
        receipt_handle: &str,
        delay: std::time::Duration,
    ) -> anyhow::Result<()> {
        self.delays
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .push((queue, receipt_handle.to_owned(), delay));
        Ok(())
    }
}
