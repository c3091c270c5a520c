//! Prometheus metrics, kept in atomics and rendered in the text exposition
//! format on the admin listener's `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::error::RequestError;

/// Upper bounds of the latency histogram's buckets, in seconds: from a small
/// factorial (well under a millisecond) to the default deadline.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The lowest and highest status codes counted one by one.
const STATUS_RANGE: std::ops::Range<u16> = 100..600;

/// Counters shared by the server and the engine.
pub struct Metrics {
    requests_by_status: Vec<AtomicU64>,
    in_flight: AtomicI64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    guest_traps: AtomicU64,
    deadline_hits: AtomicU64,
    memory_limit_hits: AtomicU64,
    saturated: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests_by_status: STATUS_RANGE.map(|_| AtomicU64::new(0)).collect(),
            in_flight: AtomicI64::new(0),
            latency_buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            latency_count: AtomicU64::new(0),
            latency_sum_micros: AtomicU64::new(0),
            guest_traps: AtomicU64::new(0),
            deadline_hits: AtomicU64::new(0),
            memory_limit_hits: AtomicU64::new(0),
            saturated: AtomicU64::new(0),
        }
    }
}

/// Counts a request as in flight until dropped.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Marks a request in flight for the guard's lifetime.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts a finished request: its status and how long it took.
    pub fn request_finished(&self, status: u16, duration: Duration) {
        if let Some(counter) = self
            .requests_by_status
            .get(usize::from(status.wrapping_sub(STATUS_RANGE.start)))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = duration.as_secs_f64();
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(duration.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts a request the component could not answer, by reason.
    pub fn request_failed(&self, error: &RequestError) {
        let counter = match error {
            RequestError::Saturated(_) => &self.saturated,
            RequestError::DeadlineExceeded(_) => &self.deadline_hits,
            RequestError::MemoryLimitExceeded(_) => &self.memory_limit_hits,
            RequestError::Guest(_) => &self.guest_traps,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        out.push_str("# HELP factorial_requests_total Requests answered, by status.\n");
        out.push_str("# TYPE factorial_requests_total counter\n");
        for (status, counter) in STATUS_RANGE.zip(&self.requests_by_status) {
            let count = load(counter);
            if count > 0 {
                let _ = writeln!(
                    out,
                    "factorial_requests_total{{status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str(
            "# HELP factorial_request_duration_seconds Time from request to last body byte.\n",
        );
        out.push_str("# TYPE factorial_request_duration_seconds histogram\n");
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "factorial_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                load(bucket)
            );
        }
        let count = load(&self.latency_count);
        let sum = load(&self.latency_sum_micros) as f64 / 1e6;
        let _ = writeln!(
            out,
            "factorial_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "factorial_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "factorial_request_duration_seconds_count {count}");
        let gauges_and_counters = [
            (
                "factorial_requests_in_flight",
                "gauge",
                "Requests being answered.",
                self.in_flight.load(Ordering::Relaxed).max(0) as u64,
            ),
            (
                "factorial_guest_traps_total",
                "counter",
                "Requests whose component instance trapped.",
                load(&self.guest_traps),
            ),
            (
                "factorial_deadline_exceeded_total",
                "counter",
                "Requests stopped at their deadline.",
                load(&self.deadline_hits),
            ),
            (
                "factorial_memory_limit_exceeded_total",
                "counter",
                "Requests stopped at the memory limit.",
                load(&self.memory_limit_hits),
            ),
            (
                "factorial_saturated_total",
                "counter",
                "Requests refused because too many were in flight.",
                load(&self.saturated),
            ),
        ];
        for (name, kind, help, value) in gauges_and_counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_counted() {
        let metrics = Metrics::default();
        let guard = metrics.in_flight();
        metrics.request_finished(200, Duration::from_millis(3));
        metrics.request_finished(200, Duration::from_secs(60));
        metrics.request_finished(404, Duration::from_micros(100));
        metrics.request_failed(&RequestError::Saturated(4));
        let text = metrics.render();
        assert!(
            text.contains("factorial_requests_total{status=\"200\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("factorial_requests_total{status=\"404\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("factorial_request_duration_seconds_bucket{le=\"0.005\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("factorial_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("factorial_requests_in_flight 1\n"), "{text}");
        assert!(text.contains("factorial_saturated_total 1\n"), "{text}");
        drop(guard);
        assert!(
            metrics
                .render()
                .contains("factorial_requests_in_flight 0\n")
        );
    }
}
