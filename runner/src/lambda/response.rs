//! The component's answer, taken whole, as the response a function gives
//! API Gateway or its function URL (payload format 2.0).

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{self, HeaderMap, HeaderValue, SET_COOKIE};
use hyper::{Response, StatusCode};
use tokio::time::Instant;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::error::RequestError;
use crate::server;

/// An answer with its whole body.
#[derive(Debug)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Answer {
    /// `response` with the whole of its body, read by `until`. A body cut
    /// short is never passed off as whole: the client gets the error
    /// instead, 500 for a guest that failed half-way, 504 past `until`.
    pub async fn read(
        response: Response<HyperOutgoingBody>,
        until: Instant,
        deadline: std::time::Duration,
    ) -> Result<Answer, RequestError> {
        let (parts, body) = response.into_parts();
        let body = match tokio::time::timeout_at(until, body.collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) => {
                return Err(RequestError::Guest(
                    anyhow::Error::new(error).context("the component's answer was cut short"),
                ));
            }
            Err(_elapsed) => return Err(RequestError::DeadlineExceeded(deadline)),
        };
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// The runner's own answer to `error`.
    pub fn error(error: &RequestError) -> Answer {
        let (parts, body) = server::error_response::<Bytes>(error).into_parts();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// The empty 400 that the runner's HTTP parser gives a request it
    /// cannot read.
    pub fn bad_request() -> Answer {
        Answer {
            status: StatusCode::BAD_REQUEST,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// The response to give Lambda: headers with several values joined by
    /// commas (payload format 2.0 has one value a name), but `Set-Cookie`,
    /// whose values go apart in `cookies`, as they cannot be joined; and
    /// the body as text when it is UTF-8, else base64; no body for a
    /// `HEAD`, whose headers are those of the `GET`.
    pub fn into_event(mut self, head: bool) -> ApiGatewayV2httpResponse {
        let mut response = ApiGatewayV2httpResponse::default();
        response.status_code = i64::from(self.status.as_u16());
        if let header::Entry::Occupied(cookies) = self.headers.entry(SET_COOKIE) {
            response.cookies = cookies
                .remove_entry_mult()
                .1
                .filter_map(|value| value.to_str().ok().map(str::to_owned))
                .collect();
        }
        response.headers = joined(&self.headers);
        response.body = match (head, String::from_utf8(self.body.into())) {
            (true, _) => None,
            (false, Ok(text)) => Some(Body::Text(text)),
            (false, Err(binary)) => {
                response.is_base64_encoded = true;
                Some(Body::Binary(binary.into_bytes()))
            }
        };
        response
    }
}

/// `headers` with one value a name, several joined by `, `.
fn joined(headers: &HeaderMap) -> HeaderMap {
    let mut joined = HeaderMap::with_capacity(headers.keys_len());
    for name in headers.keys() {
        let mut values = headers.get_all(name).iter();
        let Some(first) = values.next() else {
            continue;
        };
        let mut value = first.as_bytes().to_vec();
        for next in values {
            value.extend_from_slice(b", ");
            value.extend_from_slice(next.as_bytes());
        }
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            joined.insert(name.clone(), value);
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static [u8]) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", HeaderValue::from(body.len()));
        headers.append("vary", HeaderValue::from_static("Accept"));
        headers.append("vary", HeaderValue::from_static("Origin"));
        Answer {
            status: StatusCode::OK,
            headers,
            body: Bytes::from_static(body),
        }
    }

    #[test]
    fn text_goes_as_text_with_headers_joined() {
        let event = answer(b"{\"factorial\":120}").into_event(false);
        assert_eq!(event.status_code, 200);
        assert_eq!(event.headers["vary"], "Accept, Origin");
        assert_eq!(event.body, Some(Body::Text("{\"factorial\":120}".into())));
        assert!(!event.is_base64_encoded);
    }

    #[test]
    fn cookies_go_apart() {
        let mut answer = answer(b"ok");
        answer
            .headers
            .append("set-cookie", HeaderValue::from_static("a=1; Path=/"));
        answer
            .headers
            .append("set-cookie", HeaderValue::from_static("b=2"));
        let event = answer.into_event(false);
        assert_eq!(event.cookies, ["a=1; Path=/", "b=2"]);
        assert!(!event.headers.contains_key("set-cookie"));
    }

    #[test]
    fn bytes_that_are_not_utf8_go_as_base64() {
        let event = answer(b"\xff\x00").into_event(false);
        assert_eq!(event.body, Some(Body::Binary(vec![0xff, 0])));
        assert!(event.is_base64_encoded);
    }

    #[test]
    fn a_head_keeps_the_headers_of_the_get_and_no_body() {
        let event = answer(b"120\n").into_event(true);
        assert_eq!(event.headers["content-length"], "4");
        assert_eq!(event.body, None);
    }
}
