//! Logarithms, π and the exponential, as [`Ball`]s.
//!
//! Everything is built from one kind of series, the inverse tangent of a
//! ratio of integers, where each term is the previous one times `p²` and
//! divided by `q²`: a multiplication and a division by a small integer rather
//! than a full-precision product, so a term costs O(bits) word operations.
//!
//! - ln 2 = 18 atanh(1/26) − 2 atanh(1/4801) + 8 atanh(1/8749), a Machin-like
//!   formula; ln 10 = 3 ln 2 + 2 atanh(1/9); π = 16 atan(1/5) − 4 atan(1/239).
//! - ln m for an integer m: with 2^k the power of two nearest m,
//!   ln m = k ln 2 + 2 atanh((m − 2^k)/(m + 2^k)), a ratio of at most
//!   (√2 − 1)/(√2 + 1) < 0.172, so each term gains more than 5 bits.
//! - ln 2π = ln 2 + ln 355 − ln 113 + ln(113π/355): 355/113 is within 10⁻⁷
//!   of π, so the last series gains 23 bits a term though its terms are full
//!   products.
//! - exp x = (exp(x/2^s))^(2^s), a Taylor series in x/2^s < 2^(2−s) squared
//!   s times, with s about √bits to balance the two (Brent's reduction).
//!
//! Nothing here is taken from `f64`: the error bound of every series is
//! proven in its doc comment and carried in the ball's radius.

use std::cell::RefCell;

use num_bigint::{BigInt, BigUint};

use super::ball::Ball;

/// Whether a series sums atan or atanh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InverseTangent {
    /// atan x = x − x³/3 + x⁵/5 − …
    Circular,
    /// atanh x = x + x³/3 + x⁵/5 + …
    Hyperbolic,
}

/// atan(p/q) or atanh(p/q) for `0 <= p/q <= 1/2`.
///
/// With `P_i = 2^bits (p/q)^(2i+1)`, the computed `power_i` is
/// `floor(power_(i-1) p²/q²)`, so `0 <= P_i − power_i < 1/(1 − p²/q²) <= 4/3`
/// by induction, and each truncated term `power_i/(2i+1)` is less than
/// `4/3 + 1 < 3` ulps from the exact term. The sum stops at the first
/// `power_N = 0`, where `P_N < 4/3`: the atanh tail is below
/// `P_N/(1 − p²/q²) < 2` ulps, and the alternating atan tail below `P_N`.
/// So `3N + 2` ulps bound the error of either.
fn inverse_tangent(p: u128, q: u128, kind: InverseTangent, bits: u64) -> Ball {
    debug_assert!(2 * p <= q, "{p}/{q} is outside the proven range");
    let p_squared = BigUint::from(p).pow(2);
    let q_squared = BigUint::from(q).pow(2);
    let mut power = (BigUint::from(p) << bits) / q;
    let mut sum = BigInt::ZERO;
    let mut terms = 0u64;
    while power != BigUint::ZERO {
        let term = BigInt::from(&power / (2 * terms + 1));
        if kind == InverseTangent::Circular && terms % 2 == 1 {
            sum -= term;
        } else {
            sum += term;
        }
        power = power * &p_squared / &q_squared;
        terms += 1;
    }
    Ball::new(sum, BigUint::from(3 * terms + 2), bits)
}

/// atanh(1/q).
fn acoth(q: u128, bits: u64) -> Ball {
    inverse_tangent(1, q, InverseTangent::Hyperbolic, bits)
}

/// atan(1/q).
fn acot(q: u128, bits: u64) -> Ball {
    inverse_tangent(1, q, InverseTangent::Circular, bits)
}

/// The constants of Stirling's series and of decimal exponents, at one
/// precision.
#[derive(Debug, Clone)]
pub(crate) struct Constants {
    ln_2: Ball,
    ln_10: Ball,
    ln_2pi: Ball,
}

impl Constants {
    /// The constants with `bits` fractional bits, cut down from the most
    /// precise ones this thread has computed when they suffice.
    ///
    /// They cost more than half of a summary with K = 30, and a host that
    /// keeps an instance (the typed interface) asks again and again. Cutting
    /// bits off costs one ulp of radius; each HTTP request gets a fresh
    /// instance, so there the cache is empty and costs nothing either.
    pub(crate) fn cached(bits: u64) -> Self {
        thread_local! {
            static MOST_PRECISE: RefCell<Option<Constants>> = const { RefCell::new(None) };
        }
        MOST_PRECISE.with_borrow_mut(|cached| match cached {
            Some(constants) if constants.bits() >= bits => constants.with_bits(bits),
            _ => cached.insert(Constants::new(bits)).clone(),
        })
    }

    /// ln 2, ln 10 and ln 2π with `bits` fractional bits.
    pub(crate) fn new(bits: u64) -> Self {
        let ln_2 = acoth(26, bits)
            .scale(18)
            .sub(&acoth(4801, bits).scale(2))
            .add(&acoth(8749, bits).scale(8));
        let ln_10 = ln_2.scale(3).add(&acoth(9, bits).scale(2));
        let pi = acot(5, bits).scale(16).sub(&acot(239, bits).scale(4));
        let near_one = pi.scale(113).div(355u32).sub(&Ball::integer(1, bits));
        let ln_2pi = ln_2
            .add(&ln_integer(355, &ln_2))
            .sub(&ln_integer(113, &ln_2))
            .add(&ln_1p(&near_one));
        Constants {
            ln_2,
            ln_10,
            ln_2pi,
        }
    }

    fn bits(&self) -> u64 {
        self.ln_2.bits()
    }

