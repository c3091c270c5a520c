//! Logarithms, π and the exponential, as [`Ball`]s.
//!
//! The series are mostly inverse tangents of a ratio of integers, where
//! each term is the previous one times `p²` and divided by `q²`: a
//! multiplication and a division by a small integer rather than a
//! full-precision product, so a term costs O(bits) word operations.
//!
//! - ln 2, ln 10 and ln 2π are read from tables of 3584 bits, enough for
//!   the first round of every summary; beyond them, and in the test that
//!   checks the tables, they are summed: ln 2 = 18 atanh(1/26) −
//!   2 atanh(1/4801) + 8 atanh(1/8749), a Machin-like formula;
//!   ln 10 = 3 ln 2 + 2 atanh(1/9); π = 16 atan(1/5) − 4 atan(1/239);
//!   ln 2π = ln 2 + ln 355 − ln 113 + ln(113π/355), where 355/113 is within
//!   10⁻⁷ of π, so the last series gains 23 bits a term though its terms are
//!   full products.
//! - ln t for a small integer t: with 2^k the power of two nearest t,
//!   ln t = k ln 2 + 2 atanh((t − 2^k)/(t + 2^k)), a ratio of at most
//!   (√2 − 1)/(√2 + 1) < 0.172, so each term gains more than 5 bits.
//! - ln m for a 64-bit m: m ≈ t 2^s with t its leading 11 bits, and
//!   ln m = s ln 2 + ln t + 2 atanh((m − t 2^s)/(m + t 2^s)), a ratio of at
//!   most 2^-12, so each term gains 24 bits; its terms are products by a
//!   fixed-point square rather than divisions by a q² of several words.
//! - exp x = exp(a/2^10) exp(x − a/2^10) with a the leading bits of x; each
//!   factor is (exp(y/2^s))^(2^s), a Taylor series in y/2^s squared s times
//!   (Brent's reduction), with s = 0 for the second factor at the
//!   precisions of K = 30.
//!
//! ln t and exp(a/2^10) are kept per thread (per instance, in the
//! component) at the most precise they were computed, as mpmath keeps the
//! logarithms of the leading bits it reduces by: a kept instance asked
//! again and again finds them.
//!
//! Nothing here is taken from `f64`: the error bound of every series is
//! proven in its doc comment and carried in the ball's radius.

use std::cell::RefCell;
use std::thread::LocalKey;

use num_bigint::{BigInt, BigUint};

use super::ball::Ball;

/// Whether a series sums atan or atanh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InverseTangent {
    /// atan x = x − x³/3 + x⁵/5 − …
    Circular,
    /// atanh x = x + x³/3 + x⁵/5 + …
    Hyperbolic,
}

/// atan(p/q) or atanh(p/q) for `0 <= p/q <= 1/2`.
///
/// With `P_i = 2^bits (p/q)^(2i+1)`, the computed `power_i` is
/// `floor(power_(i-1) p²/q²)`, so `0 <= P_i − power_i < 1/(1 − p²/q²) <= 4/3`
/// by induction, and each truncated term `power_i/(2i+1)` is less than
/// `4/3 + 1 < 3` ulps from the exact term. The sum stops at the first
/// `power_N = 0`, where `P_N < 4/3`: the atanh tail is below
/// `P_N/(1 − p²/q²) < 2` ulps, and the alternating atan tail below `P_N`.
/// So `3N + 2` ulps bound the error of either.
fn inverse_tangent(p: u128, q: u128, kind: InverseTangent, bits: u64) -> Ball {
    debug_assert!(2 * p <= q, "{p}/{q} is outside the proven range");
    let p_squared = BigUint::from(p).pow(2);
    let q_squared = BigUint::from(q).pow(2);
    let mut power = (BigUint::from(p) << bits) / q;
    let mut sum = BigInt::ZERO;
    // A `u32` divisor is one word on wasm32 too.
    let mut terms = 0u32;
    while power != BigUint::ZERO {
        let term = BigInt::from(&power / (2 * terms + 1));
        if kind == InverseTangent::Circular && terms % 2 == 1 {
            sum -= term;
        } else {
            sum += term;
        }
        power = power * &p_squared / &q_squared;
        terms += 1;
    }
    Ball::new(sum, BigUint::from(3 * terms + 2), bits)
}

