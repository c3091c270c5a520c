//! `n!` as a product tree.
//!
//! Multiplying the factors one at a time makes every step a long-by-short
//! multiplication, O(n²) word operations in all. Splitting the range in two
//! and multiplying the halves recursively keeps the operands of each
//! multiplication of similar size, where `num-bigint`'s Karatsuba and Toom-3
//! pay off.

use num_bigint::BigUint;

/// Below this many factors a range is multiplied out one factor at a time:
/// the partial product is still a few words long, so a tree would only add
/// allocations.
const LEAF_FACTORS: u64 = 32;

/// `n!`, exactly.
pub fn factorial(n: u64) -> BigUint {
    if n < 2 {
        return BigUint::from(1u8);
    }
    range_product(2, n)
}

/// `n!` in decimal, with no leading zero.
pub fn factorial_decimal(n: u64) -> String {
    factorial(n).to_str_radix(10)
}

/// The product of every integer in `low..=high`, with `low <= high`.
fn range_product(low: u64, high: u64) -> BigUint {
    if high - low < LEAF_FACTORS {
        return (low..=high).fold(BigUint::from(1u8), |product, factor| product * factor);
    }
    let middle = low + (high - low) / 2;
    range_product(low, middle) * range_product(middle + 1, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factorials_match_known_values() {
        let known = [1u64, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800];
        for (n, expected) in known.iter().enumerate() {
            assert_eq!(factorial(n as u64), BigUint::from(*expected), "{n}!");
        }
        assert_eq!(factorial(20), BigUint::from(2_432_902_008_176_640_000u64));
    }

    #[test]
    fn fifty_factorial_is_exact() {
        assert_eq!(
            factorial_decimal(50),
            "30414093201713378043612608166064768844377641568960512000000000000"
        );
    }

    #[test]
    fn range_product_agrees_across_the_leaf_boundary() {
        for high in LEAF_FACTORS - 2..LEAF_FACTORS * 3 {
            let by_one: BigUint = (1..=high).map(BigUint::from).product();
            assert_eq!(range_product(1, high), by_one, "1..={high}");
        }
    }
}
