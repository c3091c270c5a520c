//! Binary to decimal, by divide and conquer on powers of ten.
//!
//! Peeling off one 19-digit chunk at a time costs O(n²). Instead the number
//! is split as `q·10^k + r` with `k` about half its digits, and both halves
//! recursively (Brent–Zimmermann, "Modern Computer Arithmetic" §1.7, and
//! GMP's `mpn_dc_get_str`). The powers 10^k form a ladder computed once per
//! conversion by squaring, each about half the one above; all nodes of one
//! level divide by the same power, so its reciprocal and transforms are
//! computed once and shared. A division then costs two products: Barrett's
//! quotient estimate and the remainder, the latter modulo 2^(32·len) − 1
//! (a half-length cyclic convolution), since only the low words are unknown.
//! Small powers use `num-bigint`'s division.
//!
//! 10^k = 5^k·2^k: dividing by 10^k is a shift by k bits and a division by
//! 5^k, 30% shorter. Nodes of at most [`LEAF_CHUNKS`] chunks of 19 digits
//! are converted by repeated division by 10^19 with a precomputed inverse,
//! and every chunk is written straight into the output, zero-padded to its
//! place.
//!
//! # Worst-case complexity
//! O(M(n) log n) for an n-word number, M the cost of a product.

use num_bigint::BigUint;
use num_integer::Integer;

use super::multiply::{split_bits, square};
use super::ntt::{self, Multiplier, Spectrum};
use super::reciprocal::{MAX_SHORTFALL, reciprocal, reciprocal_of_square};

/// From this many 32-bit words in the divisor, Barrett's division with
/// cached transforms beats `num-bigint`'s. As for products (see
/// [`super::multiply`]), `num-bigint`'s 64-bit digits keep it strong much
/// longer natively than on wasm32, so each width has its own threshold, at
/// the lowest time of n! for n = 10^5 and 10^6 (the timings are in
/// docs/performance.md, "Tuning").
#[cfg(target_pointer_width = "64")]
const BARRETT_THRESHOLD_WORDS: usize = 3000;
/// See the 64-bit constant.
#[cfg(not(target_pointer_width = "64"))]
const BARRETT_THRESHOLD_WORDS: usize = 64;

/// Digits per chunk: 10^19 is the largest power of ten below 2^64.
const CHUNK_DIGITS: usize = 19;

/// 10^19.
const CHUNK_BASE: u64 = 10_000_000_000_000_000_000;

/// Nodes of at most this many chunks (here 608 digits) are converted by
/// repeated division by 10^19, which costs `chunks²/2` two-word divisions;
/// above it a Barrett division with Karatsuba products is cheaper. The
/// cost is shallow around the switch, natively and inside wasmtime; 32 is
/// at its bottom in both (the counts are in docs/performance.md,
/// "Tuning").
const LEAF_CHUNKS: usize = 32;

/// `x` in decimal, with no leading zero, appended to `out`.
///
/// Appending lets a caller put a prefix and a suffix around the digits
/// without copying them again.
///
/// # Worst-case complexity
/// O(M(n) log n) for an n-word `x`.
pub fn write_decimal(x: &BigUint, out: &mut Vec<u8>) {
    // ⌊bits·log10 2⌋ + 1 digits at most; 0.30103 > log10 2.
    let max_digits = (x.bits() * 30_103 / 100_000 + 1) as usize;
    out.reserve(max_digits);
    let chunks = max_digits.div_ceil(CHUNK_DIGITS).max(1);
    let ladder = Ladder::new(chunks);
    ladder.write(x, 0, chunks, true, out);
}

/// `x` in decimal, with no leading zero.
pub fn to_decimal(x: &BigUint) -> String {
    let mut out = Vec::new();
    write_decimal(x, &mut out);
    String::from_utf8(out).expect("decimal digits are ASCII")
}

