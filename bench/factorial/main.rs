//! The benchmarks: `n!` with all its decimal digits for n = 10^3 … 10^7 by
//! this project natively and inside wasmtime, by CPython and by GMP, and
//! the summary of n! against mpmath ([`summary`]), in one run on one
//! machine.
//!
//! `cargo bench --bench factorial` builds the component, installs `gmpy2`
//! and `mpmath` in the project's venv, checks every result against GMP's
//! digits or the native summary, prints both tables with their ratios and
//! writes `bench/results/factorial.csv`, `bench/results/factorial.svg` and
//! `bench/results/summary.csv`, with the run's hardware line beside them
//! (`factorial.meta.json`, `summary.meta.json`, by `bench/record.py`), then
//! renders their tables into `docs/performance.md` (`bench/render.py`; see
//! `bench/README.md`).

mod plot;
mod reference;
mod summary;
mod wasm;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

/// The n whose factorials are timed: each power of ten, and 3·10^5, near
/// the default maximum.
const SIZES: [u64; 6] = [1_000, 10_000, 100_000, 300_000, 1_000_000, 10_000_000];

/// CPython's `str` of an int is quadratic: about 5 s at 10^5 and many
/// minutes at 10^6, so it is skipped above this.
const CPYTHON_MAX_N: u64 = 100_000;

/// Every n! time, GMP's too, is the best of this many runs (one at 10^5 for
/// the slow CPython, see `factorial_gmp.py`): enough for the growth ratio to
/// repeat within a few percent on a shared machine.
const RUNS: usize = 9;

/// From this n on, every side runs once: 10^7! takes seconds on each, and
/// GMP's digits of it tens of seconds.
const ONCE_FROM_N: u64 = 10_000_000;

/// One row of the table.
struct Row {
    n: u64,
    digits: usize,
    native: Duration,
    wasm: Duration,
    /// With the runner's deadline checks compiled in.
    wasm_checked: Duration,
    cpython: Option<Duration>,
    /// `mpz_fac_ui`, then `mpz_get_str`.
    gmp_factorial: Duration,
    gmp_digits: Duration,
}

impl Row {
    /// GMP's n! with all its digits.
    fn gmp(&self) -> Duration {
        self.gmp_factorial + self.gmp_digits
    }
}

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let component = wasm::build_component(root)?;
    let python = reference::python(root)?;
    let reference = reference::measure(root, &python, CPYTHON_MAX_N, (RUNS, ONCE_FROM_N), &SIZES)?;
    let max_number = *SIZES.iter().max().unwrap_or(&0);
    let library = wasm::Embedding::load(&component, max_number, false)?;
    let checked = wasm::Embedding::load(&component, max_number, true)?;

    let mut rows = Vec::new();
    for (&n, reference) in SIZES.iter().zip(&reference) {
        let runs = if n < ONCE_FROM_N { RUNS } else { 1 };
        let (native, digits) = best_of(runs, || {
            let mut out = Vec::new();
            factorial::math::write_factorial_decimal(n, &mut out);
            out
        });
        ensure!(
            digits == reference.digits.as_bytes(),
            "{n}! differs from GMP's natively"
        );
        let wasm = library.best_call(n, runs, &reference.digits)?;
        let wasm_checked = checked.best_call(n, runs, &reference.digits)?;
        rows.push(Row {
            n,
            digits: digits.len(),
            native,
            wasm,
            wasm_checked,
            cpython: reference.cpython,
            gmp_factorial: reference.gmp_factorial,
            gmp_digits: reference.gmp_digits,
        });
        eprintln!("measured n = {n}");
    }

    let summaries = summary::measure(root, &python, &library)?;

    print!("{}", table(&rows));
    println!();
    print!("{}", summary::table(&summaries));
    let results = root.join("bench/results");
    std::fs::create_dir_all(&results)?;
    std::fs::write(results.join("factorial.csv"), csv(&rows))?;
    std::fs::write(
        results.join("factorial.svg"),
        plot::svg(&plot_series(&rows)),
    )?;
    std::fs::write(results.join("summary.csv"), summary::csv(&summaries))?;
    // The venv's interpreter, so that the hardware line names the Python,
    // gmpy2 and mpmath the reference times came from.
    reference::run(
        Command::new(&python)
            .arg(root.join("bench/record.py"))
            .args(["meta", "factorial", "summary", "--python-packages"]),
    )?;
    println!("wrote {}", display(&results));
    reference::run(Command::new("python3").arg(root.join("bench/render.py")))?;
    Ok(())
}

