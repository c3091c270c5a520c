#!/usr/bin/env bash
# The release runner under load on loopback (runner/tests/serve/load.rs): a
# minute at its limit of computations with its resident memory before and after,
# then beyond the limit, SIGTERM under load, and a request at the deadline and
# one over the memory cap beside others. Prints throughput, p50, p99, memory
# and the load average. About two minutes; every phase stops by itself.
# Assumes the component is built (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
[ -f "$target/wasm32-wasip2/release/factorial.wasm" ] \
    || { echo "the component is missing: build it first (scripts/test.sh does)"; exit 1; }
cargo build --release --locked -p factorial-runner
FACTORIAL_TEST_RUNNER=$(realpath "$target/release/factorial-runner") \
    cargo test --locked -p factorial-runner --test serve -- --ignored --nocapture --test-threads 1 load::