/// The powers of ten that split numbers of a given number of chunks: level
/// `i` splits at 10^(19·c_i), with `c_0 = ⌈chunks/2⌉` and
/// `c_(i+1) = ⌈c_i/2⌉`, down to the first `c_i` of at most [`LEAF_CHUNKS`].
/// A node at level `i` has at most `2·c_i` chunks, so both its parts fit
/// level `i + 1`; halving with ceilings keeps every split balanced.
struct Ladder {
    levels: Vec<Level>,
}

/// One rung: division by 10^k, k = 19·chunks.
struct Level {
    chunks: usize,
    /// k: the number of digits of the remainder.
    exponent: u64,
    divisor: FiveDivisor,
}

impl Ladder {
    fn new(chunks: usize) -> Self {
        let mut counts = Vec::new();
        let mut count = chunks;
        while count > LEAF_CHUNKS {
            count = count.div_ceil(2);
            counts.push(count);
        }
        // Each power from the one below: c_i is 2·c_(i+1) or one less, so
        // 5^(19·c_i) is a square, divided by 5^19 in the odd case; so is
        // its reciprocal a square, of the one below.
        let mut levels: Vec<Level> = Vec::with_capacity(counts.len());
        let mut power = BigUint::ZERO;
        for &chunks in counts.iter().rev() {
            let exponent = (CHUNK_DIGITS * chunks) as u64;
            let (divisor, factor) = match levels.last() {
                None => (BigUint::from(5u8).pow(exponent as u32), 1),
                Some(below) if chunks == 2 * below.chunks => (square(&power), 1),
                Some(_) => {
                    // 5^19 in two single-word divisions: on wasm32 a
                    // 64-bit divisor takes `num-bigint`'s long division.
                    let square = square(&power) / 5u32.pow(13) / 5u32.pow(6);
                    (square, 5u64.pow(CHUNK_DIGITS as u32))
                }
            };
            power = divisor;
            let root = levels
                .last()
                .and_then(|below| below.divisor.barrett())
                .map(|barrett| (barrett, factor));
            let divisor = FiveDivisor::new(power.clone(), exponent, root);
            levels.push(Level {
                chunks,
                exponent,
                divisor,
            });
        }
        levels.reverse();
        Ladder { levels }
    }

    /// Writes `x < 10^(19·width)`, a node at `level`: as exactly
    /// `19·width` digits, or without leading zeros if it is `leading` (the
    /// left edge of the tree).
    fn write(&self, x: &BigUint, level: usize, width: usize, leading: bool, out: &mut Vec<u8>) {
        let Some(rung) = self.levels.get(level) else {
            return write_leaf(x, width, !leading, out);
        };
        if width <= rung.chunks {
            return self.write(x, level + 1, width, leading, out);
        }
        let (q, r) = rung.divide(x);
        if leading && q == BigUint::ZERO {
            return self.write(&r, level + 1, rung.chunks, true, out);
        }
        self.write(&q, level + 1, width - rung.chunks, leading, out);
        self.write(&r, level + 1, rung.chunks, false, out);
    }
}

impl Level {
    /// `(x / 10^k, x mod 10^k)` for `x < 10^2k`: with `x = h·2^k + l`,
    /// `h = q·5^k + s` gives `x = q·10^k + (s·2^k + l)`.
    fn divide(&self, x: &BigUint) -> (BigUint, BigUint) {
        let (high, low) = split_bits(x, self.exponent);
        let (q, s) = self.divisor.divide(&high);
        (q, (s << self.exponent) + low)
    }
}

/// Division by `d = 5^k`, for quotients below 10^k.
enum FiveDivisor {
    /// Below [`BARRETT_THRESHOLD_WORDS`]: `num-bigint`'s division
    /// (schoolbook, then Burnikel–Ziegler) costs about one product of the
    /// divisor's size, where Barrett's method costs two.
    Small(BigUint),
    /// From [`BARRETT_THRESHOLD_WORDS`] on; boxed, as it is several times
    /// the size of `Small`.
    Large(Box<Barrett>),
}

