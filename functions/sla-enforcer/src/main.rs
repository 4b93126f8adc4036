//! sla-enforcer: enforces SLA clocks from the per-ticket timers on the `sla-timers` queue and
//! from the once-a-minute EventBridge schedule that sweeps whatever a timer missed.

use std::process::ExitCode;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use turno_core::app::Turno;
use turno_core::ports::QueueName;

const FUNCTION: &str = "sla-enforcer";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let workspaces = turno_lambda::load_config()?;
    let turno = turno_lambda::connect(FUNCTION, workspaces).await?;
    lambda_runtime::run(service_fn(|event| handler(&turno, event))).await
}

/// What invoked the function.
#[derive(Debug)]
enum Trigger {
    /// A batch of per-ticket timers.
    Timers(SqsEvent),
    /// The schedule (or any EventBridge event routed here): sweep everything due.
    Schedule(EventBridgeEvent<Value>),
}

impl Trigger {
    fn from_payload(payload: Value) -> Result<Self, Error> {
        if payload.get("Records").is_some() {
            Ok(Trigger::Timers(serde_json::from_value(payload)?))
        } else if payload.get("source").is_some() && payload.get("detail-type").is_some() {
            Ok(Trigger::Schedule(serde_json::from_value(payload)?))
        } else {
            Err(format!(
                "turno {FUNCTION}: the event is neither an SQS batch (`Records`) nor an EventBridge \
                 event (`source`, `detail-type`)"
            )
            .into())
        }
    }
}

/// Answers an SQS batch with its `batchItemFailures` and the schedule with the sweep's report.
async fn handler(turno: &Turno, event: LambdaEvent<Value>) -> Result<Value, Error> {
    match Trigger::from_payload(event.payload)? {
        Trigger::Timers(batch) => {
            let response = turno_lambda::handle_sqs_batch(turno, QueueName::SlaTimers, batch).await;
            Ok(serde_json::to_value(response)?)
        }
        Trigger::Schedule(schedule) => {
            let report = turno_lambda::handle_schedule(turno, schedule).await?;
            Ok(serde_json::to_value(report)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use serde_json::json;
    use turno_core::Timestamp;
    use turno_lambda::testing::sample;
    use turno_testkit::harness::TestTurno;

    use super::*;

    fn event(name: &str) -> LambdaEvent<Value> {
        let payload = serde_json::from_str(&sample(name)).expect("sample is JSON");
        LambdaEvent::new(payload, Context::default())
    }

    async fn turno() -> TestTurno {
        TestTurno::demo(Timestamp::from_second(1_748_877_567).expect("time")).await
    }

    #[tokio::test]
    async fn a_timer_batch_is_answered_with_its_batch_item_failures() {
        let t = turno().await;

        let answer = handler(&t.turno, event("sqs-sla-timers.json"))
            .await
            .expect("handled");

        assert_eq!(answer, json!({ "batchItemFailures": [] }));
    }

    #[tokio::test]
    async fn the_schedule_is_answered_with_the_sweep_report() {
        let t = turno().await;

        let answer = handler(&t.turno, event("eventbridge-schedule.json"))
            .await
            .expect("handled");

        assert_eq!(
            answer,
            json!({ "looked_at": 0, "breaches": 0, "failed": 0 })
        );
    }

    #[tokio::test]
    async fn an_event_that_is_neither_is_refused_naming_what_was_expected() {
        let t = turno().await;
        let unknown = LambdaEvent::new(json!({ "hello": "world" }), Context::default());

        let err = handler(&t.turno, unknown).await.expect_err("not a trigger");

        let msg = err.to_string();
        assert!(
            msg.contains("Records") && msg.contains("detail-type"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn a_malformed_timer_batch_is_an_error_not_a_silent_success() {
        let t = turno().await;
        let broken = LambdaEvent::new(json!({ "Records": "not a list" }), Context::default());

        assert!(handler(&t.turno, broken).await.is_err());
    }
}
