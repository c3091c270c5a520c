//! The metrics as CloudWatch Embedded Metric Format (EMF) records: one JSON
//! line on stdout per period, which the awslogs log driver sends to
//! CloudWatch Logs and CloudWatch Logs turns into metrics. No agent, no
//! sidecar, no AWS credentials in the runner.
//!
//! Every metric of the Prometheus registry ([`crate::metrics`]) becomes one
//! EMF metric, named in CamelCase without the prefix: a counter as its
//! increase over the period (a `status` label grouped into classes:
//! `Requests2xx`...), a gauge as the highest value sampled each second
//! (`RequestsInFlight`), a histogram in seconds as its p50, p90 and p99 in
//! milliseconds, interpolated inside buckets as Prometheus's
//! `histogram_quantile` does (`RequestDurationP99`).

mod exposition;

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::config::EmfOptions;
use crate::metrics::{Metrics, PREFIX};
use exposition::{Family, Kind, Sample};

/// The one dimension of every metric, and its value: the tasks of a service
/// add up, and the namespace tells services apart.
const DIMENSION: (&str, &str) = ("Service", "factorial");

/// How often gauges are sampled for their peak.
const GAUGE_SAMPLING: Duration = Duration::from_secs(1);

/// The quantiles written for each histogram, and their names' suffixes.
const QUANTILES: [(f64, &str); 3] = [(0.5, "P50"), (0.9, "P90"), (0.99, "P99")];

/// The most metrics one directive may declare, by the EMF specification.
const METRICS_PER_DIRECTIVE: usize = 100;

/// A running publisher of EMF records.
pub struct Publisher {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Publisher {
    /// Starts writing a record every `options.interval`, unless the interval
    /// is zero.
    pub fn start(options: &EmfOptions, metrics: Arc<Metrics>) -> Option<Publisher> {
        if options.interval.is_zero() {
            return None;
        }
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(publish(
            metrics,
            options.interval,
            options.namespace.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        Some(Publisher { stop, task })
    }

    /// Writes the record of the period under way, so that the last requests
    /// of a stopping task are counted, and stops.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// EMF records written one per unit of work, each of what changed since
/// the one before: for Lambda, which freezes the process between
/// invocations, so that no timer of its own can be relied on to fire.
pub struct Records {
    metrics: Arc<Metrics>,
    period: Period,
}

impl Records {
    /// Starts counting from the metrics as they are now.
    pub fn start(namespace: String, metrics: Arc<Metrics>) -> Result<Records> {
        let start = snapshot(&metrics)?;
        Ok(Records {
            metrics,
            period: Period::new(namespace, start),
        })
    }

    /// The record of what changed since the last one, with `properties`
    /// (values that are not metrics, such as a request's id) at its root,
    /// as one line.
    pub fn next(&mut self, properties: Map<String, Value>) -> Result<String> {
        let now = snapshot(&self.metrics)?;
        let mut record = self.period.close(now, milliseconds_since_epoch());
        if let Value::Object(root) = &mut record {
            root.extend(properties);
        }
        Ok(record.to_string())
    }
}

/// Samples `metrics` each second and writes a record every `interval`, then
/// a last one when `stop` completes.
async fn publish(
    metrics: Arc<Metrics>,
    interval: Duration,
    namespace: String,
    stop: impl Future<Output = ()>,
) {
    let mut period = match snapshot(&metrics) {
        Ok(start) => Period::new(namespace, start),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "no EMF metrics");
            return;
        }
    };
    let mut ticks = tokio::time::interval(GAUGE_SAMPLING.min(interval));
    let mut period_end = Instant::now() + interval;
    tokio::pin!(stop);
    loop {
        let last = tokio::select! {
            _ = ticks.tick() => false,
            () = &mut stop => true,
        };
        let now = match snapshot(&metrics) {
            Ok(now) => now,
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "skipping an EMF sample");
                // `stop` has completed once: polling it again would panic.
                if last {
                    return;
                }
                continue;
            }
        };
        period.sample(&now);
        if last || Instant::now() >= period_end {
            period_end += interval;
            let record = period.close(now, milliseconds_since_epoch());
            if let Err(error) = write_line(record.to_string()).await {
                tracing::error!(error = format!("{error:#}"), "cannot write an EMF record");
            }
        }
        if last {
            return;
        }
    }
}

/// The registry, rendered and read back.
fn snapshot(metrics: &Metrics) -> Result<Vec<Family>> {
    let text = metrics.render().context("cannot render the metrics")?;
    Ok(exposition::parse(&text)?)
}

/// Writes `line` to stdout on a blocking thread, under stdout's lock, so that
/// it never splits a log line nor holds up the runtime.
async fn write_line(line: String) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")?;
        stdout.flush()
    })
    .await
    .context("the EMF writer stopped")?
    .context("cannot write to stdout")
}

fn milliseconds_since_epoch() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_millis() as u64
}

/// One period's metrics: the registry at its start, and each gauge's peak
/// so far.
struct Period {
    namespace: String,
    start: Vec<Family>,
    gauge_peaks: BTreeMap<String, f64>,
}

