//! The command line. Every option has an environment twin, so the container
//! is configured the way ECS passes settings, and every limit has a default
//! that suits one Fargate task. Options are checked here, before anything is
//! bound or loaded.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use factorial_config::{Config as ComponentConfig, MAX_NUMBER_VAR};

use crate::guest::GuestSettings;

/// Where `serve` listens, and `healthcheck` asks, unless told otherwise:
/// loopback, so that a server started on a laptop is not reachable from its
/// network. The container sets `FACTORIAL_LISTEN=0.0.0.0:5000`.
const DEFAULT_LISTEN: &str = "127.0.0.1:5000";

/// The help heading of the limits, in `--help` and docs/operations.md.
const LIMITS_HEADING: &str = "Limits";

/// The help heading of the EMF options, in `--help` and docs/operations.md.
const EMF_HEADING: &str = "EMF";

/// Bytes in a mebibyte, the unit of `--memory-limit-mib` and
/// `--memory-budget-mib`.
pub(crate) const BYTES_PER_MIB: u64 = 1024 * 1024;

/// Serves the factorial component over HTTP/1.1 with wasmtime.
#[derive(Debug, Parser)]
#[command(
    name = "factorial-runner",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeOptions,
}

/// The runner's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the component (the default).
    Serve(ServeOptions),
    /// Compile the component ahead of time to a native artifact that loads
    /// in milliseconds, for this runner's engine settings only.
    Compile(CompileOptions),
    /// Ask a running server for `/healthz`: exit 0 on `200 ok`, 1 otherwise.
    /// For container health checks where there is no curl.
    Healthcheck(HealthcheckOptions),
    /// Serve the component on AWS Lambda: answer the invocations of
    /// Lambda's runtime API (`AWS_LAMBDA_RUNTIME_API`) rather than listen.
    /// Started under the name `bootstrap`, as Lambda starts a function, the
    /// runner does this unasked. Of `serve`'s options, the listeners,
    /// connection timeouts, `--max-concurrent` and `--emf-interval` have no
    /// use here.
    Lambda(ServeOptions),
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    /// The address to listen on: loopback by default; set `0.0.0.0:5000` to
    /// serve other machines.
    #[arg(long, env = "FACTORIAL_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// The component to serve, `.wasm` or `.cwasm` precompiled by `compile`.
    /// Default: the precompiled artifact for the host's CPU level, then
    /// `factorial.cwasm`, then `factorial.wasm` beside the executable, then
    /// where `cargo build --release --target wasm32-wasip2` puts the
    /// component.
    #[arg(long, env = "FACTORIAL_COMPONENT")]
    pub component: Option<PathBuf>,

    /// The largest n whose factorial is served, passed to the component as
    /// `FACTORIAL_MAX_NUMBER`. Default: the component's, 900000.
    #[arg(long, env = MAX_NUMBER_VAR, value_parser = parse_max_number)]
    pub max_number: Option<u64>,

    /// The address of the admin listener, which serves Prometheus metrics on
    /// `/metrics`. Loopback by default: set `0.0.0.0:9090` to expose it.
    #[arg(long, env = "FACTORIAL_ADMIN_LISTEN", default_value = "127.0.0.1:9090")]
    pub admin_listen: SocketAddr,

    /// On SIGTERM or SIGINT, how long the requests being answered may take
    /// to finish before the runner exits anyway. Under ECS's 30 s stop
    /// timeout.
    #[arg(long, env = "FACTORIAL_SHUTDOWN_GRACE", default_value = "25s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,

    /// Limits on requests and connections.
    #[command(flatten)]
    pub limits: Limits,

    /// The metrics as CloudWatch records on stdout.
    #[command(flatten)]
    pub emf: EmfOptions,
}

/// The metrics written on stdout in CloudWatch's Embedded Metric Format,
/// which CloudWatch Logs turns into metrics (docs/operations.md, "Metrics in
/// CloudWatch").
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = EMF_HEADING)]
pub struct EmfOptions {
    /// How often to write the metrics on stdout as one EMF record, such as
    /// `60s`: `0s` or at least `1s`. `0s`, the default, writes none; the
    /// container's task definition turns them on.
    #[arg(long = "emf-interval", env = "FACTORIAL_EMF_INTERVAL", default_value = "0s",
          value_parser = parse_emf_interval)]
    pub interval: Duration,

    /// The CloudWatch namespace of the EMF records' metrics.
    #[arg(long = "emf-namespace", env = "FACTORIAL_EMF_NAMESPACE", default_value = "Factorial",
          value_parser = parse_namespace)]
    pub namespace: String,
}

/// The bounds on time and memory that keep one request, one client or a
/// crowd from exhausting the server; the memory budget adds up the memory
/// ones.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = LIMITS_HEADING)]
pub struct Limits {
    /// Wall-clock deadline of one request, from its arrival to the last byte
    /// of its answer, whether computed or stored. A computation past it is
    /// stopped inside wasm by epoch interruption and gets 504; a client
    /// still reading its answer then is disconnected.
    #[arg(long, env = "FACTORIAL_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_timeout)]
    pub request_timeout: Duration,

