//! turno's integration tests, one module per suite, in one test binary: each suite links the
//! whole runner, and a binary per suite linked it once each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed unwrap is a failed test.

mod admin;
mod api;
mod architecture;
mod aws_topology;
mod bot;
mod bot_conversations;
mod channel;
mod csat;
mod demo_shop;
mod e2e;
mod events;
mod export;
mod exposure;
mod handoff;
mod hosted_console;
mod lambda_build;
mod lambda_links;
mod metrics;
mod observability;
mod onboarding;
mod outage;
mod privacy;
mod push;
mod reports;
mod restart;
mod retention;
mod sla;
mod template_media;
mod tickets;
mod webhook_corpus;
mod workspaces;
