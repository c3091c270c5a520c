use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::support::{HeldRequest, ReceivedResponse, Runner, read_until_closed, test_guest_path};

/// A test guest's target whose answer may be stored for a minute, and whose
/// body is the time it was computed.
const STORABLE: &str = "/?cc=public,%20max-age%3D60&stamp";

/// The `cache` field of the access log's request lines, in order.
fn cache_statuses(runner: &Runner, count: usize) -> Vec<String> {
    runner
        .wait_for_logs("request", count)
        .iter()
        .map(|line| line["cache"].as_str().unwrap().to_string())
        .collect()
}

fn counters(runner: &Runner) -> [u64; 4] {
    ["hits", "misses", "coalesced", "evictions"]
        .map(|name| runner.counter(&format!("factorial_cache_{name}_total")))
}

#[test]
fn a_repeated_request_is_answered_from_memory_with_its_age() {
    let runner = Runner::start(&[]);
    let target = "/api/v1/factorial?number=100";
    let computed = runner.get(target);
    let stored = runner.get(target);
    assert_eq!(computed.status, 200);
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body, computed.body);
    for name in ["content-type", "cache-control", "etag", "vary"] {
        assert_eq!(stored.header(name), computed.header(name), "{name}");
    }
    assert_eq!(computed.header("age"), None);
    let age: u64 = stored.header("age").expect("an Age").parse().unwrap();
    assert!(age < 60, "{age}");

    let head = runner.request("HEAD", target, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let length = computed.body.len().to_string();
    assert_eq!(head.header("content-length"), Some(length.as_str()));
    assert_eq!(head.header("etag"), computed.header("etag"));

    let etag = computed.header("etag").unwrap();
    let not_modified = runner.request("GET", target, &[("if-none-match", etag)]);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag));
    assert_eq!(not_modified.header("content-type"), None);

    assert_eq!(cache_statuses(&runner, 4), ["miss", "hit", "hit", "hit"]);
    assert_eq!(counters(&runner), [3, 1, 0, 0]);
    let held = runner.counter("factorial_cache_bytes");
    assert!(held > computed.body.len() as u64, "{held}");
}

#[test]
fn vary_accept_keeps_json_and_text_apart() {
    let runner = Runner::start(&[]);
    let target = "/api/v1/factorial?number=20";
    let ask = |accept| runner.request("GET", target, &[("accept", accept)]);
    for _ in 0..2 {
        ask("application/json").assert(
            200,
            "application/json",
            "{\"factorial\":2432902008176640000}\n",
        );
        ask("text/plain").assert(200, "text/plain; charset=utf-8", "2432902008176640000\n");
    }
    assert_eq!(cache_statuses(&runner, 4), ["miss", "miss", "hit", "hit"]);
}

#[test]
fn what_may_not_be_stored_is_computed_every_time() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    let refused = [
        "/?stamp",
        "/?cc=public&stamp",
        "/?cc=no-store,%20max-age%3D60&stamp",
        "/?cc=private,%20max-age%3D60&stamp",
        "/?cc=no-cache,%20max-age%3D60&stamp",
        "/?cc=max-age%3D60&vary=*&stamp",
        "/?cc=max-age%3D60&cookie=session%3D1&stamp",
    ];
    for target in refused {
        let first = runner.get(target);
        let second = runner.get(target);
        assert_eq!(first.status, 200, "{target}");
        assert_ne!(first.body, second.body, "{target} was stored");
    }
    // A storable answer is not served to a request that keeps the cache
    // out, nor to another method.
    let stored = runner.get(STORABLE);
    for headers in [
        &[("authorization", "Bearer x")][..],
        &[("cache-control", "no-cache")],
        &[("pragma", "no-cache")],
    ] {
        let fresh = runner.request("GET", STORABLE, headers);
        assert_ne!(fresh.body, stored.body, "{headers:?}");
    }
    assert_ne!(runner.request("POST", STORABLE, &[]).body, stored.body);
    assert_eq!(runner.get(STORABLE).body, stored.body);
    let [hits, misses, ..] = counters(&runner);
    assert_eq!((hits, misses), (1, 2 * refused.len() as u64 + 1));
}

#[test]
fn an_answer_is_served_until_its_max_age() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    let target = "/?cc=max-age%3D2&stamp";
    let first = runner.get(target);
    assert_eq!(runner.get(target).body, first.body);
    std::thread::sleep(Duration::from_millis(2100));
    assert_ne!(runner.get(target).body, first.body);
}

