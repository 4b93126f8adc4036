//! turno's embedded adapters: every port on one SQLite database file, so turno runs on one
//! machine with no cloud and a restart loses nothing that was committed.
//!
//! - [`Db`]: the database (WAL, migrations), shared by every adapter below.
//! - [`SqliteStore`]: the [`Store`](turno_core::ports::Store) port.
//! - [`SqliteQueues`]: the [`Queue`](turno_core::ports::Queue) port with SQS semantics, and
//!   [`run_worker`] to consume it.
//! - [`SqliteEventBus`]: the [`EventBus`](turno_core::ports::EventBus) port.
//! - [`SandboxWhatsApp`]: the [`WhatsApp`](turno_core::ports::WhatsApp) port when there are no
//!   WhatsApp credentials.

#![warn(missing_docs)]

mod db;
mod dead_letters;
mod event_bus;
mod queue;
mod sandbox;
mod store;
mod time;
mod wait;
mod worker;

pub use db::Db;
pub use dead_letters::DeadLetter;
pub use event_bus::SqliteEventBus;
pub use queue::{Delivery, QueueOptions, Receipt, Settlement, SqliteQueues};
pub use sandbox::{SANDBOX_PAGE, SandboxMessage, SandboxWhatsApp};
pub use store::SqliteStore;
pub use worker::{WorkerMetrics, WorkerOptions, run_worker};
