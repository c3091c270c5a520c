//! Multiplication of large integers by number-theoretic transform (NTT).
//!
//! `num-bigint` stops at Toom-3, O(n^1.47); from a few hundred words (on
//! wasm32) or a few thousand (natively), a convolution by transform,
//! O(n log n), wins. The operands are cut into
//! 32-bit coefficients and convolved modulo three primes just below 2^31,
//! whose product (about 2^92.6) exceeds every coefficient of the product
//! (fewer than 2^24 terms of at most 2^64 each), so the Chinese remainder
//! theorem gives the coefficients exactly. This is the three-prime scheme of
//! Brent–Zimmermann, "Modern Computer Arithmetic" §2.3, with 32-bit primes
//! so that every modular product is one 32×32→64-bit multiplication, which
//! WebAssembly has (it lacks the 64×64→128 one that 64-bit primes need).
//!
//! Arithmetic modulo p is lazy: values live in `[0, 2p)` and are brought into
//! `[0, p)` only where a sum could overflow. Twiddle factors use Shoup's
//! precomputed quotient; pointwise products use Montgomery's reduction.
//!
//! The transform is the Cooley–Tukey one with a single twiddle per block
//! ("block b of a stage splits x^m − r into x^(m/2) ∓ √r"): inputs in natural
//! order, outputs in bit-reversed order, which suits a convolution, and one
//! table of roots serves every length. It recurses depth first, so blocks
//! soon fit in cache. Lengths are 2^k or 3·2^k: the latter evaluates at three
//! quarters of the points of a 4·2^k transform (a truncated transform), so a
//! product never pads more than a third; one that would pad much is
//! computed from two shorter residues instead ([`Multiplier`]).
//!
//! The parts: `modular`, arithmetic modulo the primes; `roots`, the tables
//! of roots of unity; `transform`, the transforms of one residue vector;
//! `crt`, integers back from their residues. This module joins them into
//! products.

mod crt;
mod modular;
mod roots;
mod transform;

use num_bigint::BigUint;

pub use crt::{DECIMAL_BASE, split_decimal};
use crt::{carry, carry_decimal, fold, from_residues, low_part, subtract_cyclic};
use modular::{MAX_LOG_LEN, PRIMES, Prime, Twiddle, inverse_mod, mul_montgomery, reduce};
use roots::ROOTS;
pub use transform::transform_len;
use transform::{MIN_LEN, full_len, inverse, transformed};

/// The longest product, in 32-bit words, that one transform computes.
pub const MAX_PRODUCT_WORDS: usize = 1 << MAX_LOG_LEN;

/// The number of 32-bit words of `x`.
pub fn words(x: &BigUint) -> usize {
    x.bits().div_ceil(32) as usize
}

/// An integer as the coefficients a transform loads, least significant
/// first: the 32-bit words of a `BigUint`, or the base-10^9 limbs of a
/// decimal number. Only the carries after the inverse transform depend on
/// the base.
pub trait Coefficients {
    fn coefficients(&self) -> impl Iterator<Item = u32>;
}

impl Coefficients for BigUint {
    fn coefficients(&self) -> impl Iterator<Item = u32> {
        self.iter_u32_digits()
    }
}

impl Coefficients for [u32] {
    fn coefficients(&self) -> impl Iterator<Item = u32> {
        self.iter().copied()
    }
}

/// The factor that makes a pointwise product come out of the inverse
/// transform as the true coefficient: 2^32 (Montgomery's product divides by
/// it) over the transform's factor [`full_len`].
fn scale(len: usize, prime: Prime) -> Twiddle {
    let inverse_len = inverse_mod(full_len(len) as u32 % prime.p, prime.p);
    let scale = u64::from(inverse_len) * u64::from(prime.r) % u64::from(prime.p);
    Twiddle::new(scale as u32, prime.p)
}

/// An integer transformed for one length: its residues modulo each prime,
/// transformed and multiplied by [`scale`], each below its prime. Keeping
/// it saves one transform per product when the same factor is used many
/// times (the powers of ten of a radix conversion).
pub struct Spectrum {
    len: usize,
    residues: [Vec<u32>; 3],
}

impl Spectrum {
    /// The transform of `x`, which must have at most `len` coefficients,
    /// `len` a value of [`transform_len`].
    pub fn new(x: &(impl Coefficients + ?Sized), len: usize) -> Self {
        debug_assert!(x.coefficients().count() <= len && transform_len(len) == len);
        ROOTS.with_borrow_mut(|roots| {
            // Scaled once here, so products with it need no scaling.
            let residues = std::array::from_fn(|i| {
                let prime = PRIMES[i];
                let scale = scale(len, prime);
                let mut residue = transformed(x.coefficients(), len, &mut roots[i], prime);
                for value in &mut residue {
                    *value = reduce(scale.mul(*value, prime.p), prime.p);
                }
                residue
            });
            Spectrum { len, residues }
        })
    }

