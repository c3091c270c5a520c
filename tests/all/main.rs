//! Integration tests of the component, built for `wasm32-wasip2` and run in
//! wasmtime, plus the math checked against independent computations. One
//! binary, so wasmtime is linked once.

/// Loads the built component and sends it requests in-process.
mod harness;

/// What the corpus's rows cannot say, through `wasi:http`: `HEAD` against
/// `GET`, caching across requests, the settings, computed bodies.
mod contract;
/// The corpus (`tests/corpus/hostile.txt`), the table of requests and the
/// contract's answers, through `wasi:http`.
mod corpus;
/// `n!` against a naive running product and known large values.
mod math;
/// `spin.toml` points at what the build produces.
mod spin_manifest;
/// The typed export `factorial:api/compute`, called without HTTP:
/// factorials and summaries.
mod typed;
