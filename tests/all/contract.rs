//! What a row of the corpus cannot say: a `HEAD` against its `GET`, the
//! caching headers across requests, the settings, and bodies computed
//! rather than written out.

use factorial_corpus::huge_factorial;

use crate::harness::{get, send, service, service_with_guest_env, service_with_options};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

// Section 2: beyond the original.

#[tokio::test]
async fn head_has_the_headers_of_get_and_no_body() {
    let paths = [
        "/api/v1/factorial?number=5",
        "/api/v1/factorial?number=1000",
        "/api/v1/factorial?number=abc",
        "/api/v1/factorial",
        "/nowhere",
        "/healthz",
    ];
    for path in paths {
        let full = get(path).await;
        let head = send(&service(), "HEAD", path, &[]).await;
        assert_eq!(head.status, full.status, "{path}");
        assert_eq!(head.headers, full.headers, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(full.body.len().to_string().as_str())
        );
    }
}

#[tokio::test]
async fn a_result_is_cacheable_for_good() {
    let representations = [
        ("application/json", "\"factorial-7-json\""),
        ("text/plain", "\"factorial-7-text\""),
    ];
    for (accept, etag) in representations {
        for number in ["7", "007"] {
            let path = format!("/api/v1/factorial?number={number}");
            let reply = send(&service(), "GET", &path, &[("accept", accept)]).await;
            assert_eq!(reply.header("etag"), Some(etag), "{path}, {accept}");
            assert_eq!(
                reply.header("cache-control"),
                Some("public, max-age=31536000, immutable")
            );
            assert_eq!(reply.header("vary"), Some("Accept"));
        }
    }
}

#[tokio::test]
async fn a_304_carries_the_validators_of_the_200() {
    let path = "/api/v1/factorial?number=9";
    let full = get(path).await;
    let etag = full.header("etag").unwrap();
    for method in ["GET", "HEAD"] {
        let reply = send(&service(), method, path, &[("if-none-match", etag)]).await;
        assert_eq!(reply.status, 304, "{method}");
        assert!(reply.body.is_empty(), "{method}");
        for name in ["etag", "cache-control", "vary"] {
            assert_eq!(reply.header(name), full.header(name), "{method}: {name}");
        }
    }
}

// Section 3: limits and configuration.

#[tokio::test]
async fn the_maximum_is_configurable() {
    let service = service_with_options(&["--max-number", "20"]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=21", &[]).await;
    reply.assert(400, TEXT, "Number too large: the maximum is 20");
    let reply = send(&service, "GET", "/api/v1/factorial?number=20", &[]).await;
    reply.assert(200, JSON, "{\"factorial\":2432902008176640000}\n");
}

#[tokio::test]
async fn an_unusable_maximum_is_an_error_on_the_first_request() {
    let service = service_with_guest_env(&[("FACTORIAL_MAX_NUMBER", "lots")]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=5", &[]).await;
    reply.assert(
        500,
        TEXT,
        "Server misconfigured: FACTORIAL_MAX_NUMBER=\"lots\" is not a whole number \
         from 0 to 18446744073709551615",
    );
}

#[tokio::test]
async fn a_large_body_is_written_within_the_hosts_budget() {
    // wasmtime traps a guest that writes more than `check-write` allows, so
    // a whole body under a small budget shows the writes were chunked.
    let service = service_with_options(&["--body-chunk-size", "1000"]);
    let reply = send(&service, "GET", "/api/v1/factorial?number=20000", &[]).await;
    let body = format!(
        "{{\"factorial\":{}}}\n",
        factorial::math::factorial_decimal(20000)
    );
    reply.assert(200, JSON, &body);
}

// Section 5: the summary of n! for any 64-bit n.

#[tokio::test]
async fn a_summary_with_a_thousand_leading_digits_matches_the_factorial() {
    let reply = get("/api/v1/factorial/summary?number=5000&leading=1000").await;
    let digits = factorial::math::factorial_decimal(5000);
    let body = format!(
        "{{\"number\":5000,\"digits\":16326,\"trailing_zeros\":1249,\
         \"leading_digits\":\"{}\",\"scientific\":\"{}.{}e16325\"}}\n",
        &digits[..1000],
        &digits[..1],
        &digits[1..1000]
    );
    reply.assert(200, JSON, &body);
}

#[tokio::test]
async fn the_configured_maximum_does_not_limit_a_summary() {
    let service = service_with_options(&["--max-number", "20"]);
    let path = "/api/v1/factorial/summary?number=100000";
    let reply = send(&service, "GET", path, &[]).await;
    reply.assert(200, JSON, &huge_factorial(100_000).summary_json(30));
}

#[tokio::test]
async fn a_summary_has_head_and_caching_as_a_factorial() {
    let path = "/api/v1/factorial/summary?number=100000";
    let full = get(path).await;
    let head = send(&service(), "HEAD", path, &[]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers, full.headers);
    assert!(head.body.is_empty());

    assert_eq!(
        full.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(full.header("vary"), Some("Accept"));
    let etag = full.header("etag").unwrap();
    assert_eq!(etag, "\"summary-100000-30\"");
    let other_leading = get("/api/v1/factorial/summary?number=100000&leading=31").await;
    let other_n = get("/api/v1/factorial/summary?number=100001").await;
    let factorial = get("/api/v1/factorial?number=100000").await;
    for other in [&other_leading, &other_n, &factorial] {
        assert_ne!(other.header("etag"), Some(etag));
    }
    let same = get("/api/v1/factorial/summary?number=0100000&leading=30").await;
    assert_eq!(same.header("etag"), Some(etag));

    for method in ["GET", "HEAD"] {
        let reply = send(&service(), method, path, &[("if-none-match", etag)]).await;
        assert_eq!(reply.status, 304);
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), Some(etag));
    }
}
