//! The request path: the shared cache, then admission under the limit of
//! computations, a fresh `Store` for each computation with its memory limit
//! and deadline, the guest's task, which runs the component's handler, and
//! the task that records the guest's answer as fast as the guest writes it.
//! The engine and the compiled component are [`engine`](crate::engine)'s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::JoinHandle;
use wasmtime::component::Resource;
use wasmtime::{Store, Trap};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};

use crate::artifact;
use crate::cache::record::{self, Buffer, Failure, Head, RecordedBody, Recording};
use crate::cache::{self, Cache, CacheStatus, Leader, Lookup};
use crate::config::{Limits, ServeOptions};
use crate::engine::LoadedComponent;
use crate::epoch;
use crate::error::RequestError;
use crate::guest::{GuestSettings, GuestState, MemoryLimitExceeded};
use crate::memory::Plan;
use crate::metrics::Metrics;

/// A loaded component, ready to answer requests.
pub struct Service {
    component: LoadedComponent,
    guest: GuestSettings,
    deadline: Duration,
    /// Computations at once, one per instance slot of the pool: the limit
    /// clients see.
    computations: Arc<Semaphore>,
    max_computations: u32,
    /// Where answers are recorded while clients read them.
    buffer: Arc<Buffer>,
    /// None when turned off (`--cache-bytes 0`).
    cache: Option<Arc<Cache>>,
    metrics: Arc<Metrics>,
}

impl Service {
    /// Loads the component at `path` for serving (see
    /// [`LoadedComponent::load`]) with `limits` and as many computations at
    /// once as `plan` allows, and gives every request's guest `guest`.
    pub fn load(
        path: &Path,
        guest: GuestSettings,
        limits: &Limits,
        plan: &Plan,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        let slots = plan.computations;
        Ok(Service {
            component: LoadedComponent::load(path, slots, limits.memory_limit_bytes())?,
            guest,
            deadline: limits.request_timeout,
            computations: Arc::new(Semaphore::new(slots as usize)),
            max_computations: slots,
            buffer: Arc::new(Buffer::new(
                limits.response_buffer_bytes,
                metrics.response_buffer_bytes(),
            )),
            cache: (limits.cache_bytes > 0)
                .then(|| Arc::new(Cache::new(limits.cache_bytes, metrics.clone()))),
            metrics,
        })
    }

    /// The service the command line's `options` ask for, within `plan`:
    /// the component they name, or the one found (whose path it gives
    /// back), with their limits and each instance's settings.
    pub(crate) fn for_options(
        options: &ServeOptions,
        plan: &Plan,
        metrics: Arc<Metrics>,
    ) -> Result<(Self, PathBuf)> {
        let component = artifact::component_path(options.component.as_deref())?;
        let service = Service::load(
            &component,
            options.guest_settings(),
            &options.limits,
            plan,
            metrics,
        )?;
        Ok((service, component))
    }

