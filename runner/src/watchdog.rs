//! The connection watchdog: closes a connection that is slow to send a
//! request head, idle for too long between requests, or slow to take its
//! answer: an answer not sent whole by the request's deadline, stored or
//! computed, is cut off, since a client that reads slowly would otherwise
//! hold its connection, and what its answer holds, without end.
//!
//! Hyper's own header timeout runs from the moment a connection is ready for
//! a request, idle time included, which would close idle keep-alive
//! connections at the header timeout; tracking each connection's phase here
//! keeps the two timeouts apart. Time is Tokio's, so that the tests below
//! run on a paused clock instead of sleeping.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;
use tokio::time::Instant;

/// The connection timeouts the watchdog enforces.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From the first byte of a request head (or from the connection's
    /// start) to its end.
    pub header: Duration,
    /// Between requests on a keep-alive connection.
    pub idle: Duration,
    /// From a request head's end to its answer's last byte.
    pub response: Duration,
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The request head took too long.
    Header,
    /// Idle for too long between requests.
    Idle,
    /// An answer was not sent whole by its deadline.
    Response,
}

impl Expiry {
    /// The reason, as the log says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::Header => "header timeout",
            Expiry::Idle => "idle timeout",
            Expiry::Response => "response timeout",
        }
    }
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests, with nothing received since `since`.
    Idle { since: Instant },
    /// The first bytes of a request head arrived at `since`.
    ReadingHead { since: Instant },
    /// Requests are being answered, the oldest since `since`.
    Busy { requests: usize, since: Instant },
}

/// One connection's activity, shared by its socket, its requests and its
/// watchdog, which is woken whenever the phase changes.
#[derive(Debug)]
pub struct Activity {
    phase: watch::Sender<Phase>,
}

impl Default for Activity {
    /// A new connection must start its first request within the header
    /// timeout.
    fn default() -> Self {
        Activity {
            phase: watch::Sender::new(Phase::ReadingHead {
                since: Instant::now(),
            }),
        }
    }
}

impl Activity {
    /// Bytes arrived: an idle connection starts reading a request head.
    /// Bytes of a head already started change nothing, so a client that
    /// trickles its head still meets the header timeout.
    pub fn bytes_received(&self) {
        self.phase.send_if_modified(|phase| match *phase {
            Phase::Idle { .. } => {
                *phase = Phase::ReadingHead {
                    since: Instant::now(),
                };
                true
            }
            Phase::ReadingHead { .. } | Phase::Busy { .. } => false,
        });
    }

    /// A request head was read whole and its answer begun.
    pub fn request_started(&self) {
        self.phase.send_modify(|phase| {
            *phase = match *phase {
                Phase::Busy { requests, since } => Phase::Busy {
                    requests: requests + 1,
                    since,
                },
                Phase::Idle { .. } | Phase::ReadingHead { .. } => Phase::Busy {
                    requests: 1,
                    since: Instant::now(),
                },
            };
        });
    }

    /// An answer was sent whole, or abandoned: the connection is idle once
    /// no other request is being answered. Another one's deadline is still
    /// counted from the oldest's arrival: hyper answers one request of a
    /// connection at a time, so the next one has barely begun.
    pub fn request_finished(&self) {
        self.phase.send_modify(|phase| {
            *phase = match *phase {
                Phase::Busy { requests, since } if requests > 1 => Phase::Busy {
                    requests: requests - 1,
                    since,
                },
                _ => Phase::Idle {
                    since: Instant::now(),
                },
            };
        });
    }

    /// Completes when the connection has been idle, slow to send a request
    /// head, or slow to take an answer, for too long; says which.
    pub async fn expired(&self, timeouts: Timeouts) -> Expiry {
        let mut phases = self.phase.subscribe();
        loop {
            let (deadline, reason) = match *phases.borrow_and_update() {
                Phase::Idle { since } => (since + timeouts.idle, Expiry::Idle),
                Phase::ReadingHead { since } => (since + timeouts.header, Expiry::Header),
                Phase::Busy { since, .. } => (since + timeouts.response, Expiry::Response),
            };
            // `self` holds the sender, so `changed` cannot fail here. A
            // change comes first: bytes that arrive as the idle timeout
            // passes begin a request.
            tokio::select! {
                biased;
                _ = phases.changed() => {}
                () = tokio::time::sleep_until(deadline) => return reason,
            }
        }
    }
}

