//! The contract on WASI HTTP hosts we did not write, serving the very same
//! `factorial.wasm`: `wasmtime serve` and `jco serve`. `cargo test` skips
//! these tests; `scripts/portability.sh` installs both hosts and runs them
//! with `--ignored`. A host that is not installed fails its test.

use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    component_path, free_loopback_address, send, without_factorial_settings, workspace_root,
};
use crate::{contract, corpus};

/// The hosts we did not write, each started the way its documentation says.
#[derive(Debug, Clone, Copy)]
enum ThirdPartyHost {
    /// `wasmtime serve` from `wasmtime-cli`, found on `PATH`.
    WasmtimeServe,
    /// `jco serve` from the npm package pinned in `examples/js`.
    JcoServe,
}

/// A host serving the built component on a loopback port. Dropping it kills
/// the host and whatever it started, then removes its scratch directory.
struct Served {
    host: Child,
    address: SocketAddr,
    _scratch: Scratch,
}

/// A directory of the host's files (its log, jco's transpiled code),
/// removed when dropped, so that a host that fails to start leaves none.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl ThirdPartyHost {
    /// Starts this host with `env` as the component's settings, and waits
    /// until it accepts connections.
    fn serve(self, env: &[(&str, &str)]) -> Served {
        let address = free_loopback_address();
        let scratch = Scratch(std::env::temp_dir().join(format!(
            "factorial-hosts-{self:?}-{}-{}",
            std::process::id(),
            address.port()
        )));
        std::fs::create_dir_all(&scratch.0).unwrap();
        let mut command = match self {
            // The component sees only the `--env` variables; `-Scli` gives
            // it `wasi:cli`, where it reads them.
            ThirdPartyHost::WasmtimeServe => {
                let mut command = Command::new("wasmtime");
                command.args(["serve", "-Scli", "--addr", &address.to_string()]);
                for (name, value) in env {
                    command.arg("--env").arg(format!("{name}={value}"));
                }
                command
            }
            // preview2-shim hands the component the whole environment of
            // the Node.js process.
            ThirdPartyHost::JcoServe => {
                let jco = workspace_root().join("examples/js/node_modules/.bin/jco");
                assert!(
                    jco.is_file(),
                    "{} is missing: run `npm ci` in examples/js (scripts/portability.sh does)",
                    jco.display()
                );
                let mut command = Command::new(jco);
                without_factorial_settings(&mut command)
                    .args(["serve", "--host", "127.0.0.1"])
                    .args(["--port", &address.port().to_string()])
                    .arg("--jco-dir")
                    .arg(scratch.0.join("transpiled"))
                    .envs(env.iter().copied());
                command
            }
        };
        let log = scratch.0.join("host.log");
        let output = std::fs::File::create(&log).unwrap();
        // jco serve runs the server in a child process of its own: a process
        // group of their own lets the test stop both.
        let host = command
            .arg(component_path())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {self:?} (is it installed?): {error}"));
        let mut served = Served {
            host,
            address,
            _scratch: scratch,
        };
        served.wait_until_listening(&log);
        served
    }
}

impl Served {
    /// Waits, for at most a minute, until the host accepts connections.
    fn wait_until_listening(&mut self, log: &std::path::Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(self.address).is_err() {
            let exited = self.host.try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "the host did not listen on {} ({exited:?}):\n{}",
                self.address,
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let group = format!("-{}", self.host.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.host.wait();
    }
}

/// The corpus rows every host shares and every check of `contract`, with
/// the default settings and with a maximum set through the environment; an
/// unusable maximum is answered with 500 on every request, as `docs/contract.md`
/// allows where a host cannot refuse to start.
fn keeps_the_contract(host: ThirdPartyHost) {
    let served = host.serve(&[]);
    keeps_the_default_contract(served.address);
    drop(served);

    let served = host.serve(&[("FACTORIAL_MAX_NUMBER", "12")]);
    contract::check_a_maximum_of_12(served.address);
    drop(served);

    let served = host.serve(&[("FACTORIAL_MAX_NUMBER", "lots")]);
    let response = send(served.address, "GET", "/api/v1/factorial?number=5", &[]);
    response.assert(
        500,
        "text/plain; charset=utf-8",
        "Server misconfigured: FACTORIAL_MAX_NUMBER=\"lots\" is not a whole number \
         from 0 to 18446744073709551615",
    );
}

/// The corpus rows every host shares and the checks of `contract` that
/// hold with the default settings.
pub fn keeps_the_default_contract(address: SocketAddr) {
    corpus::check_the_rows_every_host_shares(address);
    contract::check_head_and_validators(address);
    contract::check_a_large_factorial_arrives_whole(address);
    contract::check_the_summary_of_the_largest_n(address);
}

/// A server someone else started with the default settings, at the address
/// `FACTORIAL_TEST_ADDRESS` names: `scripts/image.sh test` runs this against
/// the container, and against `wasmtime serve` of the component pulled back
/// from a registry.
#[test]
#[ignore = "needs a server at FACTORIAL_TEST_ADDRESS: scripts/image.sh test starts one and runs this"]
fn the_server_at_the_given_address_keeps_the_contract() {
    let address = std::env::var("FACTORIAL_TEST_ADDRESS")
        .expect("FACTORIAL_TEST_ADDRESS names the server's address")
        .parse()
        .expect("FACTORIAL_TEST_ADDRESS is an IP address and port");
    keeps_the_default_contract(address);
}

#[test]
#[ignore = "needs wasmtime-cli: scripts/portability.sh installs it and runs this"]
fn wasmtime_serve_keeps_the_contract() {
    keeps_the_contract(ThirdPartyHost::WasmtimeServe);
}

#[test]
#[ignore = "needs jco: scripts/portability.sh installs it and runs this"]
fn jco_serve_keeps_the_contract() {
    keeps_the_contract(ThirdPartyHost::JcoServe);
}
