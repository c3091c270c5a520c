use factorial_corpus::{Answer, Host, Tally, cases};

use crate::support::{WireResponse, Runner};

const TEXT: &str = "text/plain; charset=utf-8";

fn answer(response: WireResponse) -> Answer {
    Answer {
        status: response.status,
        headers: response.headers,
        body: response.body,
    }
}

#[test]
fn every_hostile_request_gets_the_contracts_answer() {
    let runner = Runner::start(&[]);
    let mut tally = Tally::default();
    for case in cases() {
        let response = runner.request(&case.method, &case.target, &case.header_pairs());
        tally.record(case.check(Host::Runner, &answer(response)));
    }
    tally.finish(Host::Runner);

    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
    let metrics = runner.metrics();
    assert!(
        metrics
            .lines()
            .any(|l| l == "factorial_guest_traps_total 0"),
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
        .assert(400, TEXT, "Number too large: the maximum is 300000");
    for too_long in [format!("{longest}9"), target(100_000)] {
        let response = runner.get(&too_long);
        assert_eq!((response.status, response.body.len()), (414, 0), "{response:?}");
    }
    runner.get("/healthz").assert(200, TEXT, "ok");
}
