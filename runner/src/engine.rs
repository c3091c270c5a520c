//! The wasmtime side that is set up once: the `Engine` (its pooling
//! allocator sized by the limits, epoch interruption compiled in), the
//! component compiled or loaded precompiled, linked and pre-instantiated
//! once, and the epoch clock. What happens per request is
//! [`service`](crate::service)'s.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use wasmtime::component::{Component, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Precompiled,
};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::epoch::EpochThread;
use crate::guest::GuestState;

/// Core instances in one component instance. A Rust component has its main
/// module plus a few adapter and shim modules; this leaves room to spare.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;

/// Bytes of each memory and table slot reset in place on reuse rather than
/// given back to the kernel: enough to cover what a small request touches
/// (the guest's stack and heap) with room to spare, so that the common
/// request never faults its pages in again, and no more, since every slot
/// may keep this much resident (what a small request touches is measured
/// in docs/performance.md, "Tuning").
pub const KEEP_RESIDENT: usize = 4 * 1024 * 1024;

/// The component compiled, linked and pre-instantiated once on an engine set
/// up for serving, and the epoch clock that bounds its guests' time. Every
/// request instantiates [`LoadedComponent::pre`] in a fresh `Store`, so a
/// request costs an instantiation, not a compile, and no state leaks from
/// one request to the next.
pub(crate) struct LoadedComponent {
    pre: ProxyPre<GuestState>,
    _epoch: EpochThread,
}

impl LoadedComponent {
    /// Loads the component at `path` (`.wasm`, or a `.cwasm` precompiled for
    /// these settings), links WASI and WASI HTTP, checks that it is a
    /// `wasi:http` proxy, and starts the epoch clock. The engine's pool has
    /// `slots` instances of at most `memory_limit` bytes of memory each.
    pub(crate) fn load(path: &Path, slots: u32, memory_limit: usize) -> Result<Self> {
        let engine = new_engine(Purpose::Serve {
            slots,
            memory_limit,
        })?;
        let component = load_component(&engine, path)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)?;
        let instance = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot link the component {}", path.display()))?;
        let pre = ProxyPre::new(instance)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "{} does not export wasi:http/incoming-handler",
                    path.display()
                )
            })?;
        let epoch = EpochThread::spawn(engine).context("cannot start the epoch thread")?;
        Ok(LoadedComponent { pre, _epoch: epoch })
    }

    /// The pre-instantiated component, to instantiate once per request.
    pub(crate) fn pre(&self) -> &ProxyPre<GuestState> {
        &self.pre
    }
}

/// Compiles the component at `input` for this runner's engine and writes
/// the native artifact to `output`, for the CPU level named `cpu` (one of
/// [`CPU_LEVELS`]) or, when `None`, for the portable baseline (the last
/// level) rather than the building machine's CPU.
pub(crate) fn compile(input: &Path, output: &Path, cpu: Option<&str>) -> Result<()> {
    let level = match cpu {
        Some(name) => Some(
            CPU_LEVELS
                .iter()
                .find(|level| level.name == name)
                .ok_or_else(|| {
                    let known: Vec<_> = CPU_LEVELS.iter().map(|level| level.name).collect();
                    anyhow!("unknown CPU level {name}; this runner knows: {known:?}")
                })?,
        ),
        None => CPU_LEVELS.last(),
    };
    let engine = new_engine(Purpose::Precompile(level))?;
    let wasm = std::fs::read(input)
        .with_context(|| format!("cannot read the component {}", input.display()))?;
    let artifact = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile the component {}", input.display()))?;
    std::fs::write(output, artifact).with_context(|| format!("cannot write {}", output.display()))
}

/// A component from a `.wasm` file, compiled now, or from an artifact of
/// [`compile`], which wasmtime checks against this engine's settings.
fn load_component(engine: &Engine, path: &Path) -> Result<Component> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot load the component {}", path.display()))?;
    let component = match Engine::detect_precompiled(&bytes) {
        // SAFETY: the artifact is trusted like the runner binary itself: it
        // comes from `factorial-runner compile`, and wasmtime checks that it
        // was compiled for this engine's version and settings.
        Some(Precompiled::Component) => unsafe { Component::deserialize(engine, &bytes) },
        Some(Precompiled::Module) => {
            return Err(anyhow!(
                "{} is a precompiled core module, not a component",
                path.display()
            ));
        }
        None => Component::new(engine, &bytes),
    };
    component
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot load the component {}", path.display()))
}

