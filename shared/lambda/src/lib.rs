//! What every turno Lambda function shares: JSON tracing, the workspace configuration, and the
//! translation of SQS batches and EventBridge schedules into calls on [`Turno`].
//!
//! Each function enables its own feature (`ingress`, `bot`, `tickets`, `escalation`, `sla`,
//! `api`), which picks the adapters and the queue's use cases its binary links.
//!
//! A function's `main` only wires: [`init_tracing`], [`load_config`], [`connect`], then its
//! handler over the [`Turno`] it got; [`exit_status`] logs why it stopped.
//!
//! [`Turno`]: turno_core::app::Turno

mod absent;
mod agents;
mod aws;
mod config;
#[cfg(feature = "counts")]
pub mod counts;
mod events;
mod exit;
mod logging;
mod metrics;
mod redelivery;
#[cfg(feature = "sla")]
mod schedule;
mod sqs;
#[cfg(feature = "testing")]
pub mod testing;
mod timers;

pub use agents::write_missing_agents;
pub use aws::{
    EVENT_BUS_VAR, Env, GRAPH_API_BASE_URL_VAR, GRAPH_API_VERSION_VAR, NOTIFY_WEBHOOK_URL_VAR,
    TABLE_VAR, WHATSAPP_TOKEN_PARAM_VAR, clients, connect, connect_with,
};
#[cfg(feature = "bot")]
pub use aws::{INTEGRATION_SECRETS, integration_secrets};
#[cfg(feature = "api")]
pub use aws::{dead_letters, dead_letters_with};
#[cfg(feature = "queue")]
pub use aws::{queues, queues_with};
#[cfg(feature = "secrets")]
pub use aws::{secret, secret_with};
pub use config::{CONFIG_JSON_VAR, CONFIG_PATH_VAR, load_config};
pub use exit::exit_status;
pub use logging::init_tracing;
pub use metrics::{NAMESPACE, flush_metrics, registry};
pub use redelivery::{OUTAGE_BASE, OUTAGE_MAX, Redelivery, covered, outage_backoff};
#[cfg(feature = "sla")]
pub use schedule::handle_schedule;
pub use sqs::{handle_sqs_batch, handle_sqs_batch_backing_off};
