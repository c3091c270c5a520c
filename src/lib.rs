//! Exact factorials over HTTP, as a WebAssembly component.
//!
//! The crate is built for `wasm32-wasip2` into a component that exports
//! `wasi:http/incoming-handler` and the typed interface `factorial:api/compute`
//! of the WIT package `factorial:api` (see `wit/world.wit`). It is laid out
//! so that everything but the WASI glue builds and tests natively, and its
//! layers depend one way: `math` ← `http` ← the WASI glue.
//!
//! - [`math`]: the arithmetic, pure Rust with no WASI types and no API
//!   policy.
//! - [`http`]: the HTTP API as pure functions from a request to a response,
//!   with [`http::HttpError`], every way a request can fail; its `wasi`
//!   submodule is the only code that touches `wasi:http`.
//! - `compute` (on `wasm32` only): the typed export `factorial:api/compute`,
//!   for hosts that call the component without HTTP.
//! - [`leading_digits`]: how many leading digits of a summary may be asked
//!   for, which both interfaces enforce.
//! - [`config`]: the settings the component reads from its environment, a
//!   crate of its own (`config/`) so that hosts can parse them as it does.
//!
//! The bindings and the `export!` exist only on `wasm32`: a native build of
//! the export macros would not link.

pub use factorial_config as config;

pub mod http;
pub mod leading_digits;
pub mod math;

#[cfg(target_arch = "wasm32")]
mod compute;

#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "service",
        generate_all,
    });
}

/// The component's exports are implemented on this type (`compute` and
/// `http::wasi`).
#[cfg(target_arch = "wasm32")]
struct Component;

#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);
