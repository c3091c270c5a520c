//! The query string and the number grammar: `form_value` finds a value
//! however it is encoded and whatever follows it, and `parse_number` agrees
//! with the contract's grammar (`number_oracle`) on any value and maximum.

#![no_main]

use factorial::http::query::{form_value, parse_number};
use factorial_fuzz::{form_encode, number_oracle};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// Any query, to follow the encoded value or to be parsed on its own.
    query: &'a str,
    /// A value to encode, find and parse.
    value: &'a str,
    /// Which characters of `value` are written as themselves, bit by bit.
    raw: u64,
    /// The maximum n.
    max: u64,
}

fuzz_target!(|input: Input| {
    let mut bits = (0..64).cycle().map(|bit| input.raw >> bit & 1 == 1);
    let encoded = form_encode(input.value, || bits.next().unwrap_or_default());
    let query = format!("number={encoded}&{}", input.query);
    assert_eq!(
        form_value(&query, "number"),
        Some(Ok(input.value.to_string())),
        "{query:?}"
    );
    assert_eq!(
        parse_number(input.value, input.max),
        number_oracle(input.value, input.max)
    );
    if let Some(Ok(value)) = form_value(input.query, "number") {
        assert_eq!(
            parse_number(&value, input.max),
            number_oracle(&value, input.max)
        );
    }
});
