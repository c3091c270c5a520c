//! End-to-end tests: the real `factorial-runner` binary on a loopback port,
//! spoken to over raw TCP, then stopped.

/// Starting the runner and talking HTTP/1.1 to it.
mod support;

/// Attacks on the bounds: rotating `Accept` values, a leader that reads
/// nothing, a client that reads a byte a second, descriptors exhausted.
mod attack;
/// The shared cache: what it stores, serves, evicts, and computes once.
mod cache;
/// The contract over real HTTP beyond the corpus's rows: headers across
/// answers, the maximum, a large body.
mod contract;
/// The corpus of contract rows (`tests/corpus/hostile.txt`) over raw TCP.
mod corpus;
/// The same contract on `wasmtime serve` and `jco serve` (ignored by default).
mod hosts;
/// The runner as a Lambda function, through `cargo lambda watch` (ignored by
/// default).
mod lambda;
/// Shutdown, precompiled artifacts and the health check.
mod lifecycle;
/// Deadlines, memory, concurrency, connection timeouts, traps.
mod limits;
/// Load and faults under it (ignored by default).
mod load;
/// The clients of `load`.
mod loadgen;
/// The access log, the metrics, and the metrics as CloudWatch EMF records.
mod observability;
/// Start-up: finding the component, and refusing bad configuration.
mod startup;
