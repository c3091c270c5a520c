//! The runner as a Lambda function (`factorial-runner lambda`), invoked
//! through `cargo lambda watch`, which emulates Lambda's runtime API and
//! function URLs on loopback. `cargo test` skips these tests;
//! `scripts/lambda.sh test` installs cargo-lambda (found on `PATH`),
//! packages the arm64 function and runs them with `--ignored`.

use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::hosts::keeps_the_default_contract;
use crate::support::{
    component_path, free_loopback_address, runner_command, send, test_guest_path,
    without_factorial_settings, workspace_root,
};

/// Held by each running emulator: cargo lambda watch shares its port with
/// another that binds the same one (`SO_REUSEPORT`), so two tests that drew
/// the same free port would not notice; one at a time, they cannot.
static ONE_EMULATOR: Mutex<()> = Mutex::new(());

/// The emulator on a loopback port and one function polling it. The
/// function's output (its JSON log lines and EMF records) goes to a file,
/// removed when dropped.
struct Emulated {
    _function: Stopped,
    _emulator: Stopped,
    _alone: MutexGuard<'static, ()>,
    address: SocketAddr,
    output: PathBuf,
}

/// A process group, killed when dropped.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

impl Emulated {
    /// Starts the emulator, then `function` with the variables Lambda gives
    /// an execution environment (a function of 2048 MiB).
    fn start(mut function: Command) -> Emulated {
        let alone = ONE_EMULATOR
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let address = free_loopback_address();
        // The emulator reads the workspace's metadata, so it runs there; it
        // only answers, and the test starts the function itself.
        let mut emulator = Stopped(
            Command::new("cargo-lambda")
                .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1"])
                .args(["-P", &address.port().to_string()])
                .current_dir(workspace_root())
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!("cannot start cargo-lambda (is it installed?): {error}")
                }),
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(address).is_err() {
            let exited = emulator.0.try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "cargo lambda watch did not listen on {address} ({exited:?})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = std::env::temp_dir().join(format!(
            "factorial-lambda-{}-{}.log",
            std::process::id(),
            address.port()
        ));
        let function = function
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://{address}/.rt"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&output).unwrap())
            .spawn()
            .expect("the function starts");
        Emulated {
            _function: Stopped(function),
            _emulator: emulator,
            _alone: alone,
            address,
            output,
        }
    }

    /// The status of `GET target` through the emulator's function URL.
    fn get_status(&self, target: &str) -> u16 {
        send(self.address, "GET", &format!("/lambda-url/_{target}"), &[]).status
    }

    /// The function's output so far, line by line, each a JSON object.
    fn output(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.output)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).expect("every line is JSON"))
            .collect()
    }
}

impl Drop for Emulated {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.output);
    }
}

/// The runner built for these tests as a function, serving `component`.
fn function(component: &Path, args: &[&str]) -> Command {
    let mut command = runner_command();
    command
        .arg("lambda")
        .arg("--component")
        .arg(component)
        .args(args);
    command
}

/// Each invocation's access line and EMF record: the same request id, and
/// the record's status is the line's.
fn assert_each_invocation_is_logged_and_recorded(output: &[serde_json::Value]) {
    let accesses: Vec<_> = output
        .iter()
        .filter(|line| line["message"] == "request")
        .collect();
    let records: Vec<_> = output
        .iter()
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert!(!accesses.is_empty());
    assert_eq!(
        accesses.len(),
        records.len(),
        "one EMF record per invocation"
    );
    for (access, record) in accesses.iter().zip(&records) {
        assert_eq!(access["request_id"], record["RequestId"], "{record}");
        assert_eq!(access["status"], record["Status"], "{record}");
        assert!(record["DurationMs"].as_f64().unwrap() > 0.0, "{record}");
    }
}

#[test]
#[ignore = "needs cargo-lambda: scripts/lambda.sh test installs it and runs this"]
fn the_function_keeps_the_contract() {
    let emulated = Emulated::start(function(&component_path(), &[]));
    keeps_the_default_contract(emulated.address);
    assert_each_invocation_is_logged_and_recorded(&emulated.output());
}

#[test]
#[ignore = "needs cargo-lambda: scripts/lambda.sh test installs it and runs this"]
fn a_trap_a_deadline_and_a_memory_overrun_get_their_5xx_and_the_next_invocation_is_served() {
    let emulated = Emulated::start(function(
        &test_guest_path(),
        &["--request-timeout", "300ms", "--memory-limit-mib", "16"],
    ));
    // A body the guest cuts short is never passed off as whole: the
    // function has the whole body before it answers, so it answers 500.
    for (target, status) in [
        ("/trap", 500),
        ("/trap-in-body", 500),
        ("/error-code", 500),
        ("/spin", 504),
        ("/sleep?ms=60000", 504),
        ("/grow", 500),
    ] {
        assert_eq!(emulated.get_status(target), status, "{target}");
        assert_eq!(emulated.get_status("/"), 200, "after {target}");
    }
    let output = emulated.output();
    assert_each_invocation_is_logged_and_recorded(&output);
    let total = |metric: &str| -> f64 {
        output
            .iter()
            .filter_map(|line| line.get(metric)?.as_f64())
            .sum()
    };
    assert_eq!(total("GuestErrors"), 3.0);
    assert_eq!(total("DeadlineExceeded"), 2.0);
    assert_eq!(total("MemoryLimitExceeded"), 1.0);
}

/// The package `scripts/lambda.sh package` made, named by
/// `FACTORIAL_LAMBDA_PACKAGE`: its arm64 `bootstrap`, run under
/// qemu-user-static as Lambda runs it (by that name, with no arguments),
/// finds its precompiled component beside it and answers.
#[test]
#[ignore = "needs the arm64 package and qemu-user-static: scripts/lambda.sh test runs this"]
fn the_arm64_package_answers_under_emulation() {
    let package = PathBuf::from(
        std::env::var_os("FACTORIAL_LAMBDA_PACKAGE")
            .expect("FACTORIAL_LAMBDA_PACKAGE names the package's folder"),
    );
    let mut bootstrap = Command::new("qemu-aarch64-static");
    bootstrap
        .args(["-L", "/usr/aarch64-linux-gnu", "-cpu", "neoverse-n1"])
        .arg(package.join("bootstrap"));
    without_factorial_settings(&mut bootstrap);
    let emulated = Emulated::start(bootstrap);
    let response = send(
        emulated.address,
        "GET",
        "/lambda-url/_/api/v1/factorial?number=20",
        &[],
    );
    response.assert(
        200,
        "application/json",
        "{\"factorial\":2432902008176640000}\n",
    );
    let ready = emulated.output();
    let ready = ready
        .iter()
        .find(|line| line["message"] == "ready")
        .unwrap();
    assert_eq!(
        ready["component"],
        package.join("factorial.cwasm").to_str().unwrap(),
        "{ready}"
    );
}
