//! Natural numbers in base 10^9, for answers that are wanted in decimal.
//!
//! A product by number-theoretic transform does not depend on the base of
//! its limbs: only the carries after the inverse transform do
//! ([`ntt::multiply_decimal`]). So `n!` computed in base 10^9 from the start
//! (the prime-swing products and squarings, with the twos multiplied in like
//! any other prime) is written out limb by limb, with no conversion from
//! binary, which for large n costs three to four times the factorial itself
//! (`radix.rs`). 10^9 is the largest power of ten below the transform's
//! primes and 2^32, so a limb is one transform coefficient and one `u32`.
//!
//! - [`Decimal`]: the numbers, with the products the factorial needs.
//! - `factorial`: the prime swing in decimal.

mod factorial;

pub use factorial::{MAX_N, factorial};

use super::ntt::{self, DECIMAL_BASE, Spectrum, split_decimal, transform_len};

/// From this many limbs in the shorter operand, products go by transform.
/// The schoolbook's quadratic cost against the transforms' fixed one: the
/// time of n! inside wasmtime at n = 3000, 10^4 and 10^5 is flat around 96
/// and rises on both sides (docs/performance.md, "Tuning").
const TRANSFORM_THRESHOLD_LIMBS: usize = 96;

/// From this many limbs, squares go by transform. Below, a square takes
/// half the products of a product ([`schoolbook_square`]), so it stays on
/// the schoolbook longer. It matters most in a fresh instance, as each
/// request gets one, which has no root tables yet: a transform there also
/// pays for its roots (docs/performance.md, "Tuning").
const SQUARE_TRANSFORM_THRESHOLD_LIMBS: usize = 192;

/// Rows a schoolbook product adds to its 64-bit column sums before carrying
/// them: a carried column (below 10^9) plus 16 products below 10^18 stays
/// below 2^64.
const ROWS_PER_CARRY: usize = 16;

/// The most pieces [`Decimal::multiply`] cuts its longer operand into.
const MAX_PIECES: usize = 64;

/// Decimal digits in a limb.
const LIMB_DIGITS: usize = 9;

/// A natural number in base 10^9: limbs least significant first, each below
/// 10^9, the last one non-zero (zero has no limbs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    limbs: Vec<u32>,
}

impl Decimal {
    /// One.
    pub fn one() -> Self {
        Decimal { limbs: vec![1] }
    }

