//! The contract over real HTTP, where a table of rows cannot say it: headers
//! compared across answers, a maximum set at start-up, a body too large to
//! write down. The rows themselves, each request with its answer, are the
//! corpus's (`tests/corpus`, sent by [`corpus`](crate::corpus)). Each check
//! takes the address of a server of the built component, so that the
//! runner's tests here and the other hosts' tests (`hosts`) run the very
//! same checks.

use std::net::SocketAddr;

use factorial_corpus::huge_factorial;

use crate::support::{ReceivedResponse, Runner, send};

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn get(address: SocketAddr, target: &str) -> ReceivedResponse {
    send(address, "GET", target, &[])
}

/// Section 2: a `HEAD` gets the headers of the `GET`; each representation
/// has its own `ETag`, which a `304` repeats with the caching headers.
pub fn check_head_and_validators(address: SocketAddr) {
    let target = "/api/v1/factorial?number=10";
    let json = get(address, target);
    assert_eq!(json.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(json.header("vary"), Some("Accept"));
    let head = send(address, "HEAD", target, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in [
        "content-type",
        "content-length",
        "etag",
        "cache-control",
        "vary",
    ] {
        assert_eq!(head.header(name), json.header(name), "{name}");
    }

    let text = send(address, "GET", target, &[("accept", "text/plain")]);
    text.assert(200, TEXT, "3628800\n");
    assert_ne!(text.header("etag"), json.header("etag"));

    let etag = json.header("etag").unwrap();
    for method in ["GET", "HEAD"] {
        let cached = send(address, method, target, &[("if-none-match", etag)]);
        assert_eq!(cached.status, 304, "{method}");
        assert_eq!(cached.header("etag"), Some(etag));
        assert_eq!(cached.header("cache-control"), Some(IMMUTABLE));
        assert_eq!(cached.header("vary"), Some("Accept"));
        assert!(cached.body.is_empty());
    }
}

/// 900000!, the default maximum: 4,967,957 digits, whole, with their length.
pub fn check_a_large_factorial_arrives_whole(address: SocketAddr) {
    let response = get(address, "/api/v1/factorial?number=900000");
    assert_eq!(
        response.header("content-length"),
        Some(response.body.len().to_string().as_str())
    );
    let digits = factorial_digits(&response.body);
    assert_eq!(digits.len(), 4_967_957);
    assert!(digits.starts_with("39901910930618255881"));
    assert_eq!(digits.len() - digits.trim_end_matches('0').len(), 224_998);
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

/// Section 5: the summary of the largest 64-bit n, whatever the maximum,
/// with the length and validator of its `GET` on `HEAD` and `304`.
pub fn check_the_summary_of_the_largest_n(address: SocketAddr) {
    let largest = "/api/v1/factorial/summary?number=18446744073709551615";
    let body = huge_factorial(u64::MAX).summary_json(30);
    let summary = get(address, largest);
    summary.assert(200, JSON, &body);
    assert_eq!(summary.header("cache-control"), Some(IMMUTABLE));
    let head = send(address, "HEAD", largest, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        summary.header("content-length")
    );
    let etag = summary.header("etag").unwrap();
    let cached = send(address, "GET", largest, &[("if-none-match", etag)]);
    assert_eq!(cached.status, 304);
}

#[test]
fn head_and_validators_over_http() {
    let runner = Runner::start(&[]);
    check_head_and_validators(runner.address);
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
fn the_summary_ignores_the_maximum() {
    let runner = Runner::start(&["--max-number", "10"]);
    check_the_summary_of_the_largest_n(runner.address);
}

/// The digits inside `{"factorial":…}\n`.
fn factorial_digits(body: &[u8]) -> String {
    let text = std::str::from_utf8(body).unwrap();
    let digits = text
        .strip_prefix("{\"factorial\":")
        .and_then(|rest| rest.strip_suffix("}\n"));
    digits.expect("a factorial body").to_string()
}
