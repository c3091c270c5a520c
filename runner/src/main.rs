//! `factorial-runner`: serves the factorial component over HTTP, compiles it
//! ahead of time, or checks a running server's health.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use factorial_runner::config::{self, Cli, Command, ServeOptions};
use factorial_runner::metrics::Metrics;
use factorial_runner::service::Service;
use factorial_runner::{admin, healthcheck, server};
use factorial_runner::{emf, engine, log, memory};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _flush_logs_on_exit = log::init();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(options)) => serve(options),
        Some(Command::Compile(options)) => config::component_path(options.component.as_deref())
            .and_then(|input| engine::precompile(&input, &options.output, options.cpu.as_deref())),
        Some(Command::Healthcheck(options)) => healthcheck::check(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "exiting");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn serve(options: ServeOptions) -> Result<()> {
    let component = config::component_path(options.component.as_deref())?;
    let plan = memory::plan(&options.limits)?;
    let metrics = Arc::new(Metrics::default());
    let service = Service::load(
        &component,
        options.guest_settings(),
        &options.limits,
        &plan,
        metrics.clone(),
    )?;
    let listener = server::bind(options.listen).await?;
    let admin_listener = server::bind(options.admin_listen).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        admin_address = %admin_listener.local_addr()?,
        component = %component.display(),
        memory_budget_mib = plan.budget >> 20,
        memory_budget_source = %plan.source,
        computations = plan.computations,
        "listening"
    );
    tokio::spawn(admin::serve(admin_listener, metrics.clone()));
    let emf = emf::Publisher::start(&options.emf, metrics.clone());
    let served = server::serve(
        listener,
        Arc::new(service),
        metrics,
        &options.limits,
        stop_signal(),
    )
    .await;
    if let Some(emf) = emf {
        emf.finish().await;
    }
    served
}

/// Completes on SIGTERM (what ECS sends) or SIGINT (Ctrl-C).
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let signals = signal(SignalKind::terminate())
        .and_then(|term| Ok((term, signal(SignalKind::interrupt())?)))
        .context("cannot listen for signals");
    match signals {
        Ok((mut term, mut interrupt)) => {
            tokio::select! {
                _ = term.recv() => tracing::info!(signal = "SIGTERM", "stopping"),
                _ = interrupt.recv() => tracing::info!(signal = "SIGINT", "stopping"),
            }
        }
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "serving without graceful shutdown"
            );
            std::future::pending::<()>().await;
        }
    }
}
