//! The HTTP API of `docs/contract.md`, as a pure function from a request to a
//! response.
//!
//! Everything here but `wasi` is plain Rust, so the contract's rules are
//! unit-tested natively; `wasi` only converts `wasi:http` resources to and
//! from [`Request`] and [`Response`] and streams the body.

pub mod error;
pub mod negotiate;
pub mod query;
pub mod response;
#[cfg(target_arch = "wasm32")]
mod wasi;

use std::num::NonZeroUsize;

use crate::config::Config;
use crate::leading_digits::{DEFAULT_LEADING_DIGITS, valid_leading_digits};
use crate::math;
use negotiate::{Representation, if_none_match, preferred_representation};

pub use error::HttpError;
pub use response::Response;

/// The path of the original service's one endpoint.
pub const FACTORIAL_PATH: &str = "/api/v1/factorial";
/// The digit count, trailing zeros and leading digits of n! for any 64-bit n.
pub const SUMMARY_PATH: &str = "/api/v1/factorial/summary";
/// A liveness probe for load balancers and orchestrators.
pub const HEALTH_PATH: &str = "/healthz";

/// The methods the API tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`: answered as `GET`, without the body.
    Head,
    /// Any other method.
    Other,
}

/// What the API reads of a request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The request method.
    pub method: Method,
    /// The path and query, as sent (`/api/v1/factorial?number=5`).
    pub path_and_query: &'a str,
    /// All `Accept` values, joined with commas.
    pub accept: Option<&'a str>,
    /// All `If-None-Match` values, joined with commas.
    pub if_none_match: Option<&'a str>,
}

/// Answers one request. Paths are matched as sent, with no decoding or
/// normalisation: `/api/v1/factorial/` is another path, as in Flask.
pub fn respond(request: &Request, config: &Config) -> Response {
    let (path, query) = request
        .path_and_query
        .split_once('?')
        .unwrap_or((request.path_and_query, ""));
    let result = match path {
        FACTORIAL_PATH => allow_get(request).and_then(|()| factorial(request, query, config)),
        SUMMARY_PATH => allow_get(request).and_then(|()| summary(request, query)),
        HEALTH_PATH => allow_get(request).map(|()| Response::text(200, "ok")),
        _ => Err(HttpError::NotFound),
    };
    result.unwrap_or_else(|error| Response::error(&error))
}

fn allow_get(request: &Request) -> Result<(), HttpError> {
    match request.method {
        Method::Get | Method::Head => Ok(()),
        Method::Other => Err(HttpError::MethodNotAllowed),
    }
}

/// `GET /api/v1/factorial?number=N`. The `ETag` depends on `n` and the
/// representation alone, so a revalidation is answered without computing.
fn factorial(request: &Request, query: &str, config: &Config) -> Result<Response, HttpError> {
    let n = number(query, config.max_number)?;
    let representation = preferred_representation(request.accept);
    let etag = format!("\"factorial-{n}-{}\"", representation.tag());
    Ok(immutable(request, representation, etag, || {
        // The digits are written straight into the body: for the largest n
        // they are megabytes, not worth a copy.
        let (prefix, suffix): (&[u8], &[u8]) = match representation {
            Representation::Json => (b"{\"factorial\":", b"}\n"),
            Representation::Text => (b"", b"\n"),
        };
        let mut body = prefix.to_vec();
        math::write_factorial_decimal(n, &mut body);
        body.extend_from_slice(suffix);
        body
    }))
}

/// `GET /api/v1/factorial/summary?number=N[&leading=K]`, for every 64-bit
/// N. JSON whatever the `Accept` header: the summary has several fields and
/// no plain-text form, so `text/plain` is not offered, and a client that
/// asks for it alone gets JSON, as the original service answered any
/// `Accept`.
fn summary(request: &Request, query: &str) -> Result<Response, HttpError> {
    let n = number(query, u64::MAX)?;
    let leading = leading_digits(query)?;
    let etag = format!("\"summary-{n}-{leading}\"");
    Ok(immutable(request, Representation::Json, etag, || {
        let summary = math::summary(n, leading);
        // Digits, a point and an `e` only: nothing to escape.
        format!(
            concat!(
                "{{\"number\":{},\"digits\":{},\"trailing_zeros\":{},",
                "\"leading_digits\":\"{}\",\"scientific\":\"{}\"}}\n"
            ),
            summary.number,
            summary.digits,
            summary.trailing_zeros,
            summary.leading_digits,
            summary.scientific()
        )
        .into_bytes()
    }))
}

