//! Ball arithmetic in binary fixed point.
//!
//! A [`Ball`] is a real number known only to lie within `radius` of
//! `midpoint`, both counted in units of `2^-bits` (ulps). Every operation
//! returns a ball that contains every exact result of its operands' contents,
//! so a chain of operations carries a proven enclosure instead of an estimate
//! whose error has to be argued separately. Rounding is always by truncation
//! and always paid for with one more ulp of radius.

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};

/// A real number `x` with `|x - midpoint * 2^-bits| <= radius * 2^-bits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ball {
    midpoint: BigInt,
    radius: BigUint,
    bits: u64,
}

impl Ball {
    /// The exact integer `value`.
    pub(crate) fn integer(value: impl Into<BigInt>, bits: u64) -> Self {
        Ball {
            midpoint: value.into() << bits,
            radius: BigUint::ZERO,
            bits,
        }
    }

    /// The ball `midpoint ± radius` ulps.
    pub(crate) fn new(midpoint: BigInt, radius: BigUint, bits: u64) -> Self {
        Ball {
            midpoint,
            radius,
            bits,
        }
    }

    /// The number of fractional bits.
    pub(crate) fn bits(&self) -> u64 {
        self.bits
    }

    /// The midpoint, in ulps.
    pub(crate) fn midpoint(&self) -> &BigInt {
        &self.midpoint
    }

    /// The radius, in ulps.
    pub(crate) fn radius(&self) -> &BigUint {
        &self.radius
    }

    /// The least value the ball may hold, in ulps.
    pub(crate) fn lower(&self) -> BigInt {
        &self.midpoint - BigInt::from(self.radius.clone())
    }

    /// The greatest value the ball may hold, in ulps.
    pub(crate) fn upper(&self) -> BigInt {
        &self.midpoint + BigInt::from(self.radius.clone())
    }

    /// An upper bound on the absolute value of every number in the ball, in
    /// ulps.
    pub(crate) fn magnitude_bound(&self) -> BigUint {
        self.midpoint.magnitude() + &self.radius
    }

    /// Whether the midpoint is zero: the ball is then within its radius of
    /// zero.
    pub(crate) fn midpoint_is_zero(&self) -> bool {
        self.midpoint == BigInt::ZERO
    }

    /// The integer part shared by every number in the ball, or `None` when
    /// the ball straddles an integer.
    pub(crate) fn floor(&self) -> Option<BigInt> {
        let low = self.lower() >> self.bits;
        let high = self.upper() >> self.bits;
        (low == high).then_some(low)
    }

    /// The ball grown by `ulps`, to account for an error bounded elsewhere.
    pub(crate) fn widen(mut self, ulps: impl Into<BigUint>) -> Self {
        self.radius += ulps.into();
        self
    }

    /// The same enclosure with `bits` fractional bits: exact when bits are
    /// added, one ulp wider when they are dropped.
    pub(crate) fn with_bits(&self, bits: u64) -> Self {
        match bits.cmp(&self.bits) {
            Ordering::Equal => self.clone(),
            Ordering::Greater => Ball {
                midpoint: &self.midpoint << (bits - self.bits),
                radius: &self.radius << (bits - self.bits),
                bits,
            },
            Ordering::Less => {
                let shift = self.bits - bits;
                Ball {
                    midpoint: &self.midpoint >> shift,
                    radius: ceil_shr(&self.radius, shift) + 1u8,
                    bits,
                }
            }
        }
    }

    /// `-self`, exactly.
    pub(crate) fn neg(&self) -> Self {
        Ball {
            midpoint: -&self.midpoint,
            radius: self.radius.clone(),
            bits: self.bits,
        }
    }

    /// `self + other`, exactly.
    pub(crate) fn add(&self, other: &Ball) -> Self {
        debug_assert_eq!(self.bits, other.bits);
        Ball {
            midpoint: &self.midpoint + &other.midpoint,
            radius: &self.radius + &other.radius,
            bits: self.bits,
        }
    }

    /// `self - other`, exactly.
    pub(crate) fn sub(&self, other: &Ball) -> Self {
        debug_assert_eq!(self.bits, other.bits);
        Ball {
            midpoint: &self.midpoint - &other.midpoint,
            radius: &self.radius + &other.radius,
            bits: self.bits,
        }
    }

    /// `self * factor` for an exact integer `factor`, exactly.
    pub(crate) fn scale(&self, factor: impl Into<BigInt>) -> Self {
        let factor = factor.into();
        Ball {
            radius: &self.radius * factor.magnitude(),
            midpoint: &self.midpoint * factor,
            bits: self.bits,
        }
    }

    /// `self * other`. With `a ± r` and `b ± s`, every product lies within
    /// `|a|s + |b|r + rs` of `ab`; truncating `ab` costs one more ulp.
    pub(crate) fn mul(&self, other: &Ball) -> Self {
        debug_assert_eq!(self.bits, other.bits);
        let spread = self.midpoint.magnitude() * &other.radius
            + other.midpoint.magnitude() * &self.radius
            + &self.radius * &other.radius;
        Ball {
            midpoint: (&self.midpoint * &other.midpoint) >> self.bits,
            radius: ceil_shr(&spread, self.bits) + 1u8,
            bits: self.bits,
        }
    }

