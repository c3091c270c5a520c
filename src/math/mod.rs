//! The arithmetic of factorials, in pure Rust.
//!
//! Nothing here knows about WASI or HTTP, so it is unit-tested and
//! benchmarked natively, and the component only adds glue around it.

mod factorial;

pub use factorial::{factorial, factorial_decimal};
