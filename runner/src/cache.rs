//! A shared HTTP cache in front of the component, by the rules of RFC 9111:
//! a repeated request for a stored answer is a memory copy, made before any
//! instance is. It reads only the response's headers, so it serves any
//! component, and stores only what they allow.
//!
//! Answers are kept whole, in memory, within a byte bound, and the least
//! recently used go first. Concurrent misses for the same target wait for
//! one computation (single flight) instead of each making their own.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Frame};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::watch;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::metrics::Metrics;

/// What the cache did for one request, as the access log and the metrics
/// name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Answered from memory.
    Hit,
    /// Answered from memory after waiting for another request's computation.
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

/// What [`Cache::lookup`] found.
pub enum Lookup {
    /// The answer, from memory.
    Hit(Response<HyperOutgoingBody>, CacheStatus),
    /// The component must answer; [`Recorder::record`] stores its answer
    /// when it may be.
    Miss(Recorder, CacheStatus),
}

/// Response headers a cache does not store: they describe one connection,
/// or the cache sets them itself on each answer.
const UNSTORED_HEADERS: [HeaderName; 6] = [
    header::CONNECTION,
    header::TRANSFER_ENCODING,
    header::TE,
    header::UPGRADE,
    header::CONTENT_LENGTH,
    header::AGE,
];

/// Headers a 304 carries from the stored answer (RFC 9110 §15.4.5).
const NOT_MODIFIED_HEADERS: [HeaderName; 6] = [
    header::CACHE_CONTROL,
    header::CONTENT_LOCATION,
    header::DATE,
    header::ETAG,
    header::EXPIRES,
    header::VARY,
];

/// What a stored answer is counted as beyond its body and headers: its key,
/// its place in the maps, its bookkeeping.
const ENTRY_OVERHEAD: u64 = 256;

/// The shared cache: stored answers by target, and the computations in
/// flight that concurrent misses wait for.
pub struct Cache {
    capacity: u64,
    state: Mutex<State>,
    metrics: Arc<Metrics>,
}

#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Bucket>,
    /// Targets by when they were last used, oldest first: the eviction
    /// order.
    recency: BTreeMap<u64, Arc<str>>,
    clock: u64,
    bytes: u64,
    /// Targets being computed; a waiter's receiver sees its sender dropped
    /// when the computation is over, stored or not.
    flights: HashMap<Arc<str>, watch::Receiver<()>>,
}

/// The stored answers for one target: one per combination of the values of
/// the request headers the answer's `Vary` names.
struct Bucket {
    variants: Vec<Arc<Stored>>,
    bytes: u64,
    last_used: u64,
}

/// One stored answer (always a 200 to a `GET`).
struct Stored {
    /// The request headers the answer varies on, and the values the request
    /// that got it had.
    vary: Vec<(HeaderName, Option<HeaderValue>)>,
    headers: HeaderMap,
    body: Bytes,
    stored_at: Instant,
    /// The answer's `Age` when it was stored.
    initial_age: Duration,
    /// How long it is fresh, from `s-maxage` or `max-age`.
    lifetime: Duration,
    bytes: u64,
}

impl Cache {
    /// A cache of at most `capacity` bytes.
    pub fn new(capacity: u64, metrics: Arc<Metrics>) -> Cache {
        Cache {
            capacity,
            state: Mutex::default(),
            metrics,
        }
    }

    /// Answers `request` from memory when a fresh answer is stored, waiting
    /// (at most `patience`) for a computation of the same target already in
    /// flight. Otherwise the caller computes the answer; the first of
    /// concurrent misses does so for the others.
    pub async fn lookup<B>(self: &Arc<Self>, request: &Request<B>, patience: Duration) -> Lookup {
        let method = request.method();
        if (method != Method::GET && method != Method::HEAD) || forbids_cache(request.headers()) {
            return Lookup::Miss(Recorder::passive(), CacheStatus::Bypass);
        }
        let key = primary_key(request);
        let mut waited = false;
        loop {
            match self.try_answer(&key, request, waited) {
                Ok(lookup) => return lookup,
                Err(mut flight) => {
                    // Err: the computation is over (its sender is gone).
                    let _ = tokio::time::timeout(patience, flight.changed()).await;
                    waited = true;
                }
            }
        }
    }

