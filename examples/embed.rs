//! Calls the component's typed export, `factorial:api/compute`, from a Rust
//! host on wasmtime, without HTTP:
//!
//! ```sh
//! cargo run --example embed -- target/wasm32-wasip2/release/factorial.wasm
//! ```

use factorial_runner::guest::{GuestSettings, GuestState};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

wasmtime::component::bindgen!({
    path: "wit",
    world: "library",
    with: { "wasi:cli/environment": wasmtime_wasi::p2::bindings::cli::environment },
    additional_derives: [PartialEq],
});

use exports::factorial::api::compute::Error;

fn main() -> wasmtime::Result<()> {
    let path = std::env::args()
        .nth(1)
        .expect("usage: embed FACTORIAL_WASM");
    let engine = Engine::default();
    let component = Component::from_file(&engine, path)?;
    let mut linker = Linker::new(&engine);
    // The component's HTTP handler imports `wasi:http/types`, so WASI HTTP
    // is linked even though only the typed export is called.
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
    // Any store data with WASI and WASI HTTP contexts will do; this is the
    // runner's, with the component's environment.
    let state = GuestState::new(&GuestSettings {
        env: vec![("FACTORIAL_MAX_NUMBER".into(), "1000".into())],
        body_chunk_size: 64 * 1024,
        memory_limit: 64 << 20,
    });
    let mut store = Store::new(&engine, state);
    let library = Library::instantiate(&mut store, &component, &linker)?;
    let compute = library.factorial_api_compute();

    let digits = compute.call_factorial(&mut store, 20)?;
    assert_eq!(digits, Ok("2432902008176640000".to_string()));
    let refused = compute.call_factorial(&mut store, 1001)?;
    assert_eq!(refused, Err(Error::TooLarge(1000)));
    println!("20! = {digits:?}, 1001! = {refused:?}");
    Ok(())
}
