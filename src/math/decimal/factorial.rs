//! `n!` in base 10^9 by the prime swing, as [`crate::math::factorial`]
//! computes it in binary, but with the twos multiplied in: in binary they
//! are one shift at the end, in decimal a shift is a product like any
//! other, and the swing's own twos (`popcount(⌊n/2⌋)` of them, the bits of
//! n above the lowest) cost a factor per level.

use super::Decimal;
use crate::math::factorial::{odd_primes_up_to, odd_swing_factors, pack};

/// The largest n whose factorial is computed in decimal: its last product
/// must fit one transform, 2^25 limbs (3.0·10^8 digits; 4·10^7! has
/// 2.9·10^8). Above it, callers use the binary path.
pub const MAX_N: u64 = 40_000_000;

/// Below this, `n!` is multiplied out directly, as in binary.
const SMALL_FACTORIAL: u64 = 32;

/// Products of at most this many packed factors are multiplied left to
/// right, one factor at a time, as in binary.
const PRODUCT_LEAF_FACTORS: usize = 16;

/// `n!` in base 10^9, for `n ≤` [`MAX_N`].
///
/// # Worst-case complexity
/// O(M(N)) for N = log10(n!) digits, as the binary factorial.
pub fn factorial(n: u64) -> Decimal {
    assert!(n <= MAX_N, "{n}! is too long for one transform");
    factorial_with(n, &odd_primes_up_to(n))
}

/// `n!`, `primes` listing the odd primes up to at least `n`:
/// `n! = (⌊n/2⌋!)²·n≀`.
fn factorial_with(n: u64, primes: &[u64]) -> Decimal {
    if n < SMALL_FACTORIAL {
        return product(&pack::<u32>(2..=n));
    }
    let primes = &primes[..primes.partition_point(|&p| p <= n)];
    let half = factorial_with(n / 2, primes);
    half.square().multiply(&swing(n, primes))
}

/// `n≀ = n!/(⌊n/2⌋!)²`, twos included, for `primes` the odd primes up to n.
fn swing(n: u64, primes: &[u64]) -> Decimal {
    // n ≤ MAX_N < 2^32: at most 31 twos, one factor below 2^32.
    let power_of_two = 1u64 << (n / 2).count_ones();
    product(&pack(odd_swing_factors(n, primes).chain([power_of_two])))
}

/// The product of `words`, as a balanced tree.
fn product(words: &[u32]) -> Decimal {
    if words.len() <= PRODUCT_LEAF_FACTORS {
        let mut product = Decimal::one();
        for &word in words {
            product.multiply_small(word);
        }
        return product;
    }
    let (low, high) = words.split_at(words.len() / 2);
    product(low).multiply(&product(high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::factorial;
    use crate::math::ntt::MAX_PRODUCT_WORDS;
    use factorial_corpus::XorShift;
    use std::num::NonZeroUsize;

    fn digits(x: &Decimal) -> String {
        let mut out = Vec::new();
        x.write_digits(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// Every n up to 3000 against the binary path, converted by
    /// `num-bigint` (not by our conversion, which the binary path's
    /// benchmarks and tests cover).
    #[test]
    fn every_n_up_to_3000_agrees_with_the_binary_path() {
        for n in 0..=3000 {
            assert_eq!(
                digits(&super::factorial(n)),
                factorial(n).to_string(),
                "{n}!"
            );
        }
    }

    /// Random n up to 10^5, long enough for every product by transform;
    /// larger n are checked in release mode through the component
    /// (`tests/all/math.rs`).
    #[test]
    fn random_n_agree_with_the_binary_path() {
        let mut rng = XorShift::new(24);
        for bound in [10_000, 30_000, 100_000] {
            let n = rng.below(bound);
            assert_eq!(
                digits(&super::factorial(n)),
                factorial(n).to_string(),
                "{n}!"
            );
        }
    }

    #[test]
    fn the_largest_n_fits_one_transform() {
        // The digits of MAX_N! (the summary's count), in limbs, with the
        // product's one spare limb.
        let digits = crate::math::summary(MAX_N, NonZeroUsize::MIN).digits;
        assert!(digits.div_ceil(9) < MAX_PRODUCT_WORDS as u128, "{digits}");
    }

    #[test]
    fn packed_words_stay_below_2_to_the_32() {
        let factors = [u64::from(u32::MAX), 3, 1 << 20, 1 << 12, 7];
        assert_eq!(
            pack::<u32>(factors.into_iter()),
            vec![u32::MAX, 3 << 20, (1 << 12) * 7]
        );
    }
}