    fn with_bits(&self, bits: u64) -> Self {
        Constants {
            ln_2: self.ln_2.with_bits(bits),
            ln_10: self.ln_10.with_bits(bits),
            ln_2pi: self.ln_2pi.with_bits(bits),
        }
    }

    /// ln 10.
    pub(crate) fn ln_10(&self) -> &Ball {
        &self.ln_10
    }

    /// ln 2π.
    pub(crate) fn ln_2pi(&self) -> &Ball {
        &self.ln_2pi
    }

    /// ln m for `m >= 1`.
    pub(crate) fn ln(&self, m: u64) -> Ball {
        ln_integer(m, &self.ln_2)
    }
}

/// ln m for `m >= 1`, from the power of two nearest `m` and `ln_2`.
fn ln_integer(m: u64, ln_2: &Ball) -> Ball {
    debug_assert!(m >= 1);
    let m = u128::from(m);
    // `m` lies in [2^low, 2^(low+1)); the nearer power on a log scale is
    // the upper one from 2^low √2 on, where m² >= 2^(2 low + 1).
    let low = 127 - m.leading_zeros();
    let exponent = if m * m >= 1 << (2 * low + 1) {
        low + 1
    } else {
        low
    };
    let power = 1u128 << exponent;
    let ratio = inverse_tangent(
        m.abs_diff(power),
        m + power,
        InverseTangent::Hyperbolic,
        ln_2.bits(),
    )
    .scale(2);
    let ratio = if m < power { ratio.neg() } else { ratio };
    ln_2.scale(exponent).add(&ratio)
}

/// ln(1 + u) = u − u²/2 + u³/3 − … for `|u| <= 1/2`.
///
/// The sum stops at the first power of `u` whose midpoint is zero. From
/// there on each term is at most half the previous one, so the tail is at
/// most twice that power's bound.
fn ln_1p(u: &Ball) -> Ball {
    let mut sum = Ball::integer(0, u.bits());
    let mut power = u.clone();
    let mut index = 1u64;
    while !power.midpoint_is_zero() {
        let term = power.div(index);
        sum = if index % 2 == 1 {
            sum.add(&term)
        } else {
            sum.sub(&term)
        };
        power = power.mul(u);
        index += 1;
    }
    sum.widen(power.magnitude_bound() * 2u8)
}

/// exp x for every x in the ball, which lies in `[0, 4)`.
///
/// The reduced argument r = x/2^s is at most 1/2, so from the first Taylor
/// term whose midpoint is zero on, each term is at most half the previous
/// one and the tail is at most twice that term's bound. Squaring s times
/// doubles the relative error each time, so the series is summed with s
/// extra bits.
pub(crate) fn exp(x: &Ball) -> Ball {
    let bits = x.bits();
    let halvings = bits.isqrt().max(3);
    let work = bits + halvings;
    let reduced = x.with_bits(work).shr(halvings);
    let mut sum = Ball::integer(1, work);
    let mut term = Ball::integer(1, work);
    let mut index = 1u64;
    loop {
        term = term.mul(&reduced).div(index);
        if term.midpoint_is_zero() {
            break;
        }
        sum = sum.add(&term);
        index += 1;
    }
    let mut result = sum.widen(term.magnitude_bound() * 2u8);
    for _ in 0..halvings {
        result = result.mul(&result);
    }
    result.with_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ball` holds `expected` and is narrower than 2^-(bits - 40).
    fn assert_encloses(ball: &Ball, expected: &str) {
        assert!(ball.holds_decimal(expected, 40), "{expected}: {ball:?}");
    }

    // Reference values from mpmath at 90 digits, truncated to 60 decimals.
    const LN_2: &str = "0.693147180559945309417232121458176568075500134360255254120680";
    const LN_10: &str = "2.302585092994045684017991454684364207601101488628772976033327";
    const LN_2PI: &str = "1.837877066409345483560659472811235279722794947275566825634303";
    const LN_10_POW_18: &str = "41.446531673892822312323846184318555736819826795317913568599902";
    const E_CUBED: &str = "20.085536923187667740928529654581717896987907838554150144378934";

    #[test]
    fn constants_match_reference_values() {
        let constants = Constants::new(256);
        assert_encloses(&constants.ln(2), LN_2);
        assert_encloses(constants.ln_10(), LN_10);
        assert_encloses(constants.ln_2pi(), LN_2PI);
        assert_encloses(&constants.ln(1_000_000_000_000_000_000), LN_10_POW_18);
    }

    #[test]
    fn cached_constants_are_cut_down_from_more_precise_ones() {
        let precise = Constants::cached(512);
        assert_eq!(precise.bits(), 512);
        let cut = Constants::cached(256);
        assert_eq!(cut.bits(), 256);
        assert_encloses(cut.ln_10(), LN_10);
        assert_encloses(cut.ln_2pi(), LN_2PI);
        assert_eq!(Constants::cached(1024).bits(), 1024);
    }

    #[test]
    fn logarithms_of_small_integers_are_consistent() {
        let constants = Constants::new(128);
        assert_encloses(&constants.ln(1), "0.000000000000000000000000000000");
        let ln_6 = constants.ln(2).add(&constants.ln(3));
        let difference = constants.ln(6).sub(&ln_6);
        assert!(difference.lower() <= BigInt::ZERO && BigInt::ZERO <= difference.upper());
        let ln_max = constants.ln(u64::MAX);
        assert_eq!(ln_max.floor(), Some(BigInt::from(44)));
    }

    #[test]
    fn exp_matches_reference_values() {
        let three = Ball::integer(3, 256);
        assert_encloses(&exp(&three), E_CUBED);
        assert_encloses(
            &exp(&Ball::integer(0, 128)),
            "1.000000000000000000000000000000",
        );
    }
}
