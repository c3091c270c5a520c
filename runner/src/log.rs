//! The runner's log: one JSON object per line on stdout, as CloudWatch
//! reads them, written in batches.
//!
//! Each line is appended to a buffer in memory, and a background thread
//! writes the buffer out at most every `FLUSH_INTERVAL`, or sooner past
//! `FLUSH_BYTES`: a request never waits on stdout, and a line needs no
//! message or wake-up of its own to reach the writing thread. A process
//! that may be frozen once it has answered writes them out itself
//! ([`flush`]). The access
//! line of each request ([`access`]) is formatted here rather than by
//! `tracing`'s JSON layer, which builds a map of values for every event:
//! through that layer and a channel message each, access lines took a large
//! share of the rate of small cached answers, which do little else
//! (docs/performance.md, "Tuning").

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use prometheus_client::metrics::counter::Counter;
use tracing_subscriber::fmt::MakeWriter;

/// The longest a line waits in memory before it is written.
const FLUSH_INTERVAL: Duration = Duration::from_millis(50);

/// Bytes in memory that have the thread write them without waiting for the
/// interval to end.
const FLUSH_BYTES: usize = 64 * 1024;

/// Bytes in memory past which new lines are dropped, and counted, rather
/// than kept: stdout has stopped taking them.
const MAX_BUFFERED_BYTES: usize = 16 * 1024 * 1024;

/// The buffer every line goes to, once [`init`] has run.
static LOG: OnceLock<Arc<Shared>> = OnceLock::new();

/// Where the access lines come from, as `RUST_LOG` names it.
const ACCESS_TARGET: &str = "factorial_runner::server";

/// Lines dropped since the process started, as the metric
/// `factorial_log_lines_dropped_total` shows them: a log that cannot keep up
/// cannot be trusted to report its own losses.
pub fn dropped_lines() -> &'static Counter {
    static DROPPED: OnceLock<Counter> = OnceLock::new();
    DROPPED.get_or_init(Counter::default)
}

/// Sets up the log: JSON lines, the level from `RUST_LOG` (default `info`).
/// Dropping the returned value writes out what is left.
pub fn init() -> FlushOnDrop {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let shared = LOG.get_or_init(Arc::default).clone();
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(Appender(shared.clone()))
        .init();
    let thread = std::thread::Builder::new()
        .name("log".into())
        .spawn({
            let shared = shared.clone();
            move || write_batches(&shared)
        })
        .ok();
    FlushOnDrop { shared, thread }
}

/// Writes out the lines still in memory when dropped (at exit).
pub struct FlushOnDrop {
    shared: Arc<Shared>,
    /// None if the thread could not start: then lines are written here.
    thread: Option<JoinHandle<()>>,
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        match self.thread.take() {
            Some(thread) => {
                let _ = thread.join();
            }
            None => write_batches(&self.shared),
        }
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<Buffered>,
    /// Wakes the writing thread: when the first line of a batch arrives,
    /// past [`FLUSH_BYTES`], and at exit.
    wake: Condvar,
}

#[derive(Default)]
struct Buffered {
    lines: Vec<u8>,
    dropped: u64,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffered> {
        // A panic while holding the lock leaves whole lines behind.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends one whole line, and wakes the writing thread when the line
    /// starts a batch or fills one.
    fn append(&self, line: &[u8]) {
        let mut state = self.lock();
        let before = state.lines.len();
        if before + line.len() > MAX_BUFFERED_BYTES {
            state.dropped += 1;
            dropped_lines().inc();
            return;
        }
        state.lines.extend_from_slice(line);
        drop(state);
        let after = before + line.len();
        if before == 0 || (before < FLUSH_BYTES && after >= FLUSH_BYTES) {
            self.wake.notify_one();
        }
    }
}

/// Writes out the lines in memory now, on this thread: for a process that
/// may be frozen as soon as it has answered, as Lambda freezes its
/// execution environment between invocations.
pub fn flush() {
    let Some(shared) = LOG.get() else {
        return;
    };
    let mut stdout = io::stdout().lock();
    let batch = std::mem::take(&mut shared.lock().lines);
    let _ = stdout.write_all(&batch);
    let _ = stdout.flush();
}

/// What `tracing` writes each formatted event to: one `write` per event,
/// the whole line.
struct Appender(Arc<Shared>);

impl<'a> MakeWriter<'a> for Appender {
    type Writer = &'a Shared;

