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

component=${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/factorial.wasm
[ -f "$component" ] || { echo "$component is missing: build it first (scripts/test.sh does)"; exit 1; }

# wasmtime-cli with the features `serve` needs: its defaults (every proposal,
# TLS, winch, pulley, the explorer) took 21 minutes to build on 2 cores.
wasmtime_version=48.0.8
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
case "$(wasmtime --version 2>/dev/null || true)" in
    "wasmtime $wasmtime_version"*) ;;
    *) cargo install wasmtime-cli --version "$wasmtime_version" --locked --no-default-features \
           --features serve,run,cranelift,parallel-compilation,pooling-allocator ;;
esac

# jco and preview2-shim, exactly as the lockfile pins them.
lock=examples/js/package-lock.json
stamp=examples/js/node_modules/.package-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$(sha256sum "$lock")" ]; then
    (cd examples/js && npm ci --no-audit --no-fund --loglevel=error)
    sha256sum "$lock" >"$stamp"
fi

echo "==> the contract on wasmtime serve and jco serve"
cargo test --locked -p factorial-runner --test serve -- --ignored hosts::

echo "==> the typed export from Rust, on wasmtime"
cargo run --locked --quiet --example embed -- "$component"

echo "==> the typed export from JavaScript, on jco transpile"
rm -rf examples/js/factorial
examples/js/node_modules/.bin/jco transpile "$component" --name factorial -o examples/js/factorial --quiet
(cd examples/js && env -u FACTORIAL_MAX_NUMBER node embed.mjs)
