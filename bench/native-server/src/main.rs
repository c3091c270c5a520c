//! Serves the component's HTTP API (`factorial::http::respond`, the code the
//! component runs) natively with hyper: the same answers, computed in
//! process, with no sandbox, no per-request instance and no cache. The
//! benchmark's measure of what the hardware serves.
//!
//!   usage: factorial-native-server [ADDRESS]   (default 127.0.0.1:5200)
//!
//! The maximum n is read from `FACTORIAL_MAX_NUMBER`, as the component
//! reads it. Each answer is computed on the connection's task: no
//! deadline, no memory limit, no limit on requests in flight.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use factorial::config::Config;
use factorial::http::{Method, Request, respond};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const DEFAULT_ADDRESS: &str = "127.0.0.1:5200";

#[tokio::main]
async fn main() -> Result<()> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or(DEFAULT_ADDRESS)
        .parse()
        .context("the address to listen on, such as 127.0.0.1:5200")?;
    let config = Arc::new(Config::from_env(std::env::vars())?);
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    loop {
        let (stream, _) = listener.accept().await.context("cannot accept")?;
        let _ = stream.set_nodelay(true);
        let config = config.clone();
        let service = service_fn(move |request| {
            let response = answer(&request, &config);
            async move { Ok::<_, Infallible>(response) }
        });
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}

/// The component's answer to `request`, as hyper sends it.
fn answer(request: &hyper::Request<Incoming>, config: &Config) -> hyper::Response<Full<Bytes>> {
    let joined = |name| {
        let values: Vec<&str> = request
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    let (accept, if_none_match) = (joined("accept"), joined("if-none-match"));
    let method = match *request.method() {
        hyper::Method::GET => Method::Get,
        hyper::Method::HEAD => Method::Head,
        _ => Method::Other,
    };
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let response = respond(
        &Request {
            method,
            path_and_query,
            accept: accept.as_deref(),
            if_none_match: if_none_match.as_deref(),
        },
        config,
    );
    let mut answer = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *answer.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let Ok(value) = hyper::header::HeaderValue::try_from(value) {
            answer.headers_mut().append(name, value);
        }
    }
    answer
}
