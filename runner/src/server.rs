//! The listener: accepts TCP connections, serves HTTP/1.1 on each with hyper
//! (one component instance per request), logs and counts every request, and
//! drains gracefully on shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::cache::CacheStatus;
use crate::config::Limits;
use crate::error::RequestError;
use crate::log;
use crate::metrics::Metrics;
use crate::service::Service;
use crate::watchdog::{Activity, Expiry, Timeouts, WatchedIo};

/// How long a refused client is told to wait before retrying.
const RETRY_AFTER_SECONDS: &str = "1";

/// How long past a request's deadline its answer may still be sending: a
/// computation stopped at the deadline still gets its 504 out.
pub const RESPONSE_GRACE: Duration = Duration::from_secs(1);

/// How long a listener waits after failing to accept a connection (out of
/// file descriptors, say) before it tries again: at once would spin.
pub(crate) const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Binds `address`, failing with the address in the message.
pub async fn bind(address: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))
}

/// Serves connections from `listener` until `shutdown` completes, then
/// stops accepting, lets open connections finish their requests for up to
/// `shutdown_grace`, and returns.
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    metrics: Arc<Metrics>,
    limits: &Limits,
    shutdown_grace: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.keep_alive(true)
        .max_buf_size(limits.max_header_size.max(8192) as usize)
        .max_header_size(limits.max_header_size as usize);
    let timeouts = Timeouts {
        header: limits.header_timeout,
        idle: limits.idle_timeout,
        response: limits.request_timeout + RESPONSE_GRACE,
    };
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: keep serving the open
                // connections and try again shortly.
                Err(error) => {
                    tracing::error!(error = %error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(WatchedIo::new(stream, activity.clone()));
        let handler = service_fn({
            let (service, metrics, activity) = (service.clone(), metrics.clone(), activity.clone());
            move |request| answer(service.clone(), metrics.clone(), activity.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(io, handler));
        let metrics = metrics.clone();
        tokio::spawn(async move {
            tokio::select! {
                result = connection => if let Err(error) = result {
                    tracing::debug!(%peer, error = %error, "connection ended with an error");
                },
                expiry = activity.expired(timeouts) => {
                    if expiry == Expiry::Response {
                        metrics.response_timed_out();
                    }
                    tracing::debug!(%peer, reason = expiry.as_str(), "connection closed");
                }
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, draining the open ones");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained"),
        () = tokio::time::sleep(shutdown_grace) => {
            tracing::warn!(grace = ?shutdown_grace, "grace period over; exiting with requests in flight");
        }
    }
    Ok(())
}

/// Answers one request and arranges for it to be logged and counted when its
/// body is done.
async fn answer(
    service: Arc<Service>,
    metrics: Arc<Metrics>,
    activity: Arc<Activity>,
    request: Request<Incoming>,
) -> Result<Response<MeteredBody>, Infallible> {
    activity.request_started();
    let mut access = AccessLog {
        started: Instant::now(),
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        request_id: request_id(&request),
        status: 0,
        bytes: 0,
        cache: CacheStatus::Off,
        metrics: metrics.clone(),
        activity,
    };
    let in_flight = metrics.in_flight();
    let (response, cache) = service.answer(request).await;
    let response = response.unwrap_or_else(|error| {
        error_response::<Full<Bytes>>(&error)
            .map(|body| body.map_err(|never| match never {}).boxed_unsync())
    });
    access.cache = cache;
    drop(in_flight);
    let (parts, body) = response.into_parts();
    access.status = parts.status.as_u16();
    Ok(Response::from_parts(
        parts,
        MeteredBody {
            inner: body,
            access,
        },
    ))
}

/// The runner's own answer when the component gives none, with its body
/// as `B`: the server streams it, the Lambda front end sends it whole.
pub fn error_response<B: From<Bytes>>(error: &RequestError) -> Response<B> {
    if !matches!(error, RequestError::NoComputationSlot(_)) {
        tracing::warn!(error = error.chain(), "no response from the component");
    }
    let mut response = Response::new(B::from(Bytes::from_static(error.body().as_bytes())));
    *response.status_mut() = error.status();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if error.status() == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// The client's `X-Request-Id` when it sent a sane one (an ALB or proxy in
/// front may), else one made here: unique within this process.
fn request_id(request: &Request<Incoming>) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    // Read once: `getpid` is a system call each time.
    static PROCESS_ID: OnceLock<u32> = OnceLock::new();
    let given = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= 128);
    match given {
        Some(id) => id.to_string(),
        None => format!(
            "{:x}-{}",
            PROCESS_ID.get_or_init(std::process::id),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ),
    }
}

/// What one request's log line says, written when its body is done (sent,
/// failed or abandoned by the client).
struct AccessLog {
    started: Instant,
    method: String,
    path: String,
    request_id: String,
    status: u16,
    bytes: u64,
    cache: CacheStatus,
    metrics: Arc<Metrics>,
    activity: Arc<Activity>,
}

impl Drop for AccessLog {
    fn drop(&mut self) {
        let duration = self.started.elapsed();
        self.metrics.request_finished(self.status, duration);
        self.activity.request_finished();
        log::access(&log::Access {
            method: &self.method,
            path: &self.path,
            status: self.status,
            bytes: self.bytes,
            cache: self.cache.as_str(),
            duration,
            request_id: &self.request_id,
        });
    }
}

/// A response body that counts its bytes for the access log.
struct MeteredBody {
    inner: HyperOutgoingBody,
    access: AccessLog,
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &frame
            && let Some(data) = frame.data_ref()
        {
            self.access.bytes += data.len() as u64;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