/// The best time of `runs` runs of `run`, and its last result.
fn best_of<T>(runs: usize, mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = run();
        best = best.min(start.elapsed());
        result = Some(value);
    }
    (best, result.expect("runs > 0"))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// The table, with its ratios: wasm with the runner's deadline checks to
/// wasm without, wasm/GMP, CPython/wasm, and the growth from n/10 to n.
/// GMP's time is `mpz_fac_ui` plus `mpz_get_str`, each also shown alone.
fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>9} {:>9} {:>11} {:>11} {:>13} {:>12} {:>11} {:>11} {:>10} {:>9} {:>12} {:>12}",
        "n",
        "digits",
        "native ms",
        "wasm ms",
        "checked/wasm",
        "CPython ms",
        "GMP fac ms",
        "GMP str ms",
        "GMP ms",
        "wasm/GMP",
        "CPython/wasm",
        "wasm growth"
    );
    for row in rows {
        let cpython = row
            .cpython
            .map_or("skipped".into(), |t| format!("{:.2}", ms(t)));
        let speedup = row
            .cpython
            .map_or("-".into(), |t| format!("{:.0}x", ratio(t, row.wasm)));
        let growth = rows
            .iter()
            .find(|smaller| smaller.n * 10 == row.n)
            .map_or("-".into(), |smaller| {
                format!("{:.1}x", ratio(row.wasm, smaller.wasm))
            });
        let _ = writeln!(
            out,
            "{:>9} {:>9} {:>11.2} {:>11.2} {:>12.2}x {:>12} {:>11.2} {:>11.2} {:>10.2} {:>8.2}x {:>12} {:>12}",
            row.n,
            row.digits,
            ms(row.native),
            ms(row.wasm),
            ratio(row.wasm_checked, row.wasm),
            cpython,
            ms(row.gmp_factorial),
            ms(row.gmp_digits),
            ms(row.gmp()),
            ratio(row.wasm, row.gmp()),
            speedup,
            growth
        );
    }
    out
}

fn csv(rows: &[Row]) -> String {
    csv_table(
        "n,digits,native_s,wasm_s,cpython_s,gmp_s,gmp_factorial_s,gmp_digits_s,wasm_checked_s",
        rows.iter().map(|row| {
            vec![
                row.n.to_string(),
                row.digits.to_string(),
                csv_seconds(row.native),
                csv_seconds(row.wasm),
                row.cpython.map_or(String::new(), csv_seconds),
                csv_seconds(row.gmp()),
                csv_seconds(row.gmp_factorial),
                csv_seconds(row.gmp_digits),
                csv_seconds(row.wasm_checked),
            ]
        }),
    )
}

/// A CSV file: the `header` line, then a line of comma-separated fields per
/// row.
fn csv_table(header: &str, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = format!("{header}\n");
    for fields in rows {
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

/// A time in a CSV field: seconds, to the nanosecond.
fn csv_seconds(duration: Duration) -> String {
    format!("{:.9}", duration.as_secs_f64())
}

fn plot_series(rows: &[Row]) -> Vec<plot::Series> {
    let series = |name, color, time: &dyn Fn(&Row) -> Option<Duration>| plot::Series {
        name,
        color,
        points: rows
            .iter()
            .filter_map(|row| time(row).map(|t| (row.n as f64, t.as_secs_f64())))
            .collect(),
    };
    vec![
        series("this project, native", "#1f77b4", &|row| Some(row.native)),
        series("this project, wasmtime", "#d62728", &|row| Some(row.wasm)),
        series("GMP (gmpy2)", "#2ca02c", &|row| Some(row.gmp())),
        series("CPython str(math.factorial(n))", "#7f7f7f", &|row| {
            row.cpython
        }),
    ]
}

/// A path relative to the working directory when it is below it.
fn display(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(PathBuf::from));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
