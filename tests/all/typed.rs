use factorial_corpus::{component_path, huge_factorial, trailing_zeros};
use factorial_runner::guest::GuestState;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::harness::guest_with_env;

wasmtime::component::bindgen!({
    path: "wit",
    world: "library",
    with: { "wasi:cli/environment": wasmtime_wasi::p2::bindings::cli::environment },
    additional_derives: [PartialEq],
});

use exports::factorial::api::compute::{Error, FactorialSummary};

/// Instantiates the component as an embedder would, with `env` as its
/// environment. The component imports `wasi:http/types` for its handler, so
/// WASI HTTP is linked even though only the typed export is called.
fn instantiate(env: &[(&str, &str)]) -> (Store<GuestState>, Library) {
    let engine = Engine::default();
    let component = Component::from_file(&engine, component_path()).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker).unwrap();
    let mut store = Store::new(&engine, GuestState::new(&guest_with_env(env)));
    let library = Library::instantiate(&mut store, &component, &linker).unwrap();
    (store, library)
}

#[test]
fn factorials_and_their_limits() {
    let (mut store, library) = instantiate(&[("FACTORIAL_MAX_NUMBER", "30")]);
    let compute = library.factorial_api_compute();
    let mut call = |n| compute.call_factorial(&mut store, n).unwrap();
    assert_eq!(call(0), Ok("1".to_string()));
    assert_eq!(call(5), Ok("120".to_string()));
    assert_eq!(
        call(30),
        Ok("265252859812191058636308480000000".to_string())
    );
    assert_eq!(call(31), Err(Error::TooLarge(30)));
    assert_eq!(call(u64::MAX), Err(Error::TooLarge(30)));
}

/// `digits` modulo the prime 2^61 − 1, by Horner's rule.
fn decimal_mod_mersenne_61(digits: &str) -> u64 {
    const PRIME: u128 = (1 << 61) - 1;
    let residue = digits.bytes().fold(0u128, |r, digit| {
        (r * 10 + u128::from(digit - b'0')) % PRIME
    });
    residue as u64
}

/// `n!` modulo 2^61 − 1, by a running product.
fn factorial_mod_mersenne_61(n: u64) -> u64 {
    const PRIME: u128 = (1 << 61) - 1;
    (1..=u128::from(n)).fold(1u128, |r, k| r * k % PRIME) as u64
}

/// Large n through the release component (the test build of this crate is
/// too slow for them natively): every digit is checked by n! modulo a
/// 61-bit prime, and the count, trailing zeros and first digits by the
/// summary, which does not compute n!.
#[test]
fn large_factorials_match_their_residue_and_summary() {
    let (mut store, library) = instantiate(&[("FACTORIAL_MAX_NUMBER", "1000000")]);
    let compute = library.factorial_api_compute();
    let mut random = factorial_corpus::XorShift::new(15);
    for n in [200_000 + random.below(800_000), 1_000_000] {
        let digits = compute.call_factorial(&mut store, n).unwrap().unwrap();
        assert_eq!(
            decimal_mod_mersenne_61(&digits),
            factorial_mod_mersenne_61(n),
            "{n}!"
        );
        let summary = factorial::math::summary(n, std::num::NonZeroUsize::new(30).unwrap());
        assert_eq!(digits.len() as u128, summary.digits, "{n}!");
        let zeros = digits.len() - digits.trim_end_matches('0').len();
        assert_eq!(zeros as u64, summary.trailing_zeros, "{n}!");
        assert!(digits.starts_with(&summary.leading_digits), "{n}!");
    }
}

#[test]
fn the_default_maximum_applies_when_unset() {
    let (mut store, library) = instantiate(&[]);
    let compute = library.factorial_api_compute();
    let digits = compute.call_factorial(&mut store, 1000).unwrap().unwrap();
    assert_eq!(digits, factorial::math::factorial_decimal(1000));
    assert_eq!(
        compute.call_factorial(&mut store, 900_001).unwrap(),
        Err(Error::TooLarge(900_000))
    );
}

#[test]
fn an_unusable_maximum_is_reported() {
    let (mut store, library) = instantiate(&[("FACTORIAL_MAX_NUMBER", "-3")]);
    let result = library
        .factorial_api_compute()
        .call_factorial(&mut store, 5)
        .unwrap();
    let Err(Error::InvalidConfiguration(message)) = result else {
        panic!("expected invalid-configuration, got {result:?}");
    };
    assert!(message.contains("FACTORIAL_MAX_NUMBER=\"-3\""), "{message}");
}

#[test]
fn summaries_for_any_64_bit_n() {
    let (mut store, library) = instantiate(&[("FACTORIAL_MAX_NUMBER", "30")]);
    let compute = library.factorial_api_compute();
    let summary = compute
        .call_summary(&mut store, u64::MAX, 30)
        .unwrap()
        .unwrap();
    let largest = huge_factorial(u64::MAX);
    assert_eq!(
        summary,
        FactorialSummary {
            number: u64::MAX,
            digits: largest.digits.to_string(),
            trailing_zeros: trailing_zeros(u64::MAX),
            leading_digits: largest.leading(30).to_string(),
            scientific: largest.scientific(30),
        }
    );
    let small = compute.call_summary(&mut store, 5, 1000).unwrap().unwrap();
    assert_eq!(
        (small.digits.as_str(), small.leading_digits.as_str()),
        ("3", "120")
    );
}

#[test]
fn leading_digits_from_1_to_1000() {
    let (mut store, library) = instantiate(&[]);
    let compute = library.factorial_api_compute();
    for leading in [0, 1001, u32::MAX] {
        assert_eq!(
            compute.call_summary(&mut store, 5, leading).unwrap(),
            Err(Error::InvalidLeading(1000)),
            "{leading}"
        );
    }
    let one = compute
        .call_summary(&mut store, 100_000, 1)
        .unwrap()
        .unwrap();
    assert_eq!(one.scientific, "2e456573");
}

#[test]
fn an_unusable_maximum_fails_a_summary_too() {
    let (mut store, library) = instantiate(&[("FACTORIAL_MAX_NUMBER", "-3")]);
    let result = library
        .factorial_api_compute()
        .call_summary(&mut store, 5, 30)
        .unwrap();
    assert!(
        matches!(result, Err(Error::InvalidConfiguration(_))),
        "{result:?}"
    );
}
