//! Multiplication of `BigUint`s, choosing the algorithm by size: `num-bigint`
//! (schoolbook, Karatsuba, Toom-3) for small operands, the number-theoretic
//! transform of [`super::ntt`] for large ones.

use num_bigint::BigUint;

use super::ntt;

/// From this many 32-bit words in the smaller operand, the transform beats
/// `num-bigint`. Natively `num-bigint` multiplies 64-bit digits; on wasm32
/// its digits are 32-bit, a quarter of the work per multiplication, so its
/// Karatsuba and Toom-3 lose much earlier there, so each width has its own
/// threshold, each inside the range where the time of n! for n = 10^5 and
/// 10^6 (factorial and digits) is flat (the timings are in
/// docs/performance.md, "Tuning").
#[cfg(target_pointer_width = "64")]
pub const NTT_THRESHOLD_WORDS: usize = 3000;
/// See the 64-bit constant.
#[cfg(not(target_pointer_width = "64"))]
pub const NTT_THRESHOLD_WORDS: usize = 500;

/// `x·y`.
///
/// # Worst-case complexity
/// O(n log n) word operations for n-word operands above
/// [`NTT_THRESHOLD_WORDS`]; Toom-3's O(n^1.47) below.
pub fn multiply(x: &BigUint, y: &BigUint) -> BigUint {
    let (x_words, y_words) = (ntt::words(x), ntt::words(y));
    if x_words.min(y_words) < NTT_THRESHOLD_WORDS {
        return x * y;
    }
    if x_words + y_words > ntt::MAX_PRODUCT_WORDS {
        // Beyond the longest transform (about (4.5·10^7)!): split the longer
        // operand and add the two products.
        let (long, short) = if x_words >= y_words { (x, y) } else { (y, x) };
        let cut = 32 * (x_words.max(y_words) as u64 / 2);
        let (high, low) = split_bits(long, cut);
        return (multiply(&high, short) << cut) + multiply(&low, short);
    }
    ntt::multiply_by_transform(x, y)
}

/// `x²`.
///
/// # Worst-case complexity
/// As [`multiply`], with two transforms per prime instead of three.
pub fn square(x: &BigUint) -> BigUint {
    let words = ntt::words(x);
    if words < NTT_THRESHOLD_WORDS {
        return x * x;
    }
    if 2 * words > ntt::MAX_PRODUCT_WORDS {
        // (h·2^c + l)² = h²·2^2c + 2hl·2^c + l².
        let cut = 32 * (words as u64 / 2);
        let (high, low) = split_bits(x, cut);
        return (square(&high) << (2 * cut)) + (multiply(&high, &low) << (cut + 1)) + square(&low);
    }
    ntt::square_by_transform(x)
}

/// `(x >> bits, x mod 2^bits)`. The low part is cut from `x`'s words, one
/// pass over them only, rather than subtracted.
pub fn split_bits(x: &BigUint, bits: u64) -> (BigUint, BigUint) {
    let words = bits.div_ceil(32) as usize;
    let mut low: Vec<u32> = x.iter_u32_digits().take(words).collect();
    let partial = bits % 32;
    if partial != 0 && low.len() == words {
        low[words - 1] &= (1 << partial) - 1;
    }
    (x >> bits, BigUint::new(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    use crate::math::test_support::random_biguint;

    #[test]
    fn products_agree_on_each_side_of_the_threshold() {
        let mut rng = XorShift::new(11);
        for words in [
            NTT_THRESHOLD_WORDS - 1,
            NTT_THRESHOLD_WORDS,
            NTT_THRESHOLD_WORDS + 1,
        ] {
            let x = random_biguint(&mut rng, words);
            let y = random_biguint(&mut rng, words + 7);
            assert_eq!(multiply(&x, &y), &x * &y, "{words} words");
            assert_eq!(square(&x), &x * &x, "{words} words squared");
        }
        let short = random_biguint(&mut rng, NTT_THRESHOLD_WORDS - 1);
        let long = random_biguint(&mut rng, 3 * NTT_THRESHOLD_WORDS);
        assert_eq!(multiply(&short, &long), &short * &long);
    }

    #[test]
    fn split_bits_reassembles() {
        let mut rng = XorShift::new(12);
        let x = random_biguint(&mut rng, 10);
        for bits in [0, 1, 31, 32, 33, 319, 320, 400] {
            let (high, low) = split_bits(&x, bits);
            assert!(low.bits() <= bits);
            assert_eq!((high << bits) + low, x);
        }
    }
}
