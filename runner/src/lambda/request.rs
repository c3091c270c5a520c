//! An invocation's event as the HTTP request it came as.
//!
//! The request is rebuilt from `rawPath` and `rawQueryString` (payload
//! format 2.0, which API Gateway's HTTP APIs and function URLs both send),
//! never from the parsed `queryStringParameters`: those join a repeated key's
//! values with commas, and the contract says which `number` counts.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Uri};

/// An event that makes no HTTP request: the runner's HTTP parser would
/// have refused it, so it gets the same empty 400.
#[derive(Debug, thiserror::Error)]
#[error("the event is not an HTTP request: {0}")]
pub struct InvalidRequest(String);

/// The request of `event`: its method, raw path and query, headers and
/// body (base64-decoded when API Gateway encoded it).
pub fn to_http(event: ApiGatewayV2httpRequest) -> Result<Request<Full<Bytes>>, InvalidRequest> {
    let method: Method = event.request_context.http.method;
    let uri = target(
        event.raw_path.as_deref().unwrap_or("/"),
        event.raw_query_string.as_deref().unwrap_or(""),
    )?;
    let body = match event.body {
        None => Bytes::new(),
        Some(text) if event.is_base64_encoded => BASE64
            .decode(text)
            .map(Bytes::from)
            .map_err(|error| InvalidRequest(format!("the body is not base64: {error}")))?,
        Some(text) => Bytes::from(text),
    };
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = event.headers;
    Ok(request)
}

/// The request target of `path` and `query`. An HTTP API passes the path
/// with its percent-escapes decoded, so what cannot stand in a path as it
/// is (a space, `?`, `#`, a control or non-ASCII byte) is escaped again;
/// the query comes as the client sent it. An empty query is no query: API
/// Gateway does not tell `/x?` from `/x`.
fn target(path: &str, query: &str) -> Result<Uri, InvalidRequest> {
    let mut target = String::with_capacity(path.len() + query.len() + 1);
    for byte in path.bytes() {
        if is_path_byte(byte) {
            target.push(char::from(byte));
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    if !query.is_empty() {
        target.push('?');
        target.push_str(query);
    }
    target
        .parse()
        .map_err(|error| InvalidRequest(format!("{target:?}: {error}")))
}

/// A byte that may stand as it is in a URI's path (RFC 3986's `pchar`, `/`
/// and `%`).
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> ApiGatewayV2httpRequest {
        serde_json::from_value(json).unwrap()
    }

    fn get(path: &str, query: &str) -> serde_json::Value {
        serde_json::json!({
            "version": "2.0",
            "rawPath": path,
            "rawQueryString": query,
            "headers": {"accept": "text/plain", "x-several": "a,b"},
            "queryStringParameters": {"number": "5,6"},
            "requestContext": {"http": {"method": "GET", "path": path}},
            "isBase64Encoded": false
        })
    }

    #[test]
    fn the_raw_query_is_kept_as_sent() {
        let request = to_http(event(get("/api/v1/factorial", "number=5&number=6"))).unwrap();
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri(), "/api/v1/factorial?number=5&number=6");
        assert_eq!(request.headers()["accept"], "text/plain");
        assert_eq!(request.headers()["x-several"], "a,b");
    }

    #[test]
    fn an_empty_query_is_none() {
        let request = to_http(event(get("/api/v1/factorial", ""))).unwrap();
        assert_eq!(request.uri().query(), None);
    }

    #[test]
    fn a_decoded_path_is_escaped_again() {
        let request = to_http(event(get("/api/v1/fact orial?#é", "number=5"))).unwrap();
        assert_eq!(request.uri(), "/api/v1/fact%20orial%3F%23%C3%A9?number=5");
    }

    #[tokio::test]
    async fn a_base64_body_is_decoded() {
        let mut json = get("/", "");
        json["requestContext"]["http"]["method"] = "POST".into();
        json["body"] = "aGVsbG8=".into();
        json["isBase64Encoded"] = true.into();
        let request = to_http(event(json)).unwrap();
        assert_eq!(request.method(), Method::POST);
        let body = http_body_util::BodyExt::collect(request.into_body());
        assert_eq!(body.await.unwrap().to_bytes(), "hello");
    }

    #[test]
    fn a_query_that_is_no_query_is_refused() {
        assert!(to_http(event(get("/", "a b"))).is_err());
    }
}