    /// The stored answer to `request`, or a miss to compute (leading a
    /// flight when none is in the air), or, unless it `waited` already, the
    /// flight to wait for.
    fn try_answer<B>(
        self: &Arc<Self>,
        key: &Arc<str>,
        request: &Request<B>,
        waited: bool,
    ) -> Result<Lookup, watch::Receiver<()>> {
        let mut state = self.lock();
        let now = Instant::now();
        if let Some(stored) = state.find(key, request.headers(), now) {
            drop(state);
            let status = if waited {
                CacheStatus::Coalesced
            } else {
                CacheStatus::Hit
            };
            self.metrics.cache_answered(status);
            return Ok(Lookup::Hit(stored.answer(request, now), status));
        }
        // `find` drops an answer past its lifetime.
        self.metrics.cache_bytes(state.bytes);
        let is_get = request.method() == Method::GET;
        let flight = match state.flights.get(&**key) {
            // A waiter whose wait ended without an answer it can use
            // computes its own, alongside the others: waiting in turn
            // would chain their deadlines.
            _ if waited => None,
            Some(flight) => return Err(flight.clone()),
            None => is_get.then(|| Flight::start(self.clone(), &mut state, key)),
        };
        drop(state);
        self.metrics.cache_answered(CacheStatus::Miss);
        let recorder = Recorder {
            cache: is_get.then(|| self.clone()),
            key: key.clone(),
            request_headers: request.headers().clone(),
            _flight: flight,
        };
        Ok(Lookup::Miss(recorder, CacheStatus::Miss))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements: a panic elsewhere
        // leaves nothing half done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores `stored` under `key`, replacing the answer for the same
    /// variant, and evicts the least recently used until within bounds.
    fn insert(&self, key: &Arc<str>, stored: Stored) {
        if stored.bytes > self.capacity {
            return;
        }
        let mut state = self.lock();
        state.remove_variant(key, &stored.vary);
        state.bytes += stored.bytes;
        let clock = state.tick();
        let bucket = state.entries.entry(key.clone()).or_insert(Bucket {
            variants: Vec::new(),
            bytes: 0,
            last_used: clock,
        });
        bucket.bytes += stored.bytes;
        bucket.variants.push(Arc::new(stored));
        let previous = std::mem::replace(&mut bucket.last_used, clock);
        state.recency.remove(&previous);
        state.recency.insert(clock, key.clone());
        while state.bytes > self.capacity {
            let Some((_, oldest)) = state.recency.pop_first() else {
                break;
            };
            if let Some(bucket) = state.entries.remove(&oldest) {
                state.bytes -= bucket.bytes;
                self.metrics.cache_evicted(bucket.variants.len() as u64);
            }
        }
        self.metrics.cache_bytes(state.bytes);
    }
}

impl State {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The fresh stored answer of `key` whose variant matches `headers`,
    /// marked as used; a stale one is removed.
    fn find(&mut self, key: &Arc<str>, headers: &HeaderMap, now: Instant) -> Option<Arc<Stored>> {
        let bucket = self.entries.get(key)?;
        let stored = bucket
            .variants
            .iter()
            .find(|stored| stored.matches(headers))?
            .clone();
        if stored.age(now) >= stored.lifetime {
            self.remove_variant(key, &stored.vary);
            return None;
        }
        let clock = self.tick();
        let bucket = self.entries.get_mut(key)?;
        let previous = std::mem::replace(&mut bucket.last_used, clock);
        if let Some(key) = self.recency.remove(&previous) {
            self.recency.insert(clock, key);
        }
        Some(stored)
    }

    /// Removes the answer of `key` stored for the variant `vary`, if any.
    fn remove_variant(&mut self, key: &Arc<str>, vary: &[(HeaderName, Option<HeaderValue>)]) {
        let Some(bucket) = self.entries.get_mut(key) else {
            return;
        };
        let Some(index) = bucket
            .variants
            .iter()
            .position(|stored| stored.vary == vary)
        else {
            return;
        };
        let removed = bucket.variants.swap_remove(index);
        bucket.bytes -= removed.bytes;
        self.bytes -= removed.bytes;
        if bucket.variants.is_empty() {
            let last_used = bucket.last_used;
            self.entries.remove(key);
            self.recency.remove(&last_used);
        }
    }
}

impl Stored {
    fn age(&self, now: Instant) -> Duration {
        self.initial_age + now.saturating_duration_since(self.stored_at)
    }

