#!/usr/bin/env bash
# The same factorial.wasm on WASI HTTP hosts we did not write, and embedded
# without HTTP:
#   - `wasmtime serve` and `jco serve` pass the contract checks of
#     runner/tests/serve/contract.rs (the tests in runner/tests/serve/hosts.rs);
#   - examples/embed.rs (wasmtime) and examples/js/embed.mjs (jco transpile)
#     call the typed export factorial:api/compute.
# Assumes the component is built (scripts/test.sh builds it). Installs what it
# lacks, once: wasmtime-cli into cargo's bin directory, and the npm packages
# of examples/js/package-lock.json, again only when that lockfile changes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

component=${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/factorial.wasm
[ -f "$component" ] || { echo "$component is missing: build it first (scripts/test.sh does)"; exit 1; }

install_wasmtime
# jco and preview2-shim, exactly as the lockfile pins them.
install_npm_lockfile examples/js

echo "==> the contract on wasmtime serve and jco serve"
cargo test --locked -p factorial-runner --test serve -- --ignored hosts::wasmtime_serve hosts::jco_serve

echo "==> the typed export from Rust, on wasmtime"
cargo run --locked --quiet --example embed -- "$component"

echo "==> the typed export from JavaScript, on jco transpile"
rm -rf examples/js/factorial
examples/js/node_modules/.bin/jco transpile "$component" --name factorial -o examples/js/factorial --quiet
(cd examples/js && env -u FACTORIAL_MAX_NUMBER node embed.mjs)
