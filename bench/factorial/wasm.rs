//! The component inside wasmtime, called through its typed export
//! `factorial:api/compute`, as an embedder would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use factorial_runner::guest::{GuestSettings, GuestState};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

use crate::summary::{matches, median};

wasmtime::component::bindgen!({
    path: "wit",
    world: "library",
    with: { "wasi:cli/environment": wasmtime_wasi::p2::bindings::cli::environment },
});

pub use exports::factorial::api::compute::FactorialSummary;

/// Builds the component in release mode, as the runner serves it, and
/// returns its path. It goes to its own target directory below the usual
/// one, so that another build sharing `CARGO_TARGET_DIR` (another worktree)
/// cannot swap the measured component between build and load.
pub fn build_component(root: &Path) -> Result<PathBuf> {
    eprintln!("building the component");
    let target = factorial_corpus::target_dir().join("bench-component");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "factorial",
        ])
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root)
        .status()
        .context("starting cargo")?;
    ensure!(status.success(), "building the component failed: {status}");
    Ok(target.join("wasm32-wasip2/release/factorial.wasm"))
}

/// The compiled component and what instantiating it needs.
pub struct Embedding {
    engine: Engine,
    component: Component,
    linker: Linker<GuestState>,
    settings: GuestSettings,
}

impl Embedding {
    /// Compiles the component once; `max_number` becomes its
    /// `FACTORIAL_MAX_NUMBER`. With `deadline_checks`, the code checks
    /// wasmtime's epoch at every function entry and loop head, as the
    /// runner's does to stop a request at its deadline (the epoch never
    /// advances here, so the checks cost their time and never stop a call).
    pub fn load(path: &Path, max_number: u64, deadline_checks: bool) -> Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(deadline_checks);
        let engine = Engine::new(&config)?;
        let component = Component::from_file(&engine, path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("loading {}", path.display()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // The component imports `wasi:http/types` for its handler.
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        let settings = GuestSettings {
            env: vec![("FACTORIAL_MAX_NUMBER".into(), max_number.to_string())],
            body_chunk_size: 64 * 1024,
            memory_limit: usize::MAX,
        };
        Ok(Embedding {
            engine,
            component,
            linker,
            settings,
        })
    }

    /// A fresh instance, as each request gets one.
    fn instantiate(&self) -> Result<(Store<GuestState>, Library)> {
        let mut store = Store::new(&self.engine, GuestState::new(&self.settings));
        store.set_epoch_deadline(1);
        let library = Library::instantiate(&mut store, &self.component, &self.linker)?;
        Ok((store, library))
    }

    /// The best time of `runs` calls of `factorial(n)`, each on a fresh
    /// instance created beforehand (as each request gets one), checking
    /// that every call returns `expected`.
    pub fn best_call(&self, n: u64, runs: usize, expected: &str) -> Result<Duration> {
        let mut best = Duration::MAX;
        for _ in 0..runs {
            let (mut store, library) = self.instantiate()?;
            let compute = library.factorial_api_compute();
            let start = Instant::now();
            let result = compute.call_factorial(&mut store, n)?;
            best = best.min(start.elapsed());
            let text = result.map_err(|error| anyhow!("factorial({n}) failed: {error:?}"))?;
            ensure!(text == expected, "{n}! differs from GMP's inside wasmtime");
        }
        Ok(best)
    }

    /// The median times of `summary(n, leading)`: each call on a fresh
    /// instance created beforehand, and calls after the first on one kept
    /// instance. Every answer must match `expected`.
    pub fn summary_times(
        &self,
        n: u64,
        leading: u32,
        expected: &factorial::math::Summary,
    ) -> Result<(Duration, Duration)> {
        let call = |store: &mut Store<GuestState>, library: &Library| -> Result<Duration> {
            let start = Instant::now();
            let result = library
                .factorial_api_compute()
                .call_summary(store, n, leading)?;
            let elapsed = start.elapsed();
            let answer = result.map_err(|error| anyhow!("summary({n}, {leading}): {error:?}"))?;
            ensure!(
                matches(&answer, expected),
                "summary({n}, {leading}) differs inside wasmtime: {answer:?}"
            );
            Ok(elapsed)
        };
        let cold = median(|| {
            let (mut store, library) = self.instantiate()?;
            call(&mut store, &library)
        })?;
        let (mut store, library) = self.instantiate()?;
        call(&mut store, &library)?;
        let warm = median(|| call(&mut store, &library))?;
        Ok((cold, warm))
    }
}
