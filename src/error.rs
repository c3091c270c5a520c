//! Every way a request can fail, with the status and body the contract
//! (`CONTRACT.md`) gives each.

use std::fmt;

use crate::config::ConfigError;

/// A request the component answers with an error status. `Display` writes
/// the exact body the contract specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// The query has no `number` key.
    MissingNumber,
    /// `number` (or another parameter) is not in the accepted grammar.
    InvalidValue,
    /// `number` is above the largest `n` served.
    TooLarge {
        /// The largest `n` served.
        max: u64,
    },
    /// No such path.
    NotFound,
    /// The path exists but not for this method.
    MethodNotAllowed,
    /// The component's configuration is unusable: nothing can be served
    /// until the operator fixes it.
    Misconfigured(ConfigError),
}

impl ApiError {
    /// The HTTP status code for this error.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MissingNumber | ApiError::InvalidValue | ApiError::TooLarge { .. } => 400,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::Misconfigured(_) => 500,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::MissingNumber => f.write_str("Please supply number parameter"),
            ApiError::InvalidValue => f.write_str("Invalid value"),
            ApiError::TooLarge { max } => write!(f, "Number too large: the maximum is {max}"),
            ApiError::NotFound => f.write_str("Not Found"),
            ApiError::MethodNotAllowed => f.write_str("Method Not Allowed"),
            ApiError::Misconfigured(error) => write!(f, "Server misconfigured: {error}"),
        }
    }
}

impl std::error::Error for ApiError {}