    /// `self·factor`, in place.
    ///
    /// # Worst-case complexity
    /// O(limbs): one 64-bit product and one division by 10^9 per limb.
    pub fn multiply_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            // Below 10^9·2^32 + 2^32: within 64 bits.
            (carry, *limb) = split_decimal(u64::from(*limb) * u64::from(factor) + carry);
        }
        while carry != 0 {
            let (quotient, limb) = split_decimal(carry);
            self.limbs.push(limb);
            carry = quotient;
        }
        if factor == 0 {
            self.limbs.clear();
        }
    }

    /// `self·other`.
    ///
    /// # Worst-case complexity
    /// O(n log n) limb operations for n-limb operands from
    /// [`TRANSFORM_THRESHOLD_LIMBS`], O(n²) below.
    ///
    /// # Panics
    /// If the product has more limbs than one transform holds
    /// ([`ntt::MAX_PRODUCT_WORDS`], 2^25: 3·10^8 digits).
    pub fn multiply(&self, other: &Decimal) -> Decimal {
        let (x, y) = (&self.limbs, &other.limbs);
        if x.is_empty() || y.is_empty() {
            return Decimal { limbs: Vec::new() };
        }
        if x.len().min(y.len()) < TRANSFORM_THRESHOLD_LIMBS {
            return Decimal {
                limbs: schoolbook(x, y),
            };
        }
        assert!(
            x.len() + y.len() <= ntt::MAX_PRODUCT_WORDS,
            "product too long"
        );
        let (x, y) = if x.len() >= y.len() { (x, y) } else { (y, x) };
        let pieces = pieces(x.len(), y.len());
        if pieces == 1 {
            return Decimal {
                limbs: ntt::multiply_decimal(x, y),
            };
        }
        let piece = x.len().div_ceil(pieces);
        let spectrum = Spectrum::new(y.as_slice(), transform_len(piece + y.len()));
        let mut limbs = vec![0; x.len() + y.len()];
        for (i, chunk) in x.chunks(piece).enumerate() {
            add_at(
                &mut limbs[i * piece..],
                &spectrum.decimal_product(chunk, y.len()),
            );
        }
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        Decimal { limbs }
    }

    /// `self²`.
    ///
    /// # Worst-case complexity
    /// As [`Decimal::multiply`], with two transforms per prime instead of
    /// three.
    ///
    /// # Panics
    /// As [`Decimal::multiply`].
    pub fn square(&self) -> Decimal {
        let x = &self.limbs;
        if x.is_empty() {
            return Decimal { limbs: Vec::new() };
        }
        if x.len() < SQUARE_TRANSFORM_THRESHOLD_LIMBS {
            return Decimal {
                limbs: schoolbook_square(x),
            };
        }
        assert!(2 * x.len() <= ntt::MAX_PRODUCT_WORDS, "product too long");
        Decimal {
            limbs: ntt::square_decimal(x),
        }
    }

    /// The number of decimal digits (1 for zero).
    pub fn digits(&self) -> usize {
        match self.limbs.split_last() {
            None => 1,
            Some((top, rest)) => top.ilog10() as usize + 1 + LIMB_DIGITS * rest.len(),
        }
    }

    /// The digits, with no leading zero, appended to `out`: the top limb as
    /// it is, every other one zero-padded to nine digits.
    ///
    /// # Worst-case complexity
    /// O(digits).
    pub fn write_digits(&self, out: &mut Vec<u8>) {
        out.reserve(self.digits());
        let Some((top, rest)) = self.limbs.split_last() else {
            out.push(b'0');
            return;
        };
        let mut padded = [0u8; LIMB_DIGITS];
        let top_digits = top.ilog10() as usize + 1;
        write_limb(*top, &mut padded);
        out.extend_from_slice(&padded[LIMB_DIGITS - top_digits..]);
        for &limb in rest.iter().rev() {
            write_limb(limb, &mut padded);
            out.extend_from_slice(&padded);
        }
    }
}

/// How many pieces to cut an `x_limbs`-limb operand into for a product
/// with a `y_limbs`-limb one, `y_limbs ≤ x_limbs`: `y` is transformed once
/// and each piece costs a forward and an inverse transform, so `k` pieces
/// cost `2k + 1` transforms of `transform_len(⌈x/k⌉ + y)` points, against
/// three of the whole product's length. When `y` is short (the swing
/// against the square of the half factorial, 5% of its length at
/// n = 10^6), shorter transforms more than pay for the extra ones.
fn pieces(x_limbs: usize, y_limbs: usize) -> usize {
    (1..=MAX_PIECES)
        .min_by_key(|&pieces| {
            let len = transform_len(x_limbs.div_ceil(pieces) + y_limbs);
            (2 * pieces + 1) * len * len.ilog2() as usize
        })
        .unwrap_or(1)
}

/// `acc += addend`, in base 10^9; the sum must fit in `acc`.
fn add_at(acc: &mut [u32], addend: &[u32]) {
    let mut carry = 0;
    for (i, limb) in acc.iter_mut().enumerate() {
        let Some(&term) = addend.get(i).or((carry != 0).then_some(&0)) else {
            break;
        };
        let sum = *limb + term + carry;
        carry = u32::from(sum >= DECIMAL_BASE);
        *limb = sum - carry * DECIMAL_BASE;
    }
    debug_assert_eq!(carry, 0);
}

/// `limb < 10^9` as nine digits, zero-padded.
#[inline(always)]
fn write_limb(mut limb: u32, digits: &mut [u8; LIMB_DIGITS]) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (limb % 10) as u8;
        limb /= 10;
    }
}

