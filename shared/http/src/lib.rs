//! turno's HTTP edges as axum routers: the WhatsApp webhook and the agent API. The Lambda
//! functions run them with `lambda_http`; the local runner serves them with one server.

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]

mod actions;
mod admin;
pub mod api;
pub mod auth;
mod channel;
pub mod console;
pub mod console_files;
mod directory;
pub mod error;
mod export;
pub mod openapi;
mod push;
mod reports;
pub mod serve;
pub mod webhook;
mod workspaces;

pub use api::{ApiState, api_router};
pub use auth::{Auth, AuthorizerClaims, Claims};
pub use console::events_stream_router;
pub use console_files::{
    ConsoleConfig, SignIn, console_config_router, console_file_names, console_router,
};
pub use serve::serve;
pub use webhook::{WebhookState, webhook_router};
