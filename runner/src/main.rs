//! `factorial-runner`: serves the factorial component over HTTP.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Parser;
use factorial_runner::config::ServeOptions;
use factorial_runner::engine::Service;
use factorial_runner::server;

fn main() -> ExitCode {
    let options = ServeOptions::parse();
    init_logging();
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run(options: ServeOptions) -> Result<()> {
    let component = options.component_path()?;
    let service = Arc::new(Service::load(&component, options.guest_settings())?);
    let listener = server::bind(options.listen).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        component = %component.display(),
        "listening"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    server::serve(listener, service, shutdown).await
}

/// One JSON object per line on stdout, as CloudWatch reads them; the level
/// comes from `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .init();
}
