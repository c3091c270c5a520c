//! The corpus of `tests/corpus`, the one table of the contract's rows, sent
//! over raw TCP: all of it to the runner, and the rows every host shares to
//! the hosts of `hosts`.

use std::net::SocketAddr;

use factorial_corpus::{Case, ServedBy, Tally, cases};

use crate::support::{Runner, send};

const TEXT: &str = "text/plain; charset=utf-8";

/// The largest request head sent to a host we did not write: well within
/// every server's default limit (Node.js allows 16 KiB).
const PORTABLE_HEAD_BYTES: usize = 8 * 1024;

/// Sends `case` to `address` and judges the answer by `host`'s expectation.
fn check(address: SocketAddr, case: &Case, host: ServedBy) -> Result<(), String> {
    let response = send(address, &case.method, &case.target, &case.header_pairs());
    case.check(host, &response)
}

/// Whether every conforming host answers `case` as the component does: the
/// runner and the in-process harness agree on it (so no host's own limit
/// decides it), its method is one every HTTP parser knows, its head is
/// small, and its target is plain URI syntax.
fn every_host_shares(case: &Case) -> bool {
    let head_bytes = case.method.len()
        + case.target.len()
        + case
            .headers
            .iter()
            .map(|(name, value)| name.len() + value.len() + 4)
            .sum::<usize>();
    let uri_syntax =
        |byte: u8| byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:@/?".contains(&byte);
    case.expected(ServedBy::Component) == case.expected(ServedBy::Runner)
        && ["GET", "HEAD", "POST"].contains(&case.method.as_str())
        && head_bytes <= PORTABLE_HEAD_BYTES
        && case.target.bytes().all(uri_syntax)
}

/// The corpus rows every host shares (see [`every_host_shares`]), sent to
/// the server at `address` with the default maximum.
pub fn check_the_rows_every_host_shares(address: SocketAddr) {
    let mut tally = Tally::default();
    for case in cases() {
        if every_host_shares(&case) {
            tally.record(check(address, &case, ServedBy::Component));
        } else {
            tally.skip();
        }
    }
    tally.finish(ServedBy::Component);
}

#[test]
fn every_hostile_request_gets_the_contracts_answer() {
    let runner = Runner::start(&[]);
    let mut tally = Tally::default();
    for case in cases() {
        tally.record(check(runner.address, &case, ServedBy::Runner));
    }
    tally.finish(ServedBy::Runner);

    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
    let metrics = runner.metrics();
    assert!(
        metrics
            .lines()
            .any(|l| l == "factorial_guest_errors_total 0"),
        "{metrics}"
    );
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("factorial_requests_total{status=\"5")),
        "{metrics}"
    );
}

#[test]
fn a_uri_over_the_http_crates_cap_gets_414_when_the_head_fits() {
    // With the head limit raised above the request's size, what stops a
    // long number is the `http` crate's cap on a URI: 65534 bytes.
    let runner = Runner::start(&["--max-header-size", "1048576"]);
    let target = |digits| format!("/api/v1/factorial?number={}", "9".repeat(digits));
    let longest = target(65_534 - "/api/v1/factorial?number=".len());
    runner
        .get(&longest)
        .assert(400, TEXT, "Number too large: the maximum is 900000");
    for too_long in [format!("{longest}9"), target(100_000)] {
        let response = runner.get(&too_long);
        assert_eq!(
            (response.status, response.body.len()),
            (414, 0),
            "{response:?}"
        );
    }
    runner.get("/healthz").assert(200, TEXT, "ok");
}