#[test]
fn the_least_recently_used_answers_are_evicted_to_stay_within_the_bound() {
    // Two answers of 64 KiB fit, not three.
    let bound = 150_000;
    let runner = Runner::start_with(&test_guest_path(), &["--cache-bytes", &bound.to_string()]);
    let big = |name| format!("/{name}?cc=max-age%3D60&kib=64");
    for name in ["a", "b", "a", "c", "a", "b"] {
        assert_eq!(runner.get(&big(name)).body.len(), 64 * 1024, "{name}");
    }
    // `c` evicted `b`, used less recently than `a`; `b` then evicted `c`.
    assert_eq!(
        cache_statuses(&runner, 6),
        ["miss", "miss", "hit", "miss", "hit", "miss"]
    );
    assert_eq!(counters(&runner), [2, 4, 0, 2]);
    let held = runner.counter("factorial_cache_bytes");
    assert!((2 * 64 * 1024..=bound).contains(&held), "{held}");
    // An answer larger than the whole cache goes through, unstored.
    let huge = "/huge?cc=max-age%3D60&kib=200";
    for _ in 0..2 {
        assert_eq!(runner.get(huge).body.len(), 200 * 1024);
    }
    assert_eq!(counters(&runner), [2, 6, 0, 2]);
}

#[test]
fn concurrent_misses_wait_for_one_computation() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    let target = "/hold?cc=max-age%3D60&stamp";
    // The first request's computation waits for its body, which is held
    // back until all the others are waiting for that computation: however
    // slowly they arrive, none can find it finished and stored.
    let first = HeldRequest::get(runner.address, target);
    runner.wait_for_metric("factorial_requests_in_flight 1");
    let answers: Vec<ReceivedResponse> = std::thread::scope(|scope| {
        let others: Vec<_> = (0..31)
            .map(|_| scope.spawn(|| runner.get(target)))
            .collect();
        runner.wait_for_metric("factorial_requests_in_flight 32");
        std::iter::once(first.release())
            .chain(others.into_iter().map(|client| client.join().unwrap()))
            .collect()
    });
    assert!(answers.iter().all(|answer| answer.status == 200));
    assert!(answers.iter().all(|answer| answer.body == answers[0].body));
    assert_eq!(counters(&runner), [0, 1, 31, 0]);
}

#[test]
fn an_answer_whose_guest_errors_is_never_stored() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    // The head says the answer may be stored; the guest traps after its
    // body's first KiB, and the client gets no whole answer.
    for _ in 0..2 {
        let mut stream = TcpStream::connect(runner.address).unwrap();
        stream
            .write_all(
                b"GET /trap-in-body?cc=max-age%3D60&kib=1 HTTP/1.1\r\n\
                  Host: localhost\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        let received = read_until_closed(&mut stream);
        assert!(!received.ends_with(b"\r\n0\r\n\r\n"), "a whole body");
    }
    for _ in 0..2 {
        assert_eq!(runner.get("/trap?cc=max-age%3D60").status, 500);
    }
    runner.wait_for_metric("factorial_guest_errors_total 4");
    assert_eq!(counters(&runner), [0, 4, 0, 0]);
    assert_eq!(runner.counter("factorial_cache_bytes"), 0);
}

#[test]
fn cache_bytes_0_turns_the_cache_off() {
    let runner = Runner::start_with(&test_guest_path(), &["--cache-bytes", "0"]);
    assert_ne!(runner.get(STORABLE).body, runner.get(STORABLE).body);
    assert_eq!(cache_statuses(&runner, 2), ["off", "off"]);
    assert_eq!(counters(&runner), [0, 0, 0, 0]);
}

#[test]
fn a_requests_directives_bound_what_it_is_given() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    let only_cached = [("cache-control", "only-if-cached")];
    let missing = runner.request("GET", STORABLE, &only_cached);
    missing.assert(
        504,
        "text/plain; charset=utf-8",
        "Gateway Timeout: not in the cache",
    );
    let stored = runner.get(STORABLE);
    assert_eq!(
        runner.request("GET", STORABLE, &only_cached).body,
        stored.body
    );
    // Any age is too old for `max-age=0`: computed again, and stored in its
    // place.
    let fresh = runner.request("GET", STORABLE, &[("cache-control", "max-age=0")]);
    assert_ne!(fresh.body, stored.body);
    assert_eq!(runner.get(STORABLE).body, fresh.body);
    // An answer fresh for a minute is not fresh for two more.
    let too_fresh = runner.request("GET", STORABLE, &[("cache-control", "min-fresh=120")]);
    assert_ne!(too_fresh.body, fresh.body);
}
