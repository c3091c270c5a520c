//! The arithmetic of factorials, in pure Rust.
//!
//! Nothing here knows about WASI or HTTP, so it is unit-tested and
//! benchmarked natively, and the component only adds glue around it.
//!
//! - [`factorial`](fn@factorial): the prime-swing product (`factorial.rs`).
//! - `decimal`: `n!` in base 10^9, written out with no conversion: what
//!   the API serves.
//! - `radix`: binary to decimal by divide and conquer, for larger n.
//! - `multiply`, `ntt`, `reciprocal`: the large-number arithmetic both rest
//!   on, where `num-bigint` alone is quadratic or Toom-3.
//! - [`summary`](fn@summary): digits, trailing zeros and leading digits of
//!   `n!` for any 64-bit `n` (`summary.rs`, on `ball`, `elementary` and
//!   `stirling`).

mod ball;
mod decimal;
mod elementary;
mod factorial;
mod multiply;
mod ntt;
mod radix;
mod reciprocal;
mod stirling;
mod summary;
#[cfg(test)]
mod test_support;

pub use factorial::factorial;
pub use radix::{to_decimal, write_decimal};
pub use summary::{STIRLING_FACTORS_PER_BIT, Summary, summary};

/// `n!` in decimal, with no leading zero.
pub fn factorial_decimal(n: u64) -> String {
    let mut out = Vec::new();
    write_factorial_decimal(n, &mut out);
    String::from_utf8(out).expect("decimal digits are ASCII")
}

/// `n!` in decimal, appended to `out`, so that a response can be built
/// around the digits without copying them.
///
/// Up to [`decimal::MAX_N`] it is computed in base 10^9 and written out
/// with no conversion; above, in binary and converted. There is no lower
/// crossover: inside wasmtime, which is what serves it, the decimal path is
/// never slower than the binary one (for small n a call's own cost
/// dominates both); natively it is slower only for n in the thousands
/// (the timings are in docs/performance.md, "Tuning").
pub fn write_factorial_decimal(n: u64, out: &mut Vec<u8>) {
    if n <= decimal::MAX_N {
        decimal::factorial(n).write_digits(out);
    } else {
        write_decimal(&factorial(n), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_factorial_is_exact() {
        assert_eq!(
            factorial_decimal(50),
            "30414093201713378043612608166064768844377641568960512000000000000"
        );
    }

    #[test]
    fn hundred_thousand_factorial_has_the_known_shape() {
        let digits = factorial_decimal(100_000);
        assert_eq!(digits.len(), 456_574);
        assert!(digits.starts_with("28242294079603478742"));
        let zeros = digits.len() - digits.trim_end_matches('0').len();
        assert_eq!(zeros, 24_999);
    }
}
