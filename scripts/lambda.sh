#!/usr/bin/env bash
# The runner as an AWS Lambda function (`factorial-runner lambda`), through
# `cargo lambda watch`, which emulates Lambda's runtime API and function URLs
# on loopback. Installs cargo-lambda (pinned, from PyPI) into the venv
# $VENV (default .venv) when it lacks it.
#
#   scripts/lambda.sh serve
#       Builds the component and the runner, and serves the function through
#       the emulator on 127.0.0.1:9000 until interrupted; prints the base URL
#       to curl on its own line. Needs python3 beside rustup and cargo.
#   scripts/lambda.sh package [DIR]
#       The deployment package, into DIR (default target/lambda/arm64): the
#       arm64 runner as `bootstrap` (the name provided.al2023 runs) and the
#       component precompiled for Graviton2 beside it, both built by
#       scripts/build-release.sh with the cargo profile
#       FACTORIAL_ARM64_PROFILE (default `release`). Refuses a runner that
#       needs a newer glibc than Amazon Linux 2023's.
#   scripts/lambda.sh test
#       The test command's step: packages the function (into
#       FACTORIAL_LAMBDA_PACKAGE when set, as the test command sets it for
#       the deployment's step, else the default above), then runs the tests
#       of runner/tests/serve/lambda.rs through the emulator: the shared
#       corpus rows and contract checks, a trap, a deadline and a memory
#       overrun, and the arm64 package under qemu-user-static.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

venv=${VENV:-$PWD/.venv}
address=127.0.0.1:9000
# Amazon Linux 2023's C library, the newest symbol versions the function may use.
al2023_glibc=2.34

package() {
    local dir=${1:-${CARGO_TARGET_DIR:-target}/lambda/arm64} rootfs
    install_apt zip:zip
    rootfs=$(mktemp -d)
    FACTORIAL_PROFILE=${FACTORIAL_ARM64_PROFILE:-release} \
        scripts/build-release.sh "$rootfs" arm64 >"$rootfs.log" 2>&1 \
        || { cat "$rootfs.log"; exit 1; }
    rm -rf "$dir" "$rootfs.log"
    mkdir -p "$dir"
    cp "$rootfs/app/factorial-runner" "$dir/bootstrap"
    cp "$rootfs/app/factorial.cwasm" "$dir/"
    rm -rf "$rootfs"
    local newest
    newest=$(readelf --dyn-syms --wide "$dir/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    if [ "$(printf '%s\n' "GLIBC_$al2023_glibc" "$newest" | sort -V | tail -1)" != "GLIBC_$al2023_glibc" ]; then
        echo "$dir/bootstrap needs $newest; provided.al2023 has glibc $al2023_glibc" >&2
        exit 1
    fi
    echo "$dir: $(du -b "$dir/bootstrap" | cut -f1) + $(du -b "$dir/factorial.cwasm" | cut -f1) bytes," \
        "zipped $(cd "$dir" && zip -q -r - . | wc -c) bytes; glibc symbols up to $newest"
}

serve() {
    install_cargo_lambda "$venv"
    rustup target add wasm32-wasip2
    cargo build --locked --release --target wasm32-wasip2 -p factorial
    cargo build --locked --release -p factorial-runner
    cargo lambda watch --only-lambda-apis -A "${address%:*}" -P "${address#*:}" &
    local emulator=$!
    trap 'kill "$emulator" 2>/dev/null' EXIT
    until (exec 3<>"/dev/tcp/${address%:*}/${address#*:}") 2>/dev/null; do sleep 0.2; done
    echo
    echo "http://$address"
    echo
    AWS_LAMBDA_RUNTIME_API="http://$address/.rt" AWS_LAMBDA_FUNCTION_NAME=_ \
        AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=2048 \
        "${CARGO_TARGET_DIR:-target}/release/factorial-runner" lambda
}

test_lambda() {
    install_cargo_lambda "$venv"
    export FACTORIAL_LAMBDA_PACKAGE
    FACTORIAL_LAMBDA_PACKAGE=${FACTORIAL_LAMBDA_PACKAGE:-$(realpath -m "${CARGO_TARGET_DIR:-target}/lambda/arm64")}
    package "$FACTORIAL_LAMBDA_PACKAGE"
    # cargo lambda watch acknowledges a function's response before it reads
    # it, so a large one now and then reaches the client as the emulator's
    # own 500, or is lost: up to three runs, each shown whole.
    local run
    for run in 1 2 3; do
        cargo test --locked -p factorial-runner --test serve -- --ignored lambda:: && return
        echo "==> run $run failed; the emulator's race, or a real failure: see docs/testing.md"
    done
    return 1
}

case ${1:-} in
    serve) serve ;;
    package) package "${2:-}" ;;
    test) test_lambda ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d' | cut -c3- >&2
        exit 2
        ;;
esac