    fn make_writer(&'a self) -> Self::Writer {
        &self.0
    }
}

impl Write for &Shared {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the access line of one request says.
pub struct Access<'a> {
    /// The request's method.
    pub method: &'a str,
    /// The request's path, without the query.
    pub path: &'a str,
    /// The answer's status.
    pub status: u16,
    /// The body bytes sent.
    pub bytes: u64,
    /// What the cache did: `hit`, `miss`, `coalesced`, `bypass` or `off`.
    pub cache: &'a str,
    /// From the request's head to the end of its answer.
    pub duration: Duration,
    /// The client's `X-Request-Id`, or the runner's own.
    pub request_id: &'a str,
}

/// Logs one request at `INFO`, as `tracing` would with these fields (so
/// `RUST_LOG` governs it like any other line), in the same JSON shape, to
/// the log [`init`] set up: before it, nowhere. The line is formatted
/// outside the buffer's lock, in a buffer each thread keeps.
pub fn access(request: &Access) {
    thread_local! {
        static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let Some(log) = LOG.get() else {
        return;
    };
    if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
        return;
    }
    LINE.with_borrow_mut(|line| {
        line.clear();
        write_access(line, SystemTime::now(), request);
        log.append(line);
    });
}

/// The access line: `tracing`'s JSON fields in its order, timestamp first
/// and target last.
fn write_access(line: &mut Vec<u8>, now: SystemTime, request: &Access) {
    // Writes to a `Vec` cannot fail, and the strings are valid UTF-8.
    let string = |line: &mut Vec<u8>, value: &str| {
        let _ = serde_json::to_writer(&mut *line, value);
    };
    line.extend_from_slice(br#"{"timestamp":""#);
    write_timestamp(line, now);
    line.extend_from_slice(br#"","level":"INFO","message":"request","method":"#);
    string(line, request.method);
    line.extend_from_slice(br#","path":"#);
    string(line, request.path);
    let _ = write!(
        line,
        r#","status":{},"bytes":{},"cache":"{}","duration_ms":"#,
        request.status, request.bytes, request.cache,
    );
    // As `serde_json` writes a float: `2.0`, not `2`.
    let _ = serde_json::to_writer(&mut *line, &(request.duration.as_secs_f64() * 1e3));
    line.extend_from_slice(br#","request_id":"#);
    string(line, request.request_id);
    let _ = writeln!(line, r#","target":"{ACCESS_TARGET}"}}"#);
}

/// `now` as RFC 3339 in UTC with microseconds, as `tracing` writes it:
/// `2026-12-06T08:37:03.215373Z`.
fn write_timestamp(line: &mut Vec<u8>, now: SystemTime) {
    let _ = write!(line, "{}", humantime::format_rfc3339_micros(now));
}

/// The writing thread: waits for a first line, lets the batch grow for up
/// to [`FLUSH_INTERVAL`], and writes it to stdout outside the lock; until
/// closed and empty.
fn write_batches(shared: &Shared) {
    let mut batch = Vec::new();
    loop {
        let mut state = shared.lock();
        while state.lines.is_empty() && !state.closed {
            state = shared
                .wake
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        if state.lines.len() < FLUSH_BYTES && !state.closed {
            state = shared
                .wake
                .wait_timeout(state, FLUSH_INTERVAL)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        drop(state);
        // Stdout's lock before the buffer's, as in `flush`: batches reach
        // stdout in the order they were taken.
        let mut stdout = io::stdout().lock();
        let mut state = shared.lock();
        std::mem::swap(&mut batch, &mut state.lines);
        let dropped = std::mem::take(&mut state.dropped);
        let closed = state.closed;
        drop(state);
        // Nowhere to report a failed write to: the log is where it would go.
        let _ = stdout.write_all(&batch);
        let _ = stdout.flush();
        drop(stdout);
        batch.clear();
        if dropped > 0 {
            tracing::warn!(dropped, "log lines dropped: stdout did not keep up");
        }
        if closed && shared.lock().lines.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_bound_are_dropped_and_counted() {
        let shared = Shared::default();
        let line = vec![b'x'; MAX_BUFFERED_BYTES / 2];
        for _ in 0..3 {
            assert_eq!((&shared).write(&line).unwrap(), line.len());
        }
        let state = shared.lock();
        assert_eq!(state.lines.len(), 2 * line.len());
        assert_eq!(state.dropped, 1);
        assert!(dropped_lines().get() >= 1);
    }

    /// A writer for `tracing_subscriber` that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The line `tracing_subscriber`'s JSON layer, set up as [`init`] sets
    /// it up, writes for the access event of `request`.
    fn traced_line(request: &Access) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer({
                let captured = captured.clone();
                move || captured.clone()
            })
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                target: ACCESS_TARGET,
                method = request.method,
                path = request.path,
                status = request.status,
                bytes = request.bytes,
                cache = request.cache,
                duration_ms = request.duration.as_secs_f64() * 1e3,
                request_id = request.request_id,
                "request"
            );
        });
        let line = captured.0.lock().unwrap().clone();
        String::from_utf8(line).unwrap()
    }

    /// `line` without its timestamp's value, which differs from one clock
    /// reading to the next, and that value.
    fn split_timestamp(line: &str) -> (String, String) {
        let start = line.find(r#""timestamp":""#).unwrap() + r#""timestamp":""#.len();
        let end = start + line[start..].find('"').unwrap();
        (
            format!("{}{}", &line[..start], &line[end..]),
            line[start..end].to_string(),
        )
    }

    /// The line `tracing`'s JSON layer writes for the same event, byte for
    /// byte but the clock's reading, with what a path and an id may hold
    /// escaped.
    #[test]
    fn an_access_line_is_the_json_tracing_writes() {
        let request = Access {
            method: "GET",
            path: "/a\"b\\c\u{7f}é",
            status: 200,
            bytes: 80,
            cache: "hit",
            duration: Duration::from_micros(542_727),
            request_id: "id\u{1}",
        };
        let mut line = Vec::new();
        write_access(&mut line, SystemTime::now(), &request);
        let (ours, our_time) = split_timestamp(&String::from_utf8(line).unwrap());
        let (traced, traced_time) = split_timestamp(&traced_line(&request));
        assert_eq!(ours, traced);
        // The same form of time: RFC 3339 in UTC, to the microsecond.
        let shape = |time: &str| {
            time.chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect::<String>()
        };
        assert_eq!(shape(&our_time), shape(&traced_time));
        assert_eq!(shape(&our_time), "0000-00-00T00:00:00.000000Z");
    }
}