/// Barrett's division by `d = 5^k` with quotients below 10^k: with
/// `b = bits(d)`, `e = b + k` (so 10^k < 2^e) and the reciprocal
/// `μ = ⌊2^(b+e)/d⌋`, the estimate `⌊⌊x/2^(b−1)⌋·μ/2^(e+1)⌋` is at most two
/// below the quotient, and never above it, for any `x < d·2^e`
/// (Brent–Zimmermann §2.4.1). Here μ has [`RECIPROCAL_GUARD_BITS`] more
/// bits and may be up to [`MAX_SHORTFALL`] short, as [`reciprocal`] gives
/// it, which keeps the estimate at most three short, and the remainder
/// below 4d. The transforms of `μ` and `d` are kept, so each division
/// transforms only the dividend and the quotient.
struct Barrett {
    d: BigUint,
    bits: u64,
    /// The precision of the reciprocal: `e` plus the guard bits.
    precision: u64,
    /// μ ≤ 2^(b + precision)/d.
    reciprocal: BigUint,
    /// μ's transforms, for its product with the top of a dividend.
    reciprocal_multiplier: Multiplier,
    /// d's transform, cyclic and just long enough for a remainder below 4d.
    divisor_spectrum: Spectrum,
}

/// Bits of a level's reciprocal beyond its quotients' `e`: the reciprocal of
/// the level above starts from this one squared, which must be accurate to
/// a relative 2^−(e_above/2 + 70) (see [`reciprocal_of_square`]), and
/// `e_above ≤ 2e`.
const RECIPROCAL_GUARD_BITS: u64 = 80;

impl FiveDivisor {
    /// The divisor `d = 5^exponent`. `root` is the Barrett divisor of the
    /// level below with the factor `f` such that `d = root.d²/f`, if that
    /// level uses Barrett's method.
    fn new(d: BigUint, exponent: u64, root: Option<(&Barrett, u64)>) -> Self {
        if ntt::words(&d) < BARRETT_THRESHOLD_WORDS {
            return FiveDivisor::Small(d);
        }
        let bits = d.bits();
        let precision = bits + exponent + RECIPROCAL_GUARD_BITS;
        let reciprocal = match root {
            Some((root, f)) => reciprocal_of_square(
                &d,
                precision,
                &root.reciprocal,
                root.bits + root.precision,
                f,
            ),
            None => reciprocal(&d, precision),
        };
        let top_words = (precision + 1).div_ceil(32) as usize;
        // 4d < 2^(32·len) − 1 as soon as len exceeds d's words.
        let cyclic_len = (ntt::words(&d) + 1).next_power_of_two();
        FiveDivisor::Large(Box::new(Barrett {
            reciprocal_multiplier: Multiplier::new(&reciprocal, top_words),
            divisor_spectrum: Spectrum::new(&d, cyclic_len),
            reciprocal,
            d,
            bits,
            precision,
        }))
    }

    /// `(x / d, x mod d)` for `x < d·10^k`.
    fn divide(&self, x: &BigUint) -> (BigUint, BigUint) {
        match self {
            FiveDivisor::Small(d) => x.div_rem(d),
            FiveDivisor::Large(barrett) => barrett.divide(x),
        }
    }

    fn barrett(&self) -> Option<&Barrett> {
        match self {
            FiveDivisor::Small(_) => None,
            FiveDivisor::Large(barrett) => Some(barrett),
        }
    }
}

impl Barrett {
    fn divide(&self, x: &BigUint) -> (BigUint, BigUint) {
        let top = x >> (self.bits - 1);
        let mut q = self.reciprocal_multiplier.product(&top) >> (self.precision + 1);
        let mut r = self.divisor_spectrum.subtract_product(x, &q);
        let mut corrections = 0;
        while r >= self.d {
            r -= &self.d;
            q += 1u8;
            corrections += 1;
        }
        debug_assert!(corrections <= 2 + MAX_SHORTFALL, "Barrett's bound");
        (q, r)
    }
}

