//! A shared HTTP cache in front of the component, by the rules of RFC 9111
//! that `policy` lists: a repeated request for a stored answer is a memory
//! copy, made before any instance is. It reads only the response's headers,
//! so it serves any component, and stores only what they allow.
//!
//! - [`policy`]: the header rules, pure.
//! - [`variant`]: what an answer varies on, kept short and compared in
//!   place.
//! - [`store`]: the stored answers, their variants, the byte bound and
//!   least-recently-used eviction.
//! - [`sharing`]: shared computations, so that concurrent misses for one target
//!   share one computation.
//! - [`record`]: answers recorded from the guest's side into the response
//!   buffer, read by any number of clients, each at its own pace.
//! - `answer`: the answers given from a stored answer or a recording.

mod answer;
pub(crate) mod policy;
pub(crate) mod record;
pub(crate) mod sharing;
pub(crate) mod store;
pub(crate) mod variant;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

pub(crate) use answer::recorded_answer;
use answer::stored_answer;
use policy::{Acceptable, RequestRule};
pub use record::Failure;
use record::{Head, Recording};
pub use sharing::Leader;
use sharing::SharedComputations;
use store::{Answer, Inserted, Store, Stored};

use crate::metrics::Metrics;

/// What the cache did for one request, as the access log and the metrics
/// name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Answered from memory.
    Hit,
    /// Answered with another request's computation.
    Coalesced,
    /// Computed by the component (and stored when its headers allow).
    Miss,
    /// Not looked up: not a `GET` or `HEAD`, or the request forbids it.
    Bypass,
    /// The cache is turned off.
    Off,
}

impl CacheStatus {
    /// The status's name in the access log.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Coalesced => "coalesced",
            CacheStatus::Miss => "miss",
            CacheStatus::Bypass => "bypass",
            CacheStatus::Off => "off",
        }
    }
}

/// What [`Cache::lookup`] found for a request.
pub enum Lookup {
    /// The answer, from memory or from another request's computation.
    Answered(Response<HyperOutgoingBody>, CacheStatus),
    /// The request leads a shared computation: compute it (without its validators, see
    /// [`without_validators`]) and answer it with [`recorded_answer`].
    Lead(Leader),
    /// The component answers this request alone, unstored.
    Compute(CacheStatus),
    /// No answer: `only-if-cached` found none, or the shared computations waited for
    /// failed.
    Unanswered(Failure),
}

/// How many shared computations one request waits for before it computes its own
/// answer: one, and a second one that a waiter started after the first
/// failed. Failing twice, it gets the second one's failure.
const MAX_WAITS: usize = 2;

/// The answer to `only-if-cached` when nothing stored will do (RFC 9111
/// §5.2.1.7).
const NOT_CACHED: Failure = Failure {
    status: StatusCode::GATEWAY_TIMEOUT,
    body: "Gateway Timeout: not in the cache",
};

/// The shared cache: stored answers by target, and the computations that
/// concurrent misses share.
pub struct Cache {
    state: Mutex<State>,
    metrics: Arc<Metrics>,
}

struct State {
    store: Store,
    shared: SharedComputations,
}

/// What the cache can do for a request now.
enum Step {
    Stored(Arc<Stored>),
    Join(Arc<Recording>, Arc<Head>),
    Wait(Arc<Recording>),
    Lead(Leader),
    Alone,
    NotCached,
}

impl Cache {
    /// A cache of at most `capacity` bytes.
    pub fn new(capacity: u64, metrics: Arc<Metrics>) -> Cache {
        Cache {
            state: Mutex::new(State {
                store: Store::new(capacity, metrics.cache_bytes()),
                shared: SharedComputations::default(),
            }),
            metrics,
        }
    }

