//! An answer recorded from the guest's side: its head, then its body's
//! chunks as fast as the guest writes them, into memory counted against
//! the response buffer. Any number of clients read one recording, each at
//! its own pace, so a client that reads slowly holds bytes, never the guest
//! nor the other readers; and the answer is complete, to be stored, when
//! the guest is done, whoever reads it.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::StatusCode;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::HeaderMap;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::time::Instant;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::variant::Variant;

/// A response head as the guest set it.
pub(crate) struct Head {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// How other requests may share this answer, when a shared cache may
    /// store it; `None` when only its own request may have it.
    pub shared: Option<Shareable>,
}

/// An answer other requests may be given.
pub(crate) struct Shareable {
    /// The values of the headers it varies on, as its request had them.
    pub variant: Variant,
    /// How long it is fresh.
    pub lifetime: std::time::Duration,
}

/// Why a recording has no answer to give: the status and body its own
/// request got instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The status the requests that shared the recording get.
    pub status: StatusCode,
    /// Their plain-text body.
    pub body: &'static str,
}

/// One answer being recorded, or recorded.
#[derive(Default)]
pub(crate) struct Recording {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    head: Option<Result<Arc<Head>, Failure>>,
    chunks: Vec<Bytes>,
    length: u64,
    /// Whether the body ended whole; `None` while it is being written.
    end: Option<bool>,
    /// Readers waiting for the head, a chunk or the end.
    waiting: Vec<Waker>,
    /// The response buffer's bytes this recording's chunks hold, given
    /// back when its last reader is done.
    held: Option<Held>,
}

impl Recording {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Each change is one assignment or push: a panic leaves none half
        // done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the state and wakes every waiting reader.
    fn update(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.lock();
        change(&mut state);
        let waiting = std::mem::take(&mut state.waiting);
        drop(state);
        waiting.into_iter().for_each(Waker::wake);
    }

    /// The guest set its response head.
    pub fn set_head(&self, head: Arc<Head>) {
        self.update(|state| state.head = Some(Ok(head)));
    }

    /// The guest gave no head: readers get `failure`.
    pub fn fail(&self, failure: Failure) {
        self.update(|state| {
            state.head.get_or_insert(Err(failure));
            state.end.get_or_insert(false);
        });
    }

    /// A chunk of the body, and the buffer's bytes that hold it.
    pub fn push(&self, chunk: Bytes, bytes: Held) {
        self.update(|state| {
            state.length += chunk.len() as u64;
            state.chunks.push(chunk);
            match &mut state.held {
                Some(held) => held.merge(bytes),
                None => state.held = Some(bytes),
            }
        });
    }

    /// The body's end: `whole` when the guest finished its work, so that
    /// readers end their bodies; otherwise they end in an error.
    pub fn finish(&self, whole: bool) {
        self.update(|state| {
            state.end.get_or_insert(whole);
        });
    }

    /// The body's chunks and length so far.
    pub fn body(&self) -> (Vec<Bytes>, u64) {
        let state = self.lock();
        (state.chunks.clone(), state.length)
    }

    /// The head, if the guest has set it or failed.
    pub fn head_now(&self) -> Option<Result<Arc<Head>, Failure>> {
        self.lock().head.clone()
    }

