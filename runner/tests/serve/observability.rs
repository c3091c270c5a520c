use crate::support::{Runner, send, test_guest_path};

#[test]
fn every_request_is_one_json_log_line_with_its_fields() {
    let runner = Runner::start_with(&test_guest_path(), &[]);
    runner.get("/sleep?ms=100");
    runner.request("GET", "/trap", &[("x-request-id", "abc-123")]);
    let requests = runner.wait_for_logs("request", 2);
    assert_eq!(requests.len(), 2, "{requests:?}");
    let slept = &requests[0];
    assert_eq!(slept["method"], "GET");
    assert_eq!(slept["path"], "/sleep");
    assert_eq!(slept["status"], 200);
    assert_eq!(slept["bytes"], "ok".len());
    // The guest slept 100 ms before it answered: the duration is in
    // milliseconds and covers the guest's work.
    let duration_ms = slept["duration_ms"].as_f64().unwrap();
    assert!(duration_ms >= 100.0, "{duration_ms}");
    assert!(!slept["request_id"].as_str().unwrap().is_empty());
    // The runner's own answer to a trap is logged like the component's.
    let trapped = &requests[1];
    assert_eq!(trapped["status"], 500);
    assert_eq!(trapped["bytes"], "Internal Server Error".len());
    assert_eq!(trapped["request_id"], "abc-123");
}

#[test]
fn metrics_count_what_happened() {
    let runner = Runner::start(&["--max-number", "10"]);
    for _ in 0..3 {
        runner.get("/api/v1/factorial?number=4");
    }
    runner.get("/api/v1/factorial?number=11");
    runner.wait_for_metric("factorial_requests_total{status=\"400\"} 1");
    let scrape = send(runner.admin_address, "GET", "/metrics", &[]);
    assert_eq!(scrape.status, 200);
    assert_eq!(
        scrape.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let metrics = scrape.body_text();
    for line in [
        "factorial_requests_total{status=\"200\"} 3",
        "factorial_request_duration_seconds_count 4",
        "factorial_request_duration_seconds_bucket{le=\"+Inf\"} 4",
        "factorial_requests_in_flight 0",
        "factorial_guest_traps_total 0",
        "factorial_deadline_exceeded_total 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in\n{metrics}"
        );
    }
}
