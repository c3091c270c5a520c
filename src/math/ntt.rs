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

use std::cell::RefCell;

use num_bigint::BigUint;

/// Every prime has a 2^25-th root of unity, so transforms have at most 2^25
/// points: products of up to 2^25 words (2^30 bits, about (4.5·10^7)!).
const MAX_LOG_LEN: u32 = 25;

/// The longest product, in 32-bit words, that one transform computes.
pub const MAX_PRODUCT_WORDS: usize = 1 << MAX_LOG_LEN;

/// Below this many points a block is transformed stage by stage rather than
/// recursively: 1024 words per prime fit in the L1 cache with room to spare.
const ITERATIVE_BLOCK: usize = 1024;

/// The shortest transform: 16 points keep the last two stages (four points
/// at a time) whole; products this short are far below every threshold at
/// which transforms are used.
const MIN_LEN: usize = 16;

/// A prime p < 2^31 with p ≡ 1 (mod 3·2^25), and its constants.
#[derive(Clone, Copy)]
struct Prime {
    p: u32,
    /// −p⁻¹ mod 2^32, for Montgomery reduction.
    neg_inverse: u32,
    /// 2^32 mod p: Montgomery's R, folded into the final scaling.
    r: u32,
    /// A primitive 2^25-th root of unity.
    root: u32,
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
const PRIMES: [Prime; 3] = [
    Prime::new(2_013_265_921, 31),
    Prime::new(1_811_939_329, 13),
    Prime::new(2_113_929_217, 5),
];

const fn pow_mod(base: u32, mut exponent: u32, p: u32) -> u32 {
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

const fn inverse_mod(value: u32, p: u32) -> u32 {
    pow_mod(value, p - 2, p)
}

/// `x mod p` for `x < 2p`.
#[inline(always)]
fn reduce(x: u32, p: u32) -> u32 {
    x.min(x.wrapping_sub(p))
}

/// A constant factor with Shoup's quotient ⌊w·2^32/p⌋, so that multiplying
/// by it costs one wide and two wrapping multiplications.
#[derive(Clone, Copy)]
struct Twiddle {
    value: u32,
    quotient: u32,
}

impl Twiddle {
    /// `value < p`. The quotient is estimated with ⌊2^63/p⌋, which is at most
    /// one short, and then corrected: no division per table entry.
    fn new(value: u32, p: u32) -> Self {
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
    fn mul(self, x: u32, p: u32) -> u32 {
        let estimate = ((u64::from(x) * u64::from(self.quotient)) >> 32) as u32;
        x.wrapping_mul(self.value)
            .wrapping_sub(estimate.wrapping_mul(p))
    }
}

/// `a·b·2^−32 mod p`, in `[0, 2p)`, for `a < p` and `b < 2p`.
#[inline(always)]
fn mul_montgomery(a: u32, b: u32, prime: Prime) -> u32 {
    let product = u64::from(a) * u64::from(b);
    let m = (product as u32).wrapping_mul(prime.neg_inverse);
    ((product + u64::from(m) * u64::from(prime.p)) >> 32) as u32
}

/// Roots of unity for one prime: `forward[b]` is the twiddle of block `b`,
/// ω^bitrev(b) for a primitive root ω of twice the table's length, and
/// `inverse[b]` its inverse. A longer table extends a shorter one, so the
/// table grows to the longest transform seen and serves all shorter ones.
struct RootTable {
    forward: Vec<Twiddle>,
    inverse: Vec<Twiddle>,
}

impl RootTable {
    fn new(p: u32) -> Self {
        RootTable {
            forward: vec![Twiddle::new(1, p)],
            inverse: vec![Twiddle::new(1, p)],
        }
    }

    /// Grows the table to `entries`, a power of two. Doubling from `s`
    /// entries, entry `s + b` is entry `b` times a primitive `4s`-th root.
    fn extend_to(&mut self, entries: usize, prime: Prime) {
        while self.forward.len() < entries {
            let len = self.forward.len();
            let order = (4 * len).trailing_zeros();
            let step = pow_mod(prime.root, 1 << (MAX_LOG_LEN - order), prime.p);
            let forward = Twiddle::new(step, prime.p);
            let inverse = Twiddle::new(inverse_mod(step, prime.p), prime.p);
            for b in 0..len {
                let value = reduce(forward.mul(self.forward[b].value, prime.p), prime.p);
                self.forward.push(Twiddle::new(value, prime.p));
                let value = reduce(inverse.mul(self.inverse[b].value, prime.p), prime.p);
                self.inverse.push(Twiddle::new(value, prime.p));
            }
        }
    }
}

thread_local! {
    /// The root tables of the three primes, kept for the life of the thread
    /// (a component instance): building them is linear in the longest
    /// transform, so repeated products share that cost.
    static ROOTS: RefCell<[RootTable; 3]> =
        RefCell::new(PRIMES.map(|prime| RootTable::new(prime.p)));
}

/// The number of points of the transform for a product of `words` words:
/// the least 2^k or 3·2^k that holds it.
pub fn transform_len(words: usize) -> usize {
    let power = words.max(MIN_LEN).next_power_of_two();
    if power / 4 * 3 >= words && power / 4 * 3 >= MIN_LEN {
        power / 4 * 3
    } else {
        power
    }
}

/// The length of the power-of-two transform that a transform of `len` points
/// is part of: `len` itself, or 4/3 of it.
fn full_len(len: usize) -> usize {
    if len.is_power_of_two() {
        len
    } else {
        len / 3 * 4
    }
}

/// The number of 32-bit words of `x`.
pub fn words(x: &BigUint) -> usize {
    x.bits().div_ceil(32) as usize
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
/// transformed and multiplied by [`scale`], each below its prime. Keeping it saves one transform per product when the same
/// factor is used many times (the powers of ten of a radix conversion).
pub struct Spectrum {
    len: usize,
    residues: [Vec<u32>; 3],
}

impl Spectrum {
    /// The transform of `x`, which must have at most `len` words, `len` a
    /// value of [`transform_len`].
    pub fn new(x: &BigUint, len: usize) -> Self {
        debug_assert!(words(x) <= len && transform_len(len) == len);
        ROOTS.with_borrow_mut(|roots| {
            // Scaled once here, so products with it need no scaling.
            let residues = std::array::from_fn(|i| {
                let prime = PRIMES[i];
                let scale = scale(len, prime);
                let mut residue = transformed(x, len, &mut roots[i], prime);
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
    pub fn multiply(&self, x: &BigUint) -> BigUint {
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
    pub fn multiply(&self, x: &BigUint) -> BigUint {
        debug_assert!(words(x) <= self.x_words);
        match &self.spectra {
            MultiplierSpectra::Full(spectrum) => spectrum.multiply(x),
            MultiplierSpectra::Wrapped {
                cyclic,
                low,
                low_words,
            } => {
                let residue = carry(convolve(x, cyclic), true);
                let low_product = low.multiply(&low_part(x, *low_words));
                from_residues(residue, &low_product, *low_words)
            }
        }
    }
}

/// For a product of `words` words: the cyclic length `l` and the low words
/// `m` of a product computed from its two residues (see [`Multiplier`]),
/// when their transforms have at most 7/8 of the points of the full one.
/// The margin pays for the linear work of joining the residues. At
/// n = 10^6 the divisions' quotient products fill 73% of their transforms
/// and take 17% fewer points this way (the whole conversion 6% less time
/// inside wasmtime); at n = 10^5 they fill 96% and stay whole.
fn wrapped_lengths(words: usize) -> Option<(usize, usize)> {
    let cyclic = words.next_power_of_two() / 2;
    let low_words = (words + 1).checked_sub(cyclic)?;
    let points = cyclic + transform_len(2 * low_words);
    (cyclic >= MIN_LEN && low_words <= cyclic && 8 * points <= 7 * transform_len(words))
        .then_some((cyclic, low_words))
}

/// `x mod 2^(32·words)`.
fn low_part(x: &BigUint, words: usize) -> BigUint {
    BigUint::new(x.iter_u32_digits().take(words).collect())
}

/// The product `z` from `residue = z mod (2^(32·l) − 1)` (canonical, `l`
/// words, `l` a power of two) and `low = z mod 2^(32·m)` (or any number
/// congruent to it), `m ≤ l`, for `z < (2^(32·l) − 1)·2^(32·m)`: with
/// `z = residue + t·(2^(32·l) − 1)`, reducing modulo 2^(32·m) (where
/// 2^(32·l) vanishes) gives `t = (residue − low) mod 2^(32·m)`, and `t` is
/// below 2^(32·m).
fn from_residues(mut residue: Vec<u32>, low: &BigUint, low_words: usize) -> BigUint {
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

/// `x·y` by transform; the product must have at most [`MAX_PRODUCT_WORDS`]
/// words.
///
/// # Worst-case complexity
/// O(n log n) word operations for an n-word product: three transforms of
/// at most 4n/3 points per prime, and linear loading and carries.
pub fn multiply(x: &BigUint, y: &BigUint) -> BigUint {
    // The shorter factor is the prepared one: a cyclic product folds the
    // other when it is longer than the cyclic length.
    let (x, y) = if words(x) >= words(y) { (x, y) } else { (y, x) };
    Multiplier::new(y, words(x)).multiply(x)
}

/// `x²` by transform: two transforms per prime instead of three, also for
/// each residue of a product from two residues (see [`Multiplier`]).
pub fn square(x: &BigUint) -> BigUint {
    let product_words = 2 * words(x);
    let Some((cyclic, low_words)) = wrapped_lengths(product_words) else {
        let residues = square_residues(x, transform_len(product_words));
        return BigUint::new(carry(residues, false));
    };
    let residue = carry(square_residues(x, cyclic), true);
    from_residues(residue, &square(&low_part(x, low_words)), low_words)
}

/// The residues of `x²` at `len` points, cyclic if `x` is longer.
fn square_residues(x: &BigUint, len: usize) -> [Vec<u32>; 3] {
    convolve_with(x, len, |_, prime, residue| {
        let scale = scale(len, prime);
        for value in residue {
            let square = mul_montgomery(reduce(*value, prime.p), *value, prime);
            *value = scale.mul(square, prime.p);
        }
    })
}

/// The residues of `x·y`, `y` given by its (scaled) spectrum.
fn convolve(x: &BigUint, spectrum: &Spectrum) -> [Vec<u32>; 3] {
    convolve_with(x, spectrum.len, |i, prime, residue| {
        for (value, other) in residue.iter_mut().zip(&spectrum.residues[i]) {
            *value = mul_montgomery(*other, *value, prime);
        }
    })
}

/// For each prime `i`: transforms `x` at `len` points, lets `pointwise`
/// combine the result in place, and transforms it back.
fn convolve_with(
    x: &BigUint,
    len: usize,
    pointwise: impl Fn(usize, Prime, &mut [u32]),
) -> [Vec<u32>; 3] {
    ROOTS.with_borrow_mut(|roots| {
        std::array::from_fn(|i| {
            let mut residue = transformed(x, len, &mut roots[i], PRIMES[i]);
            pointwise(i, PRIMES[i], &mut residue);
            inverse(&mut residue, &mut roots[i], PRIMES[i]);
            residue
        })
    })
}

/// The transform of `x` modulo one prime, at `len` points.
fn transformed(x: &BigUint, len: usize, roots: &mut RootTable, prime: Prime) -> Vec<u32> {
    let mut residue = load(x, len, prime.p);
    forward(&mut residue, roots, prime);
    residue
}

/// The 32-bit words of `x` modulo `p`, zero-padded to `len` or, beyond
/// `len` words, folded (word `k` added to slot `k mod len`, as a cyclic
/// convolution wants), each in `[0, 2p)`. A word is below 2^32 < 3p, so one
/// subtraction brings it below 2p.
fn load(x: &BigUint, len: usize, p: u32) -> Vec<u32> {
    let mut residue = vec![0u32; len];
    let mut slot = 0;
    let mut folding = false;
    for word in x.iter_u32_digits() {
        let word = if word >= p { word - p } else { word };
        residue[slot] = if folding {
            reduce(residue[slot], p) + reduce(word, p)
        } else {
            word
        };
        slot += 1;
        if slot == len {
            slot = 0;
            folding = true;
        }
    }
    residue
}

/// The forward transform of one residue vector, in place.
fn forward(data: &mut [u32], roots: &mut RootTable, prime: Prime) {
    let len = data.len();
    roots.extend_to(full_len(len) / 2, prime);
    if len.is_power_of_two() {
        forward_block(data, 0, &roots.forward, prime.p);
    } else {
        // Three quarters of a transform of 4m points, the input being zero
        // beyond 3m: the first stage maps (f0, f1, f2, 0) to block 0
        // (f0 + f2, f1), of x^2m − 1, and to (f0 − f2, f1) of x^2m + 1,
        // of which only block 2, of x^m − i, is kept: f0 − f2 + i·f1.
        let third = len / 3;
        let p = prime.p;
        let i = roots.forward[1];
        let (low, high) = data.split_at_mut(2 * third);
        let (f0, f1) = low.split_at_mut(third);
        for ((a, b), c) in f0.iter_mut().zip(f1.iter()).zip(high.iter_mut()) {
            let (a_, c_) = (reduce(*a, p), reduce(*c, p));
            let twisted = reduce(i.mul(*b, p), p);
            *a = a_ + c_;
            *c = reduce(a_ + p - c_, p) + twisted;
        }
        forward_block(low, 0, &roots.forward, p);
        forward_block(high, 2, &roots.forward, p);
    }
}

/// The inverse of [`forward`], times [`full_len`].
fn inverse(data: &mut [u32], roots: &mut RootTable, prime: Prime) {
    let len = data.len();
    roots.extend_to(full_len(len) / 2, prime);
    if len.is_power_of_two() {
        inverse_block(data, 0, &roots.inverse, prime.p);
    } else {
        // Undo the first stage: from A = h mod (x^2m − 1) and
        // C = h mod (x^m − i), with h of degree below 3m, split as
        // h = h0 + x^m h1 + x^2m h2: h1 = A1, and E = 2C − 2i·A1 is
        // 2(h0 − h2), A0 = h0 + h2. The inverse of block 0 (2m points)
        // carries a factor 2m and that of block 2 (m points) a factor m,
        // so all of h comes out times 4m.
        let third = len / 3;
        let p = prime.p;
        let i = roots.forward[1];
        let (low, high) = data.split_at_mut(2 * third);
        inverse_block(low, 0, &roots.inverse, p);
        inverse_block(high, 2, &roots.inverse, p);
        let (a0, a1) = low.split_at_mut(third);
        for ((a, b), c) in a0.iter_mut().zip(a1.iter_mut()).zip(high.iter_mut()) {
            let c2 = reduce(2 * reduce(*c, p), p);
            let e = reduce(c2 + p - reduce(i.mul(*b, p), p), p);
            let a_ = reduce(*a, p);
            *a = a_ + e;
            *c = a_ + p - e;
            *b = 2 * reduce(*b, p);
        }
    }
}

/// One butterfly: `(x, y) → (x + w·y, x − w·y)`, inputs and outputs in
/// `[0, 2p)`.
#[inline(always)]
fn forward_pair(x: &mut u32, y: &mut u32, w: Twiddle, p: u32) {
    let a = reduce(*x, p);
    let t = reduce(w.mul(*y, p), p);
    *x = a + t;
    *y = a + p - t;
}

/// The inverse butterfly: `(x, y) → (x + y, (x − y)·w⁻¹)`, twice the
/// original pair.
#[inline(always)]
fn inverse_pair(x: &mut u32, y: &mut u32, w_inverse: Twiddle, p: u32) {
    let a = reduce(*x, p);
    let b = reduce(*y, p);
    *x = a + b;
    *y = w_inverse.mul(a + p - b, p);
}

/// One stage on one block, one twiddle for all its pairs.
#[inline(always)]
fn forward_butterflies(low: &mut [u32], high: &mut [u32], w: Twiddle, p: u32) {
    for_each_pair(low, high, |x, y| forward_pair(x, y, w, p));
}

#[inline(always)]
fn inverse_butterflies(low: &mut [u32], high: &mut [u32], w_inverse: Twiddle, p: u32) {
    for_each_pair(low, high, |x, y| inverse_pair(x, y, w_inverse, p));
}

/// The pairs [`for_each_pair`] takes a loop turn, where there are as many.
///
/// wasmtime checks its epoch (how the runner stops a request at its
/// deadline) on every loop's back edge, and around that check Cranelift
/// spills and reloads the loop's vectors: with a turn for every four pairs
/// (one SIMD vector), the transforms took half again as long with the check
/// as without, and with 32 pairs a turn a tenth longer. 8 or 64 pairs a turn
/// were slower without the check (`wasmtime run -W timeout=…`, 300000!).
const UNROLLED_PAIRS: usize = 32;

/// `pair` on each `(low[i], high[i])`, [`UNROLLED_PAIRS`] of them a loop
/// turn.
#[inline(always)]
fn for_each_pair(low: &mut [u32], high: &mut [u32], mut pair: impl FnMut(&mut u32, &mut u32)) {
    let (low_chunks, low_rest) = low.as_chunks_mut::<UNROLLED_PAIRS>();
    let (high_chunks, high_rest) = high.as_chunks_mut::<UNROLLED_PAIRS>();
    for (low, high) in low_chunks.iter_mut().zip(high_chunks) {
        for (x, y) in low.iter_mut().zip(high) {
            pair(x, y);
        }
    }
    for (x, y) in low_rest.iter_mut().zip(high_rest) {
        pair(x, y);
    }
}

/// Transforms block `block` (in the numbering of [`RootTable`]) in place.
fn forward_block(data: &mut [u32], block: usize, roots: &[Twiddle], p: u32) {
    if data.len() > ITERATIVE_BLOCK {
        let (low, high) = data.split_at_mut(data.len() / 2);
        forward_butterflies(low, high, roots[block], p);
        forward_block(low, 2 * block, roots, p);
        forward_block(high, 2 * block + 1, roots, p);
        return;
    }
    let mut half = data.len() / 2;
    let mut first = block;
    while half > 2 {
        for (offset, chunk) in data.chunks_exact_mut(2 * half).enumerate() {
            let (low, high) = chunk.split_at_mut(half);
            forward_butterflies(low, high, roots[first + offset], p);
        }
        half /= 2;
        first *= 2;
    }
    // The last two stages together, four points at a time: as blocks of
    // two, they would be all loop overhead.
    for (offset, [a, b, c, d]) in data.as_chunks_mut::<4>().0.iter_mut().enumerate() {
        let block = first + offset;
        forward_pair(a, c, roots[block], p);
        forward_pair(b, d, roots[block], p);
        forward_pair(a, b, roots[2 * block], p);
        forward_pair(c, d, roots[2 * block + 1], p);
    }
}

/// Undoes [`forward_block`], up to a factor of the block's length.
fn inverse_block(data: &mut [u32], block: usize, roots: &[Twiddle], p: u32) {
    if data.len() > ITERATIVE_BLOCK {
        let (low, high) = data.split_at_mut(data.len() / 2);
        inverse_block(low, 2 * block, roots, p);
        inverse_block(high, 2 * block + 1, roots, p);
        inverse_butterflies(low, high, roots[block], p);
        return;
    }
    let stages = data.len().trailing_zeros();
    let first = block << (stages - 2);
    for (offset, [a, b, c, d]) in data.as_chunks_mut::<4>().0.iter_mut().enumerate() {
        let block = first + offset;
        inverse_pair(a, b, roots[2 * block], p);
        inverse_pair(c, d, roots[2 * block + 1], p);
        inverse_pair(a, c, roots[block], p);
        inverse_pair(b, d, roots[block], p);
    }
    let mut half = 4;
    for stage in (0..stages - 2).rev() {
        let first = block << stage;
        for (offset, chunk) in data.chunks_exact_mut(2 * half).enumerate() {
            let (low, high) = chunk.split_at_mut(half);
            inverse_butterflies(low, high, roots[first + offset], p);
        }
        half *= 2;
    }
}

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
fn carry(residues: [Vec<u32>; 3], cyclic: bool) -> Vec<u32> {
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

/// `x mod (2^(32·len) − 1)`, as exactly `len` words, canonical (never all
/// ones).
fn fold(x: &BigUint, len: usize) -> Vec<u32> {
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
fn subtract_cyclic(a: &mut [u32], b: &[u32]) {
    if subtract_words(a, b) {
        // The difference was negative: adding 2^(32·len) − 1 is dropping the
        // wrapped 2^(32·len) and subtracting one; it cannot borrow again.
        subtract_words(a, &[1]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::test_support::{XorShift, random_biguint};

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
            for value in [0, 1, prime.p - 1, prime.p / 2, rng.next() as u32 % prime.p] {
                let expected = (u64::from(value) << 32) / u64::from(prime.p);
                assert_eq!(u64::from(Twiddle::new(value, prime.p).quotient), expected);
            }
        }
    }

    #[test]
    fn transform_lengths_are_powers_of_two_or_three_times_one() {
        assert_eq!(transform_len(1), 16);
        assert_eq!(transform_len(24), 24);
        assert_eq!(transform_len(25), 32);
        assert_eq!(transform_len(33), 48);
        assert_eq!(transform_len(48), 48);
        assert_eq!(transform_len(49), 64);
        assert_eq!(transform_len(1 << 20), 1 << 20);
    }

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
            assert_eq!(multiply(&x, &y), &x * &y, "{x_words}×{y_words} words");
            assert_eq!(square(&x), &x * &x, "{x_words} words squared");
            let (x, y) = (all_ones(x_words), all_ones(y_words));
            assert_eq!(multiply(&x, &y), &x * &y, "all ones {x_words}×{y_words}");
        }
        assert_eq!(multiply(&BigUint::ZERO, &all_ones(40)), BigUint::ZERO);
    }

    #[test]
    fn a_spectrum_is_reused_for_many_products() {
        let mut rng = XorShift::new(2);
        let y = random_biguint(&mut rng, 100);
        let spectrum = Spectrum::new(&y, transform_len(300));
        for x_words in [1, 50, 199, 200] {
            let x = random_biguint(&mut rng, x_words);
            assert_eq!(spectrum.multiply(&x), &x * &y);
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
            assert_eq!(multiply(x, y), x * y, "{x_words}×{y_words} words");
            let multiplier = Multiplier::new(y, x_words);
            assert!(multiplier.wraps());
            // Shorter factors than prepared for, down to zero.
            for x in [x >> 64u32, x >> (32 * x_words as u32 / 2), BigUint::ZERO] {
                assert_eq!(multiplier.multiply(&x), &x * y, "{x_words}×{y_words} words");
            }
        }
        for x in [random_biguint(&mut rng, 520), all_ones(520), all_ones(2250)] {
            assert!(wrapped_lengths(2 * words(&x)).is_some());
            assert_eq!(square(&x), &x * &x, "{} words squared", words(&x));
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