/// The limbs of `x·y`, for non-empty normalised `x` and `y`, by rows of
/// `x` added to 64-bit column sums, carried every [`ROWS_PER_CARRY`] rows.
///
/// # Worst-case complexity
/// O(|x|·|y|).
fn schoolbook(x: &[u32], y: &[u32]) -> Vec<u32> {
    let (x, y) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    let mut columns = vec![0u64; x.len() + y.len()];
    for (block, rows) in x.chunks(ROWS_PER_CARRY).enumerate() {
        let first = block * ROWS_PER_CARRY;
        for (offset, &row) in rows.iter().enumerate() {
            let row = u64::from(row);
            let start = first + offset;
            for (column, &limb) in columns[start..].iter_mut().zip(y) {
                *column += row * u64::from(limb);
            }
        }
        carry_columns(&mut columns[first..]);
    }
    into_limbs(columns)
}

/// The limbs of `x²`, for non-empty normalised `x`: each product of two
/// different limbs once, as [`schoolbook`] adds them, then the sum doubled
/// and the squares of the limbs added in one carried pass. Half the
/// products of `schoolbook(x, x)`.
///
/// # Worst-case complexity
/// O(|x|²).
fn schoolbook_square(x: &[u32]) -> Vec<u32> {
    let mut columns = vec![0u64; 2 * x.len()];
    for (block, rows) in x.chunks(ROWS_PER_CARRY).enumerate() {
        let first = block * ROWS_PER_CARRY;
        for (offset, &row) in rows.iter().enumerate() {
            let i = first + offset;
            let row = u64::from(row);
            for (column, &limb) in columns[2 * i + 1..].iter_mut().zip(&x[i + 1..]) {
                *column += row * u64::from(limb);
            }
        }
        carry_columns(&mut columns[2 * first + 1..]);
    }
    let mut carry = 0u64;
    for (pair, &limb) in columns.as_chunks_mut::<2>().0.iter_mut().zip(x) {
        // 2·(10^9 − 1) + (10^9 − 1)² + a carry below 2^31: within 64 bits.
        let square = u64::from(limb) * u64::from(limb);
        let (quotient, low) = split_decimal(2 * pair[0] + square + carry);
        let (quotient, high) = split_decimal(2 * pair[1] + quotient);
        (pair[0], pair[1], carry) = (u64::from(low), u64::from(high), quotient);
    }
    debug_assert_eq!(carry, 0);
    into_limbs(columns)
}

/// Carried columns, each below 10^9, as limbs without leading zeros.
fn into_limbs(columns: Vec<u64>) -> Vec<u32> {
    let mut limbs: Vec<u32> = columns.into_iter().map(|column| column as u32).collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    limbs
}

/// Carries column sums so that each is below 10^9. The last column never
/// overflows: the product has at most as many limbs as there are columns.
fn carry_columns(columns: &mut [u64]) {
    let mut carry = 0u64;
    for column in columns {
        let (quotient, limb) = split_decimal(*column + carry);
        *column = u64::from(limb);
        carry = quotient;
    }
    debug_assert_eq!(carry, 0);
}

#[cfg(test)]
mod tests {
    use factorial_corpus::XorShift;
    use num_bigint::BigUint;

    use super::*;
    use crate::math::multiply::{multiply, square};
    use crate::math::test_support::random_biguint;

    /// The decimal number with the value of `x`, through `num-bigint`'s own
    /// conversion.
    fn from_biguint(x: &BigUint) -> Decimal {
        let digits = x.to_string();
        let mut limbs: Vec<u32> = digits
            .as_bytes()
            .rchunks(LIMB_DIGITS)
            .map(|chunk| std::str::from_utf8(chunk).unwrap().parse().unwrap())
            .collect();
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        Decimal { limbs }
    }

