#!/usr/bin/env bash
# Runs every test of the project from a fresh clone. It needs only rustup and
# cargo; whatever else a step uses, it installs itself.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: the wasm32-wasip2 target, and a Python venv for the test tools"
rustup target add wasm32-wasip2
export VENV=$PWD/.venv
[ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"

step "build the component, and the misbehaving one the runner's tests use"
cargo build --release --target wasm32-wasip2 -p factorial -p runner-test-guest

step "format and lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p factorial -p runner-test-guest --lib --target wasm32-wasip2 -- -D warnings

step "unit, component and end-to-end tests"
cargo test --workspace

step "the OpenAPI document against the runner: openapi-spec-validator and Schemathesis"
scripts/conformance.sh

step "fuzz smoke: each cargo-fuzz target for 30 s"
scripts/fuzz-smoke.sh

step "portability: wasmtime serve and jco serve pass the contract; both embedding examples run"
scripts/portability.sh

step "load and faults: the release runner under load, beyond its limit, and stopped under load"
scripts/load-test.sh

step "the container: hadolint, and the image's binaries run as the image would"
scripts/container-test.sh

step "the AWS deployment: CDK unit tests, cdk-nag, synth, cfn-lint, workflow schemas"
deploy/test.sh
