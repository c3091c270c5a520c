use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{
    HeldRequest, Runner, component_path, read_response, read_until_closed, run_to_exit,
    runner_command, test_guest_path, without_factorial_settings,
};

/// What the runner logs once it has stopped accepting connections.
const SHUTTING_DOWN: &str = "shutting down: no new connections, draining the open ones";

#[test]
fn sigterm_closes_idle_connections_lets_requests_in_flight_finish_then_exits_0() {
    let mut runner = Runner::start_with(&test_guest_path(), &[]);
    let mut idle = TcpStream::connect(runner.address).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut idle).status, 200);
    let held = HeldRequest::send(runner.address);
    runner.wait_for_metric("factorial_requests_in_flight 1");

    runner.send_sigterm();
    runner.wait_for_logs(SHUTTING_DOWN, 1);
    assert!(
        read_until_closed(&mut idle).is_empty(),
        "the idle connection is closed"
    );
    let response = held.release();
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), "ok");
    let status = runner.wait_for_exit();
    assert!(status.success(), "{status:?}");
    runner.wait_for_logs("drained", 1);
}

#[test]
fn the_grace_period_bounds_the_drain() {
    let mut runner = Runner::start_with(&test_guest_path(), &["--shutdown-grace", "200ms"]);
    let _never_released = HeldRequest::send(runner.address);
    runner.wait_for_metric("factorial_requests_in_flight 1");
    let started = Instant::now();
    let status = runner.terminate();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    runner.wait_for_logs("grace period over; exiting with requests in flight", 1);
}

/// `factorial-runner compile` of the component into `dir`.
fn compile_into(dir: &Path) -> PathBuf {
    compile_for(dir, "factorial.cwasm", &[])
}

