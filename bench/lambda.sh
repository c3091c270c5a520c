#!/usr/bin/env bash
# The runner as a Lambda function against the runner as a server, on
# loopback, through `cargo lambda watch`: cold start with the .cwasm and the
# .wasm, warm invocations for n = 50, 10^4 and 10^5, and the deployment
# package's bytes; prints one table (bench/lambda.py says what each row
# times), writes it to bench/results/lambda.json and renders it into
# docs/performance.md (bench/render.py). Builds the x86_64 release runner as
# the image ships it; installs cargo-lambda.
#   usage: bench/lambda.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

venv=${VENV:-$PWD/.venv}
install_cargo_lambda "$venv"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/build-release.sh "$work/image" >/dev/null 2>&1
python3 bench/lambda.py "$work/image/app"
python3 bench/render.py
