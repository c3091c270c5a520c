//! ln n! from Stirling's series, with a proven remainder.
//!
//! For real z > 0 and every m >= 0,
//!
//! ```text
//! ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + Σ_{k=1..m} B_2k / (2k (2k−1) z^(2k−1)) + R_m(z)
//! ```
//!
//! where R_m(z) has the sign of the first omitted term and is smaller in
//! magnitude (DLMF 5.11.1 and 5.11(ii); Whittaker and Watson §12.33). With
//! ln n! = ln Γ(n) + ln n, the leading part becomes (n + ½) ln n − n + ½ ln 2π.
//!
//! The Bernoulli numbers come from the tangent numbers T_k (1, 2, 16, 272, …):
//! B_2k = (−1)^(k−1) 2k T_k / (4^k (4^k − 1)), so the k-th term is
//! (−1)^(k−1) T_k / (4^k (4^k − 1) (2k − 1) n^(2k−1)), one exact integer
//! quotient. The tangent numbers take additions alone (see [`TangentNumbers`]).

use num_bigint::{BigInt, BigUint};

use super::ball::Ball;
use super::elementary::Constants;

/// ln n! for `n >= 1`, with the precision of `constants`.
///
/// The series is summed until a term truncates to zero ulps, which bounds
/// the remainder by one ulp, or until the terms stop shrinking, where the
/// remainder is bounded by the first omitted term: for small `n` the ball is
/// then wide, never wrong. Each truncated term adds one ulp of radius.
pub(crate) fn ln_factorial(n: u64, constants: &Constants) -> Ball {
    debug_assert!(n >= 1);
    let ln_n = constants.ln(n);
    let bits = ln_n.bits();
    let mut sum = ln_n
        .scale(2 * u128::from(n) + 1)
        .shr(1)
        .sub(&Ball::integer(n, bits))
        .add(&constants.ln_2pi().shr(1));
    let n_squared = BigUint::from(n).pow(2);
    let mut n_power = BigUint::from(n);
    let mut tangents = TangentNumbers::new();
    let mut previous_term: Option<BigUint> = None;
    let mut k = 0u64;
    loop {
        k += 1;
        // The exact term lies in [term, term + 1) ulps: floor(floor(a/b)/c)
        // = floor(a/(bc)), so the factors of the denominator other than
        // n^(2k−1) can be divided out one by one: by a single word while
        // (4^k − 1)(2k − 1) fits in 32 bits (k <= 13), then by a shift.
        let shifted = (tangents.next_tangent() << bits) / &n_power;
        let term = match small_denominator(k) {
            Some(denominator) => (shifted / denominator) >> (2 * k),
            None => {
                let four_to_k = BigUint::from(1u8) << (2 * k);
                shifted / (&four_to_k * (&four_to_k - 1u8) * (2 * k - 1))
            }
        };
        if term == BigUint::ZERO || previous_term.as_ref().is_some_and(|last| term >= *last) {
            return sum.widen(term + 1u8);
        }
        let ball = Ball::new(BigInt::from(term.clone()), 1u8.into(), bits);
        sum = if k % 2 == 1 {
            sum.add(&ball)
        } else {
            sum.sub(&ball)
        };
        previous_term = Some(term);
        n_power *= &n_squared;
    }
}

/// (4^k − 1)(2k − 1), when it fits in 32 bits: one word even on wasm32.
fn small_denominator(k: u64) -> Option<u32> {
    let four_to_k = 1u32.checked_shl(u32::try_from(2 * k).ok()?)?;
    (four_to_k - 1).checked_mul(u32::try_from(2 * k - 1).ok()?)
}

/// The tangent numbers T_1, T_2, … = 1, 2, 16, 272, 7936, …: the zigzag
/// numbers A_(2k−1), from the Seidel–Entringer–Arnold triangle.
///
/// Each row of the triangle is a 0 followed by the running sums of the
/// previous row read backwards, and ends with A_r: from `[1]`, the rows are
/// `[0, 1]`, `[0, 1, 1]`, `[0, 1, 2, 2]`, `[0, 2, 4, 5, 5]`, … The first k
/// tangent numbers take O(k²) additions of numbers of O(k log k) bits, no
/// multiplication and no fractions. The first ones come from
/// [`SMALL_TANGENTS`] instead: a summary with K = 30 needs no more, and
/// building the triangle's rows cost it a tenth of its time.
struct TangentNumbers {
    /// How many have been given.
    given: usize,
    /// The last row computed: row r has r + 1 entries.
    row: Vec<BigUint>,
}

