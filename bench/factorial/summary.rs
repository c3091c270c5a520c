//! The benchmark of the summary of n! (its digit count, trailing
//! zeros and first K digits) natively and inside wasmtime, against mpmath's
//! `loggamma(n + 1)` at 60 digits, the non-rigorous estimate a Python user
//! would reach for, timed by `bench/summary_mpmath.py` in the project's venv:
//! alone, and with what it takes from there to the summary's answer (the
//! digit count and [`MPMATH_LEADING`] leading digits), which must be the
//! same answer.
//!
//! Each time is the median of [`SAMPLES`] calls. The component keeps the
//! logarithms and exponentials of the leading bits it reduces by in its
//! instance, as mpmath keeps its constants and the logarithms of leading
//! bits in its process, so both are timed cold and warm. Cold: a fresh
//! instance for every call (each HTTP request gets one; instantiating is
//! not timed), and the first call in a fresh Python process. Warm: calls
//! after the first in one instance or process, as a host that keeps an
//! instance for the typed interface sees them. The native column is warm.

use std::fmt::Write as _;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use factorial::math::{Summary, summary};

use crate::wasm::{Embedding, FactorialSummary};
use crate::{csv_seconds, csv_table};

/// The n timed, from one whose n! is still cheap to the largest 64-bit n.
const NUMBERS: [u64; 4] = [100_000, 1_000_000_000, 1_000_000_000_000_000_000, u64::MAX];

/// The service's smallest, default and largest K.
const LEADINGS: [u32; 3] = [1, 30, 1000];

/// The K that mpmath's 60 digits compare with: the 20 or so digits of
/// log10 n! before the point, and K after it. Other rows have no mpmath
/// columns.
const MPMATH_LEADING: u32 = 30;

/// Calls per median: stable to a few percent at well under a second a row.
const SAMPLES: usize = 21;

/// One row of the table.
pub struct Row {
    n: u64,
    leading: u32,
    native: Duration,
    wasm_cold: Duration,
    wasm_warm: Duration,
    /// For K = [`MPMATH_LEADING`] only.
    mpmath: Option<Mpmath>,
}

/// mpmath's times for one n.
#[derive(Clone, Copy)]
struct Mpmath {
    /// The first call of `loggamma` in a fresh process.
    cold: Duration,
    /// Later calls of `loggamma`.
    warm: Duration,
    /// Later calls of `loggamma` and what turns it into the summary's answer.
    answer: Duration,
}

/// Times every n and K, checking that the component's summary is the
/// native one.
pub fn measure(root: &Path, python: &Path, library: &Embedding) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for n in NUMBERS {
        // mpmath first, before this n's own timings: run after them, its
        // first call took up to 1.7 times as long as alone.
        let mpmath = mpmath_times(root, python, n)?;
        for leading in LEADINGS {
            let count = NonZeroUsize::new(leading as usize).context("K is positive")?;
            let expected = summary(n, count);
            let native = median(|| {
                let start = Instant::now();
                black_box(summary(black_box(n), count));
                Ok(start.elapsed())
            })?;
            let (wasm_cold, wasm_warm) = library.summary_times(n, leading, &expected)?;
            rows.push(Row {
                n,
                leading,
                native,
                wasm_cold,
                wasm_warm,
                mpmath: (leading == MPMATH_LEADING).then_some(mpmath),
            });
        }
        eprintln!("measured the summary of {n}!");
    }
    Ok(rows)
}

/// Whether the component's answer is `expected`, field by field.
pub fn matches(answer: &FactorialSummary, expected: &Summary) -> bool {
    answer.number == expected.number
        && answer.digits == expected.digits.to_string()
        && answer.trailing_zeros == expected.trailing_zeros
        && answer.leading_digits == expected.leading_digits
}

/// The median of [`SAMPLES`] times returned by `run`, or its first error.
pub fn median(mut run: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = (0..SAMPLES).map(|_| run()).collect::<Result<Vec<_>>>()?;
    times.sort();
    Ok(times[SAMPLES / 2])
}

/// mpmath's times from `summary_mpmath.py` in a fresh process, for K =
/// [`MPMATH_LEADING`], once its answer is checked against the summary's.
fn mpmath_times(root: &Path, python: &Path, n: u64) -> Result<Mpmath> {
    let leading = NonZeroUsize::new(MPMATH_LEADING as usize).context("K is positive")?;
    let expected = summary(n, leading);
    let output = Command::new(python)
        .arg(root.join("bench/summary_mpmath.py"))
        .arg(n.to_string())
        .arg(SAMPLES.to_string())
        .arg(MPMATH_LEADING.to_string())
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    ensure!(
        output.status.success(),
        "summary_mpmath.py failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let line = String::from_utf8(output.stdout)?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [_, cold, warm, answer, digits, leading] = fields[..] else {
        bail!("unexpected output from summary_mpmath.py: {line:?}");
    };
    ensure!(
        digits == expected.digits.to_string() && leading == expected.leading_digits,
        "mpmath's answer for {n}! differs from the summary: {digits} digits, {leading}"
    );
    let seconds = |field: &str| -> Result<Duration> { Ok(Duration::from_secs_f64(field.parse()?)) };
    Ok(Mpmath {
        cold: seconds(cold)?,
        warm: seconds(warm)?,
        answer: seconds(answer)?,
    })
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// The table, with its ratios: wasm over mpmath's `loggamma`,
/// cold and warm, and warm over mpmath's way to the same answer.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>20} {:>4} {:>10} {:>10} {:>10} {:>11} {:>11} {:>13} {:>9} {:>9} {:>11}",
        "n",
        "K",
        "native µs",
        "wasm cold",
        "wasm warm",
        "mpmath cold",
        "mpmath warm",
        "mpmath answer",
        "cold/cold",
        "warm/warm",
        "warm/answer"
    );
    for row in rows {
        let mpmath = row.mpmath.map_or(
            format!(
                "{:>11} {:>11} {:>13} {:>9} {:>9} {:>11}",
                "-", "-", "-", "-", "-", "-"
            ),
            |mpmath| {
                format!(
                    "{:>11.1} {:>11.1} {:>13.1} {:>9.2} {:>9.2} {:>11.2}",
                    micros(mpmath.cold),
                    micros(mpmath.warm),
                    micros(mpmath.answer),
                    ratio(row.wasm_cold, mpmath.cold),
                    ratio(row.wasm_warm, mpmath.warm),
                    ratio(row.wasm_warm, mpmath.answer)
                )
            },
        );
        let _ = writeln!(
            out,
            "{:>20} {:>4} {:>10.1} {:>10.1} {:>10.1} {mpmath}",
            row.n,
            row.leading,
            micros(row.native),
            micros(row.wasm_cold),
            micros(row.wasm_warm),
        );
    }
    out
}

pub fn csv(rows: &[Row]) -> String {
    csv_table(
        "n,leading_digits,native_s,wasm_cold_s,wasm_warm_s,mpmath_cold_s,mpmath_warm_s,\
         mpmath_answer_s",
        rows.iter().map(|row| {
            let mpmath = |time: fn(&Mpmath) -> Duration| {
                row.mpmath
                    .as_ref()
                    .map_or(String::new(), |m| csv_seconds(time(m)))
            };
            vec![
                row.n.to_string(),
                row.leading.to_string(),
                csv_seconds(row.native),
                csv_seconds(row.wasm_cold),
                csv_seconds(row.wasm_warm),
                mpmath(|m| m.cold),
                mpmath(|m| m.warm),
                mpmath(|m| m.answer),
            ]
        }),
    )
}
