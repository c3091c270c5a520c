//! Integers back from residues, by the Chinese remainder theorem: Garner's
//! step joins each coefficient's residues modulo the three primes and the
//! carries join the coefficients; a product computed modulo 2^(32·l) − 1
//! and modulo 2^(32·m) is joined from those two residues, with the
//! arithmetic modulo 2^(32·l) − 1 that a cyclic convolution needs.

use num_bigint::BigUint;

use super::modular::{PRIMES, Twiddle, inverse_mod, reduce};

/// Garner's constants: p0⁻¹ mod p1, (p0·p1)⁻¹ mod p2 and p1⁻¹ mod p2.
struct Garner {
    inverse_p0_mod_p1: Twiddle,
    inverse_p0p1_mod_p2: Twiddle,
    inverse_p1_mod_p2: Twiddle,
}

impl Garner {
    fn new() -> Self {
        let [p0, p1, p2] = PRIMES.map(|prime| prime.p);
        let p0p1_mod_p2 = (u64::from(p0) * u64::from(p1) % u64::from(p2)) as u32;
        Garner {
            inverse_p0_mod_p1: Twiddle::new(inverse_mod(p0 % p1, p1), p1),
            inverse_p0p1_mod_p2: Twiddle::new(inverse_mod(p0p1_mod_p2, p2), p2),
            inverse_p1_mod_p2: Twiddle::new(inverse_mod(p1, p2), p2),
        }
    }

    /// The integer below p0·p1·p2 with the residues `y` (each below its
    /// prime), as `x0 + p0·high` with `x0 < p0` and `high < p1·p2 < 2^62`.
    #[inline(always)]
    fn combine(&self, [y0, y1, y2]: [u32; 3]) -> (u32, u64) {
        let [_, p1, p2] = PRIMES.map(|prime| prime.p);
        let x0 = y0;
        let x1 = reduce(self.inverse_p0_mod_p1.mul(y1 + p1 - reduce(x0, p1), p1), p1);
        let a = reduce(self.inverse_p0p1_mod_p2.mul(y2 + p2 - x0, p2), p2);
        let b = reduce(self.inverse_p1_mod_p2.mul(x1, p2), p2);
        let x2 = reduce(a + p2 - b, p2);
        (x0, u64::from(x1) + u64::from(p1) * u64::from(x2))
    }
}

/// Adds `x0 + p0·high` (from [`Garner::combine`], `high` given as its low
/// and high words) to `carry`, returning the low word and the new carry.
/// Every sum fits 64 bits (the carry stays below 2^62), so WebAssembly needs
/// no 128-bit arithmetic.
#[inline(always)]
fn add_coefficient(carry: u64, x0: u32, high_low: u32, high_high: u32) -> (u32, u64) {
    let p0 = u64::from(PRIMES[0].p);
    let low = (carry & 0xFFFF_FFFF) + u64::from(x0) + p0 * u64::from(high_low);
    (
        low as u32,
        (carry >> 32) + (low >> 32) + p0 * u64::from(high_high),
    )
}

/// The words of the integer whose coefficients have the residues
/// `residues`, reusing the first residue vector for them. Garner's step,
/// independent per coefficient (so it vectorizes), runs first; the carries,
/// a serial chain, follow. With `cyclic`, the carry out of the top wraps
/// around to the bottom (the value modulo 2^(32·len) − 1) and the result
/// has exactly `len` words.
pub(super) fn carry(residues: [Vec<u32>; 3], cyclic: bool) -> Vec<u32> {
    let garner = Garner::new();
    let [mut words, mut high_low, mut high_high] = residues;
    let [p0, p1, p2] = PRIMES.map(|prime| prime.p);
    for ((y0, y1), y2) in words.iter_mut().zip(&mut high_low).zip(&mut high_high) {
        let (x0, high) = garner.combine([reduce(*y0, p0), reduce(*y1, p1), reduce(*y2, p2)]);
        (*y0, *y1, *y2) = (x0, high as u32, (high >> 32) as u32);
    }
    let mut acc = 0u64;
    for ((word, &low), &high) in words.iter_mut().zip(&high_low).zip(&high_high) {
        (*word, acc) = add_coefficient(acc, *word, low, high);
    }
    if cyclic {
        wrap_around(&mut words, acc);
    } else {
        while acc != 0 {
            words.push(acc as u32);
            acc >>= 32;
        }
    }
    words
}

/// 10^9, the base of decimal limbs: the largest power of ten below every
/// prime, so that a limb is loaded as its own residue.
pub const DECIMAL_BASE: u32 = 1_000_000_000;

/// `(⌊v/10^9⌋, v mod 10^9)`.
#[inline(always)]
pub fn split_decimal(v: u64) -> (u64, u32) {
    let base = u64::from(DECIMAL_BASE);
    (v / base, (v % base) as u32)
}

