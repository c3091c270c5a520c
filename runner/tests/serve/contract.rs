//! The contract over real HTTP. Each check takes the address of a server of
//! the built component, so that the runner's tests here and the other hosts'
//! tests (`hosts`) run the very same checks.

use std::net::SocketAddr;

use crate::support::{WireResponse, Runner, send};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn get(address: SocketAddr, target: &str) -> WireResponse {
    send(address, "GET", target, &[])
}

/// The rows of the original service (section 1 of `CONTRACT.md`), the
/// default maximum, and the health check.
pub fn check_the_original_rows(address: SocketAddr) {
    get(address, "/api/v1/factorial?number=5").assert(200, JSON, "{\"factorial\":120}\n");
    get(address, "/api/v1/factorial?number=0").assert(200, JSON, "{\"factorial\":1}\n");
    let fifty =
        "{\"factorial\":30414093201713378043612608166064768844377641568960512000000000000}\n";
    get(address, "/api/v1/factorial?number=50").assert(200, JSON, fifty);
    for target in ["/api/v1/factorial", "/api/v1/factorial?capsicum=5"] {
        get(address, target).assert(400, TEXT, "Please supply number parameter");
    }
    for value in ["-1", "0.2", "abc", ""] {
        let target = format!("/api/v1/factorial?number={value}");
        get(address, &target).assert(400, TEXT, "Invalid value");
    }
    for target in ["/", "/api/v1/factorial/", "/anything"] {
        get(address, target).assert(404, TEXT, "Not Found");
    }
    let too_large = "Number too large: the maximum is 300000";
    for value in ["300001", "18446744073709551616"] {
        let target = format!("/api/v1/factorial?number={value}");
        get(address, &target).assert(400, TEXT, too_large);
    }
    get(address, "/healthz").assert(200, TEXT, "ok");
}

/// The request target reaches the component as the client sent it: the
/// component, not the host, decodes the query, and the path is not decoded.
pub fn check_the_target_as_sent(address: SocketAddr) {
    let accepted = [
        ("number=+5+", "120"),
        ("number=%35", "120"),
        ("number=5&number=6", "120"),
        ("number=-0", "1"),
    ];
    for (query, digits) in accepted {
        let target = format!("/api/v1/factorial?{query}");
        let body = format!("{{\"factorial\":{digits}}}\n");
        get(address, &target).assert(200, JSON, &body);
    }
    for query in ["number=%zz", "number=%C3%28", "number=1e3"] {
        let target = format!("/api/v1/factorial?{query}");
        get(address, &target).assert(400, TEXT, "Invalid value");
    }
    get(address, "/api/v1/%66actorial?number=5").assert(404, TEXT, "Not Found");
}

