//! The size, trailing zeros and leading digits of n! for any 64-bit n,
//! exactly, without computing n!.
//!
//! # Method
//!
//! The trailing zeros follow Legendre's formula, Σ floor(n/5^i), in integers.
//!
//! The digits D and the leading K digits follow from log10 n! = E + f, with E
//! an integer and 0 <= f < 1: D = E + 1, and the leading digits are
//! floor(10^(f + K − 1)). For small n (below [`STIRLING_FACTORS_PER_BIT`]
//! times the precision) n! is computed exactly and compared with powers of
//! ten. Otherwise ln n! comes from Stirling's series ([`super::stirling`]),
//! and E and the digits are read off an enclosure of it.
//!
//! # Error analysis
//!
//! Every real number is a [`Ball`](super::ball::Ball): a midpoint and a
//! radius in units of 2^-w, w the working precision. Each operation returns
//! a ball that contains all exact results for all contents of its operands,
//! so the final balls contain the exact ln n!, f and 10^(f + K − 1) by
//! construction. The errors that go into the radii are:
//!
//! - ln 2, ln 10 and ln 2π read from tables truncated to w bits: one ulp
//!   each (beyond the tables, their series as below);
//! - each series term truncated to w bits: at most 3 ulps a term for the
//!   inverse-tangent series behind ln n (and ln 2, ln 10 and π beyond the
//!   tables), plus a tail bounded by 2 ulps; 2 ulps a term and a tail of 3
//!   in exp's Taylor series ([`super::elementary`]); one ulp per truncated
//!   product or quotient;
//! - Stirling's remainder, smaller than the first omitted term, which is
//!   computed and added to the radius ([`super::stirling`]);
//! - the amplification of these by exact multipliers: (n + ½) for ln n and
//!   E < 2^70 for ln 10, hence the `bitlen(n)` in the starting precision;
//! - the `bitlen(n)` low bits of ln n! − E ln 10 dropped before exp (at most
//!   half the bits): one ulp of the coarser precision, about what the
//!   radius already holds from the multiplier n;
//! - in exp, the radius of its argument, carried through exp's derivative,
//!   and s squarings that double the relative error, paid for by s extra
//!   bits.
//!
//! E is accepted only when the ball for ln n! − E ln 10 lies within
//! [0, ln 10), checked against the ends of both balls; the leading digits
//! only when the ball for 10^(f + K − 1) lies between two consecutive
//! integers. Otherwise the precision is doubled and everything recomputed.
//! This ends: the radii shrink like 2^-w, and the exact values are never on a
//! boundary. log10 n! is not an integer for n >= 2 (n! is no power of ten),
//! and 10^(f + K − 1) is an integer only if n! = L 10^(D − K), which needs at
//! least D − K trailing zeros. The Stirling range has n >= 10K, where
//! D >= n log10(n/e) and Z < n/4 give D − Z > 0.3 n > K.
//!
//! No `f64` is involved anywhere.

use std::num::NonZeroUsize;

use num_bigint::{BigInt, BigUint};
use num_traits::Pow;

use super::elementary::{Constants, exp};
use super::factorial;
use super::stirling::ln_factorial;

/// Below `STIRLING_FACTORS_PER_BIT * w` (w the working precision in bits)
/// n! is computed exactly; from there on, Stirling's series. Timed natively
/// with this constant set to 1 and to 1000, at n around the switch for
/// K = 1, 30 and 1000, when ln 2, ln 10 and ln 2π are at hand, as they now
/// always are (tables): 4 is inside the range where the two cost the same
/// (docs/performance.md, "Tuning") and errs towards the series, whose cost
/// hardly depends on n. That was timed before the series got cheaper,
/// which lowers the break-even: time it again before changing this. It must stay at least 3:
/// the error analysis needs n >= 10K there.
pub const STIRLING_FACTORS_PER_BIT: u64 = 4;

