//! The arithmetic of factorials, in pure Rust.
//!
//! Nothing here knows about WASI or HTTP, so it is unit-tested and
//! benchmarked natively, and the component only adds glue around it.

mod ball;
mod elementary;
mod factorial;
mod stirling;
mod summary;

pub use factorial::{factorial, factorial_decimal};
pub use summary::{
    DEFAULT_LEADING_DIGITS, MAX_LEADING_DIGITS, STIRLING_FACTORS_PER_BIT, Summary, summary,
    valid_leading_digits,
};
