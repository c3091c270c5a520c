use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use factorial_corpus::{
    ReceivedResponse, component_path, test_guest_path, without_factorial_settings, workspace_root,
};

/// The runner binary with a clean environment (no setting leaks in from the
/// shell that runs the tests) and its admin listener on a free port, so that
/// tests can run side by side. The binary is the one cargo built for these
/// tests, or the one `FACTORIAL_TEST_RUNNER` names: `scripts/load-test.sh`
/// measures the release build.
pub fn runner_command() -> Command {
    let binary = std::env::var_os("FACTORIAL_TEST_RUNNER")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_factorial-runner").into());
    let mut command = Command::new(binary);
    without_factorial_settings(&mut command).env("FACTORIAL_ADMIN_LISTEN", "127.0.0.1:0");
    command
}

/// Runs the runner to completion, for start-up failures.
pub fn run_to_exit(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .expect("the runner starts")
}

/// A running runner, killed when dropped. Its stdout (JSON log lines) is
/// collected as it comes.
pub struct Runner {
    child: Child,
    pub address: SocketAddr,
    pub admin_address: SocketAddr,
    logs: Arc<Mutex<Vec<serde_json::Value>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl Runner {
    /// Starts the runner on a free loopback port with the built component
    /// and `args`, and waits until it listens.
    pub fn start(args: &[&str]) -> Runner {
        Runner::start_with(&component_path(), args)
    }

    /// Starts the runner on a free loopback port with `component` and
    /// `args`, and waits until it listens.
    pub fn start_with(component: &Path, args: &[&str]) -> Runner {
        let mut command = runner_command();
        command
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--component")
            .arg(component)
            .args(args);
        Runner::spawn(command)
    }

    /// Starts `command` and waits for its "listening" log line, which names
    /// the bound addresses.
    pub fn spawn(mut command: Command) -> Runner {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the runner starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (listening, addresses) = mpsc::channel();
        let log_reader = std::thread::spawn({
            let logs = logs.clone();
            move || {
                for line in stdout.lines().map_while(Result::ok) {
                    let event: serde_json::Value =
                        serde_json::from_str(&line).expect("every log line is JSON");
                    if event["message"] == "listening" {
                        let address = |key: &str| event[key].as_str().unwrap().parse().unwrap();
                        let _ = listening.send((address("address"), address("admin_address")));
                    }
                    logs.lock().unwrap().push(event);
                }
            }
        });
        match addresses.recv_timeout(Duration::from_secs(60)) {
            Ok((address, admin_address)) => Runner {
                child,
                address,
                admin_address,
                logs,
                log_reader: Some(log_reader),
            },
            Err(_) => panic!("the runner did not listen: {:?}", child.wait()),
        }
    }

    /// Sends one request (`Connection: close`) and reads the whole answer.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> ReceivedResponse {
        send(self.address, method, target, headers)
    }

    pub fn get(&self, target: &str) -> ReceivedResponse {
        self.request("GET", target, &[])
    }

    /// The admin listener's `/metrics`. A refused connection fails with the
    /// runner's last log lines, which say whether it exited, and why.
    pub fn metrics(&self) -> String {
        let stream = TcpStream::connect(self.admin_address).unwrap_or_else(|error| {
            let logs = self.logs.lock().unwrap();
            let last: Vec<_> = logs.iter().rev().take(10).rev().collect();
            panic!(
                "the admin listener {} refused: {error}; the runner's last lines: {last:#?}",
                self.admin_address
            )
        });
        send_on(stream, "GET", "/metrics", &[])
            .body_text()
            .to_string()
    }

