//! Responses as plain data, written out by the host glue (`http::wasi`).

use super::HttpError;
use super::negotiate::{Representation, TEXT_PLAIN};

/// `n!` never changes, so a result may be cached for a year, the longest
/// lifetime RFC 9111 recommends.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A complete response: status, headers in order, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Header names (lower case) and values, in the order they are sent.
    pub headers: Vec<(&'static str, String)>,
    /// The body, `HEAD`'s included: the host sends `HEAD`'s headers alone,
    /// and both methods share one `Content-Length`.
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text response with `Content-Length`.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::with_body(status, TEXT_PLAIN, Vec::new(), body.into().into_bytes())
    }

    /// The answer to an error.
    pub fn error(error: &HttpError) -> Self {
        let mut response = Self::text(error.status(), error.to_string());
        if *error == HttpError::MethodNotAllowed {
            response.headers.push(("allow", "GET, HEAD".into()));
        }
        response
    }

    /// A result that never changes: cached for good, validated by `etag`,
    /// varying with `Accept`.
    pub fn immutable(representation: Representation, etag: String, body: Vec<u8>) -> Self {
        Self::with_body(
            200,
            representation.content_type(),
            cache_headers(etag),
            body,
        )
    }

    /// `304 Not Modified` for a result the client already holds: the
    /// validators and caching headers, and no body.
    pub fn not_modified(etag: String) -> Self {
        Response {
            status: 304,
            headers: cache_headers(etag),
            body: Vec::new(),
        }
    }

    fn with_body(
        status: u16,
        content_type: &'static str,
        extra_headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Self {
        let mut headers = vec![
            ("content-type", content_type.to_string()),
            ("content-length", body.len().to_string()),
        ];
        headers.extend(extra_headers);
        Response {
            status,
            headers,
            body,
        }
    }

    /// The value of the first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn cache_headers(etag: String) -> Vec<(&'static str, String)> {
    vec![
        ("etag", etag),
        ("cache-control", IMMUTABLE.to_string()),
        ("vary", "Accept".to_string()),
    ]
}
