use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{HeldRequest, Runner, read_response, read_until_closed, test_guest_path};

const TEXT: &str = "text/plain; charset=utf-8";

#[test]
fn a_computation_past_its_deadline_gets_504_and_the_runner_goes_on() {
    let runner = Runner::start(&["--request-timeout", "1ms", "--max-number", "1000000"]);
    let response = runner.get("/api/v1/factorial?number=1000000");
    response.assert(504, TEXT, "Gateway Timeout: the request ran out of time");
    runner.wait_for_metric("factorial_deadline_exceeded_total 1");
    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
}

#[test]
fn a_guest_that_spins_or_waits_is_stopped_at_its_deadline() {
    let runner = Runner::start_with(&test_guest_path(), &["--request-timeout", "300ms"]);
    for target in ["/spin", "/sleep?ms=60000"] {
        let started = Instant::now();
        assert_eq!(runner.get(target).status, 504, "{target}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{target} was stopped late"
        );
    }
    assert_eq!(runner.get("/").status, 200);
}

#[test]
fn a_request_over_the_memory_cap_gets_500_alone() {
    let runner = Runner::start(&["--memory-limit-mib", "2"]);
    let response = runner.get("/api/v1/factorial?number=100000");
    response.assert(
        500,
        TEXT,
        "Internal Server Error: the request ran out of memory",
    );
    runner.wait_for_metric("factorial_memory_limit_exceeded_total 1");
    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );

    let runner = Runner::start_with(&test_guest_path(), &["--memory-limit-mib", "16"]);
    assert_eq!(runner.get("/grow").status, 500);
    assert_eq!(runner.get("/").status, 200);
}

#[test]
fn beyond_the_in_flight_limit_requests_get_503_with_retry_after() {
    let runner = Runner::start_with(&test_guest_path(), &["--max-concurrent", "1"]);
    let held = HeldRequest::send(runner.address);
    runner.wait_for_metric("factorial_requests_in_flight 1");
    let refused = runner.get("/");
    refused.assert(
        503,
        TEXT,
        "Service Unavailable: too many computations at once",
    );
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(held.release().status, 200);
    assert_eq!(runner.get("/").status, 200, "the slot is free again");
    runner.wait_for_metric("factorial_saturated_total 1");
}

#[test]
fn a_guest_trap_gets_500_for_that_request_only() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    runner
        .get("/trap")
        .assert(500, TEXT, "Internal Server Error");
    assert_eq!(runner.get("/").status, 200);
    runner.wait_for_metric("factorial_guest_errors_total 1");
    let failures = runner.wait_for_logs("request failed", 1);
    let cause = failures[0]["error"]
        .as_str()
        .expect("the trap is logged with its cause");
    assert!(cause.contains("unreachable"), "{cause}");
}

#[test]
fn a_guest_that_answers_an_error_code_gets_500_and_is_counted() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    for _ in 0..2 {
        runner
            .get("/error-code")
            .assert(500, TEXT, "Internal Server Error");
    }
    runner.wait_for_metric("factorial_guest_errors_total 2");
}

#[test]
fn a_chunked_body_whose_guest_errors_never_ends_whole() {
    let runner = Runner::start_with(&test_guest_path(), &["--cache-bytes", "0"]);
    let mut stream = TcpStream::connect(runner.address).unwrap();
    stream
        .write_all(
            b"GET /trap-in-body?kib=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    // The connection closes, with the head and part of the body or, when
    // hyper had not flushed them yet, with nothing; never with the last
    // chunk that marks a body whole.
    let received = read_until_closed(&mut stream);
    assert!(
        !received.ends_with(b"\r\n0\r\n\r\n"),
        "a whole body: {:?}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(runner.get("/").status, 200);
}

#[test]
fn a_client_slow_to_send_its_headers_is_disconnected() {
    let header_timeout = Duration::from_millis(300);
    let runner = Runner::start(&["--header-timeout", "300ms"]);
    // The timeout starts when the runner accepts, after this.
    let connecting = Instant::now();
    let mut stream = TcpStream::connect(runner.address).unwrap();
    stream
        .write_all(b"GET /api/v1/factorial?number=5 HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let received = read_until_closed(&mut stream);
    assert!(received.is_empty(), "no answer to half a request");
    assert!(
        connecting.elapsed() >= header_timeout,
        "not before the timeout"
    );

    let mut silent = TcpStream::connect(runner.address).unwrap();
    assert!(
        read_until_closed(&mut silent).is_empty(),
        "a silent client is disconnected too"
    );
}

#[test]
fn keep_alive_outlasts_the_header_timeout_until_the_idle_timeout() {
    let idle_timeout = Duration::from_secs(3);
    let runner = Runner::start(&["--header-timeout", "500ms", "--idle-timeout", "3s"]);
    let mut stream = TcpStream::connect(runner.address).unwrap();
    let request = b"GET /api/v1/factorial?number=3 HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut exchange = || {
        let sent = Instant::now();
        stream.write_all(request).unwrap();
        let response = read_response(&mut stream);
        assert_eq!(response.status, 200);
        assert_eq!(response.body_text(), "{\"factorial\":6}\n");
        sent
    };
    exchange();
    // Twice the header timeout, a third of the idle timeout.
    std::thread::sleep(Duration::from_secs(1));
    let last_request = exchange();
    // The idle timeout starts once the last answer is sent, after its
    // request was.
    assert!(read_until_closed(&mut stream).is_empty());
    assert!(
        last_request.elapsed() >= idle_timeout,
        "closed at the idle timeout, not before"
    );
}

#[test]
fn an_oversized_request_head_gets_431() {
    let runner = Runner::start(&["--max-header-size", "4096"]);
    let response = runner.request("GET", "/healthz", &[("x-padding", &"a".repeat(8192))]);
    assert_eq!(response.status, 431);
    assert_eq!(runner.get("/healthz").status, 200);
}
