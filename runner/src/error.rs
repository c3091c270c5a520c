//! Why the runner could not get an answer from the component, and the
//! status each reason gets.

use std::time::Duration;

use hyper::StatusCode;

use crate::cache::record::Failure;
use crate::guest::MemoryLimitExceeded;

/// A request the component could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// As many computations as allowed are running: the request was
    /// refused at once.
    #[error("{0} computations are running already")]
    NoComputationSlot(u32),
    /// The request ran past its deadline and its instance was stopped.
    #[error("the request ran past its deadline of {0:?}")]
    DeadlineExceeded(Duration),
    /// The instance tried to grow its memory past the limit.
    #[error(transparent)]
    MemoryLimitExceeded(#[from] MemoryLimitExceeded),
    /// The component trapped or broke the `wasi:http` protocol.
    #[error("the component failed")]
    Guest(#[source] anyhow::Error),
    /// The computation the request waited for gave no answer (its failure
    /// is logged and counted where it happened), or `only-if-cached` found
    /// none stored.
    #[error("no answer: {}", .0.body)]
    NoAnswer(Failure),
}

impl RequestError {
    /// The status the client gets.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            RequestError::NoComputationSlot(_) => StatusCode::SERVICE_UNAVAILABLE,
            RequestError::DeadlineExceeded(_) => StatusCode::GATEWAY_TIMEOUT,
            RequestError::MemoryLimitExceeded(_) | RequestError::Guest(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            RequestError::NoAnswer(failure) => failure.status,
        }
    }

    /// The error and its causes, `: `-separated, for the log.
    pub(crate) fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// The plain-text body the client gets: short, and with nothing of the
    /// server's internals.
    pub(crate) fn body(&self) -> &'static str {
        match self {
            RequestError::NoComputationSlot(_) => {
                "Service Unavailable: too many computations at once"
            }
            RequestError::DeadlineExceeded(_) => "Gateway Timeout: the request ran out of time",
            RequestError::MemoryLimitExceeded(_) => {
                "Internal Server Error: the request ran out of memory"
            }
            RequestError::Guest(_) => "Internal Server Error",
            RequestError::NoAnswer(failure) => failure.body,
        }
    }
}
