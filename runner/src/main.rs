//! `factorial-runner`: serves the factorial component over HTTP or on AWS
//! Lambda, compiles it ahead of time, or checks a running server's health.

use std::process::ExitCode;

fn main() -> ExitCode {
    factorial_runner::commands::main(std::env::args_os())
}