/// A socket that reports received bytes to its connection's [`Activity`].
pub struct WatchedIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> WatchedIo<T> {
    /// Watches reads from `inner` on behalf of `activity`.
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        WatchedIo { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_received();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::Waker;

    use tokio::io::AsyncReadExt;
    use tokio::time::advance;

    use super::*;

    const TIMEOUTS: Timeouts = Timeouts {
        header: Duration::from_secs(10),
        idle: Duration::from_secs(75),
        response: Duration::from_secs(30),
    };

    /// The smallest step of Tokio's timer.
    const TICK: Duration = Duration::from_millis(1);

    /// The watchdog's verdict so far: `None` while the connection may live.
    fn verdict(watchdog: &mut Pin<Box<impl Future<Output = Expiry>>>) -> Option<Expiry> {
        match watchdog
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(reason) => Some(reason),
            Poll::Pending => None,
        }
    }

    /// A connection that has answered a request and waits for the next.
    fn idle_connection() -> Arc<Activity> {
        let activity = Arc::new(Activity::default());
        activity.request_started();
        activity.request_finished();
        activity
    }

    /// Asserts that `watchdog` keeps the connection for `timeout` from now,
    /// to the tick, then closes it for `reason`.
    async fn assert_closes_after(
        watchdog: &mut Pin<Box<impl Future<Output = Expiry>>>,
        timeout: Duration,
        reason: Expiry,
    ) {
        assert_eq!(verdict(watchdog), None);
        advance(timeout - TICK).await;
        assert_eq!(verdict(watchdog), None);
        advance(TICK).await;
        assert_eq!(verdict(watchdog), Some(reason));
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_closed_at_the_header_timeout() {
        let activity = Activity::default();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        assert_closes_after(&mut watchdog, TIMEOUTS.header, Expiry::Header).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickled_head_still_meets_the_header_timeout() {
        let activity = Activity::default();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        for _ in 0..9 {
            advance(TIMEOUTS.header / 10).await;
            activity.bytes_received();
            assert_eq!(verdict(&mut watchdog), None);
        }
        advance(TIMEOUTS.header / 10).await;
        assert_eq!(verdict(&mut watchdog), Some(Expiry::Header));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_outlives_the_header_timeout_until_the_idle_timeout() {
        let activity = idle_connection();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        assert_closes_after(&mut watchdog, TIMEOUTS.idle, Expiry::Idle).await;
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_on_an_idle_connection_start_the_header_timeout() {
        let activity = idle_connection();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        advance(TIMEOUTS.idle - TIMEOUTS.header / 2).await;
        activity.bytes_received();
        // The idle timeout passes meanwhile: the connection is reading a
        // head now.
        assert_closes_after(&mut watchdog, TIMEOUTS.header, Expiry::Header).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_not_taken_by_its_deadline_closes_the_connection() {
        let activity = Activity::default();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        activity.request_started();
        advance(TIMEOUTS.response / 2).await;
        // A second request's answer begun meanwhile does not push the
        // first's deadline back.
        activity.request_started();
        activity.request_finished();
        assert_closes_after(&mut watchdog, TIMEOUTS.response / 2, Expiry::Response).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_sent_in_time_leaves_the_connection_idle() {
        let activity = Activity::default();
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        activity.request_started();
        advance(TIMEOUTS.response - TICK).await;
        assert_eq!(verdict(&mut watchdog), None);
        activity.request_finished();
        assert_closes_after(&mut watchdog, TIMEOUTS.idle, Expiry::Idle).await;
    }

    #[tokio::test(start_paused = true)]
    async fn reads_through_the_socket_count_as_activity() {
        let activity = idle_connection();
        let mut socket = WatchedIo::new(&b"GET / HTTP/1.1\r\n"[..], activity.clone());
        let mut watchdog = Box::pin(activity.expired(TIMEOUTS));
        advance(TIMEOUTS.idle - TICK).await;
        let mut head = [0; 4];
        socket.read_exact(&mut head).await.unwrap();
        advance(TICK).await;
        assert_eq!(verdict(&mut watchdog), None, "no longer idle");
        advance(TIMEOUTS.header).await;
        assert_eq!(verdict(&mut watchdog), Some(Expiry::Header));
    }
}