    /// Whether a request with `headers` gets this variant: the headers the
    /// answer varies on have the values they had (RFC 9111 §4.1).
    fn matches(&self, headers: &HeaderMap) -> bool {
        self.vary
            .iter()
            .all(|(name, value)| combined_value(headers, name) == *value)
    }

    /// The stored answer to `request`: 304 when its `If-None-Match` matches
    /// the `ETag`, the headers alone to a `HEAD`, the whole answer otherwise;
    /// each with its `Age`.
    fn answer<B>(&self, request: &Request<B>, now: Instant) -> Response<HyperOutgoingBody> {
        let age = HeaderValue::from(self.age(now).as_secs());
        if let Some(etag) = self.headers.get(header::ETAG)
            && none_match(request.headers(), etag)
        {
            let mut response = Response::new(empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            let headers = response.headers_mut();
            for name in NOT_MODIFIED_HEADERS {
                for value in self.headers.get_all(&name) {
                    headers.append(name.clone(), value.clone());
                }
            }
            headers.insert(header::AGE, age);
            return response;
        }
        let body = if request.method() == Method::HEAD {
            empty()
        } else {
            Full::new(self.body.clone())
                .map_err(|never| match never {})
                .boxed_unsync()
        };
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.clone_from(&self.headers);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        headers.insert(header::AGE, age);
        response
    }
}

fn empty() -> HyperOutgoingBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Whether the request's `If-None-Match` names `etag`, by the weak
/// comparison (RFC 9110 §13.1.2).
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let weak = |tag: &[u8]| -> Vec<u8> { tag.strip_prefix(b"W/").unwrap_or(tag).to_vec() };
    let etag = weak(etag.as_bytes());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .map(|tag| tag.trim_ascii())
        .any(|tag| tag == b"*" || weak(tag) == etag)
}

/// Whether the request keeps the cache out: it carries credentials, or its
/// `Cache-Control` (or `Pragma`) asks for a fresh answer or none stored.
fn forbids_cache(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::AUTHORIZATION) {
        return true;
    }
    let directives = directives(headers);
    if directives.is_empty() {
        return headers
            .get_all(header::PRAGMA)
            .iter()
            .any(|value| value.as_bytes().eq_ignore_ascii_case(b"no-cache"));
    }
    directives.iter().any(|(name, value)| {
        matches!(name.as_str(), "no-store" | "no-cache")
            || (name == "max-age" && value.as_deref() == Some("0"))
    })
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

/// All of a header's values as one, comma-separated.
fn combined_value(headers: &HeaderMap, name: &HeaderName) -> Option<HeaderValue> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut combined = first.as_bytes().to_vec();
    for value in values {
        combined.extend_from_slice(b", ");
        combined.extend_from_slice(value.as_bytes());
    }
    HeaderValue::from_bytes(&combined).ok()
}

/// The `Cache-Control` directives, names lowercased, values unquoted.
fn directives(headers: &HeaderMap) -> Vec<(String, Option<String>)> {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|directive| !directive.is_empty())
        .map(|directive| match directive.split_once('=') {
            Some((name, value)) => (
                name.trim().to_ascii_lowercase(),
                Some(value.trim().trim_matches('"').to_string()),
            ),
            None => (directive.to_ascii_lowercase(), None),
        })
        .collect()
}

/// How long a `GET`'s answer with `status` and `headers` may be stored and
/// served, or `None` when it may not be: it must be a 200 with an explicit
/// lifetime (`s-maxage`, else `max-age`), and no `no-store`, `no-cache`,
/// `private`, `Set-Cookie` or `Vary: *` (RFC 9111 §3).
fn lifetime(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    if status != StatusCode::OK || headers.contains_key(header::SET_COOKIE) {
        return None;
    }
    if vary_names(headers).any(|name| name == "*") {
        return None;
    }
    let directives = directives(headers);
    let seconds = |wanted: &str| {
        directives
            .iter()
            .find(|(name, _)| name == wanted)
            .and_then(|(_, value)| value.as_deref()?.parse::<u64>().ok())
    };
    if directives
        .iter()
        .any(|(name, _)| matches!(name.as_str(), "no-store" | "no-cache" | "private"))
    {
        return None;
    }
    let lifetime = seconds("s-maxage").or_else(|| seconds("max-age"))?;
    (lifetime > 0).then(|| Duration::from_secs(lifetime))
}

