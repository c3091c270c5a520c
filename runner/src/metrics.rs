//! Prometheus metrics, kept by `prometheus-client` and rendered in the
//! Prometheus text format (version 0.0.4, which every scraper reads) on the
//! admin listener's `/metrics`. The crate takes
//! a histogram's snapshot under one lock, so a scrape never shows a bucket
//! above `+Inf`; a new metric is a field, registered in [`Metrics::default`].

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry};

use crate::cache::CacheStatus;
use crate::error::RequestError;

/// The media type of what [`Metrics::render`] writes.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The prefix of every metric's name.
pub(crate) const PREFIX: &str = "factorial";

/// Upper bounds of the latency histogram's buckets, in seconds: from a small
/// factorial (well under a millisecond) to the default deadline.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The label of the requests counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

/// The metrics shared by the server and the service, and the registry that
/// renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<StatusLabel, Counter>,
    request_duration: Histogram,
    in_flight: Gauge,
    guest_errors: Counter,
    deadline_exceeded: Counter,
    memory_limit_exceeded: Counter,
    saturated: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_coalesced: Counter,
    cache_evictions: Counter,
    cache_bytes: Gauge,
    response_buffer_bytes: Gauge,
    response_timeouts: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let add = &mut registry;
        add.register(
            "log_lines_dropped",
            "Log lines dropped because stdout did not keep up",
            crate::log::dropped_lines().clone(),
        );
        // Counters get their `_total` suffix from the format.
        Metrics {
            requests: registered(
                add,
                "requests",
                "Requests answered, by status",
                Family::default(),
            ),
            request_duration: registered(
                add,
                "request_duration_seconds",
                "Time from request to last body byte",
                Histogram::new(LATENCY_BUCKETS),
            ),
            in_flight: registered(
                add,
                "requests_in_flight",
                "Requests being answered",
                Gauge::default(),
            ),
            guest_errors: registered(
                add,
                "guest_errors",
                "Requests whose guest failed: trapped, answered an error code or set no response",
                Counter::default(),
            ),
            deadline_exceeded: registered(
                add,
                "deadline_exceeded",
                "Requests stopped at their deadline",
                Counter::default(),
            ),
            memory_limit_exceeded: registered(
                add,
                "memory_limit_exceeded",
                "Requests stopped at the memory limit",
                Counter::default(),
            ),
            saturated: registered(
                add,
                "saturated",
                "Requests refused at once because every computation slot was taken",
                Counter::default(),
            ),
            cache_hits: registered(
                add,
                "cache_hits",
                "Requests answered from the cache at once",
                Counter::default(),
            ),
            cache_misses: registered(
                add,
                "cache_misses",
                "Requests the cache looked up and the component answered",
                Counter::default(),
            ),
            cache_coalesced: registered(
                add,
                "cache_coalesced",
                "Requests answered from the cache after waiting for another's computation",
                Counter::default(),
            ),
            cache_evictions: registered(
                add,
                "cache_evictions",
                "Answers evicted from the cache to stay within its bound",
                Counter::default(),
            ),
            cache_bytes: registered(
                add,
                "cache_bytes",
                "Bytes of stored answers alive, their bookkeeping included: in the \
                 cache, or evicted and still being sent",
                Gauge::default(),
            ),
            response_buffer_bytes: registered(
                add,
                "response_buffer_bytes",
                "Bytes of computed answers held while clients read them",
                Gauge::default(),
            ),
            response_timeouts: registered(
                add,
                "response_timeouts",
                "Connections closed because an answer was not sent whole by its deadline",
                Counter::default(),
            ),
            registry,
        }
    }
}

/// Registers `metric` as `name` and gives it back: the registry renders the
/// same metric that the caller updates.
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// Counts a request as in flight until dropped.
pub(crate) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

