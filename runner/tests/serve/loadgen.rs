//! A closed-loop load generator: each of N clients holds a keep-alive
//! HTTP/1.1 connection and sends its next request as soon as it has read the
//! last answer whole, so no more than N requests are ever in flight. Every
//! request carries its own `X-Request-Id`, which the runner's access log
//! repeats, so an answer can be matched with what the runner saw.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, header};
use hyper_util::rt::TokioIo;

use crate::support::send;

/// The body of the runner's answer when every slot is taken.
pub const SATURATED_BODY: &[u8] = b"Service Unavailable: too many computations at once";

/// What the clients ask for, in turn, and the 200 body each target must get.
pub struct Plan {
    targets: Vec<String>,
    expected: HashMap<String, Bytes>,
}

impl Plan {
    /// A plan over `/api/v1/factorial?number=N` for each of `numbers`, with
    /// the answers the server gives now, one request at a time, each checked
    /// to be n! (see [`assert_is_factorial`]), as the bodies every later
    /// answer must equal.
    pub fn factorials(address: SocketAddr, numbers: &[u64]) -> Plan {
        let targets: Vec<String> = numbers
            .iter()
            .map(|n| format!("/api/v1/factorial?number={n}"))
            .collect();
        let expected = numbers
            .iter()
            .zip(&targets)
            .map(|(&n, target)| {
                let response = send(address, "GET", target, &[]);
                assert_eq!(response.status, 200, "{target}: {response:?}");
                assert_is_factorial(n, &response.body);
                (target.clone(), Bytes::from(response.body))
            })
            .collect();
        Plan { targets, expected }
    }
}

/// Primes whose residues tell n! from any other number, together but for a
/// chance of about 1 in 2^91: 2^61 − 1 and 10^9 + 7.
const CHECK_PRIMES: [u128; 2] = [(1 << 61) - 1, 1_000_000_007];

/// Checks that `body` is `{"factorial":N}` and a line feed, N the decimal
/// digits of n! without a leading zero, without computing n! or trusting
/// the component's arithmetic: N read modulo each of [`CHECK_PRIMES`] must
/// be the product 1·2·…·n modulo the same prime.
fn assert_is_factorial(n: u64, body: &[u8]) {
    let digits = body
        .strip_prefix(b"{\"factorial\":")
        .and_then(|rest| rest.strip_suffix(b"}\n"))
        .unwrap_or_else(|| {
            panic!(
                "{n}!: not a factorial's JSON: {:?}",
                &body[..body.len().min(40)]
            )
        });
    assert!(
        !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        "{n}!: not a number"
    );
    assert_ne!(digits[0], b'0', "{n}!: a leading zero");
    for prime in CHECK_PRIMES {
        let read = digits.iter().fold(0, |residue, digit| {
            (residue * 10 + u128::from(digit - b'0')) % prime
        });
        let product =
            (1..=u128::from(n)).fold(1, |residue, factor| residue * (factor % prime) % prime);
        assert_eq!(read, product, "{n}! modulo {prime}");
    }
}

/// One request and what became of it.
#[derive(Debug)]
pub struct Outcome {
    /// The `X-Request-Id` it was sent with.
    pub id: String,
    /// From sending the request to the last byte of the answer.
    pub latency: Duration,
    pub result: Result<CheckedResponse, Failure>,
}

/// A response read whole, its body checked against the plan.
#[derive(Debug)]
pub struct CheckedResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The body is the one expected for its status: the target's for 200,
    /// the runner's refusal for 503.
    pub body_as_expected: bool,
}

/// A request that got no whole answer.
#[derive(Debug)]
pub enum Failure {
    /// No connection could be made: the server is not listening.
    Refused(String),
    /// The connection closed or failed before the answer's head arrived.
    NoAnswer(String),
    /// The head arrived, then the connection failed before the body was
    /// whole.
    BodyCut(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(error) => write!(f, "refused: {error}"),
            Failure::NoAnswer(error) => write!(f, "no answer: {error}"),
            Failure::BodyCut(error) => write!(f, "body cut short: {error}"),
        }
    }
}

/// Runs `clients` clients against `address` until `stop`, or until the
/// server refuses connections. Runs on a single-threaded runtime of its own,
/// so that the clients take as little CPU as they can from the server.
pub fn run(address: SocketAddr, clients: usize, plan: &Arc<Plan>, stop: Instant) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|client| tokio::spawn(drive(address, client, plan.clone(), stop)))
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.extend(task.await.unwrap());
        }
        outcomes
    });
    Report {
        outcomes,
        elapsed: started.elapsed(),
    }
}

/// One client: its requests, one after another, until `stop`.
async fn drive(address: SocketAddr, client: usize, plan: Arc<Plan>, stop: Instant) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut connection: Option<SendRequest<Empty<Bytes>>> = None;
    for sequence in 0.. {
        if Instant::now() >= stop {
            break;
        }
        let target = &plan.targets[(client + sequence) % plan.targets.len()];
        let id = format!("load-{client}-{sequence}");
        let started = Instant::now();
        let sender = match reuse_or_connect(connection.take(), address).await {
            Ok(sender) => sender,
            Err(error) => {
                outcomes.push(Outcome {
                    id,
                    latency: started.elapsed(),
                    result: Err(Failure::Refused(error.to_string())),
                });
                break;
            }
        };
        let (result, sender) = exchange(sender, target, &id, &plan.expected[target]).await;
        connection = sender;
        outcomes.push(Outcome {
            id,
            latency: started.elapsed(),
            result,
        });
    }
    outcomes
}

