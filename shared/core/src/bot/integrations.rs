//! Ports to systems the business owns or picks: its own HTTP API (order status) and an
//! optional OpenAI-compatible LLM. The adapters (`turno-integrations`) make the HTTP calls;
//! the bot decides what to call and what to make of the answer.

use async_trait::async_trait;

use crate::bot::flow::{ActionConfig, LlmConfig, Vars};
use crate::kernel::ids::WorkspaceId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrationError {
    /// The business's API does not know what was asked for (HTTP 404).
    #[error("not found")]
    NotFound,
    /// No answer within the action's `timeout_ms`.
    #[error("timed out")]
    Timeout,
    /// Anything else: 5xx, a refused request, an unreadable answer, a missing secret.
    #[error("{0}")]
    Failed(String),
}

/// Calls the business's HTTP API.
#[async_trait]
pub trait Integrations: Send + Sync {
    /// Calls `action` (named `name` in the configuration) with `vars` filled into its URL and
    /// body, and returns its configured fields from the answer.
    async fn call(
        &self,
        ws: &WorkspaceId,
        name: &str,
        action: &ActionConfig,
        vars: &Vars,
    ) -> Result<Vars, IntegrationError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// `system` or `user`.
    pub role: &'static str,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the LLM did not answer: {0}")]
pub struct LlmError(pub String);

/// An OpenAI-compatible chat completion endpoint.
#[async_trait]
pub trait Llm: Send + Sync {
    /// The assistant's reply to `messages`.
    async fn chat(&self, config: &LlmConfig, messages: &[ChatMessage]) -> Result<String, LlmError>;
}
