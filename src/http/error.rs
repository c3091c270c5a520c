//! Every way an HTTP request can fail, with the status and body the
//! contract (`docs/contract.md`) gives each. The typed export reports its
//! failures in its own WIT variant, `factorial:api/compute`'s `error`.

use std::fmt;

use crate::config::ConfigError;

/// An HTTP request the component answers with an error status. `Display` writes
/// the exact body the contract specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
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

impl HttpError {
    /// The HTTP status code for this error.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::MissingNumber | HttpError::InvalidValue | HttpError::TooLarge { .. } => 400,
            HttpError::NotFound => 404,
            HttpError::MethodNotAllowed => 405,
            HttpError::Misconfigured(_) => 500,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::MissingNumber => f.write_str("Please supply number parameter"),
            HttpError::InvalidValue => f.write_str("Invalid value"),
            HttpError::TooLarge { max } => write!(f, "Number too large: the maximum is {max}"),
            HttpError::NotFound => f.write_str("Not Found"),
            HttpError::MethodNotAllowed => f.write_str("Method Not Allowed"),
            HttpError::Misconfigured(error) => write!(f, "Server misconfigured: {error}"),
        }
    }
}

impl std::error::Error for HttpError {}
