//! The request path: the shared cache, then admission under the in-flight
//! limit, a fresh `Store` for each request with its memory limit and
//! deadline, and the guest's task, which runs the component's handler to
//! the end of its response body. The engine and the compiled component are [`engine`]'s.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use anyhow::{Result, anyhow};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::JoinHandle;
use wasmtime::component::Resource;
use wasmtime::{Store, Trap};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};

use crate::cache::{Cache, CacheStatus, Lookup};
use crate::config::Limits;
use crate::engine::{self, LoadedComponent};
use crate::epoch;
use crate::error::RequestError;
use crate::host::{GuestSettings, GuestState, MemoryLimitExceeded};
use crate::metrics::Metrics;

/// A loaded component, ready to answer requests.
pub struct Service {
    component: LoadedComponent,
    guest: GuestSettings,
    deadline: Duration,
    /// Requests in flight, from admission until their answer is sent: the
    /// limit clients see.
    requests: Arc<Semaphore>,
    /// Instances alive, as many as the pool has room for.
    instances: Arc<Semaphore>,
    max_concurrent: u32,
    /// None when turned off (`--cache-bytes 0`).
    cache: Option<Arc<Cache>>,
    metrics: Arc<Metrics>,
}

/// The component's answer, and the task of the guest that sends its body.
struct Computed {
    response: hyper::Response<HyperOutgoingBody>,
    guest: JoinHandle<Result<(), RequestError>>,
}

/// The slots one admitted request holds: its place among the requests in
/// flight, held until its answer is sent, and its instance's place in the
/// pool, held until the guest is done.
struct Admission {
    request: OwnedSemaphorePermit,
    instance: OwnedSemaphorePermit,
}

impl Service {
    /// Loads the component at `path` for serving (see
    /// [`LoadedComponent::load`]) with `limits`, and gives every request's
    /// guest `guest`.
    pub fn load(
        path: &Path,
        guest: GuestSettings,
        limits: &Limits,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        Ok(Service {
            component: LoadedComponent::load(path, limits)?,
            guest,
            deadline: limits.request_timeout,
            requests: Arc::new(Semaphore::new(limits.max_concurrent as usize)),
            instances: Arc::new(Semaphore::new(engine::instance_slots(limits) as usize)),
            max_concurrent: limits.max_concurrent,
            cache: (limits.cache_bytes > 0)
                .then(|| Arc::new(Cache::new(limits.cache_bytes, metrics.clone()))),
            metrics,
        })
    }

    /// Answers one request from the cache when it can, else with the
    /// component (see [`Service::handle`]), storing the answer when its
    /// headers allow; and says which it was.
    pub async fn answer<B>(
        &self,
        request: hyper::Request<B>,
    ) -> (
        Result<hyper::Response<HyperOutgoingBody>, RequestError>,
        CacheStatus,
    )
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let Some(cache) = &self.cache else {
            return (self.handle(request).await, CacheStatus::Off);
        };
        match cache.lookup(&request, self.deadline).await {
            Lookup::Hit(response, status) => (Ok(response), status),
            Lookup::Miss(recorder, status) => {
                let computed = self.compute(request).await;
                let recorded = computed.map(|Computed { response, guest }| {
                    recorder.record(response, async move { matches!(guest.await, Ok(Ok(()))) })
                });
                (recorded, status)
            }
        }
    }

    /// Answers one request with a new instance of the component, or refuses
    /// it at once when the requests in flight are at the limit. The response
    /// head is returned as soon as the guest sets it; the body streams from
    /// the guest, which runs in its own task, holding its instance slot,
    /// until it is done or its deadline passes. The request's slot is held
    /// by the response body, until the answer is sent.
    pub async fn handle<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, RequestError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        self.compute(request)
            .await
            .map(|computed| computed.response)
    }

    /// [`Service::handle`], with the guest's task, which says whether the
    /// guest finished its work: a body that ends is not proof of that.
    async fn compute<B>(&self, request: hyper::Request<B>) -> Result<Computed, RequestError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let admission = self
            .admit()
            .inspect_err(|error| self.metrics.request_failed(error))?;
        let mut store = self.new_store();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let guest_error = |error: wasmtime::Error| RequestError::Guest(error.into());
        let request = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .map_err(guest_error)?;
        let response_out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(guest_error)?;
        let (finished, guest_finished) = oneshot::channel();
        let guest = tokio::task::spawn(
            GuestRun {
                pre: self.component.pre().clone(),
                store,
                request,
                response_out,
                _instance_slot: admission.instance,
                deadline: self.deadline,
                metrics: self.metrics.clone(),
                finished,
            }
            .run(),
        );
        match receiver.await {
            Ok(Ok(response)) => Ok(Computed {
                response: response.map(|body| {
                    GuardedBody {
                        inner: body,
                        finished: Some(guest_finished),
                        drained: false,
                        _request_slot: admission.request,
                    }
                    .boxed_unsync()
                }),
                guest,
            }),
            Ok(Err(code)) => Err(RequestError::Guest(anyhow!(
                "the component answered with an error: {code:?}"
            ))),
            // The guest dropped the outparam without setting it: its task
            // says why.
            Err(_) => Err(match guest.await {
                Ok(Ok(())) => RequestError::Guest(anyhow!("the component returned no response")),
                Ok(Err(error)) => error,
                Err(error) => RequestError::Guest(anyhow!(error).context("the guest task failed")),
            }),
        }
    }

    /// A slot among the requests in flight and one in the instance pool, or
    /// [`RequestError::Saturated`] at once when either is full: a queue
    /// would only make every client wait.
    fn admit(&self) -> Result<Admission, RequestError> {
        let saturated = |_| RequestError::Saturated(self.max_concurrent);
        let request = self
            .requests
            .clone()
            .try_acquire_owned()
            .map_err(saturated)?;
        let instance = self
            .instances
            .clone()
            .try_acquire_owned()
            .map_err(saturated)?;
        Ok(Admission { request, instance })
    }

    /// A fresh store for one request: its own guest state, its memory limit
    /// enforced, and its time sliced until the deadline.
    fn new_store(&self) -> Store<GuestState> {
        let mut store = Store::new(self.component.pre().engine(), GuestState::new(&self.guest));
        store.limiter(|state| state);
        epoch::time_slice(&mut store, self.deadline);
        store
    }
}