    /// `x·y`, where `y` is the integer of this spectrum; the product must
    /// fit in [`Spectrum::len`] words.
    pub fn product(&self, x: &BigUint) -> BigUint {
        BigUint::new(carry(convolve(x, self), false))
    }

    /// `x − q·y` for `y` the integer of this spectrum, when the caller knows
    /// that the result lies in `[0, 2^(32·len) − 1)`. The product is computed
    /// modulo 2^(32·len) − 1, by a cyclic convolution half as long as the
    /// full product; `q` is folded to `len` words first, so it may have up
    /// to `2·len` words (a folded word is below 2^33, which keeps every
    /// coefficient below 2^(65+25), within the primes' product). Only
    /// power-of-two lengths are cyclic.
    pub fn subtract_product(&self, x: &BigUint, q: &BigUint) -> BigUint {
        debug_assert!(self.len.is_power_of_two() && words(q) <= 2 * self.len);
        let product = carry(convolve(q, self), true);
        let mut folded = fold(x, self.len);
        subtract_cyclic(&mut folded, &product);
        BigUint::new(folded)
    }
}

/// A factor `y` prepared for products `x·y` with every `x` up to a given
/// number of words: `y` is transformed once, for all of them.
///
/// A product of `s` words just above a power of two or three quarters of
/// one would leave up to a third of its transform's points as padding.
/// Then it is computed instead from two residues: `x·y mod (2^(32·l) − 1)`,
/// a cyclic convolution of `l` points, `l` the power of two below `s`, and
/// `x·y mod 2^(32·m)`, `m = s − l + 1`, the product of the low `m` words of
/// both. The moduli are coprime and their product exceeds `2^(32·s)`, so
/// these residues give the product (GMP pairs `mpn_mulmod_bnm1` with a low
/// product alike); see [`wrapped_lengths`] for when this is cheaper.
pub struct Multiplier {
    /// The longest `x`, in words.
    x_words: usize,
    spectra: MultiplierSpectra,
}

enum MultiplierSpectra {
    /// One transform that holds the whole product.
    Full(Spectrum),
    /// `y mod (2^(32·l) − 1)` at `l` points, and the low `m` words of `y` at
    /// a length that holds their product with `m` words.
    Wrapped {
        cyclic: Spectrum,
        low: Spectrum,
        low_words: usize,
    },
}

impl Multiplier {
    /// Prepares `y` for products with factors of at most `x_words` words;
    /// the product must have at most [`MAX_PRODUCT_WORDS`] words.
    pub fn new(y: &BigUint, x_words: usize) -> Self {
        let product_words = x_words + words(y);
        let spectra = match wrapped_lengths(product_words) {
            Some((cyclic, low_words)) => MultiplierSpectra::Wrapped {
                cyclic: Spectrum::new(&BigUint::new(fold(y, cyclic)), cyclic),
                low: Spectrum::new(&low_part(y, low_words), transform_len(2 * low_words)),
                low_words,
            },
            None => MultiplierSpectra::Full(Spectrum::new(y, transform_len(product_words))),
        };
        Multiplier { x_words, spectra }
    }

    /// Whether the products are computed from two residues.
    #[cfg(test)]
    pub fn wraps(&self) -> bool {
        matches!(self.spectra, MultiplierSpectra::Wrapped { .. })
    }

    /// `x·y`, for `x` of at most the words given to [`Multiplier::new`].
    pub fn product(&self, x: &BigUint) -> BigUint {
        debug_assert!(words(x) <= self.x_words);
        match &self.spectra {
            MultiplierSpectra::Full(spectrum) => spectrum.product(x),
            MultiplierSpectra::Wrapped {
                cyclic,
                low,
                low_words,
            } => {
                let residue = carry(convolve(x, cyclic), true);
                let low_product = low.product(&low_part(x, *low_words));
                from_residues(residue, &low_product, *low_words)
            }
        }
    }
}

/// For a product of `words` words: the cyclic length `l` and the low words
/// `m` of a product computed from its two residues (see [`Multiplier`]),
/// when their transforms have at most 7/8 of the points of the full one.
/// The margin pays for the linear work of joining the residues. It helps
/// products that fill little of their transform (n = 10^6's quotients in
/// the conversion) and leaves whole those that nearly fill it (n = 10^5's);
/// docs/performance.md, "Tuning", has the fill and the time saved.
fn wrapped_lengths(words: usize) -> Option<(usize, usize)> {
    let cyclic = words.next_power_of_two() / 2;
    let low_words = (words + 1).checked_sub(cyclic)?;
    let points = cyclic + transform_len(2 * low_words);
    (cyclic >= MIN_LEN && low_words <= cyclic && 8 * points <= 7 * transform_len(words))
        .then_some((cyclic, low_words))
}

