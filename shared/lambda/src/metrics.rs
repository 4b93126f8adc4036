//! The function's operational metrics ([`turno_core::ports::Metrics`]) in CloudWatch's
//! Embedded Metric Format: kept in memory while an invocation runs and written to stdout as
//! JSON lines when it ends ([`flush_metrics`]), where CloudWatch Logs turns them into
//! metrics in the `turno` namespace with the dimension `Function`. No API call, no latency.

use std::sync::{Arc, OnceLock};

use turno_telemetry::Registry;

/// The CloudWatch namespace of turno's metrics (the template's dashboard and alarms read it).
pub const NAMESPACE: &str = "turno";

static REGISTRY: OnceLock<(String, Arc<Registry>)> = OnceLock::new();

/// The execution environment's registry, named after the first function that asked.
pub fn registry(function: &str) -> Arc<Registry> {
    Arc::clone(
        &REGISTRY
            .get_or_init(|| (function.to_owned(), Arc::new(Registry::for_emf())))
            .1,
    )
}

/// Writes what was recorded since the last flush to stdout, one EMF document per line.
pub fn flush_metrics() {
    let Some((function, registry)) = REGISTRY.get() else {
        return;
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    for doc in registry.take_emf(NAMESPACE, function, now_ms) {
        println!("{doc}");
    }
}
