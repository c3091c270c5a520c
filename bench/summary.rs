//! Times the summary of n!: natively, inside wasmtime through the typed
//! export, and against mpmath's `loggamma` at 60 digits, the non-rigorous
//! estimate a Python user would reach for (issue 7's yardstick).
//!
//! `scripts/bench-summary.sh` builds the component, installs mpmath and runs
//! this. By hand: build the component, then `cargo bench --bench summary`;
//! the mpmath column needs `SUMMARY_BENCH_PYTHON` (default `.venv/bin/python`)
//! to have mpmath, and is left out otherwise.
//!
//! Each row is the median of repeated calls. The component caches ln 2,
//! ln 10 and ln 2π in its instance, as mpmath caches its constants in its
//! process, so both are timed cold and warm. Cold: a fresh instance for every
//! call (each HTTP request gets one; instantiating is not timed), and the
//! first call in a fresh Python process. Warm: calls after the first in one
//! instance or process, as a host that keeps an instance for the typed
//! interface sees them. The native column is warm.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use factorial::math::summary;
use factorial_runner::config::Cli;
use factorial_runner::host::{GuestSettings, Host};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

wasmtime::component::bindgen!({
    path: "wit",
    world: "library",
    with: { "wasi:cli/environment": wasmtime_wasi::p2::bindings::cli::environment },
});

/// The n of issue 7's targets, and smaller ones where n! is computed
/// exactly for some K (see `STIRLING_FACTORS_PER_BIT`).
const NUMBERS: [u64; 6] = [
    1_000,
    10_000,
    100_000,
    1_000_000_000,
    1_000_000_000_000_000_000,
    u64::MAX,
];
const LEADINGS: [u32; 3] = [1, 30, 1000];
/// Calls per row: enough for a stable median at well under a second a row.
const SAMPLES: usize = 21;

fn main() -> anyhow::Result<()> {
    let guest = Guest::load()?;
    let mpmath = mpmath_times();
    if let Err(error) = &mpmath {
        eprintln!("no mpmath columns: {error:#}");
    }
    print!(
        "{:>20}  {:>4}  {:>10}  {:>10}  {:>10}",
        "n", "K", "native", "wasm cold", "wasm warm"
    );
    if mpmath.is_ok() {
        print!(
            "  {:>11}  {:>11}  {:>9}  {:>9}",
            "mpmath cold", "mpmath warm", "cold/cold", "warm/warm"
        );
    }
    println!();
    for (row, n) in NUMBERS.into_iter().enumerate() {
        for leading in LEADINGS {
            let native_leading = NonZeroUsize::new(leading as usize).context("K is positive")?;
            let native = median_time(
                || (),
                |()| {
                    black_box(summary(black_box(n), native_leading));
                },
            );
            let (cold, warm) = guest.median_times(n, leading)?;
            print!(
                "{n:>20}  {leading:>4}  {:>10}  {:>10}  {:>10}",
                micros(native),
                micros(cold),
                micros(warm)
            );
            if let Ok(times) = &mpmath {
                let (python_cold, python_warm) = times[row];
                print!(
                    "  {:>11}  {:>11}  {:>9.2}  {:>9.2}",
                    micros(python_cold),
                    micros(python_warm),
                    cold.as_secs_f64() / python_cold.as_secs_f64(),
                    warm.as_secs_f64() / python_warm.as_secs_f64()
                );
            }
            println!();
        }
    }
    Ok(())
}

/// The component, compiled and linked once, with the runner's default
/// guest settings.
struct Guest {
    engine: Engine,
    library: LibraryPre<Host>,
    settings: GuestSettings,
}

impl Guest {
    fn load() -> anyhow::Result<Self> {
        let engine = Engine::default();
        let path = component_path();
        let component = Component::from_file(&engine, &path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("loading {} (build it first)", path.display()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)
            .map_err(anyhow::Error::from)?;
        let library = linker
            .instantiate_pre(&component)
            .and_then(LibraryPre::new)
            .map_err(anyhow::Error::from)?;
        let settings = Cli::try_parse_from(["factorial-runner"])?
            .serve
            .guest_settings();
        Ok(Guest {
            engine,
            library,
            settings,
        })
    }

    fn instantiate(&self) -> anyhow::Result<(Store<Host>, Library)> {
        let mut store = Store::new(&self.engine, Host::new(&self.settings));
        let library = self
            .library
            .instantiate(&mut store)
            .map_err(anyhow::Error::from)?;
        Ok((store, library))
    }

    /// The median times of `summary(n, leading)` through the typed export:
    /// each call in a fresh instance, and calls after the first in one.
    fn median_times(&self, n: u64, leading: u32) -> anyhow::Result<(Duration, Duration)> {
        let call = |store: &mut Store<Host>, library: &Library| {
            let result = library
                .factorial_api_compute()
                .call_summary(store, n, leading);
            assert!(
                matches!(result, Ok(Ok(_))),
                "summary({n}, {leading}): {result:?}"
            );
        };
        let mut fresh = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            fresh.push(self.instantiate()?);
        }
        let cold = median_time(
            || fresh.pop().expect("one instance a sample"),
            |(mut store, library)| call(&mut store, &library),
        );
        let (mut store, library) = self.instantiate()?;
        call(&mut store, &library);
        let warm = median_time(|| (), |()| call(&mut store, &library));
        Ok((cold, warm))
    }
}

/// The component as `cargo build --release --target wasm32-wasip2` leaves it.
fn component_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("wasm32-wasip2/release/factorial.wasm")
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// mpmath's `loggamma(n + 1)` at 60 digits for each of [`NUMBERS`], from
/// `bench/summary_mpmath.py` in a fresh process per n: the first call and
/// the median warm call.
fn mpmath_times() -> anyhow::Result<Vec<(Duration, Duration)>> {
    let python = std::env::var_os("SUMMARY_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let script = workspace_root().join("bench/summary_mpmath.py");
    NUMBERS
        .iter()
        .map(|n| {
            let output = Command::new(&python)
                .arg(&script)
                .arg(n.to_string())
                .output()
                .with_context(|| format!("running {}", python.display()))?;
            if !output.status.success() {
                bail!(
                    "{} failed: {}",
                    script.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            let line = String::from_utf8(output.stdout)?;
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_, cold, warm] = fields[..] else {
                bail!("unexpected output {line:?}");
            };
            Ok((
                Duration::from_secs_f64(cold.parse()?),
                Duration::from_secs_f64(warm.parse()?),
            ))
        })
        .collect()
}

/// The median time of `run`, each time on a fresh input from `setup`,
/// which is not timed.
fn median_time<T>(mut setup: impl FnMut() -> T, mut run: impl FnMut(T)) -> Duration {
    let mut times: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let input = setup();
            let start = Instant::now();
            run(input);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[SAMPLES / 2]
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}