/// T_1 to T_19, the tangent numbers below 2^128, from the triangle
/// (`small_tangents_come_from_the_triangle`).
const SMALL_TANGENTS: [u128; 19] = [
    1,
    2,
    16,
    272,
    7936,
    353792,
    22368256,
    1903757312,
    209865342976,
    29088885112832,
    4951498053124096,
    1015423886506852352,
    246921480190207983616,
    70251601603943959887872,
    23119184187809597841473536,
    8713962757125169296170811392,
    3729407703720529571097509625856,
    1798651693450888780071750349094912,
    970982810785059112379399707952152576,
];

impl TangentNumbers {
    fn new() -> Self {
        TangentNumbers {
            given: 0,
            row: vec![BigUint::from(1u8)],
        }
    }

    /// The next tangent number.
    fn next_tangent(&mut self) -> BigUint {
        self.given += 1;
        if let Some(&small) = SMALL_TANGENTS.get(self.given - 1) {
            return BigUint::from(small);
        }
        // T_k ends row 2k − 1.
        while self.row.len() < 2 * self.given {
            self.advance();
        }
        self.row[self.row.len() - 1].clone()
    }

    /// Replaces the row with the next one, in place.
    fn advance(&mut self) {
        self.row.reverse();
        self.row.insert(0, BigUint::ZERO);
        for index in 1..self.row.len() {
            let (done, rest) = self.row.split_at_mut(index);
            rest[0] += &done[index - 1];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tangents_come_from_the_triangle() {
        let mut triangle = TangentNumbers::new();
        for (k, &small) in SMALL_TANGENTS.iter().enumerate() {
            triangle.advance();
            assert_eq!(triangle.row[2 * k + 1], BigUint::from(small), "T_{}", k + 1);
            triangle.advance();
        }
        let mut tangents = TangentNumbers::new();
        let beyond: Vec<BigUint> = (0..21).map(|_| tangents.next_tangent()).collect();
        triangle.advance();
        assert_eq!(beyond[19], triangle.row[triangle.row.len() - 1]);
        triangle.advance();
        triangle.advance();
        assert_eq!(beyond[20], triangle.row[triangle.row.len() - 1]);
    }

    #[test]
    fn tangent_numbers_match_known_values() {
        let mut tangents = TangentNumbers::new();
        for known in [1u64, 2, 16, 272, 7936, 353792, 22368256, 1903757312] {
            assert_eq!(tangents.next_tangent(), BigUint::from(known));
        }
    }

    /// n, the most ulps of width the ball at 300 bits may have, and
    /// mpmath's loggamma(n + 1) at 120 digits truncated to 60 decimals. At
    /// n = 10 the smallest term of the series is about e^(-20π) ≈ 2^-90.
    const LN_FACTORIALS: [(u64, u32, &str); 4] = [
        (
            10,
            220,
            "15.104412573075515295225709329251070371882250744291936472188903",
        ),
        (
            1000,
            100,
            "5912.128178488163348878130886725493882471745714181318908951487503",
        ),
        (
            100_000,
            100,
            "1051299.221899121865129278108206110855249344523148121381113950232196",
        ),
        (
            u64::MAX,
            100,
            "799877009219260410589.210593538803337692399536498767023104510229043595588100832019",
        ),
    ];

    #[test]
    fn ln_factorial_matches_reference_values() {
        let constants = Constants::new(300);
        for (n, width, expected) in LN_FACTORIALS {
            let ball = ln_factorial(n, &constants);
            assert!(ball.holds_decimal(expected, width), "{n}: {ball:?}");
        }
    }

    #[test]
    fn small_n_give_wide_but_true_balls() {
        let constants = Constants::new(300);
        let ln_2 = ln_factorial(2, &constants);
        assert!(ln_2.holds_decimal("0.693147180559945309417232121458176568075500134360", 300));
    }
}
