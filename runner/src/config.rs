//! The command line. Every option has an environment twin, so the container
//! is configured the way ECS passes settings. Options are checked here,
//! before anything is bound or loaded.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Parser;

use crate::host::GuestSettings;

/// The environment variable through which the component reads its maximum.
pub const MAX_NUMBER_VAR: &str = "FACTORIAL_MAX_NUMBER";

/// The file the component build produces, and the name the runner looks for.
const COMPONENT_FILE: &str = "factorial.wasm";

/// Serves the factorial component over HTTP/1.1 with wasmtime.
#[derive(Debug, Clone, Parser)]
#[command(name = "factorial-runner", version, about)]
pub struct ServeOptions {
    /// The address to listen on.
    #[arg(long, env = "FACTORIAL_LISTEN", default_value = "0.0.0.0:5000")]
    pub listen: SocketAddr,

    /// The component to serve. When unset, `factorial.wasm` is looked for
    /// beside the runner's executable, then where `cargo build --release
    /// --target wasm32-wasip2` puts it.
    #[arg(long, env = "FACTORIAL_COMPONENT")]
    pub component: Option<PathBuf>,

    /// The largest n whose factorial is served. Passed to the component as
    /// `FACTORIAL_MAX_NUMBER`; when unset the component's default (100000)
    /// applies.
    #[arg(long, env = MAX_NUMBER_VAR)]
    pub max_number: Option<u64>,

    /// The largest piece of a response body the runner takes from the
    /// component at once, in bytes: what one slow client can make it buffer.
    #[arg(long, env = "FACTORIAL_BODY_CHUNK_SIZE", default_value_t = 64 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024 * 1024))]
    pub body_chunk_size: u64,
}

impl ServeOptions {
    /// The component file to load: the one given, or the first one found.
    pub fn component_path(&self) -> Result<PathBuf> {
        if let Some(path) = &self.component {
            return Ok(path.clone());
        }
        let candidates = default_component_paths();
        match candidates.iter().find(|path| path.is_file()) {
            Some(path) => Ok(path.clone()),
            None => bail!(
                "no component given (--component or FACTORIAL_COMPONENT) and none found at {}; \
                 build it with `cargo build --release --target wasm32-wasip2 -p factorial`",
                candidates
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// What each request's instance gets: the component reads its maximum
    /// from its environment.
    pub fn guest_settings(&self) -> GuestSettings {
        GuestSettings {
            env: self
                .max_number
                .map(|max| (MAX_NUMBER_VAR.to_string(), max.to_string()))
                .into_iter()
                .collect(),
            body_chunk_size: self.body_chunk_size as usize,
        }
    }
}

/// Where a component is looked for when none is given: beside the executable
/// (the container's layout), then the cargo build's output seen from the
/// executable (`target/release/` or `target/debug/`) and from the working
/// directory.
fn default_component_paths() -> Vec<PathBuf> {
    let cargo_output = Path::new("wasm32-wasip2")
        .join("release")
        .join(COMPONENT_FILE);
    let mut paths = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        paths.push(dir.join(COMPONENT_FILE));
        if let Some(target) = dir.parent() {
            paths.push(target.join(&cargo_output));
        }
    }
    paths.push(Path::new("target").join(cargo_output));
    paths
}