    fn to_string(x: &Decimal) -> String {
        let mut out = Vec::new();
        x.write_digits(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// A random number of about `limbs` limbs, as a `BigUint`: random
    /// binary words, or a power of ten less one (all nines: the largest
    /// limbs, so the largest transform coefficients and carries).
    fn random_operand(rng: &mut XorShift, limbs: usize, nines: bool) -> BigUint {
        if nines {
            BigUint::from(10u8).pow(9 * limbs as u32) - 1u8
        } else {
            random_biguint(rng, limbs * 30 / 32 + 1)
        }
    }

    #[test]
    fn digits_round_trip() {
        let mut rng = XorShift::new(21);
        for x in [
            BigUint::ZERO,
            BigUint::from(7u8),
            BigUint::from(1_000_000_000u64),
            BigUint::from(999_999_999u64),
            random_biguint(&mut rng, 40),
        ] {
            let decimal = from_biguint(&x);
            assert_eq!(to_string(&decimal), x.to_string());
            assert_eq!(decimal.digits(), x.to_string().len());
        }
    }

    /// Products and squares agree with the binary path (our products, then
    /// `num-bigint`'s conversion) and with `num-bigint`'s own products, for
    /// random lengths on each side of the threshold and up to transforms of
    /// both kinds of length.
    #[test]
    fn products_agree_with_the_binary_path() {
        let mut rng = XorShift::new(22);
        let mut lengths: Vec<(usize, usize)> = (0..60)
            .map(|_| (1 + rng.below(120) as usize, 1 + rng.below(120) as usize))
            .collect();
        lengths.extend([
            (TRANSFORM_THRESHOLD_LIMBS - 1, 500),
            (TRANSFORM_THRESHOLD_LIMBS, TRANSFORM_THRESHOLD_LIMBS),
            (SQUARE_TRANSFORM_THRESHOLD_LIMBS - 1, 2),
            (SQUARE_TRANSFORM_THRESHOLD_LIMBS, 2),
            (1000, 1000),
            (1500, 700),
            (3000, 3),
        ]);
        for (case, (x_limbs, y_limbs)) in lengths.into_iter().enumerate() {
            let nines = case % 7 == 0;
            let x = random_operand(&mut rng, x_limbs, nines);
            let y = random_operand(&mut rng, y_limbs, nines);
            let (dx, dy) = (from_biguint(&x), from_biguint(&y));
            let product = to_string(&dx.multiply(&dy));
            assert_eq!(product, multiply(&x, &y).to_string(), "{x_limbs}×{y_limbs}");
            assert_eq!(product, (&x * &y).to_string(), "{x_limbs}×{y_limbs}");
            assert_eq!(
                to_string(&dx.square()),
                square(&x).to_string(),
                "{x_limbs} squared"
            );
        }
    }

    /// Products of a long operand by a short one, cut into pieces.
    #[test]
    fn unbalanced_products_agree_with_num_bigint() {
        let mut rng = XorShift::new(25);
        for (x_limbs, y_limbs) in [(3000, 60), (20_000, 1000), (12_000, 400)] {
            assert!(pieces(x_limbs, y_limbs) > 1, "{x_limbs}×{y_limbs}");
            for nines in [false, true] {
                let x = random_operand(&mut rng, x_limbs, nines);
                let y = random_operand(&mut rng, y_limbs, nines);
                let product = from_biguint(&x).multiply(&from_biguint(&y));
                assert_eq!(
                    to_string(&product),
                    (&x * &y).to_string(),
                    "{x_limbs}×{y_limbs}"
                );
            }
        }
        assert_eq!(pieces(1000, 1000), 1);
    }

    #[test]
    fn small_products_agree_with_num_bigint() {
        let mut rng = XorShift::new(23);
        let mut decimal = Decimal::one();
        let mut binary = BigUint::from(1u8);
        for step in 0..400 {
            let factor = match step % 5 {
                0 => u32::MAX,
                1 => 999_999_999,
                _ => rng.next_u64() as u32,
            };
            decimal.multiply_small(factor);
            binary *= factor;
            assert_eq!(to_string(&decimal), binary.to_string(), "step {step}");
        }
        decimal.multiply_small(0);
        assert_eq!(to_string(&decimal), "0");
        assert_eq!(to_string(&decimal.multiply(&Decimal::one())), "0");
    }
}
