//! The memory budget, and how many computations fit in it.
//!
//! The runner never admits work whose worst case exceeds the memory it has:
//! its own baseline, the cache, the response buffer and every instance at
//! its memory limit must fit together. The budget is
//! `--memory-budget-mib` when given, else the cgroup's memory limit (what a
//! container, an ECS task or systemd gives the process), else the
//! machine's physical memory. The computations allowed at once are what
//! fits, capped by `--max-concurrent`; the instance pool has exactly that
//! many slots, and a request that finds none free gets 503 at once.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::config::{BYTES_PER_MIB, Limits};

/// What the runner holds whatever it serves: its code and the compiled
/// component, the async runtime and its threads, the instance pool's
/// bookkeeping and the memory each slot keeps resident between requests,
/// connections' buffers at rest, and the log's buffer.
pub(crate) const RUNNER_BASELINE: u64 = 96 * BYTES_PER_MIB;

/// What one instance holds beyond its linear memory: its stacks, tables and
/// host state, and its request's head.
pub(crate) const INSTANCE_OVERHEAD: u64 = 4 * BYTES_PER_MIB;

/// Where the budget came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BudgetSource {
    /// `--memory-budget-mib`.
    Option,
    /// The cgroup's limit, read from this file.
    Cgroup(PathBuf),
    /// The machine's physical memory.
    Physical,
    /// The memory Lambda gives the function, from this variable.
    LambdaFunction(&'static str),
}

impl std::fmt::Display for BudgetSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BudgetSource::Option => f.write_str("--memory-budget-mib"),
            BudgetSource::Cgroup(path) => write!(f, "{}", path.display()),
            BudgetSource::Physical => f.write_str("physical memory"),
            BudgetSource::LambdaFunction(variable) => f.write_str(variable),
        }
    }
}

/// The memory budget and the computations that fit in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Bytes the runner may use in all.
    pub(crate) budget: u64,
    /// Where `budget` came from.
    pub(crate) source: BudgetSource,
    /// Computations (instances) allowed at once.
    pub(crate) computations: u32,
}

/// The plan for `limits` on this machine.
pub fn plan(limits: &Limits) -> Result<Plan> {
    let (budget, source) = match limits.memory_budget_mib {
        Some(mib) => (mib * BYTES_PER_MIB, BudgetSource::Option),
        None => detect_budget()?,
    };
    plan_within(budget, source, limits)
}

/// The plan for `limits` in a budget of `budget` bytes from `source`.
pub(crate) fn plan_within(budget: u64, source: BudgetSource, limits: &Limits) -> Result<Plan> {
    Ok(Plan {
        computations: computations(budget, limits)?,
        budget,
        source,
    })
}

/// The computations that fit in `budget` with `limits`, at most
/// `--max-concurrent`; an error that names the settings when not even one
/// does.
pub(crate) fn computations(budget: u64, limits: &Limits) -> Result<u32> {
    if limits.body_chunk_size > limits.response_buffer_bytes {
        bail!(
            "--body-chunk-size ({}) is larger than --response-buffer-bytes ({}): no chunk \
             of an answer would fit in the buffer",
            limits.body_chunk_size,
            limits.response_buffer_bytes
        );
    }
    let fixed = RUNNER_BASELINE + limits.cache_bytes + limits.response_buffer_bytes;
    let per_computation = limits.memory_limit_mib * BYTES_PER_MIB + INSTANCE_OVERHEAD;
    let fitting = budget.saturating_sub(fixed) / per_computation;
    if fitting == 0 {
        let mib = |bytes: u64| bytes.div_ceil(BYTES_PER_MIB);
        bail!(
            "a memory budget of {} MiB cannot hold the runner ({} MiB), the cache \
             (--cache-bytes, {} MiB), the response buffer (--response-buffer-bytes, {} MiB) \
             and one instance (--memory-limit-mib {} and {} MiB beside it): lower those, or \
             raise --memory-budget-mib",
            mib(budget),
            mib(RUNNER_BASELINE),
            mib(limits.cache_bytes),
            mib(limits.response_buffer_bytes),
            limits.memory_limit_mib,
            mib(INSTANCE_OVERHEAD),
        );
    }
    Ok(u32::try_from(fitting)
        .unwrap_or(u32::MAX)
        .min(limits.max_concurrent))
}

