//! ticket-writer: writes transcript entries and delivery statuses, from the `ticket-writes.fifo` queue.

use std::process::ExitCode;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use turno_core::app::Turno;
use turno_core::ports::QueueName;

const FUNCTION: &str = "ticket-writer";

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

async fn handler(turno: &Turno, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    Ok(turno_lambda::handle_sqs_batch(turno, QueueName::TicketWrites, event.payload).await)
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use turno_core::Timestamp;
    use turno_lambda::testing::sqs_sample;
    use turno_testkit::harness::TestTurno;

    use super::*;

    #[tokio::test]
    async fn ticket_write_sample_is_written_with_no_failures() {
        let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).expect("time")).await;
        let event = LambdaEvent::new(sqs_sample("sqs-ticket-writes.json"), Context::default());

        let response = handler(&t.turno, event)
            .await
            .expect("a batch always gets an answer");

        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
}