/// `x·y` by transform; the product must have at most [`MAX_PRODUCT_WORDS`]
/// words.
///
/// # Worst-case complexity
/// O(n log n) word operations for an n-word product: three transforms of
/// at most 4n/3 points per prime, and linear loading and carries.
pub fn multiply_by_transform(x: &BigUint, y: &BigUint) -> BigUint {
    // The shorter factor is the prepared one: a cyclic product folds the
    // other when it is longer than the cyclic length.
    let (x, y) = if words(x) >= words(y) { (x, y) } else { (y, x) };
    Multiplier::new(y, words(x)).product(x)
}

/// `x²` by transform: two transforms per prime instead of three, also for
/// each residue of a product from two residues (see [`Multiplier`]).
pub fn square_by_transform(x: &BigUint) -> BigUint {
    let product_words = 2 * words(x);
    let Some((cyclic, low_words)) = wrapped_lengths(product_words) else {
        let residues = square_residues(x, transform_len(product_words));
        return BigUint::new(carry(residues, false));
    };
    let residue = carry(square_residues(x, cyclic), true);
    from_residues(
        residue,
        &square_by_transform(&low_part(x, low_words)),
        low_words,
    )
}

/// `x·y` for `x` and `y` in base-10^9 limbs, least significant first, by
/// transform: the product's limbs, without leading zero limbs. The product
/// must have at most [`MAX_PRODUCT_WORDS`] limbs.
///
/// # Worst-case complexity
/// As [`multiply_by_transform`]'s products that fill their transforms.
pub fn multiply_decimal(x: &[u32], y: &[u32]) -> Vec<u32> {
    Spectrum::new(y, transform_len(x.len() + y.len())).decimal_product(x, y.len())
}

impl Spectrum {
    /// `x·y` in base-10^9 limbs, for `y` the `y_limbs` limbs of this
    /// spectrum; the product must fit in [`Spectrum::len`] limbs.
    pub fn decimal_product(&self, x: &[u32], y_limbs: usize) -> Vec<u32> {
        carry_decimal(convolve(x, self), x.len() + y_limbs)
    }
}

/// `x²` for `x` in base-10^9 limbs, as [`multiply_decimal`], with two
/// transforms per prime instead of three.
pub fn square_decimal(x: &[u32]) -> Vec<u32> {
    let limbs = 2 * x.len();
    carry_decimal(square_residues(x, transform_len(limbs)), limbs)
}

/// The residues of `x²` at `len` points, cyclic if `x` is longer.
fn square_residues(x: &(impl Coefficients + ?Sized), len: usize) -> [Vec<u32>; 3] {
    convolve_with(x, len, |_, prime, residue| {
        let scale = scale(len, prime);
        for value in residue {
            let square = mul_montgomery(reduce(*value, prime.p), *value, prime);
            *value = scale.mul(square, prime.p);
        }
    })
}

/// The residues of `x·y`, `y` given by its (scaled) spectrum.
fn convolve(x: &(impl Coefficients + ?Sized), spectrum: &Spectrum) -> [Vec<u32>; 3] {
    convolve_with(x, spectrum.len, |i, prime, residue| {
        for (value, other) in residue.iter_mut().zip(&spectrum.residues[i]) {
            *value = mul_montgomery(*other, *value, prime);
        }
    })
}

