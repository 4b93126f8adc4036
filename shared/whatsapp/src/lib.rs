//! The WhatsApp Cloud API channel: what comes in ([`webhook`]: signature and handshake checks,
//! parsing a delivery into domain messages and statuses) and what goes out ([`graph`]: the Graph
//! API client behind `turno_core::ports::WhatsApp`).

pub mod breaker;
pub mod graph;
pub mod webhook;