/// The names `Vary` lists, lowercased.
fn vary_names(headers: &HeaderMap) -> impl Iterator<Item = String> {
    headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// A computation of `key` in flight: waiters are released when it is
/// dropped, its answer stored or not.
struct Flight {
    cache: Arc<Cache>,
    key: Arc<str>,
    _done: watch::Sender<()>,
}

impl Flight {
    fn start(cache: Arc<Cache>, state: &mut State, key: &Arc<str>) -> Flight {
        let (done, waiting) = watch::channel(());
        state.flights.insert(key.clone(), waiting);
        Flight {
            cache,
            key: key.clone(),
            _done: done,
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.cache.lock().flights.remove(&self.key);
    }
}

/// Stores the component's answer to a missed request, if its headers allow,
/// once its body has gone through whole.
pub struct Recorder {
    /// The cache to store in; none for what is never stored (`HEAD`,
    /// bypassed requests).
    cache: Option<Arc<Cache>>,
    key: Arc<str>,
    request_headers: HeaderMap,
    _flight: Option<Flight>,
}

impl Recorder {
    /// A recorder that stores nothing.
    pub fn passive() -> Recorder {
        Recorder {
            cache: None,
            key: Arc::from(""),
            request_headers: HeaderMap::new(),
            _flight: None,
        }
    }

    /// Passes `response` on, keeping its body (shared, not copied) to store
    /// when it ends whole, if its headers let it be stored and `succeeded`
    /// says its guest finished its work.
    pub fn record(
        self,
        response: Response<HyperOutgoingBody>,
        succeeded: impl Future<Output = bool> + Send + 'static,
    ) -> Response<HyperOutgoingBody> {
        let Some(cache) = self.cache.clone() else {
            return response;
        };
        let Some(lifetime) = lifetime(response.status(), response.headers()) else {
            return response;
        };
        let mut headers = response.headers().clone();
        let initial_age = headers
            .get(header::AGE)
            .and_then(|age| age.to_str().ok()?.parse().ok())
            .map_or(Duration::ZERO, Duration::from_secs);
        for name in UNSTORED_HEADERS {
            headers.remove(name);
        }
        let vary = vary_names(&headers)
            .filter_map(|name| HeaderName::from_bytes(name.as_bytes()).ok())
            .map(|name| {
                let value = combined_value(&self.request_headers, &name);
                (name, value)
            })
            .collect();
        let expected_length = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse().ok());
        let pending = Pending {
            cache,
            key: self.key.clone(),
            succeeded: Box::pin(succeeded),
            expected_length,
            vary,
            headers,
            initial_age,
            lifetime,
            chunks: Vec::new(),
            length: 0,
            _recorder: self,
        };
        response.map(|inner| {
            RecordingBody {
                inner,
                pending: Some(pending),
                settling: None,
            }
            .boxed_unsync()
        })
    }
}

/// An answer being recorded as its body goes through.
struct Pending {
    cache: Arc<Cache>,
    key: Arc<str>,
    succeeded: Pin<Box<dyn Future<Output = bool> + Send>>,
    /// The `Content-Length`, when given: hyper stops reading there.
    expected_length: Option<u64>,
    vary: Vec<(HeaderName, Option<HeaderValue>)>,
    headers: HeaderMap,
    initial_age: Duration,
    lifetime: Duration,
    chunks: Vec<Bytes>,
    length: u64,
    /// Holds the flight until the answer is stored or abandoned.
    _recorder: Recorder,
}

impl Pending {
    fn store(self) {
        let body = match self.chunks.as_slice() {
            [] => Bytes::new(),
            [one] => one.clone(),
            chunks => {
                let mut body = BytesMut::with_capacity(self.length as usize);
                for chunk in chunks {
                    body.extend_from_slice(chunk);
                }
                body.freeze()
            }
        };
        let header_bytes: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let bytes = self.length + header_bytes as u64 + self.key.len() as u64 + ENTRY_OVERHEAD;
        let stored = Stored {
            vary: self.vary,
            headers: self.headers,
            body,
            stored_at: Instant::now(),
            initial_age: self.initial_age,
            lifetime: self.lifetime,
            bytes,
        };
        self.cache.insert(&self.key, stored);
    }
}

/// A response body passed through, its data kept (by reference) until it
/// ends. Its end (its last byte by `Content-Length`, or its end of stream)
/// is held back until the guest has returned: then the answer is stored
/// and the end released, so that a client that has the whole answer finds
/// it stored; or, when the guest failed, the client gets an error in its
/// place rather than a body that only looks whole. An error, trailers or a
/// body larger than the cache abandon the recording.
struct RecordingBody {
    inner: HyperOutgoingBody,
    pending: Option<Pending>,
    /// The recorded answer whose guest is awaited, and the frame held back
    /// meanwhile (none when the body ended without one).
    settling: Option<(Pending, Option<Frame<Bytes>>)>,
}

impl Body for RecordingBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Some((pending, _)) = &mut this.settling {
            let succeeded = ready!(pending.succeeded.as_mut().poll(cx));
            let (pending, held) = this.settling.take().expect("settling");
            if !succeeded {
                return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpResponseIncomplete)));
            }
            pending.store();
            return Poll::Ready(held.map(Ok));
        }
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &frame {
            Some(Ok(data)) => match (data.data_ref(), this.pending.as_mut()) {
                (Some(data), Some(pending)) => {
                    pending.length += data.len() as u64;
                    pending.chunks.push(data.clone());
                    if pending.length > pending.cache.capacity {
                        this.pending = None;
                    } else if Some(pending.length) == pending.expected_length
                        || this.inner.is_end_stream()
                    {
                        return this.settle(frame.and_then(Result::ok), cx);
                    }
                }
                (None, _) => this.pending = None,
                (Some(_), None) => {}
            },
            Some(Err(_)) => this.pending = None,
            None if this.pending.is_some() => return this.settle(None, cx),
            None => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.settling.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl RecordingBody {
    /// Holds `last` back until the guest's outcome is known.
    fn settle(
        &mut self,
        last: Option<Frame<Bytes>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, wasmtime_wasi_http::Error>>> {
        let pending = self.pending.take().expect("a recording");
        self.settling = Some((pending, last));
        Pin::new(self).poll_frame(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn stores_only_what_its_headers_allow() {
        let lifetime_of = |pairs: &[(&'static str, &'static str)]| {
            lifetime(StatusCode::OK, &headers(pairs)).map(|lifetime| lifetime.as_secs())
        };
        let year = "public, max-age=31536000, immutable";
        assert_eq!(lifetime_of(&[("cache-control", year)]), Some(31_536_000));
        assert_eq!(
            lifetime_of(&[("cache-control", "max-age=60, s-maxage=\"5\"")]),
            Some(5)
        );
        assert_eq!(lifetime_of(&[]), None);
        assert_eq!(lifetime_of(&[("cache-control", "public")]), None);
        assert_eq!(lifetime_of(&[("cache-control", "max-age=0")]), None);
        for refused in [
            "no-store, max-age=60",
            "private, max-age=60",
            "max-age=60, No-Cache",
        ] {
            assert_eq!(
                lifetime_of(&[("cache-control", refused)]),
                None,
                "{refused}"
            );
        }
        assert_eq!(
            lifetime_of(&[("cache-control", year), ("set-cookie", "a=b")]),
            None
        );
        assert_eq!(
            lifetime_of(&[("cache-control", year), ("vary", "Accept, *")]),
            None
        );
        let not_ok = lifetime(StatusCode::NOT_FOUND, &headers(&[("cache-control", year)]));
        assert_eq!(not_ok, None);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = HeaderValue::from_static("\"abc\"");
        let request = |value| headers(&[("if-none-match", value)]);
        assert!(none_match(&request("\"x\", W/\"abc\""), &etag));
        assert!(none_match(&request("*"), &etag));
        assert!(!none_match(&request("\"abcd\""), &etag));
        assert!(!none_match(&HeaderMap::new(), &etag));
    }

    #[test]
    fn requests_can_keep_the_cache_out() {
        assert!(forbids_cache(&headers(&[("authorization", "Basic eA==")])));
        assert!(forbids_cache(&headers(&[("cache-control", "no-cache")])));
        assert!(forbids_cache(&headers(&[("cache-control", "max-age=0")])));
        assert!(forbids_cache(&headers(&[("pragma", "no-cache")])));
        assert!(!forbids_cache(&headers(&[("cache-control", "max-age=60")])));
        assert!(!forbids_cache(&headers(&[("accept", "text/plain")])));
    }
}
