//! Deterministic random inputs for the tests: a seeded xorshift, so that a
//! failure reproduces, without a `rand` dependency.

/// Marsaglia's xorshift64 ("Xorshift RNGs", 2003).
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator for `seed`. The seed is spread over the bits by a
    /// multiplication and made odd, since the all-zero state never leaves
    /// zero.
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut first = XorShift::new(5);
        let mut second = XorShift::new(5);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
        assert_ne!(XorShift::new(5).next_u64(), XorShift::new(6).next_u64());
    }

    #[test]
    fn seed_zero_is_not_stuck_at_zero() {
        let mut rng = XorShift::new(0);
        assert!((0..10).map(|_| rng.next_u64()).any(|x| x != 0));
    }

    #[test]
    fn below_stays_below() {
        let mut rng = XorShift::new(9);
        assert!((0..1000).all(|_| rng.below(7) < 7));
    }
}