/// A metric's CloudWatch unit and value.
type Datum = (&'static str, f64);

impl Period {
    fn new(namespace: String, start: Vec<Family>) -> Period {
        Period {
            namespace,
            start,
            gauge_peaks: BTreeMap::new(),
        }
    }

    /// Notes each gauge's value, for its peak over the period.
    fn sample(&mut self, now: &[Family]) {
        for family in now.iter().filter(|family| family.kind == Kind::Gauge) {
            for sample in &family.samples {
                let peak = self
                    .gauge_peaks
                    .entry(metric_name(&family.name, sample))
                    .or_insert(f64::NEG_INFINITY);
                *peak = peak.max(sample.value);
            }
        }
    }

    /// The record of the period that ends with `now`, which starts the next.
    fn close(&mut self, now: Vec<Family>, timestamp_ms: u64) -> Value {
        self.sample(&now);
        let mut data: BTreeMap<String, Datum> = BTreeMap::new();
        for family in &now {
            match family.kind {
                Kind::Counter => self.add_increases(family, &mut data),
                Kind::Histogram => self.add_quantiles(family, &mut data),
                Kind::Gauge | Kind::Other => {}
            }
        }
        for (name, peak) in std::mem::take(&mut self.gauge_peaks) {
            data.insert(name.clone(), (unit_of(&name), peak));
        }
        self.start = now;
        record(&self.namespace, timestamp_ms, &data)
    }

    /// Each series' increase since the period's start, summed by name.
    fn add_increases(&self, family: &Family, data: &mut BTreeMap<String, Datum>) {
        for sample in &family.samples {
            let name = metric_name(&family.name, sample);
            let increase = sample.value - self.value_at_start(sample);
            let unit = unit_of(&name);
            data.entry(name).or_insert((unit, 0.0)).1 += increase;
        }
    }

    /// The period's quantiles of a histogram, from its buckets' increases;
    /// none when nothing was observed.
    fn add_quantiles(&self, family: &Family, data: &mut BTreeMap<String, Datum>) {
        let Some(first) = family.samples.first() else {
            return;
        };
        let name = metric_name(&family.name, first);
        let mut buckets: Vec<(f64, f64)> = family
            .samples
            .iter()
            .filter(|sample| sample.name.ends_with("_bucket"))
            .filter_map(|sample| {
                let bound = match sample.label("le")? {
                    "+Inf" => f64::INFINITY,
                    bound => bound.parse().ok()?,
                };
                Some((bound, sample.value - self.value_at_start(sample)))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let milliseconds = family.name.ends_with("_seconds");
        let (unit, scale) = if milliseconds {
            ("Milliseconds", 1000.0)
        } else {
            ("None", 1.0)
        };
        for (q, suffix) in QUANTILES {
            if let Some(value) = quantile(q, &buckets) {
                data.insert(format!("{name}{suffix}"), (unit, value * scale));
            }
        }
    }

    /// The same series' value at the period's start; 0 if it was not there.
    fn value_at_start(&self, sample: &Sample) -> f64 {
        self.start
            .iter()
            .flat_map(|family| &family.samples)
            .find(|old| old.name == sample.name && old.labels == sample.labels)
            .map_or(0.0, |old| old.value)
    }
}

/// The EMF record of `data`: the directives in `_aws`, the dimension and the
/// values at the root, as the specification places them.
fn record(namespace: &str, timestamp_ms: u64, data: &BTreeMap<String, Datum>) -> Value {
    let definitions: Vec<Value> = data
        .iter()
        .map(|(name, (unit, _))| json!({ "Name": name, "Unit": unit }))
        .collect();
    let directives: Vec<Value> = definitions
        .chunks(METRICS_PER_DIRECTIVE)
        .map(|metrics| {
            json!({
                "Namespace": namespace,
                "Dimensions": [[DIMENSION.0]],
                "Metrics": metrics,
            })
        })
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({ "Timestamp": timestamp_ms, "CloudWatchMetrics": directives }),
    );
    root.insert(DIMENSION.0.into(), DIMENSION.1.into());
    for (name, (_, value)) in data {
        root.insert(name.clone(), json!(value));
    }
    Value::Object(root)
}

/// The EMF name of a series: the family's name without the registry's prefix
/// and the `_total` and `_seconds` suffixes, in CamelCase, followed by its
/// labels' values; a `status` label counts as its class (`2xx`), and a
/// histogram's `le` is left out.
fn metric_name(family: &str, sample: &Sample) -> String {
    let base = family.strip_prefix(PREFIX).unwrap_or(family);
    let base = base.trim_start_matches('_');
    let base = base.strip_suffix("_total").unwrap_or(base);
    let base = base.strip_suffix("_seconds").unwrap_or(base);
    let mut name = camel_case(base);
    for (key, value) in &sample.labels {
        match key.as_str() {
            "le" => {}
            "status" => name.push_str(&status_class(value)),
            _ => name.push_str(&camel_case(value)),
        }
    }
    name
}

/// `404` is `4xx`; anything else is kept as it is.
fn status_class(status: &str) -> String {
    match status.as_bytes() {
        [class @ b'1'..=b'5', b'0'..=b'9', b'0'..=b'9'] => format!("{}xx", *class as char),
        _ => camel_case(status),
    }
}

/// `request_duration` is `RequestDuration`.
fn camel_case(snake: &str) -> String {
    snake
        .split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// A gauge's or counter's CloudWatch unit, from its name.
fn unit_of(name: &str) -> &'static str {
    if name.ends_with("Bytes") {
        "Bytes"
    } else {
        "Count"
    }
}

/// The `q`-quantile of a histogram's observations, from its cumulative
/// counts by upper bound (sorted), interpolated linearly inside the bucket
/// it falls in; the largest finite bound when it falls in `+Inf`. None
/// without observations.
fn quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower_bound, mut lower_count) = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return Some(lower_bound);
            }
            let share = (rank - lower_count) / (count - lower_count);
            return Some(lower_bound + (bound - lower_bound) * share);
        }
        (lower_bound, lower_count) = (bound, count);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RequestError;

    fn snapshot_of(metrics: &Metrics) -> Vec<Family> {
        snapshot(metrics).unwrap()
    }

    #[test]
    fn a_record_holds_the_periods_increases_peaks_and_quantiles() {
        let metrics = Metrics::default();
        metrics.request_finished(200, Duration::from_millis(1));
        let mut period = Period::new("Test".into(), snapshot_of(&metrics));
        // Counted before the period: not in its record.
        let in_flight: Vec<_> = (0..3).map(|_| metrics.in_flight()).collect();
        period.sample(&snapshot_of(&metrics));
        drop(in_flight);
        for _ in 0..98 {
            metrics.request_finished(200, Duration::from_micros(800));
        }
        metrics.request_finished(404, Duration::from_millis(2));
        metrics.request_finished(503, Duration::from_secs(3));
        metrics.request_failed(&RequestError::NoComputationSlot(1));
        let record = period.close(snapshot_of(&metrics), 1_700_000_000_000);

        assert_eq!(record["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(record["Service"], "factorial");
        assert_eq!(record["Requests2xx"], 98.0);
        assert_eq!(record["Requests4xx"], 1.0);
        assert_eq!(record["Requests5xx"], 1.0);
        assert_eq!(record["Saturated"], 1.0);
        assert_eq!(record["DeadlineExceeded"], 0.0);
        assert_eq!(record["RequestsInFlight"], 3.0);
        // 98 of 100 took 0.8 ms, in the bucket (0.5 ms, 1 ms].
        let p50 = record["RequestDurationP50"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&p50), "{p50}");
        // The 99th of 100 took 2 ms, in (1 ms, 2.5 ms].
        let p99 = record["RequestDurationP99"].as_f64().unwrap();
        assert!((1.0..=2.5).contains(&p99), "{p99}");
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Test");
        assert_eq!(directive["Dimensions"], json!([["Service"]]));
        let declared: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap())
            .collect();
        for &name in &declared {
            assert!(record[name].is_number(), "{name} in {record}");
        }
        assert!(declared.contains(&"RequestDurationP90"), "{declared:?}");

        // The next period starts where this one ended.
        let quiet = period.close(snapshot_of(&metrics), 1_700_000_060_000);
        assert_eq!(quiet["Requests2xx"], 0.0);
        assert_eq!(quiet["RequestsInFlight"], 0.0);
        assert!(quiet.get("RequestDurationP50").is_none(), "{quiet}");
    }

    #[test]
    fn names_are_camel_case_with_status_classes() {
        let sample = |labels: &[(&str, &str)]| Sample {
            name: String::new(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value: 0.0,
        };
        for (family, labels, expected) in [
            (
                "factorial_requests_total",
                &[("status", "503")][..],
                "Requests5xx",
            ),
            (
                "factorial_request_duration_seconds",
                &[("le", "0.1")],
                "RequestDuration",
            ),
            ("factorial_cache_bytes", &[], "CacheBytes"),
            (
                "factorial_cache_lookups_total",
                &[("outcome", "hit")],
                "CacheLookupsHit",
            ),
            ("other_thing", &[("status", "teapot")], "OtherThingTeapot"),
        ] {
            assert_eq!(metric_name(family, &sample(labels)), expected);
        }
        assert_eq!(unit_of("CacheBytes"), "Bytes");
        assert_eq!(unit_of("Requests2xx"), "Count");
    }

    #[test]
    fn quantiles_interpolate_inside_their_bucket() {
        let buckets = [(1.0, 10.0), (2.0, 30.0), (f64::INFINITY, 40.0)];
        assert_eq!(quantile(0.25, &buckets), Some(1.0));
        assert_eq!(quantile(0.5, &buckets), Some(1.5));
        assert_eq!(quantile(0.125, &buckets), Some(0.5));
        // Beyond the last finite bound: that bound, as histogram_quantile.
        assert_eq!(quantile(0.99, &buckets), Some(2.0));
        assert_eq!(quantile(0.5, &[(1.0, 0.0), (f64::INFINITY, 0.0)]), None);
        assert_eq!(quantile(0.5, &[]), None);
    }
}