    /// `self / divisor` for a positive integer `divisor`; truncating the
    /// quotient costs one ulp.
    pub(crate) fn div(&self, divisor: impl Into<BigUint>) -> Self {
        let divisor = divisor.into();
        debug_assert!(divisor != BigUint::ZERO);
        Ball {
            midpoint: &self.midpoint / BigInt::from_biguint(Sign::Plus, divisor.clone()),
            radius: (&self.radius + &divisor - 1u8) / &divisor + 1u8,
            bits: self.bits,
        }
    }

    /// `self / 2^shift`; truncating costs one ulp.
    pub(crate) fn shr(&self, shift: u64) -> Self {
        Ball {
            midpoint: &self.midpoint >> shift,
            radius: ceil_shr(&self.radius, shift) + 1u8,
            bits: self.bits,
        }
    }
}

#[cfg(test)]
impl Ball {
    /// Whether the ball holds a number within one unit of the last digit of
    /// `decimal` (`digits.digits`), and is narrower than `2^-(bits - slack)`.
    pub(crate) fn holds_decimal(&self, decimal: &str, slack: u32) -> bool {
        let (whole, fraction) = decimal.split_once('.').expect("a decimal point");
        let scale = BigInt::from(10u8).pow(fraction.len() as u32);
        let exact: BigInt = format!("{whole}{fraction}").parse().expect("digits");
        let low = ((&exact - 1) << self.bits) / &scale;
        let high = ((&exact + 1) << self.bits) / &scale + 1;
        let narrow = self.upper() - self.lower() < BigInt::from(1u8) << slack;
        self.lower() <= high && low <= self.upper() && narrow
    }
}

/// `ceil(value / 2^shift)`.
fn ceil_shr(value: &BigUint, shift: u64) -> BigUint {
    let floor = value >> shift;
    if value.trailing_zeros().is_none_or(|zeros| zeros >= shift) {
        floor
    } else {
        floor + 1u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BITS: u64 = 16;

    /// The ball `midpoint/2^BITS ± radius/2^BITS`.
    fn ball(midpoint: i64, radius: u64) -> Ball {
        Ball::new(midpoint.into(), radius.into(), BITS)
    }

    /// Whether `x/2^BITS` lies in `ball`.
    fn holds(ball: &Ball, x: &BigInt) -> bool {
        ball.lower() <= *x && *x <= ball.upper()
    }

    #[test]
    fn products_enclose_every_product_of_the_contents() {
        let one = 1i64 << BITS;
        let cases = [
            (ball(3 * one / 2, 5), ball(-7 * one / 3, 9)),
            (ball(-one / 5, 0), ball(-one / 7, 3)),
            (ball(123_457, 1000), ball(1, 1)),
        ];
        for (a, b) in cases {
            let product = a.mul(&b);
            for x in [a.lower(), a.midpoint.clone(), a.upper()] {
                for y in [b.lower(), b.midpoint.clone(), b.upper()] {
                    let exact = &x * &y;
                    // `exact` is in ulps of ulps: its floor and ceiling in
                    // ulps must both be inside.
                    assert!(holds(&product, &(&exact >> BITS)), "{x} * {y}");
                    assert!(holds(&product, &-(-&exact >> BITS)), "{x} * {y}");
                }
            }
        }
    }

    #[test]
    fn quotients_enclose_the_ends() {
        let a = ball(-1_000_003, 17);
        let quotient = a.div(7u32);
        for x in [a.lower(), a.upper()] {
            assert!(holds(&quotient, &(&x / 7)));
        }
        let halved = a.shr(3);
        for x in [a.lower(), a.upper()] {
            assert!(holds(&halved, &(&x >> 3u8)));
        }
    }

    #[test]
    fn dropping_bits_keeps_the_enclosure() {
        let a = ball(-1_000_003, 17);
        let coarse = a.with_bits(BITS - 5);
        for x in [a.lower(), a.upper()] {
            assert!(coarse.lower() << 5u8 <= x && x <= coarse.upper() << 5u8);
        }
        assert_eq!(a.with_bits(BITS + 4).with_bits(BITS).radius, a.radius + 1u8);
    }

    #[test]
    fn the_floor_is_decided_only_inside_one_unit() {
        let one = 1i64 << BITS;
        assert_eq!(ball(5 * one / 2, 10).floor(), Some(BigInt::from(2)));
        assert_eq!(ball(-one / 2, 10).floor(), Some(BigInt::from(-1)));
        assert_eq!(ball(3 * one, 1).floor(), None);
        assert_eq!(ball(3 * one + 1, 1).floor(), Some(BigInt::from(3)));
    }
}
