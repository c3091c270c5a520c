use crate::support::Runner;

#[test]
fn every_request_is_one_json_log_line_with_its_fields() {
    let runner = Runner::start(&[]);
    runner.get("/api/v1/factorial?number=10");
    runner.request("GET", "/nowhere", &[("x-request-id", "abc-123")]);
    let requests = runner.wait_for_logs("request", 2);
    assert_eq!(requests.len(), 2, "{requests:?}");
    let first = &requests[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/api/v1/factorial");
    assert_eq!(first["status"], 200);
    assert_eq!(first["bytes"], "{\"factorial\":3628800}\n".len());
    assert!(first["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(!first["request_id"].as_str().unwrap().is_empty());
    assert_eq!(requests[1]["status"], 404);
    assert_eq!(requests[1]["request_id"], "abc-123");
}

#[test]
fn metrics_count_what_happened() {
    let runner = Runner::start(&["--max-number", "10"]);
    for _ in 0..3 {
        runner.get("/api/v1/factorial?number=4");
    }
    runner.get("/api/v1/factorial?number=11");
    runner.wait_for_metric("factorial_requests_total{status=\"400\"} 1");
    let metrics = runner.metrics();
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
