//! `factorial-runner healthcheck`: the container's health check. The image
//! has no shell and no curl, so the runner asks itself.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

use anyhow::{Context, Result, bail};

use crate::config::HealthcheckOptions;

/// Sends `GET /healthz` to the server at `options.listen` and succeeds on
/// `200` with the body `ok`.
pub fn check(options: &HealthcheckOptions) -> Result<()> {
    let address = reachable(options.listen);
    let mut stream = TcpStream::connect_timeout(&address, options.timeout)
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_read_timeout(Some(options.timeout))?;
    stream.set_write_timeout(Some(options.timeout))?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .with_context(|| format!("cannot send to {address}"))?;
    let mut answer = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .with_context(|| format!("no answer from {address}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    if !status_line.starts_with("HTTP/1.1 200 ") || !answer.ends_with("\r\n\r\nok") {
        bail!("unhealthy: {address} answered {status_line:?}");
    }
    Ok(())
}

/// The address to dial for a listen address: a wildcard is reached over
/// loopback.
fn reachable(listen: SocketAddr) -> SocketAddr {
    let mut address = listen;
    if listen.ip().is_unspecified() {
        address.set_ip(match listen {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    address
}
