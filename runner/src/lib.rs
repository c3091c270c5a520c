//! Serves the factorial component (`factorial.wasm`) over HTTP/1.1 with
//! wasmtime and `wasmtime-wasi-http`.
//!
//! The binary (`main.rs`) is command-line glue; the work is split by concern:
//!
//! - [`config`]: the command line and its environment twins, validated
//!   before anything is bound or loaded.
//! - [`engine`]: the wasmtime `Engine`, the component compiled once and
//!   pre-instantiated, and one fresh instance per request.
//! - [`host`]: what each request's `Store` holds: WASI contexts and policy.
//! - [`server`]: the TCP listener and hyper connections.

#![deny(missing_docs)]

pub mod config;
pub mod engine;
pub mod host;
pub mod server;
