use std::net::TcpListener;

use crate::support::{Runner, component_path, run_to_exit, runner_command, workspace_root};

#[test]
fn finds_the_component_by_itself() {
    let mut command = runner_command();
    command
        .current_dir(workspace_root())
        .args(["--listen", "127.0.0.1:0"]);
    let runner = Runner::spawn(command);
    assert_eq!(runner.get("/api/v1/factorial?number=3").status, 200);
}

#[test]
fn a_missing_component_is_a_clear_error() {
    let output = run_to_exit(runner_command().args([
        "--listen",
        "127.0.0.1:0",
        "--component",
        "/nonexistent/factorial.wasm",
    ]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/factorial.wasm"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_component_is_a_clear_error() {
    let not_wasm =
        std::env::temp_dir().join(format!("not-a-component-{}.wasm", std::process::id()));
    std::fs::write(&not_wasm, "hello").unwrap();
    let output = run_to_exit(
        runner_command()
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--component")
            .arg(&not_wasm),
    );
    std::fs::remove_file(&not_wasm).unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot load the component"), "{stderr}");
}

#[test]
fn an_address_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = run_to_exit(
        runner_command()
            .arg("--listen")
            .arg(&address)
            .arg("--component")
            .arg(component_path()),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
}

#[test]
fn an_unusable_maximum_stops_start_up() {
    for bad in ["abc", "-1", "1e6"] {
        let output = run_to_exit(
            runner_command()
                .env("FACTORIAL_MAX_NUMBER", bad)
                .arg("--component")
                .arg(component_path()),
        );
        assert!(!output.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("max-number"), "{bad}: {stderr}");
    }
}

#[test]
fn limits_that_do_not_fit_the_memory_budget_stop_start_up() {
    let output = run_to_exit(runner_command().args([
        "--listen",
        "127.0.0.1:0",
        "--memory-budget-mib",
        "256",
    ]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a memory budget of 256 MiB cannot hold"),
        "{stderr}"
    );
    // The same budget holds smaller instances and a smaller cache.
    let runner = Runner::start(&[
        "--memory-budget-mib",
        "256",
        "--memory-limit-mib",
        "32",
        "--cache-bytes",
        "8388608",
    ]);
    let listening = &runner.wait_for_logs("listening", 1)[0];
    assert_eq!(listening["memory_budget_source"], "--memory-budget-mib");
    // (256 − 96 − 8 − 64) ÷ (32 + 4) = 2.
    assert_eq!(listening["computations"], 2);
}

#[test]
fn on_lambda_a_maximum_whose_answer_cannot_fit_a_response_is_refused() {
    let output = run_to_exit(runner_command().args(["lambda", "--max-number", "2000000"]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FACTORIAL_MAX_NUMBER=2000000 cannot be served on Lambda")
            && stderr.contains("Lambda returns at most 6291456")
            && stderr.contains("the largest maximum that fits is "),
        "{stderr}"
    );
}

#[test]
fn the_lambda_subcommand_outside_lambda_is_a_clear_error() {
    let output = run_to_exit(runner_command().arg("lambda"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not on AWS Lambda: AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME")
            && stderr.contains("scripts/lambda.sh serve"),
        "{stderr}"
    );
}
