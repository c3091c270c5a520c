#!/usr/bin/env bash
# Builds what the container ships into DIR: the runner and the component,
# precompiled for the runner's engine. The Dockerfile runs this, and so does
# the container test, so both have the very same binaries.
#   usage: scripts/build-release.sh DIR
set -euo pipefail
out=${1:?usage: scripts/build-release.sh DIR}
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2
cargo build --release --locked --target wasm32-wasip2 -p factorial
cargo build --release --locked -p factorial-runner
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$out"
cp "$target/release/factorial-runner" "$out/"
"$out/factorial-runner" compile \
    --component "$target/wasm32-wasip2/release/factorial.wasm" \
    --output "$out/factorial.cwasm"