/// Writes a node of at most [`LEAF_CHUNKS`] chunks: padded to `19·width`
/// digits, or without leading zeros.
fn write_leaf(x: &BigUint, width: usize, padded: bool, out: &mut Vec<u8>) {
    debug_assert!(width <= LEAF_CHUNKS);
    let mut chunks = [0u64; LEAF_CHUNKS];
    split_into_chunks(x, &mut chunks[..width]);
    let chunks = &chunks[..width];
    let mut significant = width;
    if !padded {
        while significant > 1 && chunks[significant - 1] == 0 {
            significant -= 1;
        }
        let top = chunks[significant - 1];
        let mut digits = [0u8; CHUNK_DIGITS];
        write_chunk(top, &mut digits);
        let skip = (top.checked_ilog10().unwrap_or(0) as usize + 1).min(CHUNK_DIGITS);
        out.extend_from_slice(&digits[CHUNK_DIGITS - skip..]);
        significant -= 1;
    }
    let start = out.len();
    out.resize(start + CHUNK_DIGITS * significant, 0);
    for (place, &chunk) in out[start..]
        .chunks_exact_mut(CHUNK_DIGITS)
        .zip(chunks[..significant].iter().rev())
    {
        write_chunk(chunk, place.try_into().expect("chunks are 19 digits"));
    }
}

/// The base-10^19 digits of `x < 10^(19·chunks.len())`, least significant
/// first, by repeated division of its 64-bit words by 10^19.
fn split_into_chunks(x: &BigUint, chunks: &mut [u64]) {
    let mut words = [0u64; LEAF_CHUNKS];
    let mut len = 0;
    for (slot, word) in words.iter_mut().zip(x.iter_u64_digits()) {
        *slot = word;
        len += 1;
    }
    for chunk in chunks.iter_mut() {
        let mut remainder = 0;
        for word in words[..len].iter_mut().rev() {
            (*word, remainder) = divide_by_chunk_base(remainder, *word);
        }
        *chunk = remainder;
        while len > 0 && words[len - 1] == 0 {
            len -= 1;
        }
    }
}

/// ⌊(2^128 − 1)/10^19⌋ − 2^64: the inverse of Möller and Granlund's
/// "Improved division by invariant integers" (2011), for 10^19, whose top
/// bit is set as that method requires.
const CHUNK_BASE_INVERSE: u64 = (u128::MAX / CHUNK_BASE as u128 - (1u128 << 64)) as u64;

/// `(high·2^64 + low) divmod 10^19` for `high < 10^19`: two multiplications
/// and no division instruction (Möller–Granlund, algorithm 4).
#[inline]
fn divide_by_chunk_base(high: u64, low: u64) -> (u64, u64) {
    let (product_high, product_low) = multiply_wide(CHUNK_BASE_INVERSE, high);
    let (sum_low, carry) = product_low.overflowing_add(low);
    // The 128-bit sum cannot overflow; q wraps modulo 2^64 as in the paper.
    let mut q = (product_high + high + u64::from(carry)).wrapping_add(1);
    let mut r = low.wrapping_sub(q.wrapping_mul(CHUNK_BASE));
    if r > sum_low {
        q = q.wrapping_sub(1);
        r = r.wrapping_add(CHUNK_BASE);
    }
    if r >= CHUNK_BASE {
        q += 1;
        r -= CHUNK_BASE;
    }
    (q, r)
}

/// The 128-bit product `a·b` as (high, low) words: one instruction on
/// 64-bit targets.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn multiply_wide(a: u64, b: u64) -> (u64, u64) {
    let product = u128::from(a) * u128::from(b);
    ((product >> 64) as u64, product as u64)
}

#[cfg(not(target_pointer_width = "64"))]
use multiply_wide_by_halves as multiply_wide;

