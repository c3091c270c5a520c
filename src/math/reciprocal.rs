//! Reciprocals of large integers by Newton's iteration, for division by
//! multiplication (Barrett's method in [`super::radix`]).
//!
//! Each step doubles the precision: from an underestimate `y` of the
//! reciprocal at half precision, computed from the top bits of the divisor
//! alone, one step `y + y·(1 − d·y)` reaches full precision (Brent–Zimmermann,
//! "Modern Computer Arithmetic" §3.4.1). Every rounding is downwards and
//! `t(2 − t) ≤ 1`, so the result never exceeds the true reciprocal; it falls
//! short by at most [`MAX_SHORTFALL`]. Barrett's division only needs that
//! (its correction loop absorbs the shortfall), which spares the product
//! `d·y` that an exact result would cost.

use num_bigint::BigUint;

use super::multiply::{multiply, square};

/// Up to this precision, in bits, `num-bigint`'s division (schoolbook, then
/// Burnikel–Ziegler) computes the reciprocal directly; above, Newton steps.
/// The cost is flat over a wide range below this and rises slowly above it,
/// so the switch sits at the top of the flat range (callgrind's counts in
/// docs/performance.md, "Tuning").
const NEWTON_THRESHOLD_BITS: u64 = 20000;

/// Extra bits of the half-precision estimate: they make the step's error
/// about 2^−2·GUARD_BITS ulp, so the correction is a step or two.
const GUARD_BITS: u64 = 32;

/// How far below `⌊2^(b+e)/d⌋` the result of [`reciprocal`] may be: one unit
/// from the dropped low bits of the residual, one from the final floor, and
/// far less than one from the half-precision estimate's error squared.
pub const MAX_SHORTFALL: u64 = 3;

/// An approximation of `⌊2^(b+e)/d⌋`, for `d > 0` of `b` bits and
/// `e = precision`: never above it, and at most [`MAX_SHORTFALL`] below.
///
/// # Worst-case complexity
/// Two products of about `e/2 × max(b, e/2)` bits per doubling, so a small
/// multiple of one full product; O(M(e + b)).
pub fn reciprocal(d: &BigUint, precision: u64) -> BigUint {
    let bits = d.bits();
    if precision <= NEWTON_THRESHOLD_BITS {
        return (BigUint::from(1u8) << (bits + precision)) / d;
    }
    let half = precision / 2 + GUARD_BITS;
    // When d is cut, top + 1 exceeds d/2^cut, so its reciprocal
    // underestimates d's, by a relative 2^−(half+GUARD_BITS) at most.
    let cut = bits.saturating_sub(half + GUARD_BITS);
    let top = if cut == 0 {
        d.clone()
    } else {
        (d >> cut) + 1u8
    };
    let estimate = reciprocal(&top, half);
    refine(d, precision, &estimate, top.bits() + half + cut)
}

/// [`reciprocal`] of `d = r²/f`, given an underestimate `y ≤ 2^x/r` of
/// `r`'s reciprocal accurate to a relative 2^−(precision/2 + 2·GUARD_BITS)
/// or better: `y²·f ≤ 2^2x/d` is then a half-precision estimate, and one
/// Newton step remains where [`reciprocal`] would recurse. The powers of
/// ten of a radix conversion are such squares.
///
/// # Worst-case complexity
/// One squaring of about `e/2` bits and the two products of [`refine`].
pub fn reciprocal_of_square(d: &BigUint, precision: u64, y: &BigUint, x: u64, f: u64) -> BigUint {
    let cut = y.bits().saturating_sub(precision / 2 + 2 * GUARD_BITS + 8);
    let estimate = square(&(y >> cut)) * f;
    refine(d, precision, &estimate, 2 * (x - cut))
}

/// One Newton step: from `y ≤ 2^exponent/d`, accurate to a relative
/// 2^−(precision/2 + GUARD_BITS) or better, the approximation of
/// `⌊2^(b+e)/d⌋` that [`reciprocal`] returns, `e = precision`.
/// `exponent` must not exceed `b + e`, and only the top `precision/2 +
/// 2·GUARD_BITS` bits of `y` are used.
///
/// # Worst-case complexity
/// Two products of about `e/2 × max(b, e/2)` bits.
pub fn refine(d: &BigUint, precision: u64, y: &BigUint, exponent: u64) -> BigUint {
    let bits = d.bits();
    let cut = y.bits().saturating_sub(precision / 2 + 2 * GUARD_BITS);
    let (y, exponent) = (y >> cut, exponent - cut);
    // y·2^shift ≈ 2^(bits+precision)/d, from below.
    let scale = bits + precision;
    let shift = scale - exponent;
    let product = multiply(d, &y) << shift;
    let residual = (BigUint::from(1u8) << scale) - product;
    // Newton's correction y·2^shift·residual/2^scale. Dropping the
    // residual's low b − 1 bits first changes it by less than one unit.
    let step = multiply(&y, &(residual >> (bits - 1))) >> (exponent - bits + 1);
    (y << shift) + step
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    use crate::math::test_support::random_biguint;

    /// Checks `reciprocal(d, precision)` against the exact quotient.
    fn check(d: &BigUint, precision: u64) {
        let exact = (BigUint::from(1u8) << (d.bits() + precision)) / d;
        let approximation = reciprocal(d, precision);
        assert!(approximation <= exact, "above: {} bits", d.bits());
        assert!(
            exact - approximation <= BigUint::from(MAX_SHORTFALL),
            "{} bits",
            d.bits()
        );
    }

    #[test]
    fn newton_stays_within_its_bound_around_the_threshold() {
        let mut rng = XorShift::new(21);
        for precision in [
            NEWTON_THRESHOLD_BITS - 1,
            NEWTON_THRESHOLD_BITS,
            NEWTON_THRESHOLD_BITS + 1,
            3 * NEWTON_THRESHOLD_BITS + 5,
        ] {
            for words in [1, 40, 700, 1300] {
                let d = random_biguint(&mut rng, words);
                check(&d, precision);
            }
        }
    }

    #[test]
    fn squares_of_powers_of_five_refine_the_root_reciprocal() {
        // As a radix conversion uses it: 5^2k and 5^(2k−19) from 5^k, with
        // the root's reciprocal a little over half as precise plus guard.
        let root = BigUint::from(5u8).pow(20_000);
        let root_precision = root.bits() + 20_000 + 80;
        let y = reciprocal(&root, root_precision);
        let x = root.bits() + root_precision;
        let five_19 = 5u64.pow(19);
        for (d, f) in [(&root * &root, 1), (&root * &root / five_19, five_19)] {
            let precision = d.bits() + 40_000 + 80;
            let exact = (BigUint::from(1u8) << (d.bits() + precision)) / &d;
            let approximation = reciprocal_of_square(&d, precision, &y, x, f);
            assert!(approximation <= exact);
            assert!(exact - approximation <= BigUint::from(MAX_SHORTFALL));
        }
    }

    #[test]
    fn powers_of_two_and_of_five_stay_within_the_bound() {
        let precision = 2 * NEWTON_THRESHOLD_BITS + 3;
        for d in [
            BigUint::from(1u8) << 1000u32,
            (BigUint::from(1u8) << 1000u32) - 1u8,
            (BigUint::from(1u8) << 1000u32) + 1u8,
            BigUint::from(5u8).pow(30_000),
        ] {
            check(&d, precision);
        }
    }
}