/// atanh(p/q) for `0 <= p/q <= 1/8`, where p² and q² take several words:
/// with products, as [`inverse_tangent`] without its divisions by q².
///
/// X = floor(2^bits p²/q²) is computed once, and each power is the previous
/// one times X/2^bits, truncated. With P_i = 2^bits (p/q)^(2i+1), the error
/// P_i − power_i is below (P_(i−1) − power_(i−1)) p²/q² plus
/// power_(i−1)/2^bits plus 1, that is below e/64 + 1/8 + 1 for an earlier
/// error e < 8/7, so it stays below 8/7 (it starts below 1). Each truncated
/// term is then less than 3 ulps from the exact one, and at the first
/// power_N = 0 the tail is below P_N/(1 − p²/q²) < 2 ulps: 3N + 2 ulps bound
/// the error, as there.
fn small_atanh(p: u128, q: u128, bits: u64) -> Ball {
    debug_assert!(8 * p <= q, "{p}/{q} is outside the proven range");
    let q = BigUint::from(q);
    let mut power = (BigUint::from(p) << bits) / &q;
    let square = (BigUint::from(p).pow(2) << bits) / q.pow(2);
    let mut sum = BigUint::ZERO;
    let mut terms = 0u32;
    while power != BigUint::ZERO {
        sum += &power / (2 * terms + 1);
        power = (&power * &square) >> bits;
        terms += 1;
    }
    Ball::new(sum.into(), BigUint::from(3 * terms + 2), bits)
}

/// atanh(1/q).
fn acoth(q: u128, bits: u64) -> Ball {
    inverse_tangent(1, q, InverseTangent::Hyperbolic, bits)
}

/// atan(1/q).
fn acot(q: u128, bits: u64) -> Ball {
    inverse_tangent(1, q, InverseTangent::Circular, bits)
}

/// The constants of Stirling's series and of decimal exponents, at one
/// precision.
#[derive(Debug, Clone)]
pub(crate) struct Constants {
    ln_2: Ball,
    ln_10: Ball,
    ln_2pi: Ball,
}

/// The precision of the tables below: more than the 3435 bits of the first
/// round for K = 1000 and n = 2^64 − 1, the most a summary starts with.
const TABLE_BITS: u64 = 3584;

