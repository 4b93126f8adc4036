use aws_lambda_events::eventbridge::EventBridgeEvent;
use tracing::{Instrument, info, info_span};
use turno_core::app::{JobError, SweepReport, Turno};

/// Runs the SLA sweep for a scheduled EventBridge event (`rate(1 minute)`): the safety net
/// that enforces every ticket whose SLA is due, whatever happened to its timer.
pub async fn handle_schedule(
    turno: &Turno,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<SweepReport, JobError> {
    let scheduled_at = event.time.map(|t| t.to_rfc3339());
    let span = info_span!(
        "sla_sweep",
        event_id = event.id.as_deref().unwrap_or(""),
        scheduled_at = scheduled_at.as_deref(),
    );
    async {
        let report = crate::events::batched(crate::timers::batched(turno.sla_sweep())).await;
        crate::flush_metrics();
        let report = report?;
        info!(
            looked_at = report.looked_at,
            breaches = report.breaches,
            "SLA sweep done"
        );
        Ok(report)
    }
    .instrument(span)
    .await
}
