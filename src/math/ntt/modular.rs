//! Arithmetic modulo the three primes of the transform: the primes and
//! their constants, exact powers and inverses for tables, and the lazy
//! reductions of the hot loops (values in `[0, 2p)`, Shoup's precomputed
//! quotient for constant factors, Montgomery's reduction for products of
//! two variables).

/// Every prime has a 2^25-th root of unity, so transforms have at most 2^25
/// points: products of up to 2^25 words (2^30 bits, about (4.5·10^7)!).
pub(super) const MAX_LOG_LEN: u32 = 25;

/// A prime p < 2^31 with p ≡ 1 (mod 3·2^25), and its constants.
#[derive(Clone, Copy)]
pub(super) struct Prime {
    pub(super) p: u32,
    /// −p⁻¹ mod 2^32, for Montgomery reduction.
    pub(super) neg_inverse: u32,
    /// 2^32 mod p: Montgomery's R, folded into the final scaling.
    pub(super) r: u32,
    /// A primitive 2^25-th root of unity.
    pub(super) root: u32,
}

impl Prime {
    const fn new(p: u32, generator: u32) -> Self {
        let mut inverse = p; // p·p ≡ 1 (mod 8): three bits right.
        let mut step = 0;
        while step < 4 {
            inverse = inverse.wrapping_mul(2u32.wrapping_sub(p.wrapping_mul(inverse)));
            step += 1;
        }
        Prime {
            p,
            neg_inverse: inverse.wrapping_neg(),
            r: ((1u64 << 32) % p as u64) as u32,
            root: pow_mod(generator, (p - 1) >> MAX_LOG_LEN, p),
        }
    }
}

/// The three primes, 15·2^27+1, 27·2^26+1 and 63·2^25+1, with a generator
/// of each multiplicative group.
pub(super) const PRIMES: [Prime; 3] = [
    Prime::new(2_013_265_921, 31),
    Prime::new(1_811_939_329, 13),
    Prime::new(2_113_929_217, 5),
];

pub(super) const fn pow_mod(base: u32, mut exponent: u32, p: u32) -> u32 {
    let p = p as u64;
    let mut base = base as u64 % p;
    let mut result = 1u64;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = result * base % p;
        }
        base = base * base % p;
        exponent >>= 1;
    }
    result as u32
}

pub(super) const fn inverse_mod(value: u32, p: u32) -> u32 {
    pow_mod(value, p - 2, p)
}

/// `x mod p` for `x < 2p`.
#[inline(always)]
pub(super) fn reduce(x: u32, p: u32) -> u32 {
    x.min(x.wrapping_sub(p))
}

/// A constant factor with Shoup's quotient ⌊w·2^32/p⌋, so that multiplying
/// by it costs one wide and two wrapping multiplications.
#[derive(Clone, Copy)]
pub(super) struct Twiddle {
    pub(super) value: u32,
    pub(super) quotient: u32,
}

impl Twiddle {
    /// `value < p`. The quotient is estimated with ⌊2^63/p⌋, which is at most
    /// one short, and then corrected: no division per table entry.
    pub(super) fn new(value: u32, p: u32) -> Self {
        let reciprocal = (1u64 << 63) / u64::from(p);
        let mut quotient = (u64::from(value) * reciprocal) >> 31;
        let remainder = (u64::from(value) << 32).wrapping_sub(quotient * u64::from(p));
        if remainder >= u64::from(p) {
            quotient += 1;
        }
        Twiddle {
            value,
            quotient: quotient as u32,
        }
    }

    /// `x·w mod p`, in `[0, 2p)`, for any `x`.
    #[inline(always)]
    pub(super) fn mul(self, x: u32, p: u32) -> u32 {
        let estimate = ((u64::from(x) * u64::from(self.quotient)) >> 32) as u32;
        x.wrapping_mul(self.value)
            .wrapping_sub(estimate.wrapping_mul(p))
    }
}

/// `a·b·2^−32 mod p`, in `[0, 2p)`, for `a < p` and `b < 2p`.
#[inline(always)]
pub(super) fn mul_montgomery(a: u32, b: u32, prime: Prime) -> u32 {
    let product = u64::from(a) * u64::from(b);
    let m = (product as u32).wrapping_mul(prime.neg_inverse);
    ((product + u64::from(m) * u64::from(prime.p)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    #[test]
    fn primes_have_the_roots_the_transforms_need() {
        for prime in PRIMES {
            assert!(prime.p < 1 << 31);
            assert_eq!((prime.p - 1) % (3 << MAX_LOG_LEN), 0);
            assert_eq!(pow_mod(prime.root, 1 << MAX_LOG_LEN, prime.p), 1);
            assert_ne!(pow_mod(prime.root, 1 << (MAX_LOG_LEN - 1), prime.p), 1);
            assert_eq!(prime.p.wrapping_mul(prime.neg_inverse), u32::MAX);
        }
    }

    #[test]
    fn shoup_quotients_are_exact() {
        let mut rng = XorShift::new(7);
        for prime in PRIMES {
            for value in [
                0,
                1,
                prime.p - 1,
                prime.p / 2,
                rng.next_u64() as u32 % prime.p,
            ] {
                let expected = (u64::from(value) << 32) / u64::from(prime.p);
                assert_eq!(u64::from(Twiddle::new(value, prime.p).quotient), expected);
            }
        }
    }
}
