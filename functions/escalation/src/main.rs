//! escalation: routes handed-off tickets, assigns them and arms their SLA timers, from the `escalations` queue.

use std::process::ExitCode;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use turno_core::app::Turno;
use turno_core::ports::QueueName;

const FUNCTION: &str = "escalation";

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
    Ok(turno_lambda::handle_sqs_batch(turno, QueueName::Escalations, event.payload).await)
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;
    use turno_core::Timestamp;
    use turno_core::desk::escalation::EscalationJob;
    use turno_core::desk::ticket::TicketStatus;
    use turno_core::kernel::ids::WaId;
    use turno_lambda::testing::sqs_sample;
    use turno_testkit::harness::TestTurno;

    use super::*;

    #[tokio::test]
    async fn escalation_sample_hands_the_ticket_to_an_agent_with_no_failures() {
        let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).expect("time")).await;
        let event = sqs_sample("sqs-escalations.json");
        let body = event.records[0].body.as_deref().expect("sample body");
        let job: EscalationJob = serde_json::from_str(body).expect("escalation job");
        let customer = WaId::parse("5215512345678").expect("customer");
        t.seed_bot_ticket(&job.workspace, &job.ticket_id, &customer)
            .await;

        let response = handler(&t.turno, LambdaEvent::new(event, Context::default()))
            .await
            .expect("a batch always gets an answer");

        assert!(response.batch_item_failures.is_empty(), "{response:?}");
        let ticket = t
            .turno
            .store()
            .ticket(&job.workspace, &job.ticket_id)
            .await
            .expect("store reads");
        assert_eq!(ticket.map(|t| t.status), Some(TicketStatus::Assigned));
    }
}
