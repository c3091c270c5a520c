//! The answers the cache gives: from a stored answer, with its `Age`, or
//! from a recording; the headers alone to a `HEAD`; 304 when the request's
//! `If-None-Match` names the answer's `ETag`. A stored body goes out in
//! frames that keep the answer, and its bytes counted, until hyper has
//! written them.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::policy;
use super::record::{Head, RecordedBody, Recording};
use super::store::Stored;

/// Headers a 304 carries from the stored answer (RFC 9110 §15.4.5).
const NOT_MODIFIED_HEADERS: [HeaderName; 6] = [
    header::CACHE_CONTROL,
    header::CONTENT_LOCATION,
    header::DATE,
    header::ETAG,
    header::EXPIRES,
    header::VARY,
];

/// A stored answer to `request`, with its `Age`.
pub(crate) fn stored_answer<B>(
    stored: Arc<Stored>,
    request: &Request<B>,
    now: Instant,
) -> Response<HyperOutgoingBody> {
    let answer = &stored.answer;
    let age = HeaderValue::from(stored.age(now).as_secs());
    let length = HeaderValue::from(answer.body.len());
    let mut response = respond(StatusCode::OK, &answer.headers, request, || {
        let body = Bytes::from_owner(StoredBytes(stored.clone()));
        StoredBody {
            stored: (!body.is_empty()).then_some(body),
        }
        .boxed_unsync()
    });
    if response.status() == StatusCode::OK {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length);
    }
    response.headers_mut().insert(header::AGE, age);
    response
}

/// An answer to `request` from `recording`, whose head is `head`.
pub(crate) fn recorded_answer<B>(
    recording: Arc<Recording>,
    head: &Head,
    request: &Request<B>,
) -> Response<HyperOutgoingBody> {
    respond(head.status, &head.headers, request, || {
        RecordedBody::new(recording).boxed_unsync()
    })
}

/// The answer with `status` and `headers` to `request`: 304 when its
/// `If-None-Match` names a 200's `ETag`, the headers alone to a `HEAD`, the
/// whole answer otherwise.
fn respond<B>(
    status: StatusCode,
    headers: &HeaderMap,
    request: &Request<B>,
    body: impl FnOnce() -> HyperOutgoingBody,
) -> Response<HyperOutgoingBody> {
    if status == StatusCode::OK
        && let Some(etag) = headers.get(header::ETAG)
        && policy::none_match(request.headers(), etag)
    {
        let mut response = Response::new(empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        for name in NOT_MODIFIED_HEADERS {
            for value in headers.get_all(&name) {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        return response;
    }
    let body = if request.method() == Method::HEAD {
        empty()
    } else {
        body()
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().clone_from(headers);
    response
}

fn empty() -> HyperOutgoingBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A stored answer's body, in frames of at most [`FRAME_BYTES`] whose bytes
/// keep the answer alive, and counted, until hyper has written them. Being
/// polled frame by frame as the client takes them, the body lasts as long
/// as the sending does, so the connection's deadline covers it.
struct StoredBody {
    stored: Option<Bytes>,
}

/// The most bytes of a stored answer one frame hands to hyper.
const FRAME_BYTES: usize = 64 * 1024;

/// A stored answer's body bytes, owned by the answer.
struct StoredBytes(Arc<Stored>);

impl AsRef<[u8]> for StoredBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0.answer.body
    }
}

impl Body for StoredBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let Some(rest) = self.stored.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = rest.split_to(rest.len().min(FRAME_BYTES));
        if rest.is_empty() {
            self.stored = None;
        }
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }

    fn is_end_stream(&self) -> bool {
        self.stored.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.stored.as_ref().map_or(0, |rest| rest.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(HeaderName, &'static str)]) -> Request<()> {
        let mut request = Request::new(());
        *request.method_mut() = method;
        for (name, value) in headers {
            let value = HeaderValue::from_static(value);
            request.headers_mut().append(name, value);
        }
        request
    }

    fn stored_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("\"f-5\""));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept"));
        headers
    }

    #[tokio::test]
    async fn each_request_gets_its_own_answer_from_one_head() {
        let headers = stored_headers();
        let body = || {
            http_body_util::Full::new(Bytes::from_static(b"{\"factorial\":120}\n"))
                .map_err(|never| match never {})
                .boxed_unsync()
        };
        let get = respond(StatusCode::OK, &headers, &request(Method::GET, &[]), body);
        assert_eq!(get.status(), StatusCode::OK);
        assert_eq!(get.headers(), &headers);
        let bytes = get.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"{\"factorial\":120}\n");

        let head = respond(StatusCode::OK, &headers, &request(Method::HEAD, &[]), body);
        assert_eq!(head.headers(), &headers);
        assert!(
            head.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .is_empty()
        );

        let validated = request(Method::GET, &[(header::IF_NONE_MATCH, "\"f-5\"")]);
        let not_modified = respond(StatusCode::OK, &headers, &validated, body);
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            not_modified.headers().get(header::ETAG),
            headers.get(header::ETAG)
        );
        assert_eq!(not_modified.headers().get(header::CONTENT_TYPE), None);

        // Only a 200 is validated.
        let failed = respond(StatusCode::NOT_FOUND, &headers, &validated, body);
        assert_eq!(failed.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_stored_body_goes_out_in_frames_of_at_most_64_kib() {
        let mut body = StoredBody {
            stored: Some(Bytes::from(vec![b'7'; FRAME_BYTES * 2 + 1])),
        };
        let mut sizes = Vec::new();
        while let Some(frame) = body.frame().await {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [FRAME_BYTES, FRAME_BYTES, 1]);
        assert!(body.is_end_stream());
    }
}
