//! The runner under load: a minute at its limit of computations, then beyond it,
//! SIGTERM in the middle of it, and requests that hit the deadline or the
//! memory cap while others are served. They take two minutes between them
//! and want the machine to themselves, so `cargo test` skips them;
//! `scripts/load-test.sh` runs them one at a time against the release build
//! and prints the figures.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use factorial_runner::engine::KEEP_RESIDENT;

use crate::loadgen::{self, Failure, Plan, Report};
use crate::support::{ReceivedResponse, Runner, send};

/// The runner's limit of computations (`--max-concurrent`) in these tests.
const LIMIT: usize = 16;

/// The largest n asked for: 1,512,852 digits.
const LARGEST: u64 = 300_000;

/// The numbers the clients ask for, each as often: mostly small, and up to
/// [`LARGEST`]. Alone on this machine, n ≤ 2000 takes about a millisecond,
/// 10000 four, 100000 about 50 and 300000 about 200: the one request in
/// twenty for 300000! is most of the work.
const MIXED: [u64; 20] = [
    0, 1, 2, 3, 5, 7, 10, 20, 50, 100, 170, 200, 500, 1000, 2000, 5000, 10000, 50000, 100000,
    LARGEST,
];

/// The largest n of the load beside a probe: well inside the probes'
/// deadline and memory cap, so that only the probe meets them.
const LIGHT_MAX: u64 = 10_000;

/// The runner's memory beside what the instance pool keeps resident: its
/// heap, its threads' stacks, and the allocator's slack.
const RESIDENT_ALLOWANCE_KIB: u64 = 16 * 1024;

/// Starts the runner with the limit of computations and `args`, and the cache
/// off: these tests load the component's computations, which the cache
/// would turn into memory copies.
fn start(args: &[&str]) -> Runner {
    let limit = LIMIT.to_string();
    let mut args = args.to_vec();
    args.extend(["--max-concurrent", &limit, "--cache-bytes", "0"]);
    Runner::start(&args)
}

/// Asserts that every request got a whole 200 with the right body.
fn assert_all_served(report: &Report) {
    assert!(report.failures().is_empty(), "{report}");
    assert_eq!(
        report.statuses().keys().collect::<Vec<_>>(),
        [&200],
        "{report}"
    );
    assert_eq!(report.wrong_bodies(), 0, "{report}");
}

/// The load average, for the record: the figures depend on what else ran.
fn load_average() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap();
    loadavg
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
#[ignore = "a minute long: scripts/load-test.sh runs it"]
fn a_minute_at_the_in_flight_limit_gets_only_200s_within_a_memory_ceiling() {
    let runner = start(&[]);
    let plan = Arc::new(Plan::factorials(runner.address, &MIXED));
    let before = runner.resident_kib();
    let report = loadgen::run(runner.address, LIMIT, &plan, Instant::now() + secs(60));
    let after = runner.resident_kib();
    // The instance pool, one slot per computation, keeps each slot's pages
    // resident for reuse, up to KEEP_RESIDENT: the runner grows as slots are
    // first used, to a ceiling that a leak would pass.
    let pool_slots = LIMIT as u64;
    let ceiling = before + pool_slots * KEEP_RESIDENT as u64 / 1024 + RESIDENT_ALLOWANCE_KIB;
    println!(
        "at the limit, {LIMIT} clients: {report}; resident memory {before} KiB before, \
         {after} KiB after (ceiling {ceiling} KiB); load average {}",
        load_average()
    );
    assert_all_served(&report);
    assert_eq!(runner.counter("factorial_saturated_total"), 0);
    assert!(
        after <= ceiling,
        "resident memory grew from {before} KiB to {after} KiB"
    );
}

#[test]
#[ignore = "load: scripts/load-test.sh runs it"]
fn beyond_the_limit_the_excess_gets_503_with_retry_after_and_nothing_else_fails() {
    let runner = start(&[]);
    // Requests for the largest n outlast an epoch tick, so they are all in
    // flight at once; small ones mostly finish before the next arrives, and
    // a mixed load beyond the limit reached it only now and then.
    let plan = Arc::new(Plan::factorials(runner.address, &[LARGEST]));
    let report = loadgen::run(runner.address, 2 * LIMIT, &plan, Instant::now() + secs(10));
    println!(
        "beyond the limit, {} clients asking for {LARGEST}!: {report}; load average {}",
        2 * LIMIT,
        load_average()
    );
    assert!(report.failures().is_empty(), "{report}");
    assert_eq!(report.wrong_bodies(), 0, "{report}");
    let statuses = report.statuses();
    assert_eq!(
        statuses.keys().collect::<Vec<_>>(),
        [&200, &503],
        "{report}"
    );
    assert!(
        report
            .answers()
            .filter(|answer| answer.status == 503)
            .all(|answer| answer.retry_after.as_deref() == Some("1"))
    );
    let refused = statuses[&503] as u64;
    assert_eq!(runner.counter("factorial_saturated_total"), refused);
    assert_eq!(
        runner.counter("factorial_requests_total{status=\"503\"}"),
        refused
    );
}

