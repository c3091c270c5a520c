//! Exact factorials over HTTP, as a WebAssembly component.
//!
//! The crate is built for `wasm32-wasip2` into a component that exports
//! `wasi:http/incoming-handler` and the typed interface `factorial:api/compute`
//! (see `wit/world.wit`). It is laid out so that everything but the WASI glue
//! builds and tests natively:
//!
//! - [`math`]: the arithmetic, pure Rust with no WASI types.
//! - [`http`]: the API contract as pure functions from a request to a
//!   response; its `wasi` submodule is the only code that touches `wasi:http`.
//! - [`config`]: the settings the component reads from its environment.
//! - [`error`]: every way a request can fail, and the status each one gets.
//!
//! The bindings and the `export!` exist only on `wasm32`: a native build of
//! the export macros would not link.

pub mod config;
pub mod error;
pub mod http;
pub mod math;

#[cfg(target_arch = "wasm32")]
mod api;

#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "service",
        generate_all,
    });
}

/// The component's exports are implemented on this type (`api` and
/// `http::wasi`).
#[cfg(target_arch = "wasm32")]
struct Component;

#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);