/// The cgroup's memory limit, else the machine's memory.
fn detect_budget() -> Result<(u64, BudgetSource)> {
    let membership = read("/proc/self/cgroup").unwrap_or_default();
    let limits = cgroup_limit_files(&membership)
        .into_iter()
        .filter_map(|path| {
            let limit = read(&path).as_deref().and_then(parse_cgroup_limit)?;
            Some((limit, path))
        });
    if let Some((limit, path)) = limits.min() {
        return Ok((limit, BudgetSource::Cgroup(path)));
    }
    match read("/proc/meminfo").as_deref().and_then(parse_mem_total) {
        Some(total) => Ok((total, BudgetSource::Physical)),
        None => bail!(
            "cannot tell how much memory this machine has (no cgroup limit, no \
             /proc/meminfo): set --memory-budget-mib"
        ),
    }
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The files that may hold a memory limit on this process, given its
/// `/proc/self/cgroup`: those of its cgroup and of every ancestor (a
/// parent's limit binds its children too), in version 2 and version 1. In
/// a container with its own cgroup namespace the path is `/`, whose files
/// are the container's.
fn cgroup_limit_files(membership: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (root, file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max")
        } else if controllers.split(',').any(|name| name == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
        } else {
            continue;
        };
        let mut dir = Path::new(root).join(path.trim_start_matches('/'));
        loop {
            files.push(dir.join(file));
            if dir == Path::new(root) || !dir.pop() {
                break;
            }
        }
    }
    files
}

/// A cgroup memory limit: a number of bytes, or none (`max` in version 2,
/// a number near 2^63 in version 1).
fn parse_cgroup_limit(text: &str) -> Option<u64> {
    let limit: u64 = text.trim().parse().ok()?;
    (limit < 1 << 62).then_some(limit)
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn parse_mem_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: u64 = line
        .trim_start_matches("MemTotal:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

    fn limits(args: &[&str]) -> Limits {
        let argv = std::iter::once("factorial-runner").chain(args.iter().copied());
        Cli::try_parse_from(argv).unwrap().serve.limits
    }

    #[test]
    fn a_task_of_1_gib_computes_what_fits() {
        let defaults = limits(&["--max-concurrent", "32"]);
        // 1024 − 96 − 64 − 64 = 800 MiB, for instances of 128 + 4 MiB.
        assert_eq!(computations(1024 * BYTES_PER_MIB, &defaults).unwrap(), 6);
        let smaller = limits(&["--max-concurrent", "32", "--memory-limit-mib", "60"]);
        assert_eq!(computations(1024 * BYTES_PER_MIB, &smaller).unwrap(), 12);
        // A large budget leaves --max-concurrent in charge.
        assert_eq!(computations(64 << 30, &defaults).unwrap(), 32);
    }

    #[test]
    fn a_budget_that_holds_no_computation_is_refused_with_the_settings_named() {
        let error = computations(256 * BYTES_PER_MIB, &limits(&[]))
            .unwrap_err()
            .to_string();
        for named in [
            "256 MiB",
            "--cache-bytes",
            "--response-buffer-bytes",
            "--memory-limit-mib 128",
        ] {
            assert!(error.contains(named), "{named} in {error}");
        }
    }

    #[test]
    fn the_cgroup_and_its_ancestors_are_looked_at() {
        let v1 = cgroup_limit_files("4:memory:/tasks/a\n3:cpu:/tasks/a\n");
        assert_eq!(
            v1,
            [
                "/sys/fs/cgroup/memory/tasks/a/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory/tasks/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            ]
            .map(PathBuf::from)
        );
        let v2 = cgroup_limit_files("0::/\n");
        assert_eq!(v2, [PathBuf::from("/sys/fs/cgroup/memory.max")]);
    }

    #[test]
    fn cgroup_limits_are_read_in_both_versions() {
        assert_eq!(parse_cgroup_limit("1073741824\n"), Some(1 << 30));
        assert_eq!(parse_cgroup_limit("max\n"), None);
        assert_eq!(parse_cgroup_limit("9223372036854771712\n"), None);
        let meminfo = "MemTotal:       24594864 kB\nMemFree:  100 kB\n";
        assert_eq!(parse_mem_total(meminfo), Some(24_594_864 * 1024));
        assert_eq!(parse_mem_total("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn the_option_wins_over_what_the_machine_says() {
        let plan = plan(&limits(&[
            "--memory-budget-mib",
            "1024",
            "--max-concurrent",
            "32",
        ]))
        .unwrap();
        assert_eq!(plan.source, BudgetSource::Option);
        assert_eq!((plan.budget, plan.computations), (1 << 30, 6));
    }
}
