//! How many leading digits of n! a client may ask for, over HTTP (`leading`)
//! or through the typed export (`summary`'s `leading`). This is the API's
//! policy: [`crate::math::summary`] computes any number of digits, at a cost
//! that grows with the square of their count.

use std::num::NonZeroUsize;

/// The most leading digits the service gives (`docs/contract.md` §5): the
/// cost grows with the square of K, to a few milliseconds at 1000
/// (`bench/factorial/summary.rs`).
pub const MAX_LEADING_DIGITS: u32 = 1000;

/// The leading digits the service gives when none are asked for.
pub const DEFAULT_LEADING_DIGITS: NonZeroUsize = NonZeroUsize::new(30).unwrap();

/// `k` as a count of leading digits the service gives: from 1 to
/// [`MAX_LEADING_DIGITS`].
pub fn valid_leading_digits(k: u64) -> Option<NonZeroUsize> {
    if k > u64::from(MAX_LEADING_DIGITS) {
        return None;
    }
    usize::try_from(k).ok().and_then(NonZeroUsize::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_gives_1_to_1000_leading_digits() {
        assert_eq!(valid_leading_digits(0), None);
        assert_eq!(valid_leading_digits(1), NonZeroUsize::new(1));
        assert_eq!(valid_leading_digits(1000), NonZeroUsize::new(1000));
        assert_eq!(valid_leading_digits(1001), None);
        assert_eq!(valid_leading_digits(u64::MAX), None);
    }
}
