use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The workspace root, where the component build leaves its output.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// The component as `cargo build --release --target wasm32-wasip2` leaves it.
pub fn component_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("wasm32-wasip2/release/factorial.wasm");
    assert!(
        path.is_file(),
        "{} is missing: build the component first",
        path.display()
    );
    path
}

/// The runner binary with a clean environment (no setting leaks in from the
/// shell that runs the tests) and its admin listener on a free port, so that
/// tests can run side by side.
pub fn runner_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_factorial-runner"));
    for (name, _) in std::env::vars() {
        if name.starts_with("FACTORIAL_") {
            command.env_remove(name);
        }
    }
    command.env("FACTORIAL_ADMIN_LISTEN", "127.0.0.1:0");
    command
}

/// Runs the runner to completion, for start-up failures.
pub fn run_to_exit(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .expect("the runner starts")
}

/// A running runner, killed when dropped.
pub struct Runner {
    child: Child,
    pub address: SocketAddr,
}

impl Runner {
    /// Starts the runner on a free loopback port with the built component
    /// and `args`, and waits until it listens.
    pub fn start(args: &[&str]) -> Runner {
        let mut command = runner_command();
        command
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--component")
            .arg(component_path())
            .args(args);
        Runner::spawn(command)
    }

    /// Starts `command` and waits for its "listening" log line, which names
    /// the bound address.
    pub fn spawn(mut command: Command) -> Runner {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the runner starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        for line in stdout.lines() {
            let line = line.expect("the runner logs");
            let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
            if event["message"] == "listening" {
                let address = event["address"].as_str().unwrap().parse().unwrap();
                return Runner { child, address };
            }
        }
        panic!("the runner exited before listening: {:?}", child.wait());
    }

    /// Sends one request (`Connection: close`) and reads the whole answer.
    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        let mut stream = TcpStream::connect(self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut request =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Reply::parse(&raw)
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[])
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 response read off the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        Reply {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    /// Asserts the status, `Content-Type`, exact body and exact
    /// `Content-Length`.
    pub fn assert(&self, status: u16, content_type: &str, body: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("content-type"), Some(content_type), "{self:?}");
        assert_eq!(self.body_text(), body);
        assert_eq!(
            self.header("content-length"),
            Some(body.len().to_string().as_str())
        );
    }
}