/// Bits added to the starting precision beyond the K decimal digits asked
/// for and the `bitlen(n)` lost to the multipliers n and E. About 10 cover
/// the truncations of the series terms; the rest is the guard: the final
/// enclosures are 27 to 35 bits narrower than a unit of the last digit
/// (measured for n = 10^3, 10^4, 10^5, 10^9, 10^18 and 2^64 − 1 with
/// K = 1, 30 and 1000), so a second round takes an n! within about 2^-30
/// of a digit boundary.
const SLACK_BITS: u64 = 40;

/// What can be known exactly about n! without writing it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// n.
    pub number: u64,
    /// The number of decimal digits of n!: more than `u64::MAX` for the
    /// largest n.
    pub digits: u128,
    /// The number of trailing zeros of n!.
    pub trailing_zeros: u64,
    /// The first K digits of n!, truncated; all of them when n! has at most
    /// K digits.
    pub leading_digits: String,
}

impl Summary {
    /// The leading digits in scientific notation, `d.ddd…eE` with
    /// E = digits − 1, or `deE` for a single digit.
    pub fn scientific(&self) -> String {
        let (first, rest) = self
            .leading_digits
            .split_at_checked(1)
            .unwrap_or((&self.leading_digits, ""));
        let exponent = self.digits.saturating_sub(1);
        if rest.is_empty() {
            format!("{first}e{exponent}")
        } else {
            format!("{first}.{rest}e{exponent}")
        }
    }
}

/// The summary of n! with its first `leading` digits.
pub fn summary(n: u64, leading: NonZeroUsize) -> Summary {
    summary_in_rounds(n, leading, initial_bits(n, leading)).0
}

/// The summary from a first precision of `bits`, and the number of
/// precisions tried: 1 unless the first enclosure could not decide a digit.
fn summary_in_rounds(n: u64, leading: NonZeroUsize, bits: u64) -> (Summary, u32) {
    let mut bits = bits;
    let mut rounds = 1;
    loop {
        if let Some((digits, leading_digits)) = leading_part(n, leading, bits) {
            let summary = Summary {
                number: n,
                digits,
                trailing_zeros: trailing_zeros(n),
                leading_digits,
            };
            return (summary, rounds);
        }
        bits = bits.saturating_mul(2);
        rounds += 1;
    }
}

/// The starting precision: the K digits asked for (3.322 > log2 10 bits
/// each), the bits of n, and [`SLACK_BITS`].
fn initial_bits(n: u64, leading: NonZeroUsize) -> u64 {
    let significand = count(leading).saturating_mul(3322) / 1000 + 1;
    significand.saturating_add(bit_length(n) + SLACK_BITS)
}

/// The bits of n, which the multipliers n and E cost in precision (see
/// the error analysis above).
fn bit_length(n: u64) -> u64 {
    u64::from(u64::BITS - n.leading_zeros())
}

/// `leading` as a `u64`, in which powers of ten take their exponents.
fn count(leading: NonZeroUsize) -> u64 {
    u64::try_from(leading.get()).unwrap_or(u64::MAX)
}

/// Legendre's formula: the exponent of 5 in n!, which the exponent of 2
/// always exceeds.
fn trailing_zeros(n: u64) -> u64 {
    let mut zeros = 0;
    let mut quotient = n;
    while quotient >= 5 {
        quotient /= 5;
        zeros += quotient;
    }
    zeros
}

/// The digit count and leading digits of n!, or `None` when `bits` of
/// precision cannot decide them.
fn leading_part(n: u64, leading: NonZeroUsize, bits: u64) -> Option<(u128, String)> {
    if n < STIRLING_FACTORS_PER_BIT.saturating_mul(bits) {
        Some(exact_leading_part(n, leading))
    } else {
        stirling_leading_part(n, leading, bits)
    }
}

