//! The level-1 bot: a conversation's state, the menu and intents, flows with their actions,
//! the record of each turn, and the business integrations a flow may call.

pub mod config;
pub mod conversation;
pub mod engine;
pub mod flow;
pub mod handoff;
pub mod integrations;
pub mod keywords;
pub mod llm;
pub mod turn;
