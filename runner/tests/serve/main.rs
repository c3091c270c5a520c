//! End-to-end tests: the real `factorial-runner` binary on a loopback port,
//! spoken to over raw TCP, then stopped.

/// Starting the runner and talking HTTP/1.1 to it.
mod support;

/// The contract over real HTTP.
mod contract;
/// Start-up: finding the component, and refusing bad configuration.
mod startup;