// floor(c 2^TABLE_BITS) in hex for ln 2, ln 10 and ln 2π, from mpmath at
// 4000 bits; `tables_match_the_series` recomputes them with the series.
const LN_2_HEX: &str = concat!(
    "b17217f7d1cf79abc9e3b39803f2f6af40f343267298b62d8a0d175b8baafa2be7b876206debac98",
    "559552fb4afa1b10ed2eae35c138214427573b291169b8253e96ca16224ae8c51acbda11317c387e",
    "b9ea9bc3b136603b256fa0ec7657f74b72ce87b19d6548caf5dfa6bd38303248655fa1872f20e3a2",
    "da2d97c50f3fd5c607f4ca11fb5bfb90610d30f88fe551a2ee569d6dfc1efa157d2e23de1400b396",
    "17460775db8990e5c943e732b479cd33cccc4e659393514c4c1a1e0bd1d6095d25669b333564a337",
    "6a9c7f8a5e148e82074db6015cfe7aa30c480a5417350d2c955d5179b1e17b9dae313cdb6c606cb1",
    "078f735d1b2db31b5f50b5185064c18b4d162db3b365853d7598a1951ae273ee5570b6c68f969834",
    "96d4e6d330af889b44a02554731cdc8ea17293d1228a4ef98d6f5177fbcf0755268a5c1f9538b982",
    "61affd446b1ca3cf5e9222b88c66d3c5422183edc99421090bbb16faf3d949f236e02b20cee886b9",
    "05c128d53d0bd2f9621363196af503020060e49908391a0c57339ba2beba7d052ac5b61cc4e9207c",
    "ef2f0ce2d7373958d7622658901e646a95184460dc4e7487156e0c292413d5e361c1696dd24aaebd",
    "473826fda0c238b9",
);
const LN_10_HEX: &str = concat!(
    "24d763776aaa2b05ba95b58ae0b4c28a38a3fb3e76977e43a0f187a0807c0b5ca58bc0b5ec6a0417",
    "331c32f00b17c35a0b1889061042f8b6bee3de2100b945b59e0b3e28a2a324479d96a9b0ec360c7e",
    "fbd9b3ac12acf1be94586ed2748671eef299ecd6c8d8142163a4cda3511e2713d6c22c15f57b7883",
    "d1a7a963a4c17a607891e3f2ab4ebba627356d0b9a89c586691fb2c9a5e31753f6c74a3a95f53f70",
    "3902fcf30785049a915d973789a0ce76fd1fea5b7ac9c4182be2121baa6dd0078f7f4f145d239b5b",
    "8e12323497ebc6f2ba2011fc5ec366d42a527aaab7da7a297ddf8dd813a50e5838e295c03ff78b6c",
    "6b5afefff6086e82932c119b586e9923bbe672397da5d3cd8e60a9e3291777f20250985e06449e9b",
    "8edc3f368b5ccb51ed792c7230396842aa9981294c93b0f72f193aa01b86615987c74d9b08198e0d",
    "1357a10fc8190ae5c298b46391e3def563f3420c929ecca9b7be16817ad58c8e9087bd782c010428",
    "283670981e52a5dbfdbfcd8f6c02daccfd0b1637be28f14b7b5a6c4f70680dcc2d94937063059fa1",
    "a675b483a8b7bf4af401be2d2f85168ab7cf32ecc62769276f0498722cf936ab5a8db3b32cb56b96",
    "e26fdd4bed77ecd4f",
);
const LN_2PI_HEX: &str = concat!(
    "1d67f1c864beb4a6929792002883240479f611f1a268b169bbd8d46267b542aba425f3affc01d0d7",
    "f27d57f20b8aad37760b956ae3699b4b79ecdd9c2ee575be524cee1d94a890f4e60fb0cec6b822d2",
    "d24a9a26094b3f6fc4e10d86cd2f1c2fdbdaeff7d92a9415f8a4ac0bee17624bca96da6d7dcc7c09",
    "477adcdf7491543287c5b0c8721e0ee66b4770552217b4396967ec65b83f29afeb3f2b990373858a",
    "a486de7ef28ef384ea2004203d5ff037eff895c3be548af6ada294a41a94bcf5715c0d1a1cb3c6be",
    "510f3d4befdacf6cd6a8be91cc3dd1daf4edfddb2926a8fa42178f9b8f6b0823a929f45eedd8f938",
    "60127a8f1e2aead2cfe8728c2e1fe8c8499d1278766f3af2198ea59b0b426b4500841737112bff75",
    "4b36367168d7100872db0a7770edc425509115168ee802238b2da312d43d391087ae3871c6cdc39f",
    "5705a3d6105003634086384287788d0ff7a10933d1eed6f2ba685672f2a840d2d07f278f1801f3e8",
    "fbd0bdf79dfc82b5324fa2a382a220ec083542ce9f58c7a5d7a815a9bb715c18ca1a209f0228ff3d",
    "b02e966445bb8d569fb32b84b92d5eaaf9a7c7f526533e04227866d54a31666174798549ed7af219",
    "d5519a9ace9200bf7",
);