#[test]
#[ignore = "load: scripts/load-test.sh runs it"]
fn sigterm_under_load_lets_every_accepted_request_finish() {
    let mut runner = start(&["--shutdown-grace", "10s"]);
    let address = runner.address;
    let plan = Arc::new(Plan::factorials(address, &MIXED));
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(secs(3));
        let status = runner.terminate();
        (status, runner.logs())
    });
    // The clients stop when the runner refuses connections; the bound is
    // only for a runner that never stops.
    let report = loadgen::run(address, LIMIT, &plan, Instant::now() + secs(30));
    let (status, logs) = stopper.join().unwrap();
    println!(
        "SIGTERM under load, {LIMIT} clients: {report}; load average {}",
        load_average()
    );
    assert!(status.success(), "{status:?}");
    let messages: Vec<&str> = logs
        .iter()
        .filter_map(|event| event["message"].as_str())
        .collect();
    assert!(messages.contains(&"drained"), "{messages:?}");

    // What the runner accepted, it logged when the answer was done.
    let accepted: HashMap<&str, u64> = logs
        .iter()
        .filter(|event| event["message"] == "request")
        .filter_map(|event| Some((event["request_id"].as_str()?, event["status"].as_u64()?)))
        .collect();
    for outcome in &report.outcomes {
        match &outcome.result {
            Ok(answer) => assert_eq!(
                accepted.get(outcome.id.as_str()),
                Some(&u64::from(answer.status)),
                "{outcome:?}"
            ),
            Err(Failure::Refused(_) | Failure::NoAnswer(_)) => assert!(
                !accepted.contains_key(outcome.id.as_str()),
                "accepted, yet no answer: {outcome:?}"
            ),
            Err(Failure::BodyCut(_)) => panic!("an answer was cut short: {outcome:?}"),
        }
    }
    assert_eq!(report.wrong_bodies(), 0, "{report}");
    assert_eq!(
        report.statuses().keys().collect::<Vec<_>>(),
        [&200],
        "{report}"
    );

    let shutdown = messages
        .iter()
        .position(|message| *message == "shutting down: no new connections, draining the open ones")
        .expect("the runner says when it stops accepting");
    let drained = messages[shutdown..]
        .iter()
        .filter(|message| **message == "request")
        .count();
    println!("SIGTERM under load: {drained} requests in flight at the signal were answered");
    assert!(drained > 0, "no request was in flight at the signal");
}

/// Runs `LIMIT - 1` clients asking for up to [`LIGHT_MAX`]! for a few
/// seconds against a runner started with `args`, and sends `probe` on the
/// spare slot while they run.
fn probe_under_load(args: &[&str], probe: &'static str) -> (Runner, Report, ReceivedResponse) {
    let runner = start(args);
    let address = runner.address;
    let light: Vec<u64> = MIXED.into_iter().filter(|&n| n <= LIGHT_MAX).collect();
    let plan = Arc::new(Plan::factorials(address, &light));
    let prober = std::thread::spawn(move || {
        std::thread::sleep(secs(1));
        send(address, "GET", probe, &[])
    });
    let report = loadgen::run(address, LIMIT - 1, &plan, Instant::now() + secs(6));
    (runner, report, prober.join().unwrap())
}

#[test]
#[ignore = "load: scripts/load-test.sh runs it"]
fn a_request_past_its_deadline_disturbs_no_one() {
    // 2000000! takes about 0.7 s of a core alone, seven times the deadline
    // (and fits in the default memory limit); the light requests take
    // milliseconds.
    let (runner, report, probe) = probe_under_load(
        &["--request-timeout", "100ms", "--max-number", "2000000"],
        "/api/v1/factorial?number=2000000",
    );
    println!(
        "a request past its deadline, {} clients: {report}; load average {}",
        LIMIT - 1,
        load_average()
    );
    probe.assert(
        504,
        "text/plain; charset=utf-8",
        "Gateway Timeout: the request ran out of time",
    );
    assert_all_served(&report);
    assert_eq!(runner.counter("factorial_deadline_exceeded_total"), 1);
}

#[test]
#[ignore = "load: scripts/load-test.sh runs it"]
fn a_request_over_the_memory_cap_disturbs_no_one() {
    // 3 MiB holds 30000! but not 50000!, let alone 100000!.
    let (runner, report, probe) = probe_under_load(
        &["--memory-limit-mib", "3"],
        "/api/v1/factorial?number=100000",
    );
    println!(
        "a request over the memory cap, {} clients: {report}; load average {}",
        LIMIT - 1,
        load_average()
    );
    probe.assert(
        500,
        "text/plain; charset=utf-8",
        "Internal Server Error: the request ran out of memory",
    );
    assert_all_served(&report);
    assert_eq!(runner.counter("factorial_memory_limit_exceeded_total"), 1);
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}
