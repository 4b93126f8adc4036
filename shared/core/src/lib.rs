//! turno's core: the help desk's rules in plain Rust, with no AWS, Lambda, HTTP-client or
//! database types.
//!
//! The folders follow the bounded contexts, lowest first; a folder uses only those above it in
//! this list (`tests/tests/it/architecture.rs` checks it):
//!
//! - [`kernel`]: ids, languages, text normalisation, priorities and tiers: the shared words.
//! - [`sla`]: business calendars, SLA policies and the clocks a ticket carries.
//! - [`channel`]: WhatsApp messages, transcripts and the 24-hour window.
//! - [`desk`]: tickets and their state machine, agents, routing.
//! - [`bot`]: the level-1 bot: conversation state, flows, the turn record, integrations.
//! - [`ports`]: what the use cases need from the world (stores, queues, WhatsApp, notices,
//!   the event bus, the clock), the jobs the queues carry and the domain events.
//! - [`config`]: a workspace's configuration, which gathers every context's settings.
//! - [`app`]: the use cases, one module per capability, over the ports. The Lambda functions
//!   and the local runner call [`app::Turno`] and nothing else.

pub mod app;
pub mod bot;
pub mod channel;
pub mod config;
pub mod desk;
pub mod kernel;
pub mod ports;
pub mod sla;

pub use jiff::{SignedDuration, Timestamp};
