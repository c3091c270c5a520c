//! The runner on AWS Lambda (`factorial-runner lambda`), behind an API
//! Gateway HTTP API or a function URL: each invocation is answered as a
//! request is by [`Service`], with the same engine, cache, limits and guest
//! state.
//!
//! - [`Function`]: what the init phase sets up once, and each invocation.
//! - [`request`]: an event (payload format 2.0) as the HTTP request it was.
//! - [`response`]: the component's answer, whole, as the function's response.
//! - [`payload`]: Lambda's 6 MB limit on a response, checked at start-up.

pub mod payload;
pub mod request;
pub mod response;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use hyper::Method;
use lambda_runtime::LambdaEvent;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use factorial_config::DEFAULT_MAX_NUMBER;

use crate::cache::CacheStatus;
use crate::config::{BYTES_PER_MIB, ServeOptions};
use crate::emf::Records;
use crate::log;
use crate::memory::{self, BudgetSource};
use crate::metrics::Metrics;
use crate::server::RESPONSE_GRACE;
use crate::service::Service;
use response::Answer;

/// The memory Lambda gives the function, in MiB, as it tells every
/// execution environment.
const FUNCTION_MEMORY_VAR: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";

/// The component loaded and ready, as the runner serves it.
pub struct Function {
    service: Service,
    metrics: Arc<Metrics>,
    deadline: Duration,
    /// One EMF record per invocation.
    records: Mutex<Records>,
}

impl Function {
    /// Checks `options`, loads the component (precompiled, beside the
    /// executable, as the package holds it) and sets up its engine: the
    /// work of the init phase, done once per execution environment.
    ///
    /// Lambda sends an execution environment one invocation at a time, so
    /// one computation is allowed, and the memory budget is the function's
    /// memory unless `--memory-budget-mib` says otherwise.
    pub fn init(mut options: ServeOptions) -> Result<Function> {
        payload::check_max_number(options.max_number.unwrap_or(DEFAULT_MAX_NUMBER))?;
        check_environment()?;
        options.limits.max_concurrent = 1;
        let plan = match options.limits.memory_budget_mib {
            Some(_) => memory::plan(&options.limits)?,
            None => memory::plan_within(
                function_memory_mib()? * BYTES_PER_MIB,
                BudgetSource::LambdaFunction(FUNCTION_MEMORY_VAR),
                &options.limits,
            )?,
        };
        let metrics = Arc::new(Metrics::default());
        let (service, component) = Service::for_options(&options, &plan, metrics.clone())?;
        let records = Records::start(options.emf.namespace.clone(), metrics.clone())?;
        tracing::info!(
            component = %component.display(),
            memory_budget_mib = plan.budget >> 20,
            memory_budget_source = %plan.source,
            "ready"
        );
        Ok(Function {
            service,
            metrics,
            deadline: options.limits.request_timeout,
            records: Mutex::new(records),
        })
    }

    /// Answers one invocation as the runner answers a request: from the
    /// cache, or with a fresh instance of the component under its memory
    /// limit and deadline; then logs it, writes its EMF record and flushes
    /// both, since Lambda may freeze the process once it has answered.
    pub async fn invoke(
        &self,
        event: LambdaEvent<ApiGatewayV2httpRequest>,
    ) -> Result<ApiGatewayV2httpResponse, Infallible> {
        let started = Instant::now();
        let in_flight = self.metrics.in_flight();
        let method = event.payload.request_context.http.method.clone();
        let path = event.payload.raw_path.clone().unwrap_or_default();
        let (answer, cache) = match request::to_http(event.payload) {
            Ok(request) => {
                let (response, cache) = self.service.answer(request).await;
                let until = started + self.deadline + RESPONSE_GRACE;
                let answer = match response {
                    Ok(response) => Answer::read(response, until, self.deadline).await,
                    Err(error) => Err(error),
                };
                // Lambda may freeze the process once it has the response:
                // a guest still running (filling the cache after a 304)
                // would hold the only slot into the next invocation.
                self.service.wait_until_idle().await;
                (answer.unwrap_or_else(|error| Answer::error(&error)), cache)
            }
            Err(error) => {
                tracing::info!(error = %error, "bad request");
                (Answer::bad_request(), CacheStatus::Off)
            }
        };
        drop(in_flight);
        let head = method == Method::HEAD;
        let duration = started.elapsed();
        let status = answer.status.as_u16();
        let bytes = if head { 0 } else { answer.body.len() as u64 };
        self.metrics.request_finished(status, duration);
        log::access(&log::Access {
            method: method.as_str(),
            path: &path,
            status,
            bytes,
            cache: cache.as_str(),
            duration,
            request_id: &event.context.request_id,
        });
        self.write_record(&event.context.request_id, status, duration, cache);
        Ok(answer.into_event(head))
    }

    /// Writes the log lines in memory, then this invocation's EMF record:
    /// the metrics' changes and, as properties, the request's id, status,
    /// duration and what the cache did.
    fn write_record(&self, request_id: &str, status: u16, duration: Duration, cache: CacheStatus) {
        let properties = Map::from_iter([
            ("RequestId".to_string(), json!(request_id)),
            ("Status".to_string(), json!(status)),
            (
                "DurationMs".to_string(),
                json!(duration.as_secs_f64() * 1e3),
            ),
            ("Cache".to_string(), Value::from(cache.as_str())),
        ]);
        let record = self
            .records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .next(properties);
        log::flush();
        match record {
            Ok(line) => println!("{line}"),
            Err(error) => tracing::error!(error = format!("{error:#}"), "no EMF record"),
        }
    }
}

/// The variables Lambda gives every execution environment, which the
/// runtime client needs (and would panic without).
const LAMBDA_VARS: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    FUNCTION_MEMORY_VAR,
];

/// An error that says how to run the function, when the process does not
/// run on Lambda or its emulator.
fn check_environment() -> Result<()> {
    let missing: Vec<_> = LAMBDA_VARS
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "not on AWS Lambda: {} unset; `scripts/lambda.sh serve` runs the function \
         through an emulator",
        missing.join(", ")
    )
}

/// The function's memory, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, which Lambda always sets
/// (`check_environment` has made sure it is there).
fn function_memory_mib() -> Result<u64> {
    let text = std::env::var(FUNCTION_MEMORY_VAR).unwrap_or_default();
    text.parse()
        .with_context(|| format!("{FUNCTION_MEMORY_VAR}={text:?} is not a number of MiB"))
}
