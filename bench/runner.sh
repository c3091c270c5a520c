#!/usr/bin/env bash
# Benchmarks the runner against `wasmtime serve` on the same component, in
# one run, and prints a table: requests per second for small n (wrk, 2
# threads, 32 connections, 10 s), latency of one request for a few n and
# two summaries, start-up to the first 200 with the .wasm and with the
# precompiled .cwasm, and the runner's RSS idle and under load. Loopback only.
#   usage: bench/runner.sh            (installs wrk and wasmtime-cli if absent)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v wasmtime >/dev/null || cargo install wasmtime-cli --version 48.0.8 --locked

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
scripts/build-release.sh "$work/image" >/dev/null 2>&1
runner="$work/image/app/factorial-runner"
wasm="${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/factorial.wasm"

# Milliseconds from starting COMMAND... to the first 200 on PORT.
time_to_first_200() {
    local port=$1; shift
    local start; start=$(date +%s%N)
    "$@" >/dev/null 2>&1 &
    local pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/factorial?number=5"; do sleep 0.005; done
    echo $(( ($(date +%s%N) - start) / 1000000 ))
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

rps() { wrk -t2 -c32 -d10s "http://127.0.0.1:$1/api/v1/factorial?number=50" | awk '/Requests\/sec/ {print $2}'; }
rss_mib() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
# Milliseconds for one GET of PATH_AND_QUERY on PORT.
one_request_ms() {
    curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$1$2" \
        | awk '{printf "%.1f", $1 * 1000}'
}

start_wasm=$(time_to_first_200 5101 "$runner" --listen 127.0.0.1:5101 --admin-listen 127.0.0.1:0 --component "$wasm")
start_cwasm=$(time_to_first_200 5102 "$runner" --listen 127.0.0.1:5102 --admin-listen 127.0.0.1:0)
start_serve=$(time_to_first_200 5103 wasmtime serve -Scli --addr 127.0.0.1:5103 "$wasm")

"$runner" --listen 127.0.0.1:5104 --admin-listen 127.0.0.1:0 >/dev/null &
runner_pid=$!; pids+=("$runner_pid")
wasmtime serve -Scli --addr 127.0.0.1:5105 "$wasm" >/dev/null 2>&1 &
pids+=("$!")
until curl -sf -o /dev/null http://127.0.0.1:5104/healthz && curl -sf -o /dev/null http://127.0.0.1:5105/healthz; do sleep 0.05; done

rss_idle=$(rss_mib "$runner_pid")
(sleep 5; rss_mib "$runner_pid" >"$work/rss-loaded") &
runner_rps=$(rps 5104)
rss_loaded=$(cat "$work/rss-loaded")
serve_rps=$(rps 5105)

printf '\n%-44s %12s %12s\n' "measure" "runner" "wasmtime serve"
printf '%-44s %12s %12s\n' "requests/s, n=50, wrk -t2 -c32 -d10s" "$runner_rps" "$serve_rps"
for n in 5 10000 100000; do
    path="/api/v1/factorial?number=$n"
    printf '%-44s %12s %12s\n' "one request, n=$n (ms)" "$(one_request_ms 5104 "$path")" "$(one_request_ms 5105 "$path")"
done
summary_row() {
    local path="/api/v1/factorial/summary?$2"
    printf '%-44s %12s %12s\n' "summary, $1 (ms)" "$(one_request_ms 5104 "$path")" "$(one_request_ms 5105 "$path")"
}
summary_row "n=10^18, K=30" "number=1000000000000000000"
summary_row "n=2^64-1, K=1000" "number=18446744073709551615&leading=1000"
printf '%-44s %12s %12s\n' "start to first 200, .wasm (ms)" "$start_wasm" "$start_serve"
printf '%-44s %12s %12s\n' "start to first 200, precompiled .cwasm (ms)" "$start_cwasm" "-"
printf '%-44s %12s %12s\n' "RSS idle / under load (MiB)" "$rss_idle / $rss_loaded" "-"
printf '\nratio runner / wasmtime serve: %s   load average: %s\n' \
    "$(awk -v a="$runner_rps" -v b="$serve_rps" 'BEGIN {printf "%.2f", a / b}')" "$(cut -d' ' -f1-3 /proc/loadavg)"
