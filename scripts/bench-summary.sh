#!/usr/bin/env bash
# Times the summary of n! natively, inside wasmtime through the typed export,
# and against mpmath's loggamma (bench/summary.rs). Needs rustup, cargo and
# python3; installs mpmath into the project's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-$PWD/.venv}

rustup target add wasm32-wasip2
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import mpmath' 2>/dev/null || "$venv/bin/pip" install --quiet mpmath==1.4.1
cargo build --release --target wasm32-wasip2 -p factorial
SUMMARY_BENCH_PYTHON="$venv/bin/python" cargo bench --bench summary
