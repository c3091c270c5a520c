//! `n!` by Luschny's prime-swing method, as GMP's `mpz_fac_ui` computes it.
//!
//! The swing `n≀ = n!/(⌊n/2⌋!)²` is a product of prime powers that a sieve
//! lists directly: the exponent of p in it is `Σ_i ⌊n/p^i⌋ mod 2`, so every
//! power is at most n. Then `n! = (⌊n/2⌋!)²·n≀` needs one squaring and one
//! product per halving of n. Twos are kept out of every product: the odd
//! part is computed as `odd(n!) = odd(⌊n/2⌋!)²·odd(n≀)` and `n!` is that
//! shifted left once by `n − popcount(n)` (Legendre's formula). Factors are
//! packed into 64-bit words and multiplied as a balanced tree, so each
//! product has operands of similar size (where Karatsuba, Toom-3 and the
//! transform pay off).
//!
//! Sources: P. Luschny, "Fast Factorial Functions" (the swing algorithm);
//! GMP `mpz/oddfac_1.c`; malachite's `factorial.rs`.

use num_bigint::BigUint;
use num_traits::{CheckedMul, One};

use super::multiply::{multiply, square};

/// Below this, `odd(n!)` is multiplied out directly: a product of under 16
/// small odd factors fits in one or two words, and the swing's sieve and
/// tree would only add overhead.
const SMALL_ODD_FACTORIAL: u64 = 32;

/// Products of at most this many words are multiplied left to right, one
/// word at a time: at 16 words the accumulated product is still short
/// enough that schoolbook beats splitting.
const PRODUCT_LEAF_WORDS: usize = 16;

/// `n!`, exactly.
///
/// # Worst-case complexity
/// O(M(N)) for N = log2(n!) ≈ n·log2(n) bits: the last squaring and the ones
/// before it, each half as long, dominate; the sieve is O(n log log n).
pub fn factorial(n: u64) -> BigUint {
    let primes = odd_primes_up_to(n);
    odd_factorial(n, &primes) << (n - u64::from(n.count_ones()))
}

/// The odd part of `n!`; `primes` lists the odd primes up to at least `n`.
fn odd_factorial(n: u64, primes: &[u64]) -> BigUint {
    if n < SMALL_ODD_FACTORIAL {
        let odd_parts = (3..=n).map(|k| k >> k.trailing_zeros());
        return product(&pack::<u64>(odd_parts));
    }
    let primes = &primes[..primes.partition_point(|&p| p <= n)];
    let half = odd_factorial(n / 2, primes);
    multiply(&square(&half), &odd_swing(n, primes))
}

/// The odd part of `n≀ = n!/(⌊n/2⌋!)²`, for `primes` the odd primes up to n.
fn odd_swing(n: u64, primes: &[u64]) -> BigUint {
    product(&pack::<u64>(odd_swing_factors(n, primes)))
}

/// The prime powers whose product is the odd part of `n≀`, each at most
/// `n`, for `primes` the odd primes up to n.
pub(super) fn odd_swing_factors(n: u64, primes: &[u64]) -> impl Iterator<Item = u64> {
    primes.iter().filter_map(move |&p| {
        // Past √n only i = 1 counts, and past n/3 the quotient is 1 or 2.
        if p > n / 3 {
            return (n / p % 2 == 1).then_some(p);
        }
        let mut power = 1;
        let mut quotient = n / p;
        while quotient > 0 {
            if quotient % 2 == 1 {
                power *= p;
            }
            quotient /= p;
        }
        (power > 1).then_some(power)
    })
}

/// Multiplies factors into as few words of type `W` as possible: 64-bit
/// words here, 32-bit ones for the decimal factorial's small products.
/// Every factor must fit a `W`.
pub(super) fn pack<W: CheckedMul + One + TryFrom<u64>>(
    factors: impl Iterator<Item = u64>,
) -> Vec<W> {
    let mut words = Vec::new();
    let mut word = W::one();
    for factor in factors {
        let Ok(factor) = W::try_from(factor) else {
            panic!("a factor wider than a word");
        };
        word = match word.checked_mul(&factor) {
            Some(product) => product,
            None => {
                words.push(word);
                factor
            }
        };
    }
    words.push(word);
    words
}

/// The product of `words`, as a balanced tree.
fn product(words: &[u64]) -> BigUint {
    if words.len() <= PRODUCT_LEAF_WORDS {
        return words
            .iter()
            .fold(BigUint::from(1u8), |product, &word| product * word);
    }
    let (low, high) = words.split_at(words.len() / 2);
    multiply(&product(low), &product(high))
}

/// The odd primes up to `n`, by the sieve of Eratosthenes over odd numbers.
///
/// # Worst-case complexity
/// O(n log log n) time, n/2 bytes.
pub(super) fn odd_primes_up_to(n: u64) -> Vec<u64> {
    // Slot i stands for 2i + 1. Squares are compared in u64: on wasm32 a
    // usize square of a prime above 2^16 would wrap.
    let slots = n.div_ceil(2) as usize;
    let mut composite = vec![false; slots];
    for i in 1..slots {
        let p = 2 * i as u64 + 1;
        if p * p > n {
            break;
        }
        if !composite[i] {
            for multiple in (p * p / 2..slots as u64).step_by(p as usize) {
                composite[multiple as usize] = true;
            }
        }
    }
    (1..slots)
        .filter(|&i| !composite[i])
        .map(|i| 2 * i as u64 + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    /// The product of `1..=n`, one factor at a time.
    fn naive(n: u64) -> BigUint {
        (1..=n).fold(BigUint::from(1u8), |product, k| product * k)
    }

    #[test]
    fn small_factorials_match_known_values() {
        let known = [1u64, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800];
        for (n, expected) in known.iter().enumerate() {
            assert_eq!(factorial(n as u64), BigUint::from(*expected), "{n}!");
        }
        assert_eq!(factorial(20), BigUint::from(2_432_902_008_176_640_000u64));
    }

    #[test]
    fn agrees_with_the_naive_product_around_each_threshold() {
        let edges = [
            SMALL_ODD_FACTORIAL,
            2 * SMALL_ODD_FACTORIAL,
            PRODUCT_LEAF_WORDS as u64 * 64,
        ];
        for edge in edges {
            for n in edge - 2..=edge + 2 {
                assert_eq!(factorial(n), naive(n), "{n}!");
            }
        }
    }

    #[test]
    fn agrees_with_the_naive_product_at_random_n() {
        let mut rng = XorShift::new(41);
        for _ in 0..20 {
            let n = rng.below(3000);
            assert_eq!(factorial(n), naive(n), "{n}!");
        }
        // Large enough for products by transform.
        let n = 20_000;
        assert_eq!(factorial(n), naive(n), "{n}!");
    }

    #[test]
    fn sieve_finds_the_odd_primes() {
        assert_eq!(odd_primes_up_to(0), Vec::<u64>::new());
        assert_eq!(odd_primes_up_to(2), Vec::<u64>::new());
        assert_eq!(odd_primes_up_to(3), vec![3]);
        assert_eq!(odd_primes_up_to(30), vec![3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert_eq!(odd_primes_up_to(1_000_000).len(), 78_497);
    }

    #[test]
    fn packed_words_keep_the_product() {
        let factors = [u64::MAX, 3, 1 << 40, 1 << 30, 7];
        let words = pack::<u64>(factors.into_iter());
        let expected = factors.iter().fold(BigUint::from(1u8), |p, &f| p * f);
        assert_eq!(product(&words), expected);
        assert_eq!(words.len(), 3);
    }
}
