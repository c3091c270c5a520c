//! Serves the factorial component (`factorial.wasm`) over HTTP/1.1 with
//! wasmtime and `wasmtime-wasi-http`.
//!
//! The binary (`main.rs`) calls [`commands::main`]; the work is split by
//! concern:
//!
//! - [`commands`]: what each subcommand does, from the parsed command line.
//! - [`config`]: the command line and its environment twins, validated
//!   before anything is bound or loaded; `artifact`: where the component
//!   is found when none is given.
//! - [`engine`]: what is set up once: the wasmtime `Engine` (pooling,
//!   epochs), the component compiled (or precompiled ahead of time), linked
//!   and pre-instantiated.
//! - `cache`: the shared HTTP cache in front of the component, with
//!   one computation shared by concurrent misses.
//! - [`service`]: the request path: the cache, then admission under the
//!   limit of computations, a fresh `Store` and instance per computation,
//!   the guest's task and deadline, and the recording of its answer.
//! - [`memory`]: the memory budget, and how many computations fit in it.
//! - `epoch`: the clock behind request deadlines.
//! - [`guest`]: what each request's `Store` holds ([`guest::GuestState`]):
//!   WASI contexts, the memory limit, the `wasi:http` policy.
//! - `server`: the listener, access log and graceful shutdown;
//!   `watchdog`: the header and idle timeouts of each connection.
//! - `log`: the log's JSON lines on stdout, written in batches.
//! - `admin` and [`metrics`]: Prometheus metrics; `emf`: the same
//!   metrics as CloudWatch Embedded Metric Format records on stdout.
//! - [`error`]: why a request got no answer from the component.
//! - `healthcheck`: the container health check.
//! - `lambda`: the same service as a function on AWS Lambda.

#![deny(missing_docs)]

pub(crate) mod admin;
pub(crate) mod artifact;
pub(crate) mod cache;
pub mod commands;
pub mod config;
pub(crate) mod emf;
pub mod engine;
pub(crate) mod epoch;
pub mod error;
pub mod guest;
pub(crate) mod healthcheck;
pub(crate) mod lambda;
pub(crate) mod log;
pub mod memory;
pub mod metrics;
pub(crate) mod server;
pub mod service;
pub(crate) mod watchdog;
