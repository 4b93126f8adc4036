//! Administration at run time: an admin's change to the configuration or to an agent is in
//! force in every process within the check interval, without a restart, on both stores.

mod api;
mod directory;
mod runtime;
mod templates;