/// One request's guest, to run in a task of its own.
struct GuestRun {
    pre: ProxyPre<GuestState>,
    store: Store<GuestState>,
    request: Resource<HostIncomingRequest>,
    response_out: Resource<HostResponseOutparam>,
    /// The instance's place in the pool, held until the guest is done.
    _instance_slot: OwnedSemaphorePermit,
    deadline: Duration,
    metrics: Arc<Metrics>,
    /// Told whether the guest finished its work.
    finished: oneshot::Sender<bool>,
}

impl GuestRun {
    /// Runs the guest's handler to the end of its response body, within the
    /// deadline, and says on `finished` whether it finished its work, before
    /// its store (and with it what is left of the body) is dropped. A
    /// failure is counted and logged here, since after the response head is
    /// sent nobody else sees it.
    async fn run(self) -> Result<(), RequestError> {
        let GuestRun {
            pre,
            mut store,
            request,
            response_out,
            _instance_slot,
            deadline,
            metrics,
            finished,
        } = self;
        // The epoch stops a guest that computes past its deadline; this
        // timeout stops one that waits past it (on a slow client, say).
        let run = tokio::time::timeout(deadline, async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, response_out)
                .await
        });
        let outcome = run.await;
        // The client may have gone, and the body with it.
        let _ = finished.send(matches!(outcome, Ok(Ok(()))));
        let result = match outcome {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) => classify(error, deadline),
            Err(_elapsed) => RequestError::DeadlineExceeded(deadline),
        };
        metrics.request_failed(&result);
        tracing::warn!(error = result.chain(), "request failed");
        Err(result)
    }
}

/// A response body that ends only once its guest has returned, and in an
/// error if the guest failed. A guest that traps, or passes its deadline,
/// mid-body leaves a stream that just stops, and a chunked body would end
/// there with its last chunk, as if whole: the error makes hyper close the
/// connection instead. It also holds the request's slot in flight: hyper
/// drops the body once the answer is sent, or the client has gone.
struct GuardedBody {
    inner: HyperOutgoingBody,
    /// Whether the guest finished its work; `None` once the end is given.
    finished: Option<oneshot::Receiver<bool>>,
    /// The guest's stream has ended.
    drained: bool,
    _request_slot: OwnedSemaphorePermit,
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let Some(finished) = this.finished.as_mut() else {
            return Poll::Ready(None);
        };
        if !this.drained {
            let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
            if frame.is_some() {
                return Poll::Ready(frame);
            }
            this.drained = true;
        }
        // A guest task that ended without a word failed.
        let whole = ready!(Pin::new(finished).poll(cx)).unwrap_or(false);
        this.finished = None;
        Poll::Ready((!whole).then_some(Err(wasmtime_wasi_http::Error::HttpResponseIncomplete)))
    }

    /// Not ended before its guest has returned, so that hyper polls for the
    /// end rather than write it.
    fn is_end_stream(&self) -> bool {
        self.finished.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Why a guest call failed.
fn classify(error: wasmtime::Error, deadline: Duration) -> RequestError {
    if let Some(Trap::Interrupt) = error.downcast_ref::<Trap>() {
        return RequestError::DeadlineExceeded(deadline);
    }
    if let Some(exceeded) = error.downcast_ref::<MemoryLimitExceeded>() {
        return RequestError::MemoryLimitExceeded(MemoryLimitExceeded {
            limit: exceeded.limit,
        });
    }
    RequestError::Guest(error.into())
}