/// A CPU level a precompiled artifact can be compiled for: its name, which
/// is also a Cranelift preset, the features the preset leaves out, and
/// whether this host has them all.
pub(crate) struct CpuLevel {
    /// The level's name, such as `x86-64-v3`, and its Cranelift preset.
    pub name: &'static str,
    /// The Cranelift flags of features the level has but its preset does not
    /// enable: Cranelift's `x86-64-v3` lacks `has_avx`, so its vector code
    /// keeps SSE's two-operand encodings, and its `x86-64-v4` lacks
    /// `has_avx512f`.
    pub preset_omits: &'static [&'static str],
    /// Whether this host's CPU has every feature the level needs.
    pub host_has: fn() -> bool,
}

/// The levels artifacts are compiled for on x86_64 Linux, best first. The
/// last, x86-64-v3 (AVX2, BMI2, FMA: Haswell, Zen and later, every Nitro
/// host Fargate runs on), is the portable baseline, `factorial.cwasm`: an
/// image built on a CPU with AVX-512 still starts on one without. The
/// x86-64-v4 one adds AVX-512 (F, DQ and VL), which Cranelift uses for the
/// component's 64-bit vector multiplications; the runner serves it on a host
/// that has those features (see [`host_levels`]). Serving also has wasmtime
/// check an artifact's features against the host's, and refuse to start on
/// an older CPU. Elsewhere no level is known, and an artifact uses the build
/// machine's features.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub(crate) const CPU_LEVELS: &[CpuLevel] = &[
    CpuLevel {
        name: "x86-64-v4",
        preset_omits: &["has_avx", "has_avx512f"],
        host_has: host_has_x86_64_v4,
    },
    CpuLevel {
        name: "x86-64-v3",
        preset_omits: &["has_avx"],
        host_has: host_has_x86_64_v3,
    },
];
/// See the x86_64 Linux constant.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
pub(crate) const CPU_LEVELS: &[CpuLevel] = &[];

/// The names of the [`CPU_LEVELS`] this host runs, best first.
pub(crate) fn host_levels() -> impl Iterator<Item = &'static str> {
    CPU_LEVELS
        .iter()
        .filter(|level| (level.host_has)())
        .map(|level| level.name)
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn host_has_x86_64_v3() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("sse3")
        && has!("ssse3")
        && has!("sse4.1")
        && has!("sse4.2")
        && has!("popcnt")
        && has!("cmpxchg16b")
        && has!("avx")
        && has!("avx2")
        && has!("fma")
        && has!("bmi1")
        && has!("bmi2")
        && has!("lzcnt")
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn host_has_x86_64_v4() -> bool {
    use std::arch::is_x86_feature_detected as has;
    host_has_x86_64_v3() && has!("avx512f") && has!("avx512dq") && has!("avx512vl")
}

/// What an engine is for.
enum Purpose<'a> {
    /// Serving, with a pool of `slots` instances.
    Serve { slots: u32, memory_limit: usize },
    /// Writing an artifact for a CPU level, or for this host when none.
    Precompile(Option<&'a CpuLevel>),
}

/// The engine that compiles and runs the component. Epoch interruption is
/// compiled into the code, so `compile` and `serve` share this function.
fn new_engine(purpose: Purpose) -> Result<Engine> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    if let Purpose::Precompile(Some(level)) = &purpose {
        // A target (that of every level) turns off the inference of the
        // host's features.
        config
            .target("x86_64-unknown-linux-gnu")
            .map_err(anyhow::Error::from)?;
        for flag in std::iter::once(&level.name).chain(level.preset_omits) {
            // SAFETY: the artifact is only run after wasmtime has checked
            // that the host has every feature these flags enable.
            unsafe { config.cranelift_flag_enable(flag) };
        }
    }
    if let Purpose::Serve {
        slots,
        memory_limit,
    } = purpose
    {
        // Instances come from pre-reserved slots: instantiation costs a few
        // page resets instead of mmap calls. Each slot reserves address space
        // (wasmtime's default of 4 GiB plus guards) but commits only what
        // the guest touches, and there are no more slots than the service
        // lets instances live.
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(slots)
            .total_core_instances(slots.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
            .total_memories(slots.saturating_mul(2))
            .total_tables(slots.saturating_mul(4))
            .total_stacks(slots)
            .max_memory_size(memory_limit)
            // Reset a slot's touched pages with memset instead of returning
            // them to the kernel with madvise: madvise makes the slot's next
            // use fault every page in again and flush TLBs across cores,
            // which is most of a small request's cost in a profile.
            // PAGEMAP_SCAN (Linux 6.7+) limits the memset to pages actually
            // touched. Pages beyond KEEP_RESIDENT, which only large
            // factorials touch, go back to the kernel at once: batching
            // their decommits keeps a batch's worth of large slots resident
            // per CPU and does not make small requests faster
            // (`bench/runner.sh`; the profile and the figures are in
            // docs/performance.md, "Tuning").
            .pagemap_scan(Enabled::Auto)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("cannot configure wasmtime")
}
