use serde_json::Value;

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
        "factorial_guest_errors_total 0",
        "factorial_deadline_exceeded_total 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in\n{metrics}"
        );
    }
}

#[test]
fn emf_records_follow_the_specification_and_count_every_request() {
    let mut runner = Runner::start(&[
        "--max-number",
        "10",
        "--emf-interval",
        "1s",
        "--emf-namespace",
        "Factorial/test",
    ]);
    for _ in 0..3 {
        runner.get("/api/v1/factorial?number=4");
    }
    runner.get("/api/v1/factorial?number=11");
    // The last record, written on the way out, covers what the periodic
    // ones did not.
    assert!(runner.terminate().success());
    let records: Vec<Value> = runner
        .logs()
        .into_iter()
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert!(!records.is_empty(), "{:?}", runner.logs());
    for record in &records {
        assert_follows_the_emf_specification(record);
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Factorial/test");
    }
    let total = |name: &str| -> f64 { records.iter().filter_map(|r| r[name].as_f64()).sum() };
    assert_eq!(total("Requests2xx"), 3.0);
    assert_eq!(total("Requests4xx"), 1.0);
    // A status class is absent until the runner has answered with it; a
    // counter without labels is in every record, as its increase.
    assert!(
        records
            .iter()
            .all(|record| record.get("Requests5xx").is_none()),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .all(|record| record["DeadlineExceeded"].as_f64() == Some(0.0)),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .any(|record| record["RequestDurationP99"].as_f64() > Some(0.0)),
        "{records:?}"
    );
}

#[test]
fn the_emf_schema_rejects_what_the_specification_forbids() {
    let validator = emf_schema();
    let valid = serde_json::json!({
        "_aws": {"Timestamp": 1, "CloudWatchMetrics": [
            {"Namespace": "N", "Dimensions": [["Service"]], "Metrics": [{"Name": "M", "Unit": "Count"}]}
        ]},
        "Service": "s", "M": 1
    });
    assert!(validator.is_valid(&valid));
    for (pointer, broken) in [
        ("/_aws/Timestamp", Value::Null),
        ("/_aws/CloudWatchMetrics/0/Namespace", "".into()),
        (
            "/_aws/CloudWatchMetrics/0/Metrics/0/Unit",
            "Requests".into(),
        ),
        (
            "/_aws/CloudWatchMetrics/0/Dimensions/0",
            serde_json::json!(["Service", "Service"]),
        ),
    ] {
        let mut record = valid.clone();
        *record.pointer_mut(pointer).unwrap() = broken;
        assert!(!validator.is_valid(&record), "{record}");
    }
}

/// The EMF specification's structure, as a JSON schema.
fn emf_schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("emf.schema.json")).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Checks `record` against the schema, and the specification's rules that a
/// schema cannot state: every declared dimension is a string member of the
/// root, and every declared metric a number or up to 100 numbers there.
fn assert_follows_the_emf_specification(record: &Value) {
    let errors: Vec<String> = emf_schema()
        .iter_errors(record)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {record}");
    for directive in record["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
        for set in directive["Dimensions"].as_array().unwrap() {
            for key in set.as_array().unwrap() {
                let value = &record[key.as_str().unwrap()];
                assert!(value.is_string(), "dimension {key} in {record}");
            }
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let value = &record[metric["Name"].as_str().unwrap()];
            let numbers = match value {
                Value::Array(values) => values.len() <= 100 && values.iter().all(Value::is_number),
                value => value.is_number(),
            };
            assert!(numbers, "metric {metric} in {record}");
        }
    }
}