impl Constants {
    /// ln 2, ln 10 and ln 2π with `bits` fractional bits: read from the
    /// tables, or summed beyond them.
    ///
    /// Summing them would be most of a summary with K = 30, and even
    /// reading the tables is a visible share of it (docs/performance.md,
    /// "Tuning"), so this thread keeps the last ones read: a kept instance
    /// asks for the same precision again and again.
    pub(crate) fn new(bits: u64) -> Self {
        thread_local! {
            static LAST: RefCell<Option<Constants>> = const { RefCell::new(None) };
        }
        if bits > TABLE_BITS {
            return Constants::summed(bits);
        }
        LAST.with_borrow_mut(|last| match last {
            Some(constants) if constants.ln_2.bits() == bits => constants.clone(),
            _ => last
                .insert(Constants {
                    ln_2: tabulated(LN_2_HEX, bits),
                    ln_10: tabulated(LN_10_HEX, bits),
                    ln_2pi: tabulated(LN_2PI_HEX, bits),
                })
                .clone(),
        })
    }

    /// The constants from their series.
    fn summed(bits: u64) -> Self {
        let ln_2 = acoth(26, bits)
            .scale(18)
            .sub(&acoth(4801, bits).scale(2))
            .add(&acoth(8749, bits).scale(8));
        let ln_10 = ln_2.scale(3).add(&acoth(9, bits).scale(2));
        let pi = acot(5, bits).scale(16).sub(&acot(239, bits).scale(4));
        let near_one = pi.scale(113).div(355u32).sub(&Ball::integer(1, bits));
        let ln_2pi = ln_2
            .add(&ln_integer(355, &ln_2))
            .sub(&ln_integer(113, &ln_2))
            .add(&ln_1p(&near_one));
        Constants {
            ln_2,
            ln_10,
            ln_2pi,
        }
    }

    /// ln 10.
    pub(crate) fn ln_10(&self) -> &Ball {
        &self.ln_10
    }

    /// ln 2π.
    pub(crate) fn ln_2pi(&self) -> &Ball {
        &self.ln_2pi
    }

    /// ln m for `m >= 1`.
    ///
    /// With t the top [`TOP_BITS`] bits of m rounded, m ≈ t 2^s and
    /// ln m = s ln 2 + ln t + 2 atanh((m − t 2^s)/(m + t 2^s)). The ratio is
    /// at most 2^(s−1)/2^(s+TOP_BITS) = 2^-12, so each term of its series
    /// gains 24 bits, against 5 for m next to a power of two. ln t comes
    /// from [`ln_top`], which keeps what it computed, as mpmath keeps the
    /// logarithms of the leading bits it reduces by.
    pub(crate) fn ln(&self, m: u64) -> Ball {
        debug_assert!(m >= 1);
        let bits = self.ln_2.bits();
        let shift = (u64::BITS - m.leading_zeros()).saturating_sub(TOP_BITS);
        let m = u128::from(m);
        let top = (m + (1 << shift >> 1)) >> shift;
        let near = top << shift;
        let top = u32::try_from(top).expect("top <= 2^TOP_BITS");
        let ln_near = self.ln_2.scale(shift).add(&ln_top(top, &self.ln_2));
        if near == m {
            return ln_near;
        }
        let ratio = small_atanh(m.abs_diff(near), m + near, bits).scale(2);
        if m < near {
            ln_near.sub(&ratio)
        } else {
            ln_near.add(&ratio)
        }
    }
}

/// The bits of m that [`Constants::ln`] reduces by: t is m itself below
/// 2^11 and lies in [2^10, 2^11] above, so [`ln_top`] keeps at most 2048
/// logarithms, 1 MB at the precision of K = 1000.
const TOP_BITS: u32 = 11;

