#!/usr/bin/env bash
# Checks openapi.yaml against the real runner: validates the document as
# OpenAPI 3.1, then starts the runner on a free loopback port and lets
# Schemathesis generate requests from it with every check on. Any failure
# fails the script. Assumes the component is built (scripts/test.sh builds
# it) and $VENV is a Python venv; installs the pinned tools into it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
venv=${VENV:-$PWD/.venv}
target=${CARGO_TARGET_DIR:-$PWD/target}

schemathesis_version=4.32.5
validator_version=0.9.0
# Test cases per operation in each generating phase. The fuzzing phase asks
# for factorials of n up to 100000 (0.65 s each for Schemathesis to parse;
# scripts/conformance_hooks.py leaves out larger ones), so this bounds the
# run to about a minute on 2 cores.
max_examples=100

install_pip "$venv" "schemathesis==$schemathesis_version" "openapi-spec-validator==$validator_version"

echo "openapi-spec-validator openapi.yaml"
"$venv/bin/openapi-spec-validator" openapi.yaml

cargo build --quiet -p factorial-runner
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$target/debug/factorial-runner" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --component "$target/wasm32-wasip2/release/factorial.wasm" >"$work/runner.log" &
pid=$!

address=""
for _ in $(seq 300); do
    address=$(grep -o '"address":"[^"]*"' "$work/runner.log" | head -1 | cut -d'"' -f4 || true)
    [ -n "$address" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$address" ] || { echo "the runner did not start:"; cat "$work/runner.log"; exit 1; }

# Run from the scratch directory: Schemathesis keeps its example database
# and caches in the working directory. Python refuses to parse integers of
# more than 4300 digits unless told otherwise, and 100000! has 456574.
(cd "$work" && PYTHONINTMAXSTRDIGITS=0 PYTHONPATH="$OLDPWD/scripts" \
    SCHEMATHESIS_HOOKS=conformance_hooks timeout 170 "$venv/bin/schemathesis" run \
    "$OLDPWD/openapi.yaml" \
    --url "http://$address" \
    --checks all \
    --max-examples "$max_examples" \
    --workers 1 \
    --request-timeout 30 \
    --no-color)

kill -TERM "$pid"
wait "$pid"
pid=""