    /// What the cache can do for `request`: answer it from a stored answer
    /// or from a shared computation whose answer it may share (waiting, at
    /// most the request's `deadline` each, for the heads of at most
    /// [`MAX_WAITS`] of them), or have it lead a shared computation, or have it computed
    /// alone.
    pub async fn lookup<B>(self: &Arc<Self>, request: &Request<B>, deadline: Duration) -> Lookup {
        let method = request.method();
        let acceptable = match policy::request_rule(request.headers()) {
            RequestRule::Lookup(acceptable) if method == Method::GET || method == Method::HEAD => {
                acceptable
            }
            _ => return Lookup::Compute(CacheStatus::Bypass),
        };
        let key = primary_key(request);
        let mut waits = 0;
        loop {
            let step = self.next_step(&key, request, &acceptable, waits < MAX_WAITS);
            let lookup = match step {
                Step::Stored(stored) => {
                    let status = if waits == 0 {
                        CacheStatus::Hit
                    } else {
                        CacheStatus::Coalesced
                    };
                    let answer = stored_answer(stored, request, Instant::now());
                    Lookup::Answered(answer, status)
                }
                Step::Join(recording, head) => Lookup::Answered(
                    recorded_answer(recording, &head, request),
                    CacheStatus::Coalesced,
                ),
                Step::Wait(recording) => {
                    waits += 1;
                    let head = tokio::time::timeout(deadline, recording.head()).await;
                    if let Ok(Err(failure)) = head
                        && waits == MAX_WAITS
                    {
                        return Lookup::Unanswered(failure);
                    }
                    continue;
                }
                Step::Lead(leader) => Lookup::Lead(leader),
                Step::Alone => Lookup::Compute(CacheStatus::Miss),
                Step::NotCached => return Lookup::Unanswered(NOT_CACHED),
            };
            match &lookup {
                Lookup::Answered(_, status) => self.metrics.cache_answered(*status),
                _ => self.metrics.cache_answered(CacheStatus::Miss),
            }
            return lookup;
        }
    }

    /// The next step for `request`, decided under the lock: a stored answer,
    /// a shared computation to join or (if it `may_wait`) to wait for, or a miss.
    fn next_step<B>(
        self: &Arc<Self>,
        key: &Arc<str>,
        request: &Request<B>,
        acceptable: &Acceptable,
        may_wait: bool,
    ) -> Step {
        let headers = request.headers();
        let mut state = self.lock();
        if let Some(stored) = state.store.find(key, headers, acceptable, Instant::now()) {
            return Step::Stored(stored);
        }
        let mut unknown = None;
        for recording in state.shared.of(key) {
            match recording.head_now() {
                Some(Ok(head)) => {
                    let shares = head
                        .shared
                        .as_ref()
                        .is_some_and(|shared| variant::matches(&shared.variant, headers));
                    if shares {
                        return Step::Join(recording.clone(), head);
                    }
                }
                // Failed: it lands at once.
                Some(Err(_)) => {}
                None => {
                    unknown.get_or_insert_with(|| recording.clone());
                }
            }
        }
        if let Some(recording) = unknown.filter(|_| may_wait) {
            return Step::Wait(recording);
        }
        if acceptable.only_if_cached {
            return Step::NotCached;
        }
        if request.method() != Method::GET {
            return Step::Alone;
        }
        match state.shared.start(key) {
            Some(recording) => {
                drop(state);
                Step::Lead(Leader::new(
                    self.clone(),
                    key.clone(),
                    recording,
                    headers.clone(),
                ))
            }
            None => Step::Alone,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements: a panic elsewhere
        // leaves nothing half done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores `answer`, if any, and ends the sharing of `recording`.
    fn finish_sharing(&self, key: &Arc<str>, recording: &Arc<Recording>, answer: Option<Answer>) {
        let mut state = self.lock();
        let inserted = answer.map(|answer| state.store.insert(key, answer));
        state.shared.end(key, recording);
        drop(state);
        if let Some(Inserted::Stored { evicted }) = inserted {
            self.metrics.cache_evicted(evicted);
        }
    }

    fn end_sharing(&self, key: &str, recording: &Arc<Recording>) {
        self.lock().shared.end(key, recording);
    }
}

/// `request` as the leader of a shared computation sends it to the component: without
/// the validators that would let it answer 304, since the answer is for
/// every request that shares it (RFC 9111 §4.3.2). Each gets its 304 from
/// the recorded answer instead.
pub fn without_validators<B>(mut request: Request<B>) -> Request<B> {
    let headers = request.headers_mut();
    headers.remove(header::IF_NONE_MATCH);
    headers.remove(header::IF_MODIFIED_SINCE);
    request
}

/// The target and host the answer is stored under; `HEAD` shares `GET`'s.
fn primary_key<B>(request: &Request<B>) -> Arc<str> {
    let host = request
        .headers()
        .get(header::HOST)
        .map_or(&b""[..], HeaderValue::as_bytes);
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let mut key = String::with_capacity(host.len() + target.len() + 1);
    key.push_str(&String::from_utf8_lossy(host));
    key.push(' ');
    key.push_str(target);
    key.into()
}