/// The open connection once it can take another request, else a new one.
async fn reuse_or_connect(
    connection: Option<SendRequest<Empty<Bytes>>>,
    address: SocketAddr,
) -> std::io::Result<SendRequest<Empty<Bytes>>> {
    if let Some(mut sender) = connection
        && sender.ready().await.is_ok()
    {
        return Ok(sender);
    }
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Sends one request and reads its answer whole. Gives the connection back
/// when it may carry another request.
async fn exchange(
    mut sender: SendRequest<Empty<Bytes>>,
    target: &str,
    id: &str,
    expected: &Bytes,
) -> (
    Result<CheckedResponse, Failure>,
    Option<SendRequest<Empty<Bytes>>>,
) {
    let request = Request::get(target)
        .header(header::HOST, "localhost")
        .header("x-request-id", id)
        .body(Empty::new())
        .unwrap();
    if let Err(error) = sender.ready().await {
        return (Err(Failure::NoAnswer(error.to_string())), None);
    }
    let response = match sender.send_request(request).await {
        Ok(response) => response,
        Err(error) => return (Err(Failure::NoAnswer(error.to_string())), None),
    };
    let status = response.status().as_u16();
    let header_text = |name| {
        let value = response.headers().get(name)?;
        Some(value.to_str().ok()?.to_string())
    };
    let retry_after = header_text(header::RETRY_AFTER);
    let closing = header_text(header::CONNECTION).is_some_and(|value| value == "close");
    let body = match response.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => return (Err(Failure::BodyCut(error.to_string())), None),
    };
    let body_as_expected = match status {
        200 => body == expected,
        503 => body == SATURATED_BODY,
        _ => false,
    };
    let answer = CheckedResponse {
        status,
        retry_after,
        body_as_expected,
    };
    (Ok(answer), (!closing).then_some(sender))
}

/// Everything the clients saw.
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub elapsed: Duration,
}

impl Report {
    /// How many answers had each status.
    pub fn statuses(&self) -> BTreeMap<u16, usize> {
        let mut statuses = BTreeMap::new();
        for answer in self.answers() {
            *statuses.entry(answer.status).or_default() += 1;
        }
        statuses
    }

    /// The answers read whole.
    pub fn answers(&self) -> impl Iterator<Item = &CheckedResponse> {
        self.outcomes
            .iter()
            .filter_map(|outcome| outcome.result.as_ref().ok())
    }

    /// The requests that got no whole answer.
    pub fn failures(&self) -> Vec<&Outcome> {
        let failed = self.outcomes.iter().filter(|o| o.result.is_err());
        failed.collect()
    }

    /// Answers with the wrong body for their status.
    pub fn wrong_bodies(&self) -> usize {
        self.answers().filter(|a| !a.body_as_expected).count()
    }

    /// The `quantile` (0 to 1) of the latencies of the 200s.
    pub fn latency(&self, quantile: f64) -> Duration {
        let mut latencies: Vec<Duration> = self
            .outcomes
            .iter()
            .filter(|o| o.result.as_ref().is_ok_and(|a| a.status == 200))
            .map(|o| o.latency)
            .collect();
        assert!(!latencies.is_empty(), "no 200 to take latencies from");
        latencies.sort_unstable();
        let rank = ((latencies.len() - 1) as f64 * quantile).round() as usize;
        latencies[rank]
    }

    /// Whole answers per second.
    pub fn throughput(&self) -> f64 {
        self.answers().count() as f64 / self.elapsed.as_secs_f64()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests in {:.1} s, {:.0}/s, statuses {:?}, p50 {:.2} ms, p99 {:.2} ms",
            self.outcomes.len(),
            self.elapsed.as_secs_f64(),
            self.throughput(),
            self.statuses(),
            self.latency(0.50).as_secs_f64() * 1e3,
            self.latency(0.99).as_secs_f64() * 1e3,
        )?;
        let failures = self.failures();
        if let Some(first) = failures.first().and_then(|o| o.result.as_ref().err()) {
            write!(f, ", {} failed (the first: {first})", failures.len())?;
        }
        Ok(())
    }
}

#[test]
fn the_factorial_check_takes_n_factorial_and_nothing_else() {
    assert_is_factorial(0, b"{\"factorial\":1}\n");
    assert_is_factorial(20, b"{\"factorial\":2432902008176640000}\n");
    for wrong in [
        &b"{\"factorial\":2432902008176640001}\n"[..],
        b"{\"factorial\":2432902008176604000}\n",
        b"{\"factorial\":02432902008176640000}\n",
        b"{\"factorial\":2432902008176640000}",
        b"2432902008176640000\n",
    ] {
        assert!(std::panic::catch_unwind(|| assert_is_factorial(20, wrong)).is_err());
    }
}