/// The `number` parameter, at most `max`.
fn number(query: &str, max: u64) -> Result<u64, HttpError> {
    let value = query::form_value(query, "number")
        .ok_or(HttpError::MissingNumber)?
        .map_err(|_| HttpError::InvalidValue)?;
    query::parse_number(&value, max)
}

/// The `leading` parameter: in the grammar of `number` and in the range of
/// [`valid_leading_digits`], [`DEFAULT_LEADING_DIGITS`] when absent.
/// Anything else, however large, is an invalid value.
fn leading_digits(query: &str) -> Result<NonZeroUsize, HttpError> {
    let Some(value) = query::form_value(query, "leading") else {
        return Ok(DEFAULT_LEADING_DIGITS);
    };
    value
        .ok()
        .and_then(|value| query::parse_number(&value, u64::MAX).ok())
        .and_then(valid_leading_digits)
        .ok_or(HttpError::InvalidValue)
}

/// A result that never changes: `304 Not Modified` when the client holds
/// `etag` already, without computing the body; the body from `body`
/// otherwise.
fn immutable(
    request: &Request,
    representation: Representation,
    etag: String,
    body: impl FnOnce() -> Vec<u8>,
) -> Response {
    if request
        .if_none_match
        .is_some_and(|header| if_none_match(header, &etag))
    {
        return Response::not_modified(etag);
    }
    Response::immutable(representation, etag, body())
}

#[cfg(test)]
mod tests {
    use factorial_corpus::huge_factorial;

    use super::*;

