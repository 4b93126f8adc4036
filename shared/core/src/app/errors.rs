//! What goes wrong in a use case: a job to retry or drop, or an agent-facing error with a
//! status and a stable code at the HTTP edge.

use super::Turno;
use crate::desk::ticket::TransitionError;
use crate::ports::{SendError, StoreError};

/// A job that did not complete. `permanent` jobs cannot succeed as they are (a malformed
/// body); the others are retried by the queue.
#[derive(Debug, thiserror::Error)]
#[error("{source:#}")]
pub struct JobError {
    pub permanent: bool,
    #[source]
    pub source: anyhow::Error,
}

impl JobError {
    pub fn retry(source: impl Into<anyhow::Error>) -> Self {
        JobError {
            permanent: false,
            source: source.into(),
        }
    }

    pub fn permanent(source: impl Into<anyhow::Error>) -> Self {
        JobError {
            permanent: true,
            source: source.into(),
        }
    }

    /// Whether the job failed only because WhatsApp is down or throttling (a
    /// [`SendError::is_outage`] anywhere in its chain): the queue should wait for WhatsApp
    /// rather than spend the job's attempts.
    pub fn is_outage(&self) -> bool {
        self.source.chain().any(|cause| {
            cause
                .downcast_ref::<SendError>()
                .is_some_and(SendError::is_outage)
        })
    }

    /// The delay a throttled (or paused) WhatsApp call asked for, wherever it sits in the
    /// error's chain.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.source
            .chain()
            .find_map(|cause| cause.downcast_ref::<SendError>()?.retry_after())
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::retry(e)
    }
}

impl From<crate::ports::QueueError> for JobError {
    fn from(e: crate::ports::QueueError) -> Self {
        JobError::retry(e)
    }
}

/// Errors of the agent-facing use cases, each mapped to a status and a stable code at the
/// HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the customer's 24-hour window is closed: only an approved template can be sent now")]
    WindowClosed,
    #[error("WhatsApp did not take the message: {0}")]
    Channel(SendError),
    #[error("could not fetch the media from WhatsApp: {0}")]
    Media(crate::ports::MediaError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => {
                AppError::Conflict("the ticket changed meanwhile: reload and try again".into())
            }
            StoreError::AtCapacity => AppError::Conflict("the agent is at capacity".into()),
            StoreError::Unexpected(e) => AppError::Unexpected(e),
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        AppError::Conflict(e.to_string())
    }
}

/// A job-shaped step (arming a timer, pulling a queue) run on behalf of an agent: whatever
/// went wrong there is unexpected for the agent.
impl From<JobError> for AppError {
    fn from(e: JobError) -> Self {
        AppError::Unexpected(e.source)
    }
}

impl From<crate::ports::QueueError> for AppError {
    fn from(e: crate::ports::QueueError) -> Self {
        AppError::Unexpected(e.into())
    }
}

impl Turno {}
