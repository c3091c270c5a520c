use factorial::math::factorial_decimal;
use factorial_corpus::XorShift;
use num_bigint::BigUint;

/// Decimal digits by repeated division by 10^19, independent of
/// `num-bigint`'s own conversion and of ours.
fn naive_decimal(mut value: BigUint) -> String {
    const CHUNK: u64 = 10_000_000_000_000_000_000;
    let mut chunks = Vec::new();
    while value >= BigUint::from(CHUNK) {
        let remainder = &value % CHUNK;
        chunks.push(remainder.iter_u64_digits().next().unwrap_or(0));
        value /= CHUNK;
    }
    let mut digits = value.iter_u64_digits().next().unwrap_or(0).to_string();
    for chunk in chunks.iter().rev() {
        digits.push_str(&format!("{chunk:019}"));
    }
    digits
}

#[test]
fn every_n_up_to_1000_matches_a_running_product() {
    let mut product = BigUint::from(1u8);
    for n in 0..=1000u64 {
        if n > 0 {
            product *= n;
        }
        assert_eq!(factorial_decimal(n), naive_decimal(product.clone()), "{n}!");
    }
}

#[test]
fn random_n_up_to_5000_match_a_running_product() {
    let mut random = XorShift::new(1);
    let mut wanted: Vec<u64> = (0..40).map(|_| random.below(5001)).collect();
    wanted.sort_unstable();
    let mut product = BigUint::from(1u8);
    let mut next = 1u64;
    for n in wanted {
        while next <= n {
            product *= next;
            next += 1;
        }
        assert_eq!(factorial_decimal(n), naive_decimal(product.clone()), "{n}!");
    }
}

#[test]
fn one_hundred_thousand_factorial() {
    let digits = factorial_decimal(100_000);
    assert_eq!(digits.len(), 456_574);
    let trailing_zeros = digits.len() - digits.trim_end_matches('0').len();
    assert_eq!(trailing_zeros, 24_999);
    assert!(
        digits.starts_with("28242294079603478742"),
        "{}",
        &digits[..20]
    );
}