/// The 128-bit product `a·b` from four 32×32→64-bit products. WebAssembly
/// has no 64×64→128-bit multiplication, and Rust's `u128` product becomes a
/// library call there.
#[cfg(any(test, not(target_pointer_width = "64")))]
#[inline(always)]
fn multiply_wide_by_halves(a: u64, b: u64) -> (u64, u64) {
    const LOW: u64 = 0xFFFF_FFFF;
    let (a_high, a_low, b_high, b_low) = (a >> 32, a & LOW, b >> 32, b & LOW);
    let low = a_low * b_low;
    let cross = a_high * b_low + (low >> 32);
    let middle = (cross & LOW) + a_low * b_high;
    let high = a_high * b_high + (cross >> 32) + (middle >> 32);
    (high, (middle << 32) | (low & LOW))
}

/// "00", "01", …, "99": two digits per lookup.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The 19 digits of `chunk < 10^19`, zero-padded. Two 64-bit divisions cut
/// it into parts below 10^8, whose digits 32-bit arithmetic finds.
fn write_chunk(chunk: u64, out: &mut [u8; CHUNK_DIGITS]) {
    const EIGHT_DIGITS: u64 = 100_000_000;
    let (head, tail) = (
        chunk / (EIGHT_DIGITS * EIGHT_DIGITS),
        chunk % (EIGHT_DIGITS * EIGHT_DIGITS),
    );
    let head = head as u32;
    out[0] = b'0' + (head / 100) as u8;
    write_pair(head % 100, &mut out[1..3]);
    write_eight(tail / EIGHT_DIGITS, &mut out[3..11]);
    write_eight(tail % EIGHT_DIGITS, &mut out[11..19]);
}

fn write_eight(value: u64, out: &mut [u8]) {
    let value = value as u32;
    let (high, low) = (value / 10_000, value % 10_000);
    write_pair(high / 100, &mut out[0..2]);
    write_pair(high % 100, &mut out[2..4]);
    write_pair(low / 100, &mut out[4..6]);
    write_pair(low % 100, &mut out[6..8]);
}

