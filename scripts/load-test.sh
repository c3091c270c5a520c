#!/usr/bin/env bash
# The release runner under load on loopback (runner/tests/serve/load.rs): a
# minute at its limit of computations with its resident memory before and after,
# then beyond the limit, SIGTERM under load, and a request at the deadline and
# one over the memory cap beside others. Prints throughput, p50, p99, memory
# and the load average. About two minutes; every phase stops by itself.
# Assumes the component is built (scripts/test.sh builds it).
#
#   usage: scripts/load-test.sh [--record]
#
# With --record (or FACTORIAL_LOAD_RECORD=1), also writes what it printed to
# bench/results/load.csv with the run's hardware line and renders the table
# of docs/performance.md from it (bench/render.py). The test command runs it
# without, and leaves the tree as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

record=${FACTORIAL_LOAD_RECORD:-0}
[ "${1:-}" = --record ] && record=1

target=${CARGO_TARGET_DIR:-target}
[ -f "$target/wasm32-wasip2/release/factorial.wasm" ] \
    || { echo "the component is missing: build it first (scripts/test.sh does)"; exit 1; }
cargo build --release --locked -p factorial-runner
run_load_tests() {
    FACTORIAL_TEST_RUNNER=$(realpath "$target/release/factorial-runner") \
        cargo test --locked -p factorial-runner --test serve -- --ignored --nocapture --test-threads 1 load::
}
if [ "$record" = 1 ]; then
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    run_load_tests | tee "$log"
    python3 bench/record.py load-test "$log"
    python3 bench/render.py
else
    run_load_tests
fi
