//! CPython and GMP, timed by `bench/factorial_gmp.py` in the project's venv
//! (`.venv`, or `$VENV`), which this module creates when it is missing and
//! where it installs the pinned `gmpy2` and `mpmath` (for
//! `summary_mpmath.py`) from PyPI when another version, or none, is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

/// The `gmpy2` release measured (GMP 6.3 inside its wheels).
const GMPY2: &str = "gmpy2==2.2.1";

/// The `mpmath` release measured; it finds `gmpy2` and uses its integers.
/// 1.3.0, not 1.4: cfn-lint (`deploy/test.sh`) shares the venv, and its
/// sympy needs mpmath below 1.4.
const MPMATH: &str = "mpmath==1.3.0";

/// What the reference implementations measured for one n.
pub struct Reference {
    /// GMP's digits of n!, which every other result must equal.
    pub digits: String,
    /// `mpz_fac_ui`.
    pub gmp_factorial: Duration,
    /// `mpz_get_str`, of the same run.
    pub gmp_digits: Duration,
    /// `None` when skipped (n above the CPython limit).
    pub cpython: Option<Duration>,
}

/// Runs `factorial_gmp.py` with `python` (see [`python`]) for `sizes`, each
/// GMP time the best of `runs`, or of one run from `once_from_n` on.
pub fn measure(
    root: &Path,
    python: &Path,
    cpython_max_n: u64,
    (runs, once_from_n): (usize, u64),
    sizes: &[u64],
) -> Result<Vec<Reference>> {
    let digits_dir = factorial_corpus::target_dir().join("bench-digits");
    std::fs::create_dir_all(&digits_dir)?;
    eprintln!("timing CPython (up to n = {cpython_max_n}) and GMP");
    let output = Command::new(python)
        .arg(root.join("bench/factorial_gmp.py"))
        .arg(&digits_dir)
        .arg(cpython_max_n.to_string())
        .arg(runs.to_string())
        .arg(once_from_n.to_string())
        .args(sizes.iter().map(u64::to_string))
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    ensure!(
        output.status.success(),
        "factorial_gmp.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let references = String::from_utf8(output.stdout)?
        .lines()
        .map(|line| parse_line(line, &digits_dir))
        .collect::<Result<Vec<_>>>()?;
    ensure!(
        references.len() == sizes.len(),
        "factorial_gmp.py skipped a size"
    );
    Ok(references)
}

/// `n,digits,gmp_factorial_seconds,gmp_digits_seconds,cpython_seconds`,
/// the last possibly empty, with the digits read from `digits_dir/n.txt`.
fn parse_line(line: &str, digits_dir: &Path) -> Result<Reference> {
    let fields: Vec<&str> = line.split(',').collect();
    let [n, count, gmp_factorial, gmp_digits, cpython] = fields[..] else {
        bail!("unexpected line from factorial_gmp.py: {line:?}");
    };
    let digits = std::fs::read_to_string(digits_dir.join(format!("{n}.txt")))?;
    ensure!(
        digits.len() == count.parse::<usize>()?,
        "GMP's digits of {n}! are cut"
    );
    let seconds = |field: &str| -> Result<Duration> { Ok(Duration::from_secs_f64(field.parse()?)) };
    Ok(Reference {
        digits,
        gmp_factorial: seconds(gmp_factorial)?,
        gmp_digits: seconds(gmp_digits)?,
        cpython: (!cpython.is_empty())
            .then(|| seconds(cpython))
            .transpose()?,
    })
}

/// The venv's Python, with the pinned `gmpy2` and `mpmath`; the venv is
/// created when it is missing.
pub fn python(root: &Path) -> Result<PathBuf> {
    let venv = std::env::var_os("VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv"));
    let python = venv.join("bin/python");
    if !python.is_file() {
        eprintln!("creating {}", venv.display());
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    // Exact pins already installed are satisfied without asking the index;
    // another version in the venv is replaced.
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", GMPY2, MPMATH]))?;
    Ok(python)
}

/// Runs `command` to its end; an error unless it succeeds.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    ensure!(status.success(), "{command:?} failed: {status}");
    Ok(())
}