/// The base-10^9 limbs of the integer whose coefficients (themselves in
/// base 10^9) have the residues `residues`, at most `limbs` of them and
/// without leading zero limbs. As in [`carry`], Garner's step runs first,
/// independent per coefficient: a coefficient below 2^25·10^18 (2^25 terms
/// of two limbs each) is `x0 + p0·h`, `h < 2^55`, and `h` is split into
/// `h1·10^9 + h0`. The carry chain then adds `x0 + p0·h0` at the
/// coefficient's place and `p0·h1` one place up; every sum stays below
/// 2^62, within 64 bits.
pub(super) fn carry_decimal(residues: [Vec<u32>; 3], limbs: usize) -> Vec<u32> {
    let garner = Garner::new();
    let [mut low, mut h0s, mut h1s] = residues;
    let [p0, p1, p2] = PRIMES.map(|prime| prime.p);
    for ((y0, y1), y2) in low.iter_mut().zip(&mut h0s).zip(&mut h1s) {
        let (x0, high) = garner.combine([reduce(*y0, p0), reduce(*y1, p1), reduce(*y2, p2)]);
        let (h1, h0) = split_decimal(high);
        (*y0, *y1, *y2) = (x0, h0, h1 as u32);
    }
    let p0 = u64::from(p0);
    let mut acc = 0u64;
    for ((limb, &h0), &h1) in low.iter_mut().zip(&h0s).zip(&h1s) {
        let (quotient, remainder) = split_decimal(acc + u64::from(*limb) + p0 * u64::from(h0));
        *limb = remainder;
        acc = quotient + p0 * u64::from(h1);
    }
    while acc != 0 {
        let (quotient, remainder) = split_decimal(acc);
        low.push(remainder);
        acc = quotient;
    }
    low.truncate(limbs);
    while low.last() == Some(&0) {
        low.pop();
    }
    low
}

/// `x mod (2^(32·len) − 1)`, as exactly `len` words, canonical (never all
/// ones).
pub(super) fn fold(x: &BigUint, len: usize) -> Vec<u32> {
    let mut sums = vec![0u64; len];
    for (k, word) in x.iter_u32_digits().enumerate() {
        sums[k % len] += u64::from(word);
    }
    let mut words = vec![0u32; len];
    let mut acc = 0u64;
    for (word, sum) in words.iter_mut().zip(&sums) {
        acc += sum;
        *word = acc as u32;
        acc >>= 32;
    }
    wrap_around(&mut words, acc);
    words
}

/// Adds `carry·2^(32·len)` to the `len` words modulo 2^(32·len) − 1, where
/// 2^(32·len) ≡ 1, so the carry re-enters at the bottom; then makes the
/// result canonical (all ones, the other form of zero, becomes zero).
fn wrap_around(words: &mut [u32], mut carry: u64) {
    while carry != 0 {
        for word in words.iter_mut() {
            carry += u64::from(*word);
            *word = carry as u32;
            carry >>= 32;
            if carry == 0 {
                break;
            }
        }
    }
    if words.iter().all(|&word| word == u32::MAX) {
        words.fill(0);
    }
}

/// `a ← (a − b) mod (2^(32·len) − 1)` for canonical `a` and `b` of `len`
/// words: a borrow out of the top is taken from the bottom, as 2^(32·len) ≡ 1.
pub(super) fn subtract_cyclic(a: &mut [u32], b: &[u32]) {
    if subtract_words(a, b) {
        // The difference was negative: adding 2^(32·len) − 1 is dropping the
        // wrapped 2^(32·len) and subtracting one; it cannot borrow again.
        subtract_words(a, &[1]);
    }
}

/// `x mod 2^(32·words)`.
pub(super) fn low_part(x: &BigUint, words: usize) -> BigUint {
    BigUint::new(x.iter_u32_digits().take(words).collect())
}

/// The product `z` from `residue = z mod (2^(32·l) − 1)` (canonical, `l`
/// words, `l` a power of two) and `low = z mod 2^(32·m)` (or any number
/// congruent to it), `m ≤ l`, for `z < (2^(32·l) − 1)·2^(32·m)`: with
/// `z = residue + t·(2^(32·l) − 1)`, reducing modulo 2^(32·m) (where
/// 2^(32·l) vanishes) gives `t = (residue − low) mod 2^(32·m)`, and `t` is
/// below 2^(32·m).
pub(super) fn from_residues(mut residue: Vec<u32>, low: &BigUint, low_words: usize) -> BigUint {
    let mut t = residue[..low_words].to_vec();
    let low: Vec<u32> = low.iter_u32_digits().take(low_words).collect();
    // The borrow out of the top is the reduction modulo 2^(32·m).
    subtract_words(&mut t, &low);
    // z = (residue − t) + t·2^(32·l): when t exceeds the residue, the
    // difference borrows one from the t above it, which is then at least
    // one, as z ≥ 0.
    if subtract_words(&mut residue, &t) {
        subtract_words(&mut t, &[1]);
    }
    residue.extend(t);
    BigUint::new(residue)
}

/// `a ← a − b` modulo 2^(32·a.len()), for `b` no longer than `a`; returns
/// the borrow out of the top.
fn subtract_words(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = false;
    for (i, x) in a.iter_mut().enumerate() {
        let y = match b.get(i) {
            Some(&y) => y,
            None if borrow => 0,
            None => break,
        };
        let (difference, under) = x.overflowing_sub(y);
        let (difference, under_again) = difference.overflowing_sub(u32::from(borrow));
        *x = difference;
        borrow = under || under_again;
    }
    borrow
}