impl Metrics {
    /// Marks a request in flight for the guard's lifetime.
    pub(crate) fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(self)
    }

    /// Counts a finished request: its status and how long it took.
    pub(crate) fn request_finished(&self, status: u16, duration: Duration) {
        self.requests.get_or_create(&StatusLabel { status }).inc();
        self.request_duration.observe(duration.as_secs_f64());
    }

    /// Counts a request the component could not answer, by reason.
    pub(crate) fn request_failed(&self, error: &RequestError) {
        let counter = match error {
            RequestError::NoComputationSlot(_) => &self.saturated,
            RequestError::DeadlineExceeded(_) => &self.deadline_exceeded,
            RequestError::MemoryLimitExceeded(_) => &self.memory_limit_exceeded,
            RequestError::Guest(_) => &self.guest_errors,
            // Counted where the computation failed, or not a failure.
            RequestError::NoAnswer(_) => return,
        };
        counter.inc();
    }

    /// Counts what the cache did for a request it looked up.
    pub(crate) fn cache_answered(&self, status: CacheStatus) {
        let counter = match status {
            CacheStatus::Hit => &self.cache_hits,
            CacheStatus::Coalesced => &self.cache_coalesced,
            CacheStatus::Miss => &self.cache_misses,
            CacheStatus::Bypass | CacheStatus::Off => return,
        };
        counter.inc();
    }

    /// Counts `answers` evicted from the cache.
    pub(crate) fn cache_evicted(&self, answers: u64) {
        self.cache_evictions.inc_by(answers);
    }

    /// The gauge of the bytes the cache holds, which the cache keeps.
    pub(crate) fn cache_bytes(&self) -> Gauge {
        self.cache_bytes.clone()
    }

    /// The gauge of the response buffer's bytes held, which the buffer
    /// keeps.
    pub(crate) fn response_buffer_bytes(&self) -> Gauge {
        self.response_buffer_bytes.clone()
    }

    /// Counts a connection closed at its answer's deadline.
    pub(crate) fn response_timed_out(&self) {
        self.response_timeouts.inc();
    }

    /// The metrics in the Prometheus text format, of type [`CONTENT_TYPE`].
    pub(crate) fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `series` (name and labels as written).
    fn sample(text: &str, series: &str) -> Option<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(|value| value.parse().unwrap())
    }

    #[test]
    fn renders_what_was_counted() {
        let metrics = Metrics::default();
        let guard = metrics.in_flight();
        metrics.request_finished(200, Duration::from_millis(3));
        metrics.request_finished(200, Duration::from_secs(60));
        metrics.request_finished(404, Duration::from_micros(100));
        metrics.request_failed(&RequestError::NoComputationSlot(4));
        let text = metrics.render().unwrap();
        for (series, value) in [
            ("factorial_requests_total{status=\"200\"}", 2),
            ("factorial_requests_total{status=\"404\"}", 1),
            ("factorial_request_duration_seconds_bucket{le=\"0.005\"}", 2),
            ("factorial_request_duration_seconds_bucket{le=\"+Inf\"}", 3),
            ("factorial_request_duration_seconds_count", 3),
            ("factorial_requests_in_flight", 1),
            ("factorial_saturated_total", 1),
            ("factorial_guest_errors_total", 0),
        ] {
            assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
        }
        for family in [
            "factorial_requests_total",
            "factorial_log_lines_dropped_total",
        ] {
            assert!(
                text.contains(&format!("# TYPE {family} counter\n")),
                "{family} in {text}"
            );
        }
        drop(guard);
        let text = metrics.render().unwrap();
        assert_eq!(sample(&text, "factorial_requests_in_flight"), Some(0));
    }

    #[test]
    fn buckets_are_cumulative_up_to_the_count() {
        let metrics = Metrics::default();
        for millis in [0, 1, 7, 40, 300, 2_000, 45_000] {
            metrics.request_finished(200, Duration::from_millis(millis));
        }
        let text = metrics.render().unwrap();
        let buckets: Vec<u64> = text
            .lines()
            .filter(|line| line.starts_with("factorial_request_duration_seconds_bucket"))
            .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(buckets.len(), LATENCY_BUCKETS.len() + 1, "{text}");
        assert!(buckets.is_sorted(), "{text}");
        assert_eq!(buckets.last(), Some(&7), "{text}");
    }
}