    /// The head, once the guest has set it or failed.
    pub fn poll_head(&self, cx: &mut Context<'_>) -> Poll<Result<Arc<Head>, Failure>> {
        let mut state = self.lock();
        match &state.head {
            Some(head) => Poll::Ready(head.clone()),
            None => {
                state.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// Waits for the head.
    pub async fn head(&self) -> Result<Arc<Head>, Failure> {
        std::future::poll_fn(|cx| self.poll_head(cx)).await
    }
}

/// The response buffer: the bytes of recorded bodies that memory may hold
/// at once, shared by every recording.
pub(crate) struct Buffer {
    bytes: Arc<Semaphore>,
    /// The bytes held: `factorial_response_buffer_bytes`.
    held: Gauge,
}

/// Bytes of the response buffer, held until dropped.
pub(crate) struct Held {
    permit: OwnedSemaphorePermit,
    gauge: Gauge,
}

impl Held {
    /// Takes `other`'s bytes into these.
    fn merge(&mut self, mut other: Held) {
        let bytes = other.permit.num_permits();
        if let Some(permit) = other.permit.split(bytes) {
            self.permit.merge(permit);
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gauge.dec_by(self.permit.num_permits() as i64);
    }
}

impl Buffer {
    /// A buffer of `capacity` bytes, whose use `held` shows.
    pub fn new(capacity: u64, held: Gauge) -> Buffer {
        let capacity = usize::try_from(capacity)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        Buffer {
            bytes: Arc::new(Semaphore::new(capacity)),
            held,
        }
    }

    /// `bytes` of the buffer, waiting until `deadline` at most for others
    /// to give them back.
    async fn hold(&self, bytes: usize, deadline: Instant) -> Option<Held> {
        let bytes = u32::try_from(bytes).ok()?;
        let permit =
            tokio::time::timeout_at(deadline, self.bytes.clone().acquire_many_owned(bytes))
                .await
                .ok()?
                .ok()?;
        self.held.inc_by(i64::from(bytes));
        Some(Held {
            permit,
            gauge: self.held.clone(),
        })
    }
}

/// Records the guest's `body` into `recording` as fast as the guest writes
/// it, each chunk held in `buffer`, until the body ends and `guest` says
/// whether the guest finished its work; says whether the body is whole. A
/// buffer that stays full until `deadline` cuts the body short: the guest,
/// which cannot write meanwhile, meets its own deadline then. Trailers are
/// not recorded.
pub(crate) async fn record_body(
    mut body: HyperOutgoingBody,
    recording: &Recording,
    buffer: &Buffer,
    guest: oneshot::Receiver<bool>,
    deadline: Instant,
) -> bool {
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return false;
        };
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        let Some(held) = buffer.hold(chunk.len(), deadline).await else {
            return false;
        };
        recording.push(chunk, held);
    }
    // A guest task that ended without a word failed.
    guest.await.unwrap_or(false)
}

/// One client's reading of a recording's body, from its first chunk.
pub(crate) struct RecordedBody {
    recording: Arc<Recording>,
    next: usize,
}

impl RecordedBody {
    pub fn new(recording: Arc<Recording>) -> RecordedBody {
        RecordedBody { recording, next: 0 }
    }
}

impl Body for RecordedBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let mut state = this.recording.lock();
        let available = state.chunks.len();
        // The last chunk waits for the end: a body whose `Content-Length`
        // is met looks whole, and a client must not have it whole before
        // the guest has returned (and the answer is stored), nor at all
        // when the guest failed.
        let last_held_back = state.end != Some(true);
        if this.next + usize::from(last_held_back) < available {
            let chunk = state.chunks[this.next].clone();
            drop(state);
            this.next += 1;
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        match state.end {
            Some(true) => Poll::Ready(None),
            // A body cut short never ends as if whole: the error makes hyper
            // close the connection rather than end a chunked body.
            Some(false) => {
                Poll::Ready(Some(Err(wasmtime_wasi_http::Error::HttpResponseIncomplete)))
            }
            None => {
                state.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let state = self.recording.lock();
        state.end == Some(true) && self.next == state.chunks.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http_body_util::BodyExt;

    use super::*;

    fn head() -> Head {
        Head {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            shared: None,
        }
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[tokio::test]
    async fn readers_each_get_the_whole_body_whenever_they_start() {
        let held = Gauge::default();
        let buffer = Arc::new(Buffer::new(1 << 20, held.clone()));
        let recording = Arc::new(Recording::default());
        let early = RecordedBody::new(recording.clone());
        recording.set_head(Arc::new(head()));
        recording.push(
            Bytes::from_static(b"12"),
            buffer.hold(2, later()).await.unwrap(),
        );
        let writer = {
            let (recording, buffer) = (recording.clone(), buffer.clone());
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                let bytes = buffer.hold(2, later()).await.unwrap();
                recording.push(Bytes::from_static(b"0\n"), bytes);
                recording.finish(true);
            })
        };
        let early = early.collect().await.unwrap().to_bytes();
        writer.await.unwrap();
        let late = RecordedBody::new(recording.clone())
            .collect()
            .await
            .unwrap()
            .to_bytes();
        assert_eq!((&early[..], &late[..]), (&b"120\n"[..], &b"120\n"[..]));
        assert_eq!(held.get(), 4);
        drop(recording);
        assert_eq!(held.get(), 0, "the bytes are given back");
        assert_eq!(buffer.bytes.available_permits(), 1 << 20);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_buffer_holds_a_recording_until_its_deadline() {
        let buffer = Buffer::new(10, Gauge::default());
        let all = buffer.hold(10, later()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(buffer.hold(1, deadline).await.is_none());
        assert!(Instant::now() >= deadline);
        drop(all);
        assert!(buffer.hold(10, deadline).await.is_some());
    }

    #[tokio::test]
    async fn a_body_cut_short_ends_in_an_error_before_its_last_chunk() {
        let buffer = Buffer::new(4, Gauge::default());
        let recording = Arc::new(Recording::default());
        recording.set_head(Arc::new(head()));
        for chunk in [&b"12"[..], b"0\n"] {
            let bytes = buffer.hold(2, later()).await.unwrap();
            recording.push(Bytes::from_static(chunk), bytes);
        }
        recording.finish(false);
        let mut body = RecordedBody::new(recording);
        assert_eq!(
            &body.frame().await.unwrap().unwrap().into_data().unwrap()[..],
            b"12"
        );
        // The last chunk is never given: the body cannot look whole.
        assert!(body.frame().await.unwrap().is_err());
    }

    #[tokio::test]
    async fn a_failure_before_the_head_reaches_every_reader() {
        let recording = Arc::new(Recording::default());
        let waiting = tokio::spawn({
            let recording = recording.clone();
            async move { recording.head().await.err() }
        });
        let failure = Failure {
            status: StatusCode::GATEWAY_TIMEOUT,
            body: "late",
        };
        recording.fail(failure);
        assert_eq!(waiting.await.unwrap(), Some(failure));
        assert!(RecordedBody::new(recording).frame().await.unwrap().is_err());
    }
}