fn write_pair(value: u32, out: &mut [u8]) {
    let at = 2 * value as usize;
    out.copy_from_slice(&DIGIT_PAIRS[at..at + 2]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use factorial_corpus::XorShift;

    use crate::math::test_support::random_biguint;

    fn check(x: &BigUint) {
        assert_eq!(to_decimal(x), x.to_str_radix(10), "{} bits", x.bits());
    }

    fn ten_to(k: u32) -> BigUint {
        BigUint::from(10u8).pow(k)
    }

    #[test]
    fn chunks_are_written_with_every_digit() {
        for chunk in [0, 1, 9, 10, 99, 100, 12_345_678_901_234_567, CHUNK_BASE - 1] {
            let mut digits = [0u8; CHUNK_DIGITS];
            write_chunk(chunk, &mut digits);
            assert_eq!(
                std::str::from_utf8(&digits).unwrap(),
                format!("{chunk:019}")
            );
        }
    }

    #[test]
    fn division_by_the_chunk_base_is_exact() {
        let mut rng = XorShift::new(31);
        let mut cases = vec![(0, 0), (0, CHUNK_BASE), (CHUNK_BASE - 1, u64::MAX), (1, 0)];
        cases.extend((0..1000).map(|_| (rng.below(CHUNK_BASE), rng.next_u64())));
        for (high, low) in cases {
            let n = (u128::from(high) << 64) | u128::from(low);
            let expected = (
                (n / u128::from(CHUNK_BASE)) as u64,
                (n % u128::from(CHUNK_BASE)) as u64,
            );
            assert_eq!(divide_by_chunk_base(high, low), expected, "{n}");
        }
    }

    #[test]
    fn wide_products_by_halves_are_exact() {
        let mut rng = XorShift::new(34);
        let mut cases = vec![
            (0, 0),
            (u64::MAX, u64::MAX),
            (1 << 32, 1 << 32),
            (u64::MAX, 1),
        ];
        cases.extend((0..1000).map(|_| (rng.next_u64(), rng.next_u64())));
        for (a, b) in cases {
            let product = u128::from(a) * u128::from(b);
            let expected = ((product >> 64) as u64, product as u64);
            assert_eq!(multiply_wide_by_halves(a, b), expected, "{a}·{b}");
        }
    }

    #[test]
    fn small_numbers_and_chunk_edges() {
        check(&BigUint::ZERO);
        for k in 0..=(CHUNK_DIGITS * (LEAF_CHUNKS + 2)) as u32 {
            let power = ten_to(k);
            check(&power);
            check(&(&power + 1u8));
            if k > 0 {
                check(&(&power - 1u8));
            }
        }
    }

    #[test]
    fn powers_of_ten_around_each_level() {
        // Chunk counts at each side of the leaf size and of the first
        // levels, where the ladder gains a rung or an odd count.
        for chunks in [
            LEAF_CHUNKS,
            LEAF_CHUNKS + 1,
            2 * LEAF_CHUNKS,
            2 * LEAF_CHUNKS + 1,
            4 * LEAF_CHUNKS - 1,
            4 * LEAF_CHUNKS + 1,
            1000,
        ] {
            let k = (chunks * CHUNK_DIGITS) as u32;
            for digits in [k - 1, k, k + 1] {
                let power = ten_to(digits);
                check(&power);
                check(&(&power - 1u8));
                check(&(&power + 1u8));
            }
        }
    }

    #[test]
    fn runs_of_zeros_and_nines_inside() {
        // 7·10^k + 1 has a run of k − 1 zeros; (10^k − 1)·10^k a run of nines
        // followed by zeros: every remainder in the tree is 0 or 10^j − 1.
        for k in [19u32, 20, 300, 304, 305, 5000, 40_000] {
            check(&(ten_to(k) * 7u8 + 1u8));
            check(&((ten_to(k) - 1u8) * ten_to(k)));
        }
    }

    #[test]
    fn random_numbers_of_many_sizes() {
        let mut rng = XorShift::new(32);
        for words in [1, 2, 3, 31, 32, 33, 63, 64, 65, 200, 1000, 1500, 5000] {
            check(&random_biguint(&mut rng, words));
        }
        for _ in 0..20 {
            let words = 1 + rng.below(3000) as usize;
            check(&random_biguint(&mut rng, words));
        }
    }

    #[test]
    fn large_divisors_use_their_transforms() {
        // Big enough that the top levels divide through cached spectra.
        let mut rng = XorShift::new(33);
        let words = 8 * BARRETT_THRESHOLD_WORDS;
        check(&random_biguint(&mut rng, words));
        let k = (words * 32 * 3 / 10) as u32;
        check(&(ten_to(k) - 1u8));
        check(&ten_to(k));
    }

    #[test]
    fn quotients_from_two_residues() {
        // 4500 chunks: the top level divides by 10^(19·2250), whose quotient
        // products (about 8600 words) are computed from two residues.
        let ladder = Ladder::new(4500);
        let top = ladder.levels[0].divisor.barrett().expect("a Barrett level");
        assert!(top.reciprocal_multiplier.wraps());
        let mut rng = XorShift::new(35);
        let digits = CHUNK_DIGITS as u32 * 4500;
        for k in [digits, digits - 7] {
            check(&(ten_to(k) - 1u8));
            check(&ten_to(k - 1));
            check(&(ten_to(k - 1) * 3u8 + ten_to(k / 2) - 1u8));
            check(&(random_biguint(&mut rng, 9000) % ten_to(k)));
        }
    }

    #[test]
    fn appends_after_a_prefix() {
        let mut out = b"{\"factorial\":".to_vec();
        write_decimal(&BigUint::from(120u8), &mut out);
        assert_eq!(out, b"{\"factorial\":120");
    }
}