    /// Waits until `/metrics` has a line `line`, for at most ten seconds.
    pub fn wait_for_metric(&self, line: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.metrics().lines().any(|l| l == line) {
            assert!(
                Instant::now() < deadline,
                "no {line:?} in\n{}",
                self.metrics()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The value of a counter of `/metrics`, named with its labels as they
    /// are written there; 0 when absent.
    pub fn counter(&self, series: &str) -> u64 {
        let metrics = self.metrics();
        let value = metrics
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '));
        value.map_or(0, |value| value.parse().unwrap())
    }

    /// The log lines so far; after [`Runner::terminate`], all of them.
    pub fn logs(&self) -> Vec<serde_json::Value> {
        self.logs.lock().unwrap().clone()
    }

    /// Waits until `count` log lines have the message `message`, for at most
    /// ten seconds (lines are written by a background thread), and returns
    /// them.
    pub fn wait_for_logs(&self, message: &str, count: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines: Vec<_> = self
                .logs()
                .into_iter()
                .filter(|event| event["message"] == message)
                .collect();
            if lines.len() >= count {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} {message:?} lines",
                lines.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The runner's resident memory, from `/proc`, in KiB.
    pub fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find_map(|line| line.strip_prefix("VmRSS:"));
        let kib = line.and_then(|value| value.trim().strip_suffix(" kB"));
        kib.expect("a VmRSS line in kB").parse().unwrap()
    }

    /// The CPU time the runner has used, user and system, in clock ticks
    /// (a hundredth of a second on Linux), from `/proc`.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command's name, which is in parentheses: utime
        // and stime are the 12th and 13th.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    /// Sends SIGTERM, waits for the exit status, and reads the last log
    /// lines.
    pub fn terminate(&mut self) -> ExitStatus {
        self.send_sigterm();
        self.wait_for_exit()
    }

    /// Sends SIGTERM and returns at once.
    pub fn send_sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the exit status, and reads the last log lines.
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.log_reader.take() {
            reader.join().unwrap();
        }
        status
    }
}

/// A loopback address that was free a moment ago, for servers that do not
/// report the port they bind for port 0 (jco serve, cargo lambda watch).
pub fn free_loopback_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Sends one request (`Connection: close`) to `address` and reads the whole
/// answer.
pub fn send(
    address: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> ReceivedResponse {
    send_on(
        TcpStream::connect(address).unwrap(),
        method,
        target,
        headers,
    )
}

/// [`send`] on a connection already open.
fn send_on(
    mut stream: TcpStream,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> ReceivedResponse {
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    parse_response(&read_until_closed(&mut stream))
}

/// A request to the test guest's `/hold`, in flight until released: the
/// guest answers only once it has read the request's body, which is sent
/// on release.
pub struct HeldRequest {
    stream: TcpStream,
}

impl HeldRequest {
    /// Sends the head of `POST /hold`, and keeps its one-byte body back.
    pub fn send(address: SocketAddr) -> HeldRequest {
        HeldRequest::start(address, "POST", "/hold")
    }

    /// The same for `GET target`, a target on `/hold`: a request the cache
    /// may store, and share with others while it is computed.
    pub fn get(address: SocketAddr, target: &str) -> HeldRequest {
        HeldRequest::start(address, "GET", target)
    }

    fn start(address: SocketAddr, method: &str, target: &str) -> HeldRequest {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Length: 1\r\n\r\n"
        )
        .unwrap();
        HeldRequest { stream }
    }

    /// Sends the body and reads the whole answer.
    pub fn release(mut self) -> ReceivedResponse {
        self.stream.write_all(b"x").unwrap();
        parse_response(&read_until_closed(&mut self.stream))
    }
}

/// Reads what the server sends until it closes the connection, or fails
/// after a minute.
pub fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .expect("the server closes the connection");
    received
}

/// Reads one response off a connection that stays open: the head up to its
/// blank line, then the body as its `Content-Length` or chunks delimit it.
pub fn read_response(stream: &mut TcpStream) -> ReceivedResponse {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut raw = Vec::new();
    read_until(stream, &mut raw, |raw| raw.ends_with(b"\r\n\r\n"));
    let head_length = raw.len();
    let head = parse_head(&raw[..head_length - 4]);
    match head.header("content-length") {
        Some(length) => {
            raw.resize(head_length + length.parse::<usize>().unwrap(), 0);
            stream
                .read_exact(&mut raw[head_length..])
                .expect("a whole response body");
        }
        None => read_until(stream, &mut raw, |raw| {
            let body = &raw[head_length..];
            body == b"0\r\n\r\n" || body.ends_with(b"\r\n0\r\n\r\n")
        }),
    }
    parse_response(&raw)
}

/// Reads from `stream` onto `raw`, a byte at a time so as to read no more
/// than the response, until `done` says so.
fn read_until(stream: &mut TcpStream, raw: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) {
    let mut byte = [0u8];
    while !done(raw) {
        stream.read_exact(&mut byte).expect("a whole response");
        raw.push(byte[0]);
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A whole HTTP/1.1 response off the wire: head, blank line, body (chunked
/// or not).
pub fn parse_response(raw: &[u8]) -> ReceivedResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let mut response = parse_head(&raw[..split]);
    response.body = raw[split + 4..].to_vec();
    if response.header("transfer-encoding") == Some("chunked") {
        response.body = dechunk(&response.body);
    }
    response
}

/// The status line and headers, without their blank line; no body.
fn parse_head(head: &[u8]) -> ReceivedResponse {
    let head = std::str::from_utf8(head).unwrap();
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
    ReceivedResponse {
        status,
        headers,
        body: Vec::new(),
    }
}

/// The payload of a chunked body: each chunk is its size in hex, CRLF, the
/// bytes, CRLF; a chunk of size 0 ends it.
fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    loop {
        let line_end = chunked
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let size = std::str::from_utf8(&chunked[..line_end]).unwrap();
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if size == 0 {
            return payload;
        }
        let start = line_end + 2;
        payload.extend_from_slice(&chunked[start..start + size]);
        chunked = &chunked[start + size + 2..];
    }
}
