//! A misbehaving `wasi:http` component for the runner's tests, one path per
//! behaviour:
//!
//! - `/sleep?ms=N`: waits N milliseconds in the host, then answers 200.
//! - `/hold`: reads the request body to its end, then answers 200: the
//!   request stays in flight until the client finishes its body.
//! - `/spin`: computes forever (until the epoch deadline stops it).
//! - `/grow`: allocates until memory runs out.
//! - `/trap`: traps at once.
//! - `/trap-in-body`: sends its head and part of its body, then traps.
//! - `/error-code`: answers with an `error-code` instead of a response.
//! - anything else: 200 `ok`.
//!
//! On every path, query parameters choose response headers, for the cache's
//! tests: `cc` (`Cache-Control`), `vary`, `etag`, `cookie` (`Set-Cookie`),
//! each percent-decoded; `kib=N` makes the body N KiB, and `stamp` makes it
//! the monotonic clock's reading, different on each computation.

#[cfg(target_arch = "wasm32")]
mod guest {
    use std::io::Write as _;

    use wasi::clocks::monotonic_clock;
    use wasi::http::types::{
        ErrorCode, Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
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
                        .split('&')
                        .find_map(|pair| pair.strip_prefix("ms="))
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
                "/error-code" => {
                    let refused = ErrorCode::InternalError(Some("refused on purpose".into()));
                    ResponseOutparam::set(response_out, Err(refused));
                    return;
                }
                _ => {}
            }
            let headers = Fields::new();
            let mut content = b"ok".to_vec();
            for pair in query.split('&') {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = percent_decoded(value);
                match name {
                    "cc" => headers.append("cache-control", &value).unwrap(),
                    "vary" => headers.append("vary", &value).unwrap(),
                    "etag" => headers.append("etag", &value).unwrap(),
                    "cookie" => headers.append("set-cookie", &value).unwrap(),
                    "kib" => content = vec![b'x'; value_number(&value) * 1024],
                    "stamp" => content = monotonic_clock::now().to_string().into_bytes(),
                    _ => {}
                }
            }
            let response = OutgoingResponse::new(headers);
            let body = response.body().unwrap();
            ResponseOutparam::set(response_out, Ok(response));
            let mut stream = body.write().unwrap();
            stream.write_all(&content).unwrap();
            stream.flush().unwrap();
            if path == "/trap-in-body" {
                core::arch::wasm32::unreachable();
            }
            drop(stream);
            OutgoingBody::finish(body, None).unwrap();
        }
    }

    fn value_number(value: &[u8]) -> usize {
        std::str::from_utf8(value)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(0)
    }

    /// `value` with each `%XX` replaced by the byte it stands for.
    fn percent_decoded(value: &str) -> Vec<u8> {
        let bytes = value.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut index = 0;
        while index < bytes.len() {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
            match (bytes[index], hex) {
                (b'%', Some(byte)) => {
                    decoded.push(byte);
                    index += 3;
                }
                (byte, _) => {
                    decoded.push(byte);
                    index += 1;
                }
            }
        }
        decoded
    }
}
