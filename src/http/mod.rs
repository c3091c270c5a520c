//! The HTTP API of `CONTRACT.md`, as a pure function from a request to a
//! response.
//!
//! Everything here but [`wasi`] is plain Rust, so the contract's rules are
//! unit-tested natively; `wasi` only converts `wasi:http` resources to and
//! from [`Request`] and [`Response`] and streams the body.

pub mod negotiate;
pub mod query;
pub mod response;
#[cfg(target_arch = "wasm32")]
mod wasi;

use crate::config::Config;
use crate::error::ApiError;
use crate::math;
use negotiate::{Representation, if_none_match, preferred_representation};
pub use response::Response;

/// The path of the original service's one endpoint.
pub const FACTORIAL_PATH: &str = "/api/v1/factorial";
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
        HEALTH_PATH => allow_get(request).map(|()| Response::text(200, "ok")),
        _ => Err(ApiError::NotFound),
    };
    result.unwrap_or_else(|error| Response::error(&error))
}

fn allow_get(request: &Request) -> Result<(), ApiError> {
    match request.method {
        Method::Get | Method::Head => Ok(()),
        Method::Other => Err(ApiError::MethodNotAllowed),
    }
}

/// `GET /api/v1/factorial?number=N`. The `ETag` depends on `n` and the
/// representation alone, so a revalidation is answered without computing.
fn factorial(request: &Request, query: &str, config: &Config) -> Result<Response, ApiError> {
    let value = query::form_value(query, "number")
        .ok_or(ApiError::MissingNumber)?
        .map_err(|_| ApiError::InvalidValue)?;
    let n = query::parse_number(&value, config.max_number)?;
    let representation = preferred_representation(request.accept);
    let etag = format!("\"factorial-{n}-{}\"", representation.tag());
    if request
        .if_none_match
        .is_some_and(|header| if_none_match(header, &etag))
    {
        return Ok(Response::not_modified(etag));
    }
    let digits = math::factorial_decimal(n);
    let body = match representation {
        Representation::Json => format!("{{\"factorial\":{digits}}}\n"),
        Representation::Text => format!("{digits}\n"),
    };
    Ok(Response::immutable(representation, etag, body.into_bytes()))
}

#[cfg(test)]
mod tests {
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
    fn the_original_service_answers() {
        assert_eq!(
            answer(get("/api/v1/factorial?number=5")),
            (200, "{\"factorial\":120}\n".into())
        );
        assert_eq!(
            answer(get("/api/v1/factorial?number=0")),
            (200, "{\"factorial\":1}\n".into())
        );
        let missing = (400, "Please supply number parameter".into());
        assert_eq!(answer(get("/api/v1/factorial")), missing);
        assert_eq!(answer(get("/api/v1/factorial?capsicum=5")), missing);
        for query in ["-1", "0.2", "abc", "", "%zz"] {
            let path = format!("/api/v1/factorial?number={query}");
            assert_eq!(answer(get(&path)), (400, "Invalid value".into()), "{path}");
        }
        for path in [
            "/",
            "/api/v1/factorial/",
            "/API/v1/factorial",
            "/api/v1/factorial/x",
        ] {
            assert_eq!(answer(get(path)), (404, "Not Found".into()), "{path}");
        }
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
    fn health() {
        assert_eq!(answer(get("/healthz")), (200, "ok".into()));
    }
}
