//! Lambda's limit on the size of a response, checked against the largest
//! answer the function can give before it serves anything.
//!
//! A synchronous invocation's response may be at most 6 MB (6,291,456
//! bytes), the JSON envelope around the body included. The largest answer
//! is M! in JSON; that of 900000!, the default maximum, is 4,967,972 bytes
//! (4,967,957 digits).

use anyhow::{Result, bail};

use factorial_config::MAX_NUMBER_VAR;

/// Lambda's limit on a synchronous invocation's response payload.
pub const MAX_RESPONSE_PAYLOAD: u64 = 6 * 1024 * 1024;

/// Room for what the payload holds besides the body: the JSON envelope,
/// the status and the headers, which the component keeps under 1 KiB.
const ENVELOPE: u64 = 4 * 1024;

/// The body of n! in JSON beside its digits, as the payload carries it:
/// `{"factorial":` and `}` and a line feed (15 bytes), and the escapes of
/// its two quotes and its line feed inside the payload's JSON string (3).
/// The plain-text body is shorter: the digits and a line feed.
const JSON_OVERHEAD: u128 = 18;

/// The payload bytes of n!'s largest answer, at most one byte over.
pub fn largest_answer(n: u64) -> u128 {
    digits_at_most(n) + JSON_OVERHEAD + u128::from(ENVELOPE)
}

/// The digits of n!, ⌊log10 n!⌋ + 1, or one more when log10 n! lies within
/// a millionth below a whole number: a bound, not the count, so that a
/// maximum this module admits always fits. Stirling's series in `f64`
/// (its first omitted term under 10^-15 for n ≥ 100) errs by far less than
/// that margin for every n below 2^32, where the bisection searches; the
/// runner needs no more than this from the math, so it does not link it.
fn digits_at_most(n: u64) -> u128 {
    let log10 = if n < 100 {
        (2..=n).map(|k| (k as f64).log10()).sum()
    } else {
        let n = n as f64;
        let ln = n * n.ln() - n + 0.5 * (std::f64::consts::TAU * n).ln() + 1.0 / (12.0 * n)
            - 1.0 / (360.0 * n.powi(3));
        ln / std::f64::consts::LN_10
    };
    (log10 + 1e-6).floor() as u128 + 1
}

/// Refuses a maximum whose answer cannot fit in a response, naming the
/// largest one that does.
pub fn check_max_number(max_number: u64) -> Result<()> {
    let largest = largest_answer(max_number);
    if largest <= u128::from(MAX_RESPONSE_PAYLOAD) {
        return Ok(());
    }
    bail!(
        "{MAX_NUMBER_VAR}={max_number} cannot be served on Lambda: the answer for it takes \
         {largest} bytes of response payload, and Lambda returns at most {MAX_RESPONSE_PAYLOAD}; \
         the largest maximum that fits is {}",
        largest_that_fits()
    )
}

/// The largest n whose answer fits, by bisection over the digits of n!,
/// which grow with n.
fn largest_that_fits() -> u64 {
    let fits = |n| largest_answer(n) <= u128::from(MAX_RESPONSE_PAYLOAD);
    let (mut fitting, mut too_large) = (0_u64, u64::from(u32::MAX));
    while too_large - fitting > 1 {
        let middle = fitting + (too_large - fitting) / 2;
        if fits(middle) {
            fitting = middle;
        } else {
            too_large = middle;
        }
    }
    fitting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_maximum_fits() {
        check_max_number(factorial_config::DEFAULT_MAX_NUMBER).unwrap();
    }

    #[test]
    fn the_bound_is_exact() {
        let largest = largest_that_fits();
        check_max_number(largest).unwrap();
        let error = check_max_number(largest + 1).unwrap_err().to_string();
        assert!(
            error.contains(&format!("the largest maximum that fits is {largest}")),
            "{error}"
        );
        assert!(
            error.contains(&format!("{MAX_NUMBER_VAR}={}", largest + 1)),
            "{error}"
        );
    }

    /// The bound is the digit count for numbers whose digits are known from
    /// elsewhere: counted here for small n, mpmath's for 10^5.
    #[test]
    fn the_digit_bound_is_the_count() {
        let mut factorial = 1_u128;
        for n in 0..=33_u64 {
            factorial *= u128::from(n.max(1));
            assert_eq!(
                digits_at_most(n),
                factorial.to_string().len() as u128,
                "{n}!"
            );
        }
        let huge = factorial_corpus::huge_factorial(100_000);
        assert_eq!(digits_at_most(huge.n), huge.digits);
    }

    /// The figure in this module's documentation: the JSON body of
    /// 900000! (4,967,957 digits, log10 900000! = 4967956.2...) is
    /// 4,967,972 bytes as a client receives it, and the payload holds 3
    /// bytes of escapes more.
    #[test]
    fn the_default_maximums_answer_is_as_documented() {
        assert_eq!(
            largest_answer(900_000),
            4_967_972 + 3 + u128::from(ENVELOPE)
        );
    }
}
