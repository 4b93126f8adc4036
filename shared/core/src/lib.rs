//! turno's core: the help desk's rules in plain Rust, with no AWS, Lambda, HTTP-client or
//! database types. Adapters implement [`ports`]; the functions and the local runner call
//! [`app::Turno`].

pub mod agent;
pub mod app;
pub mod bot;
pub mod calendar;
pub mod change_feed;
pub mod channel;
pub mod config;
pub mod conversation;
pub mod events;
pub mod ids;
pub mod jobs;
pub mod lang;
pub mod message;
pub mod ports;
pub mod records;
pub mod routing;
pub mod sla;
pub mod text;
pub mod ticket;
pub mod turn;

pub use jiff::{SignedDuration, Timestamp};
