//! bot-turn: one bot conversation step per inbound WhatsApp message, from the `inbound.fifo` queue.

use std::process::ExitCode;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use turno_core::app::Turno;
use turno_core::ports::QueueName;
use turno_lambda::Redelivery;

const FUNCTION: &str = "bot-turn";

#[tokio::main]
async fn main() -> ExitCode {
    turno_lambda::init_tracing();
    turno_lambda::exit_status(FUNCTION, run().await)
}

async fn run() -> Result<(), Error> {
    let workspaces = turno_lambda::load_config()?;
    let turno = turno_lambda::connect(FUNCTION, workspaces).await?;
    // Bot turns are the jobs that send to WhatsApp: during an outage they wait with a backoff
    // (ChangeMessageVisibility on the inbound queue) instead of the visibility timeout.
    let queues = turno_lambda::queues(FUNCTION).await?;
    lambda_runtime::run(service_fn(|event| handler(&turno, &queues, event))).await
}

async fn handler(
    turno: &Turno,
    redelivery: &dyn Redelivery,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    Ok(turno_lambda::handle_sqs_batch_backing_off(
        turno,
        redelivery,
        QueueName::Inbound,
        event.payload,
    )
    .await)
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use turno_core::Timestamp;
    use turno_lambda::testing::sqs_sample;
    use turno_testkit::harness::TestTurno;

    use super::*;

    #[tokio::test]
    async fn inbound_sample_runs_as_bot_turns_with_no_failures() {
        let t = TestTurno::demo(Timestamp::from_second(1_748_876_646).expect("time")).await;
        let event = LambdaEvent::new(sqs_sample("sqs-inbound.json"), Context::default());

        let redelivery = turno_lambda::testing::RecordedRedelivery::default();

        let response = handler(&t.turno, &redelivery, event)
            .await
            .expect("a batch always gets an answer");

        assert!(response.batch_item_failures.is_empty(), "{response:?}");
        assert!(redelivery.delays().is_empty(), "nothing to wait for");
        let replies = t.whatsapp.messages(
            &t.turno.workspaces().iter().next().expect("demo").id,
            None,
            0,
        );
        assert!(
            !replies.expect("sandbox reads").is_empty(),
            "the bot should have answered"
        );
    }
}