/// For each prime `i`: transforms `x` at `len` points, lets `pointwise`
/// combine the result in place, and transforms it back.
fn convolve_with(
    x: &(impl Coefficients + ?Sized),
    len: usize,
    pointwise: impl Fn(usize, Prime, &mut [u32]),
) -> [Vec<u32>; 3] {
    ROOTS.with_borrow_mut(|roots| {
        std::array::from_fn(|i| {
            let mut residue = transformed(x.coefficients(), len, &mut roots[i], PRIMES[i]);
            pointwise(i, PRIMES[i], &mut residue);
            inverse(&mut residue, &mut roots[i], PRIMES[i]);
            residue
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    use crate::math::test_support::random_biguint;

    fn all_ones(words: usize) -> BigUint {
        (BigUint::from(1u8) << (32 * words)) - 1u8
    }

    #[test]
    fn products_match_schoolbook_across_lengths() {
        let mut rng = XorShift::new(1);
        // Both kinds of length, each side of the iterative cut-off, and
        // operands of all ones, the largest coefficients.
        for (x_words, y_words) in [
            (1, 1),
            (8, 8),
            (12, 12),
            (13, 12),
            (300, 200),
            (700, 3),
            (512, 512),
            (513, 512),
            (700, 700),
            (1500, 1100),
        ] {
            let x = random_biguint(&mut rng, x_words);
            let y = random_biguint(&mut rng, y_words);
            assert_eq!(
                multiply_by_transform(&x, &y),
                &x * &y,
                "{x_words}×{y_words} words"
            );
            assert_eq!(square_by_transform(&x), &x * &x, "{x_words} words squared");
            let (x, y) = (all_ones(x_words), all_ones(y_words));
            assert_eq!(
                multiply_by_transform(&x, &y),
                &x * &y,
                "all ones {x_words}×{y_words}"
            );
        }
        assert_eq!(
            multiply_by_transform(&BigUint::ZERO, &all_ones(40)),
            BigUint::ZERO
        );
    }

    #[test]
    fn a_spectrum_is_reused_for_many_products() {
        let mut rng = XorShift::new(2);
        let y = random_biguint(&mut rng, 100);
        let spectrum = Spectrum::new(&y, transform_len(300));
        for x_words in [1, 50, 199, 200] {
            let x = random_biguint(&mut rng, x_words);
            assert_eq!(spectrum.product(&x), &x * &y);
        }
    }

    #[test]
    fn products_from_two_residues_where_they_are_cheaper() {
        // Just above a power of two, the residues' transforms are far
        // shorter; at 96% of 3·2^k (as n = 10^5's quotients), they are not.
        assert_eq!(wrapped_lengths(1040), Some((1024, 17)));
        assert_eq!(wrapped_lengths(1024), None);
        assert_eq!(wrapped_lengths(47_407), None);
        let mut rng = XorShift::new(4);
        // Balanced, unbalanced with the longer factor folded, all ones (the
        // largest coefficients and the largest product), and a product of
        // exactly 2^(32·1024) − 1, whose cyclic residue is zero.
        let cases = [
            (random_biguint(&mut rng, 520), random_biguint(&mut rng, 520)),
            (random_biguint(&mut rng, 1100), random_biguint(&mut rng, 20)),
            (
                random_biguint(&mut rng, 2200),
                random_biguint(&mut rng, 2300),
            ),
            (all_ones(520), all_ones(520)),
            (all_ones(1100), all_ones(20)),
            (all_ones(512), (BigUint::from(1u8) << (32 * 512)) + 1u8),
            (
                all_ones(512),
                ((BigUint::from(1u8) << (32 * 512)) + 1u8) * 3u8,
            ),
        ];
        for (x, y) in &cases {
            let (x_words, y_words) = (words(x), words(y));
            assert!(wrapped_lengths(x_words + y_words).is_some());
            assert_eq!(
                multiply_by_transform(x, y),
                x * y,
                "{x_words}×{y_words} words"
            );
            let multiplier = Multiplier::new(y, x_words);
            assert!(multiplier.wraps());
            // Shorter factors than prepared for, down to zero.
            for x in [x >> 64u32, x >> (32 * x_words as u32 / 2), BigUint::ZERO] {
                assert_eq!(multiplier.product(&x), &x * y, "{x_words}×{y_words} words");
            }
        }
        for x in [random_biguint(&mut rng, 520), all_ones(520), all_ones(2250)] {
            assert!(wrapped_lengths(2 * words(&x)).is_some());
            assert_eq!(
                square_by_transform(&x),
                &x * &x,
                "{} words squared",
                words(&x)
            );
        }
    }

    #[test]
    fn subtract_product_agrees_with_plain_arithmetic() {
        let mut rng = XorShift::new(3);
        for len in [16usize, 64, 2048] {
            let d = random_biguint(&mut rng, len - 1);
            let spectrum = Spectrum::new(&d, len);
            for slack in [0u8, 1, 2] {
                let q = random_biguint(&mut rng, len - 2);
                let r = &d - random_biguint(&mut rng, 3) + &d * slack;
                let x = &q * &d + &r;
                assert_eq!(spectrum.subtract_product(&x, &q), r, "{len} points");
            }
            // A zero remainder, and one just below the modulus.
            let q = random_biguint(&mut rng, 2 * len);
            assert_eq!(spectrum.subtract_product(&(&q * &d), &q), BigUint::ZERO);
            let below = all_ones(len) - 1u8;
            let x = &q * &d + &below;
            assert_eq!(spectrum.subtract_product(&x, &q), below);
        }
    }
}
