//! A misbehaving `wasi:http` component for the runner's tests, one path per
//! behaviour:
//!
//! - `/sleep?ms=N`: waits N milliseconds in the host, then answers 200.
//! - `/hold`: reads the request body to its end, then answers 200: the
//!   request stays in flight until the client finishes its body.
//! - `/spin`: computes forever (until the epoch deadline stops it).
//! - `/grow`: allocates until memory runs out.
//! - `/trap`: traps at once.
//! - anything else: 200 `ok`.

#[cfg(target_arch = "wasm32")]
mod guest {
    use std::io::Write as _;

    use wasi::clocks::monotonic_clock;
    use wasi::http::types::{
        Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
    };

    wasi::http::proxy::export!(Misbehaving);

    struct Misbehaving;

    impl wasi::exports::http::incoming_handler::Guest for Misbehaving {
        fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
            let target = request.path_with_query().unwrap_or_default();
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            match path {
                "/sleep" => {
                    let ms: u64 = query
                        .strip_prefix("ms=")
                        .and_then(|ms| ms.parse().ok())
                        .unwrap_or(0);
                    monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                }
                "/hold" => {
                    let body = request.consume().unwrap();
                    let stream = body.stream().unwrap();
                    while stream.blocking_read(64 * 1024).is_ok() {}
                }
                "/spin" => {
                    let mut x = 0u64;
                    loop {
                        x = std::hint::black_box(x.wrapping_add(1));
                    }
                }
                "/grow" => {
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        hoard.push(vec![1; 1 << 20]);
                        std::hint::black_box(&hoard);
                    }
                }
                "/trap" => core::arch::wasm32::unreachable(),
                _ => {}
            }
            let response = OutgoingResponse::new(Fields::new());
            let body = response.body().unwrap();
            ResponseOutparam::set(response_out, Ok(response));
            let mut stream = body.write().unwrap();
            stream.write_all(b"ok").unwrap();
            stream.flush().unwrap();
            drop(stream);
            OutgoingBody::finish(body, None).unwrap();
        }
    }
}