/// ln t for `t <= 2^TOP_BITS`, with the precision of `ln_2`, cut down
/// from the most precise this thread has computed when that suffices.
///
/// A host that keeps an instance (the typed interface) asks for the same
/// leading bits again and again. Each HTTP request gets a fresh instance,
/// where the kept logarithms cost nothing either.
fn ln_top(t: u32, ln_2: &Ball) -> Ball {
    thread_local! {
        static MOST_PRECISE: Kept = const { RefCell::new(Vec::new()) };
    }
    kept(&MOST_PRECISE, t, ln_2.bits(), || ln_integer(t, ln_2))
}

/// Balls by index, each at the most precise it was computed.
type Kept = RefCell<Vec<Option<Ball>>>;

/// Entry `index` of `cache` with `bits` fractional bits: cut down from the
/// kept one when that is precise enough, else from `compute` (which must
/// give `bits`), then kept.
fn kept(
    cache: &'static LocalKey<Kept>,
    index: u32,
    bits: u64,
    compute: impl FnOnce() -> Ball,
) -> Ball {
    let index = usize::try_from(index).expect("a small index");
    cache.with_borrow_mut(|balls| {
        if balls.len() <= index {
            balls.resize(index + 1, None);
        }
        match &balls[index] {
            Some(ball) if ball.bits() >= bits => ball.with_bits(bits),
            _ => balls[index].insert(compute()).clone(),
        }
    })
}

/// The ball floor(c 2^bits) ± 1 ulp, for `bits <= TABLE_BITS`, from `hex`,
/// which is floor(c 2^TABLE_BITS).
fn tabulated(hex: &str, bits: u64) -> Ball {
    debug_assert!(bits <= TABLE_BITS);
    let dropped = usize::try_from((TABLE_BITS - bits) / 4).expect("a prefix of the table");
    let digits = &hex.as_bytes()[..hex.len() - dropped];
    let value = BigUint::parse_bytes(digits, 16).expect("hexadecimal digits");
    // floor(floor(c 2^TABLE_BITS) / 2^(TABLE_BITS − bits)) = floor(c 2^bits).
    let midpoint = value >> ((TABLE_BITS - bits) % 4);
    Ball::new(midpoint.into(), BigUint::from(1u8), bits)
}

/// ln m for `m >= 1`, from the power of two nearest `m` and `ln_2`.
fn ln_integer(m: u32, ln_2: &Ball) -> Ball {
    debug_assert!(m >= 1);
    let m = u128::from(m);
    // `m` lies in [2^low, 2^(low+1)); the nearer power on a log scale is
    // the upper one from 2^low √2 on, where m² >= 2^(2 low + 1).
    let low = 127 - m.leading_zeros();
    let exponent = if m * m >= 1 << (2 * low + 1) {
        low + 1
    } else {
        low
    };
    let power = 1u128 << exponent;
    let ratio = inverse_tangent(
        m.abs_diff(power),
        m + power,
        InverseTangent::Hyperbolic,
        ln_2.bits(),
    )
    .scale(2);
    let ratio = if m < power { ratio.neg() } else { ratio };
    ln_2.scale(exponent).add(&ratio)
}

/// ln(1 + u) = u − u²/2 + u³/3 − … for `|u| <= 1/2`.
///
/// The sum stops at the first power of `u` whose midpoint is zero. From
/// there on each term is at most half the previous one, so the tail is at
/// most twice that power's bound.
fn ln_1p(u: &Ball) -> Ball {
    let mut sum = Ball::integer(0, u.bits());
    let mut power = u.clone();
    let mut index = 1u64;
    while !power.midpoint_is_zero() {
        let term = power.div(index);
        sum = if index % 2 == 1 {
            sum.add(&term)
        } else {
            sum.sub(&term)
        };
        power = power.mul(u);
        index += 1;
    }
    sum.widen(power.magnitude_bound() * 2u8)
}

