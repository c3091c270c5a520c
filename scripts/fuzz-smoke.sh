#!/usr/bin/env bash
# A short, bounded run of each cargo-fuzz target in fuzz/ (its own
# workspace), after its formatting, lints and unit tests: fails on the first
# crash or broken invariant. Installs cargo-fuzz when it is missing.
#
# It builds with the project's toolchain and no sanitizer, so it runs where
# only that toolchain is installed: the code under test is safe Rust, and
# cargo-fuzz builds keep overflow checks and debug assertions on. A long run
# with AddressSanitizer on nightly is in docs/testing.md ("Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/install.sh

seconds=${FUZZ_SECONDS:-30}
install_crate_bin cargo-fuzz 0.13.2 "cargo fuzz"

cargo fmt --manifest-path fuzz/Cargo.toml --check
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
cargo test --manifest-path fuzz/Cargo.toml --lib

corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for target in query respond; do
    mkdir "$corpus/$target"
    # libFuzzer stops itself after max_total_time; the timeout is a backstop
    # that leaves room for the build, which may wait for cargo's lock.
    timeout $((seconds + 600)) cargo fuzz run --sanitizer none "$target" "$corpus/$target" -- \
        -max_total_time="$seconds" -dict=fuzz/http.dict -print_final_stats=1
done