    fn get(path_and_query: &str) -> Request<'_> {
        Request {
            method: Method::Get,
            path_and_query,
            accept: None,
            if_none_match: None,
        }
    }

    fn answer(request: Request) -> (u16, String) {
        let response = respond(&request, &Config::default());
        (response.status, String::from_utf8(response.body).unwrap())
    }

    #[test]
    fn the_maximum_comes_from_the_configuration() {
        let config = Config { max_number: 10 };
        let response = respond(&get("/api/v1/factorial?number=11"), &config);
        assert_eq!(response.status, 400);
        assert_eq!(response.body, b"Number too large: the maximum is 10");
        assert_eq!(
            respond(&get("/api/v1/factorial?number=10"), &config).status,
            200
        );
    }

    #[test]
    fn other_methods_are_not_allowed() {
        let request = Request {
            method: Method::Other,
            ..get("/api/v1/factorial?number=5")
        };
        let response = respond(&request, &Config::default());
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
        assert_eq!(response.body, b"Method Not Allowed");
    }

    #[test]
    fn a_result_carries_its_caching_headers() {
        let response = respond(&get("/api/v1/factorial?number=5"), &Config::default());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.header("content-length"), Some("18"));
        assert_eq!(response.header("etag"), Some("\"factorial-5-json\""));
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(response.header("vary"), Some("Accept"));
    }

    #[test]
    fn text_is_served_when_preferred() {
        let request = Request {
            accept: Some("text/plain"),
            ..get("/api/v1/factorial?number=5")
        };
        let response = respond(&request, &Config::default());
        assert_eq!(response.body, b"120\n");
        assert_eq!(response.header("etag"), Some("\"factorial-5-text\""));
        assert_eq!(
            response.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }

    #[test]
    fn a_matching_etag_is_not_modified() {
        let request = Request {
            if_none_match: Some("\"factorial-5-json\""),
            ..get("/api/v1/factorial?number=005")
        };
        let response = respond(&request, &Config::default());
        assert_eq!(response.status, 304);
        assert!(response.body.is_empty());
        assert_eq!(response.header("etag"), Some("\"factorial-5-json\""));
        assert_eq!(response.header("content-length"), None);
    }

    #[test]
    fn a_summary_is_json_for_any_64_bit_number() {
        assert_eq!(
            answer(get("/api/v1/factorial/summary?number=100000")),
            (200, huge_factorial(100_000).summary_json(30))
        );
        assert_eq!(
            answer(get("/api/v1/factorial/summary?number=0&leading=1000")),
            (
                200,
                "{\"number\":0,\"digits\":1,\"trailing_zeros\":0,\"leading_digits\":\"1\",\"scientific\":\"1e0\"}\n".into()
            )
        );
        let largest = answer(get(
            "/api/v1/factorial/summary?number=18446744073709551615&leading=1",
        ));
        assert_eq!(largest, (200, huge_factorial(u64::MAX).summary_json(1)));
    }

    #[test]
    fn the_configured_maximum_does_not_limit_a_summary() {
        let config = Config { max_number: 10 };
        let response = respond(&get("/api/v1/factorial/summary?number=100000"), &config);
        assert_eq!(
            response.body,
            huge_factorial(100_000).summary_json(30).as_bytes()
        );
    }

    #[test]
    fn a_summary_takes_the_factorial_errors_and_a_leading_parameter() {
        let missing = (400, "Please supply number parameter".into());
        assert_eq!(answer(get("/api/v1/factorial/summary")), missing);
        assert_eq!(answer(get("/api/v1/factorial/summary?leading=5")), missing);
        assert_eq!(
            answer(get("/api/v1/factorial/summary?number=18446744073709551616")),
            (
                400,
                "Number too large: the maximum is 18446744073709551615".into()
            )
        );
        let queries = [
            "number=-1",
            "number=abc",
            "number=5&leading=0",
            "number=5&leading=-0",
            "number=5&leading=1001",
            "number=5&leading=99999999999999999999999",
            "number=5&leading=-3",
            "number=5&leading=",
            "number=5&leading=2.5",
            "number=5&leading=%zz",
        ];
        for query in queries {
            let path = format!("/api/v1/factorial/summary?{query}");
            assert_eq!(answer(get(&path)), (400, "Invalid value".into()), "{path}");
        }
        let (status, body) = answer(get("/api/v1/factorial/summary?number=10&leading=+02%20"));
        assert_eq!(status, 200);
        assert!(body.contains("\"leading_digits\":\"36\""), "{body}");
        assert_eq!(
            answer(get("/api/v1/factorial/summary/?number=5")),
            (404, "Not Found".into())
        );
    }

    #[test]
    fn a_summary_is_cached_per_number_and_leading_digits() {
        let config = Config::default();
        let response = respond(&get("/api/v1/factorial/summary?number=5"), &config);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(
            response.header("content-length"),
            Some(response.body.len().to_string().as_str())
        );
        assert_eq!(response.header("etag"), Some("\"summary-5-30\""));
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(response.header("vary"), Some("Accept"));
        let other = respond(
            &get("/api/v1/factorial/summary?number=5&leading=2"),
            &config,
        );
        assert_eq!(other.header("etag"), Some("\"summary-5-2\""));

        let revalidation = Request {
            if_none_match: Some("\"summary-5-2\""),
            ..get("/api/v1/factorial/summary?number=005&leading=2")
        };
        let not_modified = respond(&revalidation, &config);
        assert_eq!(not_modified.status, 304);
        assert!(not_modified.body.is_empty());
        assert_eq!(not_modified.header("etag"), Some("\"summary-5-2\""));
    }

    #[test]
    fn a_summary_is_json_even_when_text_is_preferred() {
        let request = Request {
            accept: Some("text/plain"),
            ..get("/api/v1/factorial/summary?number=100000")
        };
        let response = respond(&request, &Config::default());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(
            response.body,
            huge_factorial(100_000).summary_json(30).as_bytes()
        );
    }

    #[test]
    fn a_summary_allows_get_and_head_only() {
        let head = Request {
            method: Method::Head,
            ..get("/api/v1/factorial/summary?number=5")
        };
        let get_response = respond(
            &get("/api/v1/factorial/summary?number=5"),
            &Config::default(),
        );
        assert_eq!(respond(&head, &Config::default()), get_response);
        let other = Request {
            method: Method::Other,
            ..get("/api/v1/factorial/summary?number=5")
        };
        let response = respond(&other, &Config::default());
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
    }

    #[test]
    fn health() {
        assert_eq!(answer(get("/healthz")), (200, "ok".into()));
    }
}
