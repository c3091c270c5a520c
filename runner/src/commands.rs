//! What each subcommand does: serve over HTTP or on AWS Lambda, compile
//! ahead of time, or check a running server's health. The binary only
//! calls [`main`], so that everything else stays private to the crate.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::{Cli, Command, ServeOptions};
use crate::lambda::Function;
use crate::metrics::Metrics;
use crate::service::Service;
use crate::{admin, artifact, emf, engine, healthcheck, log, memory, server};
use anyhow::{Context, Result, anyhow};
use clap::Parser;

/// The executable's name in a Lambda package: what Lambda's
/// `provided.al2023` runtime starts, with no arguments.
const LAMBDA_BOOTSTRAP: &str = "bootstrap";

/// Runs the command line `args`, the executable's name first, and says
/// how it ended.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.first().and_then(|exe| Path::new(exe).file_name()) == Some(LAMBDA_BOOTSTRAP.as_ref()) {
        args.insert(1, "lambda".into());
    }
    let cli = Cli::parse_from(args);
    let _flush_logs_on_exit = log::init();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(options)) => serve(options),
        Some(Command::Compile(options)) => artifact::component_path(options.component.as_deref())
            .and_then(|input| engine::compile(&input, &options.output, options.cpu.as_deref())),
        Some(Command::Healthcheck(options)) => healthcheck::check(&options),
        Some(Command::Lambda(options)) => serve_lambda(options),
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
    let plan = memory::plan(&options.limits)?;
    let metrics = Arc::new(Metrics::default());
    let (service, component) = Service::for_options(&options, &plan, metrics.clone())?;
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
        options.shutdown_grace,
        stop_signal(),
    )
    .await;
    if let Some(emf) = emf {
        emf.finish().await;
    }
    served
}

#[tokio::main]
async fn serve_lambda(options: ServeOptions) -> Result<()> {
    let function = Function::init(options)?;
    let function = &function;
    lambda_runtime::run(lambda_runtime::service_fn(move |event| {
        function.invoke(event)
    }))
    .await
    .map_err(|error| anyhow!(error).context("Lambda's runtime API failed"))
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