/// `factorial-runner compile` of the component into `dir/name`, with `args`.
fn compile_for(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let artifact = dir.join(name);
    let output = run_to_exit(
        runner_command()
            .arg("compile")
            .arg("--component")
            .arg(component_path())
            .arg("--output")
            .arg(&artifact)
            .args(args),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    artifact
}

#[test]
fn a_precompiled_component_serves_the_same() {
    let dir = tempdir("precompiled");
    let artifact = compile_into(&dir);
    let runner = Runner::start_with(&artifact, &[]);
    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The x86-64-v3 features, as the standard library names them.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
const X86_64_V3: [&str; 12] = [
    "sse3",
    "ssse3",
    "sse4.1",
    "sse4.2",
    "popcnt",
    "cmpxchg16b",
    "avx",
    "avx2",
    "fma",
    "bmi1",
    "bmi2",
    "lzcnt",
];

/// Whether `artifact` loads on an engine like the runner's on a host whose
/// CPU has exactly `features`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn loads_on_a_host_with(artifact: &Path, features: fn(&str) -> Option<bool>) -> bool {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    // The engine's own code for the baseline, not this machine's CPU.
    config.target("x86_64-unknown-linux-gnu").unwrap();
    // SAFETY: nothing is run on this engine.
    unsafe { config.detect_host_feature(features) };
    let engine = wasmtime::Engine::new(&config).unwrap();
    // SAFETY: the artifact comes from `factorial-runner compile`.
    unsafe { wasmtime::component::Component::deserialize_file(&engine, artifact) }.is_ok()
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn a_precompiled_component_needs_x86_64_v3_not_the_build_machines_cpu() {
    let dir = tempdir("portable");
    let artifact = compile_into(&dir);
    // A Haswell: AVX2, no AVX-512, whatever the machine that compiled.
    let v3 = |feature: &str| Some(X86_64_V3.contains(&feature));
    assert!(loads_on_a_host_with(&artifact, v3));
    // A CPU without AVX2 is refused.
    let v2 = |feature: &str| Some(X86_64_V3[..6].contains(&feature));
    assert!(!loads_on_a_host_with(&artifact, v2));
    // The code uses AVX's encodings, which Cranelift's own x86-64-v3 preset
    // leaves out: a host without AVX alone is refused too.
    let no_avx = |feature: &str| Some(X86_64_V3.contains(&feature) && feature != "avx");
    assert!(!loads_on_a_host_with(&artifact, no_avx));
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn an_x86_64_v4_artifact_needs_avx512_f_dq_and_vl() {
    let dir = tempdir("v4");
    let artifact = compile_for(&dir, "factorial.x86-64-v4.cwasm", &["--cpu", "x86-64-v4"]);
    let v4 = |feature: &str| Some(X86_64_V3.contains(&feature) || feature.starts_with("avx512"));
    assert!(loads_on_a_host_with(&artifact, v4));
    let v3 = |feature: &str| Some(X86_64_V3.contains(&feature));
    assert!(!loads_on_a_host_with(&artifact, v3));
    // AVX-512 F, which Cranelift's own x86-64-v4 preset leaves out.
    let no_f = |feature: &str| {
        Some(
            X86_64_V3.contains(&feature) || (feature.starts_with("avx512") && feature != "avx512f"),
        )
    };
    assert!(!loads_on_a_host_with(&artifact, no_f));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The image's layout: the runner with the v4 and the portable artifacts
/// beside it, and no `--component`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn the_runner_serves_the_best_artifact_beside_it_that_the_host_runs() {
    let dir = tempdir("levels");
    compile_for(&dir, "factorial.x86-64-v4.cwasm", &["--cpu", "x86-64-v4"]);
    compile_into(&dir);
    let binary = dir.join("factorial-runner");
    std::fs::copy(runner_command().get_program(), &binary).unwrap();
    let mut command = std::process::Command::new(&binary);
    without_factorial_settings(&mut command)
        .env("FACTORIAL_ADMIN_LISTEN", "127.0.0.1:0")
        .args(["--listen", "127.0.0.1:0"]);
    let runner = Runner::spawn(command);
    let v4 = std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl");
    let expected = dir.join(if v4 {
        "factorial.x86-64-v4.cwasm"
    } else {
        "factorial.cwasm"
    });
    let listening = runner.wait_for_logs("listening", 1);
    assert_eq!(
        listening[0]["component"].as_str(),
        Some(expected.to_str().unwrap())
    );
    runner.get("/api/v1/factorial?number=5").assert(
        200,
        "application/json",
        "{\"factorial\":120}\n",
    );
    drop(runner);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_artifact_for_other_engine_settings_is_refused_clearly() {
    let dir = tempdir("mismatch");
    let artifact = dir.join("other.cwasm");
    // Without epoch interruption the code could not be stopped at a deadline.
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(false);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let wasm = std::fs::read(component_path()).unwrap();
    std::fs::write(&artifact, engine.precompile_component(&wasm).unwrap()).unwrap();
    let output = run_to_exit(
        runner_command()
            .args(["--listen", "127.0.0.1:0", "--component"])
            .arg(&artifact),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot load the component"), "{stderr}");
    assert!(stderr.contains("epoch"), "the mismatch is named: {stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn healthcheck_succeeds_against_a_healthy_server_only() {
    let runner = Runner::start(&[]);
    let listen = runner.address.to_string();
    let output = run_to_exit(runner_command().args(["healthcheck", "--listen", &listen]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // A server that answers, but not `200 ok`, on a port held throughout.
    let unhealthy = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = unhealthy.local_addr().unwrap().to_string();
    let answering = std::thread::spawn(move || {
        let (mut stream, _) = unhealthy.accept().unwrap();
        // The request is read whole first, so that closing sends no reset.
        let head = BufReader::new(&stream).lines().map_while(Result::ok);
        assert!(head.take_while(|line| !line.is_empty()).count() > 0);
        stream
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let output = run_to_exit(runner_command().args(["healthcheck", "--listen", &listen]));
    answering.join().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unhealthy"), "{stderr}");
}

/// A fresh directory under the system's temporary directory.
fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("factorial-runner-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