/// exp x for every x in the ball, which lies in `[0, 4)` and has at least
/// [`EXP_TOP_BITS`] fractional bits.
///
/// exp x = exp(a/2^EXP_TOP_BITS) exp(x − a/2^EXP_TOP_BITS), with a the
/// leading bits of the ball's lower end: the first factor comes from
/// [`exp_top`], which keeps what it computed, and the second from a series
/// in an argument within 2^-10 plus the ball's width of 0, which needs no
/// squaring at the precisions of K = 30.
pub(crate) fn exp(x: &Ball) -> Ball {
    let bits = x.bits();
    debug_assert!(bits >= EXP_TOP_BITS);
    let dropped = bits - EXP_TOP_BITS;
    let top = u32::try_from((x.lower() >> dropped).max(BigInt::ZERO)).expect("x < 4");
    let point = Ball::new(BigInt::from(top) << dropped, BigUint::ZERO, bits);
    exp_top(top, bits).mul(&exp_series(&x.sub(&point)))
}

/// The fractional bits of the argument that [`exp`] reduces by: [`exp_top`]
/// keeps at most 4 2^EXP_TOP_BITS = 4096 exponentials, 2 MB at the
/// precision of K = 1000.
const EXP_TOP_BITS: u64 = 10;

/// exp(a/2^EXP_TOP_BITS) for `a < 4 2^EXP_TOP_BITS` with `bits` fractional
/// bits, cut down from the most precise this thread has computed when that
/// suffices; as [`ln_top`], for a kept instance.
fn exp_top(a: u32, bits: u64) -> Ball {
    thread_local! {
        static MOST_PRECISE: Kept = const { RefCell::new(Vec::new()) };
    }
    kept(&MOST_PRECISE, a, bits, || {
        let point = BigInt::from(a) << (bits - EXP_TOP_BITS);
        exp_series(&Ball::new(point, BigUint::ZERO, bits))
    })
}

/// exp x for every x in the ball, `|x| < 4`.
///
/// exp x = (exp r)^(2^s) with r = x/2^s (Brent's reduction), s the least
/// that makes |r| < 2^-d, d = max(3, floor(√bits/2) + 1): the series then
/// gains about d bits a term, and d near √bits/2 balances the terms against
/// the squarings, which cost more as balls. Squaring s times doubles the
/// relative error each time, so all this is done with s extra bits.
fn exp_series(x: &Ball) -> Ball {
    let bits = x.bits();
    let gain = (bits.isqrt() / 2 + 1).max(3);
    let halvings = (x.magnitude_bound().bits() + gain).saturating_sub(bits);
    if halvings == 0 {
        return exp_near_zero(x);
    }
    let work = bits + halvings;
    let mut result = exp_near_zero(&x.with_bits(work).shr(halvings));
    for _ in 0..halvings {
        result = result.mul(&result);
    }
    result.with_bits(bits)
}