    /// Linear memory one instance may use, in MiB; beyond it the request gets
    /// 500. Raise it with the maximum n: docs/performance.md, "The default
    /// maximum", says what the largest n need.
    #[arg(long, env = "FACTORIAL_MEMORY_LIMIT_MIB", default_value_t = 128,
          value_parser = clap::value_parser!(u64).range(2..=4096))]
    pub memory_limit_mib: u64,

    /// Computations at once, each with its own instance. A request that
    /// needs one when all are taken gets 503 with `Retry-After` at once
    /// rather than wait in an unbounded queue; answers from the cache, and
    /// requests sharing another's computation, need none. The memory budget
    /// may allow fewer (docs/operations.md, "Memory"). Default: 16 per core.
    #[arg(long, env = "FACTORIAL_MAX_CONCURRENT", default_value_t = default_max_concurrent(),
          hide_default_value = true,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_concurrent: u32,

    /// The memory the runner may use in all, in MiB: its own, the cache's,
    /// the response buffer's and every instance's. Default: the cgroup's
    /// memory limit (a container's or task's), else the machine's memory.
    /// The runner refuses to start when not even one computation fits.
    #[arg(long, env = "FACTORIAL_MEMORY_BUDGET_MIB",
          value_parser = clap::value_parser!(u64).range(16..=16 * 1024 * 1024))]
    pub memory_budget_mib: Option<u64>,

    /// Bytes of computed answers held in memory while clients read them:
    /// the component writes its answer here as fast as it computes it, so a
    /// slow client holds bytes, never an instance. When it is full, a
    /// computation waits for room until its deadline.
    #[arg(long, env = "FACTORIAL_RESPONSE_BUFFER_BYTES", default_value_t = 64 * BYTES_PER_MIB,
          value_parser = clap::value_parser!(u64).range(64 * 1024..=u64::from(u32::MAX)))]
    pub response_buffer_bytes: u64,

    /// Time a client has to send a request's headers, counted from when the
    /// connection is ready for them; a slow client is disconnected.
    #[arg(long, env = "FACTORIAL_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_timeout)]
    pub header_timeout: Duration,

    /// Time an idle keep-alive connection is kept open. Above the ALB's idle
    /// timeout, so that the ALB, not the runner, closes idle connections.
    #[arg(long, env = "FACTORIAL_IDLE_TIMEOUT", default_value = "75s", value_parser = parse_timeout)]
    pub idle_timeout: Duration,

    /// The largest request head (request line and headers), in bytes; beyond
    /// it the client gets 431. Bounds the digits a `number` can have.
    #[arg(long, env = "FACTORIAL_MAX_HEADER_SIZE", default_value_t = 64 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024))]
    pub max_header_size: u64,

    /// The largest piece of a response body the runner takes from the
    /// component at once, in bytes: what one slow client can make it buffer.
    #[arg(long, env = "FACTORIAL_BODY_CHUNK_SIZE", default_value_t = 64 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024 * 1024))]
    pub body_chunk_size: u64,

    /// Bytes of answers the shared HTTP cache keeps in memory, everything
    /// that keys them counted, least recently used evicted first; `0` turns
    /// the cache off. The default, 64 MiB, holds some forty answers of
    /// 300000!, or hundreds of thousands of small ones.
    #[arg(long, env = "FACTORIAL_CACHE_BYTES", default_value_t = 64 * BYTES_PER_MIB)]
    pub cache_bytes: u64,
}

/// Options of `compile`.
#[derive(Debug, Clone, Args)]
pub struct CompileOptions {
    /// The component to compile. Default: found as `serve` finds it.
    #[arg(long, env = "FACTORIAL_COMPONENT")]
    pub component: Option<PathBuf>,

    /// Where to write the native artifact.
    #[arg(long, short)]
    pub output: PathBuf,

    /// The CPU level to compile for: `x86-64-v4` or `x86-64-v3` on x86_64
    /// Linux. Default: x86-64-v3, the portable baseline, on x86_64 Linux,
    /// and the building machine's CPU elsewhere.
    #[arg(long)]
    pub cpu: Option<String>,
}

/// Options of `healthcheck`.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckOptions {
    /// The address the server listens on; an unspecified address
    /// (`0.0.0.0`) is reached over loopback.
    #[arg(long, env = "FACTORIAL_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// How long to wait for the answer before exiting 1.
    #[arg(long, default_value = "3s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

impl ServeOptions {
    /// What each request's instance gets: the component reads its maximum
    /// from its environment.
    pub fn guest_settings(&self) -> GuestSettings {
        GuestSettings {
            env: self
                .max_number
                .map(|max| (MAX_NUMBER_VAR.to_string(), max.to_string()))
                .into_iter()
                .collect(),
            body_chunk_size: self.limits.body_chunk_size as usize,
            memory_limit: self.limits.memory_limit_bytes(),
        }
    }
}

impl Limits {
    /// `--memory-limit-mib` in bytes, as both the instance pool and each
    /// store's limiter take it.
    pub(crate) fn memory_limit_bytes(&self) -> usize {
        usize::try_from(self.memory_limit_mib * BYTES_PER_MIB).unwrap_or(usize::MAX)
    }
}