/// From n! itself.
fn exact_leading_part(n: u64, leading: NonZeroUsize) -> (u128, String) {
    let factorial = factorial(n);
    let digits = decimal_length(&factorial);
    let dropped = digits.saturating_sub(count(leading));
    let prefix = factorial / Pow::pow(BigUint::from(10u8), dropped);
    (u128::from(digits), prefix.to_string())
}

/// The number of decimal digits of `x >= 1`.
fn decimal_length(x: &BigUint) -> u64 {
    // 1233/4096 < log10 2, so this start is at most the length, and
    // 10^(length − 1) <= x holds throughout.
    let mut length = (x.bits() - 1) * 1233 / 4096 + 1;
    let mut bound = Pow::pow(BigUint::from(10u8), length);
    while bound <= *x {
        length += 1;
        bound *= 10u8;
    }
    length
}

/// From an enclosure of ln n! at `bits` of precision.
fn stirling_leading_part(n: u64, leading: NonZeroUsize, bits: u64) -> Option<(u128, String)> {
    let constants = Constants::new(bits);
    let ln_factorial = ln_factorial(n, &constants);
    let ln_10 = constants.ln_10();
    // A lower bound on E = floor(log10 n!), exact when the check below holds.
    let exponent = ln_factorial.lower() / ln_10.upper();
    let fraction_ln = ln_factorial.sub(&ln_10.scale(exponent.clone()));
    if fraction_ln.lower() < BigInt::ZERO || fraction_ln.upper() >= ln_10.lower() {
        return None;
    }
    let scale = Pow::pow(BigUint::from(10u8), count(leading) - 1);
    // The radius already counts ln n's ulps n times over: so many low bits
    // are noise (at most half of them are dropped), and exp is cheaper
    // without them.
    let fraction_ln = fraction_ln.with_bits(bits - bit_length(n).min(bits / 2));
    let prefix = exp(&fraction_ln).scale(scale).floor()?;
    // log10 n! < 2^69, so only an undecided ball can miss `u128`.
    let digits = u128::try_from(exponent + 1).ok()?;
    Some((digits, prefix.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    use crate::math::factorial_decimal;

    /// The service's default, the case the tables below were written for.
    const THIRTY_DIGITS: NonZeroUsize = NonZeroUsize::new(30).unwrap();

    const LEADINGS: [usize; 3] = [1, 30, 1000];

    /// What n!'s decimal digits say.
    fn expected(n: u64, decimal: &str, leading: usize) -> Summary {
        Summary {
            number: n,
            digits: decimal.len() as u128,
            trailing_zeros: (decimal.len() - decimal.trim_end_matches('0').len()) as u64,
            leading_digits: decimal[..leading.min(decimal.len())].to_string(),
        }
    }

    fn assert_matches_exact(n: u64) {
        let decimal = factorial_decimal(n);
        for leading in LEADINGS {
            let computed = summary(n, NonZeroUsize::new(leading).unwrap());
            assert_eq!(
                computed,
                expected(n, &decimal, leading),
                "{n}! with K = {leading}"
            );
        }
    }

    #[test]
    fn every_n_up_to_3000_matches_the_exact_factorial() {
        for n in 0..=3000 {
            assert_matches_exact(n);
        }
    }

    #[test]
    fn random_n_up_to_100000_match_the_exact_factorial() {
        let mut rng = XorShift::new(1);
        for _ in 0..24 {
            assert_matches_exact(3001 + rng.below(97_000));
        }
        assert_matches_exact(100_000);
    }

    #[test]
    fn known_values_for_huge_n() {
        for huge in &factorial_corpus::HUGE_FACTORIALS {
            let expected = Summary {
                number: huge.n,
                digits: huge.digits,
                trailing_zeros: factorial_corpus::trailing_zeros(huge.n),
                leading_digits: huge.leading_30.to_string(),
            };
            assert_eq!(summary(huge.n, THIRTY_DIGITS), expected, "{}", huge.n);
        }
    }

    /// The leading digits of n!, checked against those of (n − 1)! times n.
    ///
    /// (n − 1)! lies in [P, P + 1) 10^s with P its first 40 digits, so n!
    /// lies in [Pn, (P + 1)n) 10^s; those bounds agree on their first 30
    /// digits for the n used here, which must then be n!'s.
    fn assert_consistent_with_predecessor(summary: &Summary) {
        let n = summary.number;
        let predecessor = super::summary(n - 1, NonZeroUsize::new(40).unwrap());
        let prefix: BigUint = predecessor.leading_digits.parse().unwrap();
        let low = (&prefix * n).to_string();
        let high = ((prefix + 1u8) * n).to_string();
        assert_eq!(low[..30], high[..30], "the check cannot decide {n}");
        assert_eq!(summary.leading_digits, low[..30], "{n}");
        let added_digits = low.len() as u128 - 40;
        assert_eq!(summary.digits, predecessor.digits + added_digits, "{n}");
    }

    // Near n = 10^18, log10 n! mod 1 grows by only about t/(10^18 ln 10) from
    // one n to the next, t = n − 10^18. Following it through its crossings of
    // 0 and of log10 d for d = 2..9 finds n! just off a digit boundary; these
    // are the closest of the first 92000 crossings after 10^18.

    /// The summary of n! with K = 1, whose first precision holds log10 n!
    /// to about 2^-34, checked to have needed more than one round.
    fn first_digit_in_more_rounds(n: u64) -> Summary {
        let one = NonZeroUsize::MIN;
        let (summary, rounds) = summary_in_rounds(n, one, initial_bits(n, one));
        assert!(rounds > 1, "{summary:?}");
        summary
    }

    /// n! = 1.000000000000376…e…: log10 n! is within 2^-41 above an
    /// integer, so the first round cannot tell its integer part.
    #[test]
    fn a_factorial_just_above_a_power_of_ten_takes_more_rounds() {
        let n = 1_000_000_193_996_427_482;
        assert_eq!(first_digit_in_more_rounds(n).leading_digits, "1");
        let summary = summary(n, THIRTY_DIGITS);
        assert!(summary.leading_digits.starts_with("1000000000000376627"));
        assert_consistent_with_predecessor(&summary);
    }

    /// n! = 2.0000000000000097…e…: 10^f is within 2^-43 above 2.
    #[test]
    fn a_factorial_just_above_a_leading_digit_boundary_takes_more_rounds() {
        let n = 1_000_000_615_995_314_539;
        assert_eq!(first_digit_in_more_rounds(n).leading_digits, "2");
        assert_consistent_with_predecessor(&summary(n, THIRTY_DIGITS));
    }

    /// n! = 6.99999999999995935…e…: 10^f is within 2^-41 below 7.
    #[test]
    fn a_factorial_just_below_a_leading_digit_boundary_takes_more_rounds() {
        let n = 1_000_000_189_333_288_997;
        assert_eq!(first_digit_in_more_rounds(n).leading_digits, "6");
        assert_consistent_with_predecessor(&summary(n, THIRTY_DIGITS));
    }

    /// A first precision far too low for K = 30 is doubled until it decides,
    /// and the answer is still the exact one.
    #[test]
    fn a_low_first_precision_is_raised_until_it_decides() {
        let n = 100_000;
        let (summary, rounds) = summary_in_rounds(n, THIRTY_DIGITS, 40);
        assert!(rounds > 2, "{rounds}");
        assert_eq!(summary, expected(n, &factorial_decimal(n), 30));
    }

    #[test]
    fn scientific_notation_follows_the_contract() {
        let cases = [
            (100_000, 30, "2.82422940796034787429342157802e456573"),
            (100_000, 1, "2e456573"),
            (5, 30, "1.20e2"),
            (0, 30, "1e0"),
            (3, 1, "6e0"),
        ];
        for (n, leading, scientific) in cases {
            let summary = summary(n, NonZeroUsize::new(leading).unwrap());
            assert_eq!(summary.scientific(), scientific, "{n}, K = {leading}");
        }
    }
}