/// exp x for every x in the ball, whose bound is at most 1/8.
///
/// The Taylor series is summed at the midpoint a alone, each term the
/// previous one times a, truncated, and divided by its index, truncated.
/// With T_i the exact term and t_i the computed one, |T_i − t_i| <=
/// |T_(i−1) − t_(i−1)|/(8i) + 1/i + 1, which keeps it at most 2 ulps. The sum
/// stops at the first t_N = 0, where |T_N| <= 2 ulps and the tail, whose
/// terms shrink eightfold, is below 16/7 < 3 ulps: 2N + 3 ulps bound the error
/// of the sum S. For x within ρ of a, |exp x − exp a| <= exp a (e^ρ − 1) <=
/// 2ρ exp a (ρ <= 1/8), and exp a <= S + 2N + 3 ulps.
fn exp_near_zero(x: &Ball) -> Ball {
    let bits = x.bits();
    debug_assert!(x.magnitude_bound() <= BigUint::from(1u8) << (bits - 3));
    let midpoint = x.midpoint();
    let mut term = BigInt::from(1u8) << bits;
    let mut sum = term.clone();
    // A `u32` divisor is one word on wasm32 too.
    let mut index = 1u32;
    loop {
        term = ((term * midpoint) >> bits) / index;
        if term == BigInt::ZERO {
            break;
        }
        sum += &term;
        index += 1;
    }
    let error = BigUint::from(2 * u64::from(index) + 3);
    let bound = sum.magnitude() + &error;
    let spread = ((bound * x.radius() * 2u8) >> bits) + 1u8;
    Ball::new(sum, error + spread, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ball` holds `expected` and is narrower than 2^-(bits - 40).
    fn assert_encloses(ball: &Ball, expected: &str) {
        assert!(ball.holds_decimal(expected, 40), "{expected}: {ball:?}");
    }

    // Reference values from mpmath at 90 digits, truncated to 60 decimals.
    const LN_2: &str = "0.693147180559945309417232121458176568075500134360255254120680";
    const LN_10: &str = "2.302585092994045684017991454684364207601101488628772976033327";
    const LN_2PI: &str = "1.837877066409345483560659472811235279722794947275566825634303";
    const LN_10_POW_18: &str = "41.446531673892822312323846184318555736819826795317913568599902";
    const E_CUBED: &str = "20.085536923187667740928529654581717896987907838554150144378934";

    #[test]
    fn constants_match_reference_values() {
        let constants = Constants::new(256);
        assert_encloses(&constants.ln(2), LN_2);
        assert_encloses(constants.ln_10(), LN_10);
        assert_encloses(constants.ln_2pi(), LN_2PI);
        assert_encloses(&constants.ln(1_000_000_000_000_000_000), LN_10_POW_18);
    }

    #[test]
    fn tables_match_the_series() {
        let tabulated = Constants::new(TABLE_BITS);
        let summed = Constants::summed(TABLE_BITS);
        let pairs = [
            (&tabulated.ln_2, &summed.ln_2),
            (&tabulated.ln_10, &summed.ln_10),
            (&tabulated.ln_2pi, &summed.ln_2pi),
        ];
        for (table, series) in pairs {
            assert!(series.upper() - series.lower() < BigInt::from(1u32 << 20));
            assert!(series.lower() <= table.upper() && table.lower() <= series.upper());
        }
    }

    #[test]
    fn beyond_the_tables_the_constants_are_summed() {
        let constants = Constants::new(TABLE_BITS + 1);
        assert_eq!(constants.ln_2.bits(), TABLE_BITS + 1);
        let cut = constants.ln_10.with_bits(256);
        assert_encloses(&cut, LN_10);
        assert_encloses(&constants.ln_2pi.with_bits(256), LN_2PI);
    }

    #[test]
    fn logarithms_reduced_by_different_leading_bits_agree() {
        let constants = Constants::new(200);
        // m and m/2 round to different t, or one of them to t = 2^11.
        for m in [2050, 4098, 4094, (3 << 40) + 2, u64::MAX - 1] {
            let direct = constants.ln(m);
            let difference = direct.sub(&constants.ln(m / 2)).sub(&constants.ln(2));
            assert!(difference.lower() <= BigInt::ZERO && BigInt::ZERO <= difference.upper());
            assert!(
                direct.upper() - direct.lower() < BigInt::from(1u32 << 12),
                "{m}"
            );
        }
    }

    #[test]
    fn logarithms_of_small_integers_are_consistent() {
        let constants = Constants::new(128);
        assert_encloses(&constants.ln(1), "0.000000000000000000000000000000");
        let ln_6 = constants.ln(2).add(&constants.ln(3));
        let difference = constants.ln(6).sub(&ln_6);
        assert!(difference.lower() <= BigInt::ZERO && BigInt::ZERO <= difference.upper());
        let ln_max = constants.ln(u64::MAX);
        assert_eq!(ln_max.floor(), Some(BigInt::from(44)));
    }

    #[test]
    fn exp_matches_reference_values() {
        let three = Ball::integer(3, 256);
        assert_encloses(&exp(&three), E_CUBED);
        assert_encloses(
            &exp(&Ball::integer(0, 128)),
            "1.000000000000000000000000000000",
        );
    }
}