/// Section 2: other methods, `HEAD`, `Accept`, `If-None-Match`, and the
/// caching headers of a 200.
pub fn check_methods_head_negotiation_and_caching(address: SocketAddr) {
    let posted = send(
        address,
        "POST",
        "/api/v1/factorial?number=5",
        &[("content-length", "0")],
    );
    posted.assert(405, TEXT, "Method Not Allowed");
    assert_eq!(posted.header("allow"), Some("GET, HEAD"));

    let get = get(address, "/api/v1/factorial?number=10");
    assert_eq!(get.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(get.header("vary"), Some("Accept"));
    let head = send(address, "HEAD", "/api/v1/factorial?number=10", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in [
        "content-type",
        "content-length",
        "etag",
        "cache-control",
        "vary",
    ] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }

    let text = send(
        address,
        "GET",
        "/api/v1/factorial?number=10",
        &[("accept", "application/json;q=0.5, text/plain")],
    );
    text.assert(200, TEXT, "3628800\n");
    assert_ne!(text.header("etag"), get.header("etag"));

    let etag = get.header("etag").unwrap();
    for method in ["GET", "HEAD"] {
        let cached = send(
            address,
            method,
            "/api/v1/factorial?number=10",
            &[("if-none-match", etag)],
        );
        assert_eq!(cached.status, 304, "{method}");
        assert_eq!(cached.header("etag"), Some(etag));
        assert_eq!(cached.header("cache-control"), Some(IMMUTABLE));
        assert_eq!(cached.header("vary"), Some("Accept"));
        assert!(cached.body.is_empty());
    }
}

/// 300000!, the default maximum: 1,512,852 digits, whole, with their length.
pub fn check_a_large_factorial_arrives_whole(address: SocketAddr) {
    let response = get(address, "/api/v1/factorial?number=300000");
    assert_eq!(
        response.header("content-length"),
        Some(response.body.len().to_string().as_str())
    );
    let digits = factorial_digits(&response.body);
    assert_eq!(digits.len(), 1_512_852);
    assert!(digits.starts_with("14773915317380390942"));
    assert_eq!(digits.len() - digits.trim_end_matches('0').len(), 74_998);
}

/// Section 3: the server was started with a maximum of 12.
pub fn check_a_maximum_of_12(address: SocketAddr) {
    get(address, "/api/v1/factorial?number=13").assert(
        400,
        TEXT,
        "Number too large: the maximum is 12",
    );
    get(address, "/api/v1/factorial?number=12").assert(200, JSON, "{\"factorial\":479001600}\n");
}

/// Section 5: the summary of n! for any 64-bit n, whatever the maximum.
pub fn check_the_summary(address: SocketAddr) {
    let largest = "/api/v1/factorial/summary?number=18446744073709551615";
    let body = concat!(
        "{\"number\":18446744073709551615,\"digits\":347382171305201285695,",
        "\"trailing_zeros\":4611686018427387890,",
        "\"leading_digits\":\"127051750565407845537435230097\",",
        "\"scientific\":\"1.27051750565407845537435230097e347382171305201285694\"}\n"
    );
    let response = get(address, largest);
    response.assert(200, JSON, body);
    assert_eq!(response.header("cache-control"), Some(IMMUTABLE));
    let head = send(address, "HEAD", largest, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        response.header("content-length")
    );
    let etag = response.header("etag").unwrap();
    let cached = send(address, "GET", largest, &[("if-none-match", etag)]);
    assert_eq!(cached.status, 304);
    get(address, "/api/v1/factorial/summary?number=5&leading=1001").assert(
        400,
        TEXT,
        "Invalid value",
    );
    get(
        address,
        "/api/v1/factorial/summary?number=18446744073709551616",
    )
    .assert(
        400,
        TEXT,
        "Number too large: the maximum is 18446744073709551615",
    );
}

#[test]
fn the_contract_over_http() {
    let runner = Runner::start(&[]);
    check_the_original_rows(runner.address);
    check_the_target_as_sent(runner.address);
}

#[test]
fn methods_head_negotiation_and_caching_over_http() {
    let runner = Runner::start(&[]);
    check_methods_head_negotiation_and_caching(runner.address);
}

#[test]
fn a_large_factorial_arrives_whole() {
    let runner = Runner::start(&[]);
    check_a_large_factorial_arrives_whole(runner.address);
}

#[test]
fn the_maximum_is_set_by_flag_or_environment() {
    let runner = Runner::start(&["--max-number", "12"]);
    check_a_maximum_of_12(runner.address);

    let mut command = crate::support::runner_command();
    command
        .env("FACTORIAL_MAX_NUMBER", "12")
        .env("FACTORIAL_LISTEN", "127.0.0.1:0")
        .env("FACTORIAL_COMPONENT", crate::support::component_path());
    let runner = Runner::spawn(command);
    check_a_maximum_of_12(runner.address);
}

#[test]
fn the_summary_over_http() {
    let runner = Runner::start(&["--max-number", "10"]);
    check_the_summary(runner.address);
}

/// The digits inside `{"factorial":…}\n`.
fn factorial_digits(body: &[u8]) -> String {
    let text = std::str::from_utf8(body).unwrap();
    let digits = text
        .strip_prefix("{\"factorial\":")
        .and_then(|rest| rest.strip_suffix("}\n"));
    digits.expect("a factorial body").to_string()
}
