use std::time::Duration;

use crate::support::{Runner, component_path, run_to_exit, runner_command, send, test_guest_path};

#[test]
fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    let mut runner = Runner::start_with(&test_guest_path(), &[]);
    let address = runner.address;
    let slow = std::thread::spawn(move || send(address, "GET", "/sleep?ms=1500", &[]));
    runner.wait_for_metric("factorial_requests_in_flight 1");
    let status = runner.terminate();
    let reply = slow.join().unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body_text(), "ok");
    assert!(status.success(), "{status:?}");
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "no longer accepting"
    );
}

#[test]
fn the_grace_period_bounds_the_drain() {
    let mut runner = Runner::start_with(&test_guest_path(), &["--shutdown-grace", "200ms"]);
    let address = runner.address;
    let slow = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        std::io::Write::write_all(
            &mut stream,
            b"GET /sleep?ms=30000 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
        stream
    });
    runner.wait_for_metric("factorial_requests_in_flight 1");
    let started = std::time::Instant::now();
    let status = runner.terminate();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(slow.join());
}

/// `factorial-runner compile` of the component into `dir`.
fn compile_into(dir: &std::path::Path) -> std::path::PathBuf {
    let artifact = dir.join("factorial.cwasm");
    let output = run_to_exit(
        runner_command()
            .arg("compile")
            .arg("--component")
            .arg(component_path())
            .arg("--output")
            .arg(&artifact),
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
fn loads_on_a_host_with(artifact: &std::path::Path, features: fn(&str) -> Option<bool>) -> bool {
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
fn healthcheck_succeeds_against_a_live_server_only() {
    let runner = Runner::start(&[]);
    let listen = runner.address.to_string();
    let output = run_to_exit(runner_command().args(["healthcheck", "--listen", &listen]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(runner);
    let output =
        run_to_exit(runner_command().args(["healthcheck", "--listen", &listen, "--timeout", "1s"]));
    assert!(!output.status.success());
}

/// A fresh directory under the system's temporary directory.
fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("factorial-runner-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
