//! Deterministic random inputs for the tests: a seeded xorshift, so a failure
//! reproduces, without a `rand` dependency.

use num_bigint::BigUint;

/// Marsaglia's xorshift64.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// A random integer of `words` 32-bit words, the top one non-zero.
pub fn random_biguint(rng: &mut XorShift, words: usize) -> BigUint {
    let mut digits: Vec<u32> = (0..words).map(|_| rng.next() as u32).collect();
    if let Some(top) = digits.last_mut() {
        *top |= 1;
    }
    BigUint::new(digits)
}