/// 16 requests per core: most requests are small and take well under a
/// millisecond, so a few per core keep every core busy while the large ones
/// compute, and the memory limit bounds what they can hold together.
fn default_max_concurrent() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores as u32).saturating_mul(16)
}

/// The maximum as the component itself parses `FACTORIAL_MAX_NUMBER`, so that
/// a value the runner accepts is one the component accepts too, and a bad
/// one stops start-up instead of failing every request.
fn parse_max_number(text: &str) -> Result<u64, String> {
    ComponentConfig::from_env([(MAX_NUMBER_VAR.to_string(), text.to_string())])
        .map(|config| config.max_number)
        .map_err(|error| error.to_string())
}

/// Zero, or at least a second: CloudWatch keeps standard metrics by the
/// minute, and gauges are sampled each second.
fn parse_emf_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text)?;
    if !interval.is_zero() && interval < Duration::from_secs(1) {
        return Err(format!("{text:?}: 0s, or at least 1s"));
    }
    Ok(interval)
}

/// A CloudWatch namespace: 1 to 255 letters, digits or `.-_/#: `, not in
/// AWS's own `AWS/` space.
fn parse_namespace(text: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c);
    if text.is_empty() || text.len() > 255 || !text.chars().all(allowed) {
        return Err(format!(
            "{text:?}: a namespace has 1 to 255 letters, digits or .-_/#: and spaces"
        ));
    }
    if text.starts_with("AWS/") {
        return Err(format!("{text:?}: the AWS/ namespaces are AWS's own"));
    }
    Ok(text.to_string())
}

/// A duration such as `30s`, `250ms`, `2m` or `1m 30s` (humantime's
/// format).
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|error| format!("{text:?} is not a duration such as 30s or 250ms: {error}"))
}

/// A duration that is not zero: a timeout of nothing would refuse every
/// request.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout.is_zero() {
        return Err(format!("{text:?}: a timeout must be longer than zero"));
    }
    Ok(timeout)
}

#[cfg(test)]
mod options_doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        // Past u64 seconds: an error, not an overflow.
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in [
            "",
            "s",
            "7",
            "-1s",
            "99999999999999999999m",
            "999999999999999999m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_timeout("0s").is_err());
        assert_eq!(parse_timeout("1ms"), Ok(Duration::from_millis(1)));
    }

    #[test]
    fn serving_is_the_default_command() {
        let cli = Cli::try_parse_from(["factorial-runner", "--max-number", "7"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.max_number, Some(7));
        let cli = Cli::try_parse_from(["factorial-runner", "compile", "-o", "x.cwasm"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Compile(_))));
    }

    #[test]
    fn emf_records_are_off_unless_asked_for() {
        let cli = Cli::try_parse_from(["factorial-runner"]).unwrap();
        assert!(cli.serve.emf.interval.is_zero());
        let cli = Cli::try_parse_from([
            "factorial-runner",
            "--emf-interval",
            "1m",
            "--emf-namespace",
            "Factorial/prod",
        ])
        .unwrap();
        assert_eq!(cli.serve.emf.interval, Duration::from_secs(60));
        assert_eq!(cli.serve.emf.namespace, "Factorial/prod");
    }

    #[test]
    fn the_cache_is_on_unless_turned_off() {
        let on = Cli::try_parse_from(["factorial-runner"]).unwrap();
        assert!(on.serve.limits.cache_bytes > 0);
        let off = Cli::try_parse_from(["factorial-runner", "--cache-bytes", "0"]).unwrap();
        assert_eq!(off.serve.limits.cache_bytes, 0);
    }

    #[test]
    fn listens_on_loopback_unless_told_otherwise() {
        let address: SocketAddr = DEFAULT_LISTEN.parse().unwrap();
        assert!(address.ip().is_loopback(), "{address}");
    }

    #[test]
    fn the_maximum_is_read_as_the_component_reads_it() {
        assert_eq!(parse_max_number(" 2500 "), Ok(2500));
        let error = parse_max_number("1e6").unwrap_err();
        assert!(error.contains(MAX_NUMBER_VAR), "{error}");
    }

    #[test]
    fn limits_are_checked_before_anything_starts() {
        for args in [
            &["--max-concurrent", "0"][..],
            &["--memory-limit-mib", "1"],
            &["--request-timeout", "soon"],
            &["--request-timeout", "0s"],
            &["--header-timeout", "0ms"],
            &["--memory-budget-mib", "1"],
            &["--response-buffer-bytes", "1000"],
            &["--max-number", "-5"],
            &["--emf-interval", "500ms"],
            &["--emf-namespace", ""],
            &["--emf-namespace", "AWS/ECS"],
            &["--emf-namespace", "tab\there"],
            &["--cache-bytes", "64MiB"],
        ] {
            let mut argv = vec!["factorial-runner"];
            argv.extend_from_slice(args);
            assert!(Cli::try_parse_from(argv).is_err(), "{args:?}");
        }
    }
}
