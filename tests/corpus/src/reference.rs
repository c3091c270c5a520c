//! Figures of n! for huge n from sources independent of the component's
//! arithmetic, in one place for every test that checks a summary.

/// The trailing zeros of n!, by Legendre's formula: n!'s factors 5 (its
/// factors 2 are more), n/5 + n/25 + n/125 + ….
pub fn trailing_zeros(n: u64) -> u64 {
    let mut zeros = 0;
    let mut multiples = n;
    while multiples > 0 {
        multiples /= 5;
        zeros += multiples;
    }
    zeros
}

/// n!'s digit count and first 30 digits, as mpmath 1.3.0 computes them at
/// 80 significant digits: with x = log10(n!), the count is ⌊x⌋ + 1 and the
/// digits are those of 10^(x − ⌊x⌋).
///
/// ```python
/// import mpmath
/// mpmath.mp.dps = 80
/// x = mpmath.loggamma(n + 1) / mpmath.log(10)
/// print(int(mpmath.floor(x)) + 1, mpmath.nstr(mpmath.power(10, x - mpmath.floor(x)), 40))
/// ```
#[derive(Debug)]
pub struct HugeFactorial {
    /// n.
    pub n: u64,
    /// The number of decimal digits of n!.
    pub digits: u128,
    /// The first 30 of them.
    pub leading_30: &'static str,
}

/// 10^5, 10^18 and 2^64 − 1, the largest n the summary takes.
pub const HUGE_FACTORIALS: [HugeFactorial; 3] = [
    HugeFactorial {
        n: 100_000,
        digits: 456_574,
        leading_30: "282422940796034787429342157802",
    },
    HugeFactorial {
        n: 1_000_000_000_000_000_000,
        digits: 17_565_705_518_096_748_182,
        leading_30: "559707356731039518045078190084",
    },
    HugeFactorial {
        n: u64::MAX,
        digits: 347_382_171_305_201_285_695,
        leading_30: "127051750565407845537435230097",
    },
];

/// The figures of n!, one of [`HUGE_FACTORIALS`].
pub fn huge_factorial(n: u64) -> &'static HugeFactorial {
    HUGE_FACTORIALS
        .iter()
        .find(|huge| huge.n == n)
        .unwrap_or_else(|| panic!("no reference figures for {n}!"))
}

impl HugeFactorial {
    /// The first `count` digits, at most 30.
    pub fn leading(&self, count: usize) -> &'static str {
        &self.leading_30[..count]
    }

    /// The digits of [`leading`](Self::leading) written `d.ddd…eE`, E being
    /// the digit count less one: `deE` for one digit (contract, section 5).
    pub fn scientific(&self, count: usize) -> String {
        let (first, rest) = self.leading(count).split_at(1);
        let exponent = self.digits - 1;
        if rest.is_empty() {
            format!("{first}e{exponent}")
        } else {
            format!("{first}.{rest}e{exponent}")
        }
    }

    /// The summary endpoint's body for n with `count` leading digits.
    pub fn summary_json(&self, count: usize) -> String {
        format!(
            "{{\"number\":{},\"digits\":{},\"trailing_zeros\":{},\"leading_digits\":\"{}\",\"scientific\":\"{}\"}}\n",
            self.n,
            self.digits,
            trailing_zeros(self.n),
            self.leading(count),
            self.scientific(count),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legendre_counts_every_power_of_five() {
        assert_eq!(trailing_zeros(4), 0);
        assert_eq!(trailing_zeros(25), 6);
        assert_eq!(trailing_zeros(100_000), 24_999);
    }

    #[test]
    fn the_summary_is_written_as_the_contract_shows_it() {
        assert_eq!(
            huge_factorial(100_000).summary_json(30),
            "{\"number\":100000,\"digits\":456574,\"trailing_zeros\":24999,\"leading_digits\":\"282422940796034787429342157802\",\"scientific\":\"2.82422940796034787429342157802e456573\"}\n"
        );
        assert_eq!(
            huge_factorial(u64::MAX).scientific(1),
            "1e347382171305201285694"
        );
    }
}