    /// Answers one request from the cache when it can, else with the
    /// component (see [`Service::handle`]), sharing and storing the answer
    /// when its headers allow; and says which it was.
    pub(crate) async fn answer<B>(
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
            Lookup::Answered(response, status) => (Ok(response), status),
            Lookup::Compute(status) => (self.handle(request).await, status),
            Lookup::Unanswered(failure) => {
                (Err(RequestError::NoAnswer(failure)), CacheStatus::Miss)
            }
            Lookup::Lead(leader) => {
                let mut asked = hyper::Request::new(());
                *asked.method_mut() = request.method().clone();
                *asked.headers_mut() = request.headers().clone();
                let computed = self
                    .compute(cache::without_validators(request), Some(leader))
                    .await;
                let answer = computed
                    .map(|(head, recording)| cache::recorded_answer(recording, &head, &asked));
                (answer, CacheStatus::Miss)
            }
        }
    }

    /// Answers one request with a new instance of the component, or refuses
    /// it at once when as many computations as allowed are running. The
    /// response head is returned as soon as the guest sets it; the body is
    /// recorded from the guest, which runs in its own task, holding its
    /// instance slot, until it is done or its deadline passes, and is read
    /// from the recording at the client's pace.
    pub async fn handle<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, RequestError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (head, recording) = self.compute(request, None).await?;
        let mut response = hyper::Response::new(RecordedBody::new(recording).boxed_unsync());
        *response.status_mut() = head.status;
        response.headers_mut().clone_from(&head.headers);
        Ok(response)
    }

    /// Runs the component on `request` and records its answer, for the
    /// requests of `leader` too when it leads one; gives the head and the
    /// recording once the guest has set the head. The head and body are
    /// taken from the guest by a task of their own ([`deliver`]), so that a
    /// request that goes away cancels nothing the others wait for.
    async fn compute<B>(
        &self,
        request: hyper::Request<B>,
        leader: Option<Leader>,
    ) -> Result<(Arc<Head>, Arc<Recording>), RequestError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let recording = leader
            .as_ref()
            .map_or_else(Arc::default, |leader| leader.recording().clone());
        let guest = self
            .start_guest(request)
            .inspect_err(|error| recording.fail(failure(error)))?;
        tokio::spawn(deliver(
            guest,
            leader,
            recording.clone(),
            self.buffer.clone(),
            tokio::time::Instant::now() + self.deadline,
            self.metrics.clone(),
        ));
        let head = recording.head().await.map_err(RequestError::NoAnswer)?;
        Ok((head, recording))
    }

    /// Admits `request` and starts its guest.
    fn start_guest<B>(&self, request: hyper::Request<B>) -> Result<StartedGuest, RequestError>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let slot = self
            .admit()
            .inspect_err(|error| self.metrics.request_failed(error))?;
        let mut store = self.new_store();
        let (sender, response) = oneshot::channel();
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
        let (finished_sender, finished) = oneshot::channel();
        let task = tokio::task::spawn(
            GuestRun {
                pre: self.component.pre().clone(),
                store,
                request,
                response_out,
                slot,
                deadline: self.deadline,
                metrics: self.metrics.clone(),
                finished: finished_sender,
            }
            .run(),
        );
        Ok(StartedGuest {
            response,
            task,
            finished,
        })
    }

    /// Returns once no computation is running: every guest has finished,
    /// including one that goes on filling the cache after its client has
    /// the head (a 304, a `HEAD`).
    pub(crate) async fn wait_until_idle(&self) {
        // The semaphore is never closed, so acquiring cannot fail.
        let _all = self.computations.acquire_many(self.max_computations).await;
    }

    /// A computation's slot, which is also its instance's slot in the pool,
    /// or [`RequestError::NoComputationSlot`] at once when all are taken: a queue
    /// would only make every client wait.
    fn admit(&self) -> Result<OwnedSemaphorePermit, RequestError> {
        self.computations
            .clone()
            .try_acquire_owned()
            .map_err(|_| RequestError::NoComputationSlot(self.max_computations))
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

/// A guest that is running: where its response head will come, its task,
/// and the word of whether it finished its work.
struct StartedGuest {
    response: oneshot::Receiver<Result<hyper::Response<HyperOutgoingBody>, ErrorCode>>,
    task: JoinHandle<Result<(), RequestError>>,
    finished: oneshot::Receiver<bool>,
}

/// Gives `recording` the guest's head, or its failure, then its body as
/// fast as the guest writes it, held in `buffer`; then, when the guest is
/// done, stores a whole answer and ends `leader`, and only then gives the
/// body's end, so that a client that has the whole answer finds it
/// stored. Runs in a task of its own.
async fn deliver(
    guest: StartedGuest,
    mut leader: Option<Leader>,
    recording: Arc<Recording>,
    buffer: Arc<Buffer>,
    deadline: tokio::time::Instant,
    metrics: Arc<Metrics>,
) {
    let response = match guest.response.await {
        Ok(Ok(response)) => response,
        outcome => {
            let error = match outcome {
                Ok(Err(code)) => guest_failed(
                    anyhow!("the component answered with an error: {code:?}"),
                    &metrics,
                ),
                // The guest dropped the outparam without setting it: its
                // task says why (and has counted and logged a failure).
                _ => match guest.task.await {
                    Ok(Ok(())) => {
                        guest_failed(anyhow!("the component returned no response"), &metrics)
                    }
                    Ok(Err(error)) => error,
                    Err(error) => {
                        RequestError::Guest(anyhow!(error).context("the guest task failed"))
                    }
                },
            };
            recording.fail(failure(&error));
            return;
        }
    };
    let (parts, body) = response.into_parts();
    let head = match &mut leader {
        Some(leader) => leader.head(parts.status, parts.headers),
        None => Head {
            status: parts.status,
            headers: parts.headers,
            shared: None,
        },
    };
    recording.set_head(Arc::new(head));
    let whole = record::record_body(body, &recording, &buffer, guest.finished, deadline).await;
    if let Some(leader) = leader {
        leader.finish(whole);
    }
    recording.finish(whole);
}

/// A guest's failure that its task did not see, counted and logged as the
/// task does its own.
fn guest_failed(cause: anyhow::Error, metrics: &Metrics) -> RequestError {
    let error = RequestError::Guest(cause);
    metrics.request_failed(&error);
    tracing::warn!(error = error.chain(), "request failed");
    error
}

/// What a request whose computation failed before its head gets, and so
/// each request that shared its computation.
fn failure(error: &RequestError) -> Failure {
    Failure {
        status: error.status(),
        body: error.body(),
    }
}

/// One request's guest, to run in a task of its own.
struct GuestRun {
    pre: ProxyPre<GuestState>,
    store: Store<GuestState>,
    request: Resource<HostIncomingRequest>,
    response_out: Resource<HostResponseOutparam>,
    /// The computation's slot, and its instance's in the pool.
    slot: OwnedSemaphorePermit,
    deadline: Duration,
    metrics: Arc<Metrics>,
    /// Told whether the guest finished its work.
    finished: oneshot::Sender<bool>,
}

impl GuestRun {
    /// Runs the guest's handler to the end of its response body, within the
    /// deadline, frees its instance and slot, and then says on `finished`
    /// whether it finished its work: a client that has the end of its
    /// answer and asks again at once finds the slot free. A failure is
    /// counted and logged here, since after the response head is sent
    /// nobody else sees it.
    async fn run(self) -> Result<(), RequestError> {
        let GuestRun {
            pre,
            mut store,
            request,
            response_out,
            slot,
            deadline,
            metrics,
            finished,
        } = self;
        // The epoch stops a guest that computes past its deadline; this
        // timeout stops one that waits past it.
        let run = tokio::time::timeout(deadline, async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, response_out)
                .await
        });
        let outcome = run.await;
        drop(store);
        drop(slot);
        // Nobody may be waiting any more.
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
