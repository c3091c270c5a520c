//! Random large integers for the tests of the arithmetic, from the shared
//! seeded generator, so that a failure reproduces.

use factorial_corpus::XorShift;
use num_bigint::BigUint;

/// A random integer of `words` 32-bit words, the top one non-zero.
pub fn random_biguint(rng: &mut XorShift, words: usize) -> BigUint {
    let mut digits: Vec<u32> = (0..words).map(|_| rng.next_u64() as u32).collect();
    if let Some(top) = digits.last_mut() {
        *top |= 1;
    }
    BigUint::new(digits)
}
