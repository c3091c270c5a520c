#!/usr/bin/env bash
# Benchmarks the hosts of the same component in one run on loopback, and
# prints one table. Hosts: the runner as the container ships it (the
# precompiled .cwasm) with its cache on and off, `wasmtime serve` on the
# .wasm, and the native reference server (bench/native-server: the
# component's own code in process, no sandbox, no cache). Rows: requests per
# second for n = 50 (every request the same n) and for n random in 0..=1000
# (wrk, 2 threads, 32 connections, 8 s; the best of two rounds, the hosts
# interleaved), and each server's CPU time per request in that round; 32
# concurrent clients on one
# uncached 300000! (wall time, and the server's CPU seconds); the median of 11
# requests (interleaved across the hosts) for 100000! and 300000!, each a
# miss, and for 100000! repeated;
# two summaries; start-up to the first 200; the runner's resident memory.
# A second table splits a miss's time: the runner from the shipped .cwasm
# and from the .wasm compiled for this CPU, against `wasmtime serve` without
# and with a deadline (`-W timeout`, which compiles in the same epoch
# checks). Writes both tables to bench/results/runner.csv and runner-miss.csv
# with the run's hardware line (runner.meta.json) and renders them into
# docs/performance.md (bench/render.py).
#   usage: bench/runner.sh            (installs wrk and wasmtime-cli if absent)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v wasmtime >/dev/null || cargo install wasmtime-cli --version 48.0.8 --locked

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
target=${CARGO_TARGET_DIR:-target}
scripts/build-release.sh "$work/image" >/dev/null 2>&1
cargo build --release --locked -p factorial-native-server >/dev/null 2>&1
runner="$work/image/app/factorial-runner"
native="$target/release/factorial-native-server"
wasm="$target/wasm32-wasip2/release/factorial.wasm"

# The hosts' ports, in the table's column order, and their admin ports.
cached=5104 uncached=5106 serve=5105 reference=5107
hosts=("$cached" "$uncached" "$serve" "$reference")
# Two more, for a miss's time alone.
host_cpu=5108 serve_deadline=5109

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

start_wasm=$(time_to_first_200 5101 "$runner" --listen 127.0.0.1:5101 --admin-listen 127.0.0.1:0 --component "$wasm")
start_cwasm=$(time_to_first_200 5102 "$runner" --listen 127.0.0.1:5102 --admin-listen 127.0.0.1:0)
start_serve=$(time_to_first_200 5103 wasmtime serve -Scli --addr 127.0.0.1:5103 "$wasm")

"$runner" --listen "127.0.0.1:$cached" --admin-listen 127.0.0.1:5114 >/dev/null &
cached_pid=$!
"$runner" --listen "127.0.0.1:$uncached" --admin-listen 127.0.0.1:5116 --cache-bytes 0 >/dev/null &
uncached_pid=$!
wasmtime serve -Scli --addr "127.0.0.1:$serve" "$wasm" >/dev/null 2>&1 &
serve_pid=$!
"$native" "127.0.0.1:$reference" &
reference_pid=$!
server_pids=("$cached_pid" "$uncached_pid" "$serve_pid" "$reference_pid")
declare -A pid_of
for i in "${!hosts[@]}"; do pid_of[${hosts[$i]}]=${server_pids[$i]}; done
pids+=("${server_pids[@]}")
for port in "${hosts[@]}"; do
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
done

row() { printf '%-46s %11s %11s %11s %11s\n' "$@"; }
# One line of a CSV file: its fields joined by commas (none holds a comma).
csv_line() { local IFS=,; echo "$*"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
rss_mib() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
# The CPU seconds process PID has used (user and system).
cpu_seconds() {
    awk -v tick="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / tick}' "/proc/$1/stat"
}
# Requests per second on PORT (served by PID): wrk -t2 -c32 -d8s, with
# wrk's ARGS...; then the server's CPU microseconds per request.
rps() {
    local port=$1 pid=$2; shift 2
    local cpu_before; cpu_before=$(cpu_seconds "$pid")
    wrk -t2 -c32 -d8s "$@" "http://127.0.0.1:$port/api/v1/factorial?number=50" >"$work/wrk"
    awk -v cpu="$(awk -v a="$(cpu_seconds "$pid")" -v b="$cpu_before" 'BEGIN {print a - b}')" '
        /requests in/ {requests = $1}
        /Requests\/sec/ {rate = $2}
        END {printf "%.0f %.0f", rate, cpu / requests * 1e6}' "$work/wrk"
}
# The best of two rounds of `rps PORT PID ARGS...` on each of PORTS (a
# space-separated list), the rounds interleaved so that a change in the
# machine's load falls on every host alike: its requests per second and,
# from the same round, the server's CPU microseconds per request.
best_rps() {
    local ports=$1; shift
    local port
    for _ in 1 2; do
        for port in $ports; do echo "$port $(rps "$port" "${pid_of[$port]}" "$@")"; done
    done >"$work/rates"
    for port in $ports; do
        awk -v port="$port" '$1 == port && $2 > best {best = $2; cpu = $3} END {print best, cpu}' "$work/rates"
    done
}
# The medians of 11 times, in ms, of GET PATH_AND_QUERY on each of PORTS,
# the requests interleaved across them; with `variants`, each request has
# another Accept value (text/plain each time), so that each is a miss of a
# cache.
medians_ms() {
    local path=$1 variants=$2 i port; shift 2
    for i in $(seq 11); do
        local accept="text/plain"
        [ -n "$variants" ] && accept="text/plain;q=0.$((100 + i))"
        for port in "$@"; do
            echo "$port $(curl -s -o /dev/null -H "Accept: $accept" -w '%{time_total}' "http://127.0.0.1:$port$path")"
        done
    done >"$work/times"
    for port in "$@"; do
        awk -v port="$port" '$1 == port {print $2}' "$work/times" | sort -n \
            | awk 'NR == 6 {printf "%.1f\n", $1 * 1000}'
    done
}
# Wall seconds and the server's CPU seconds for 32 clients at once asking
# PORT (served by PID) for 300000!.
concurrent() {
    local port=$1 pid=$2 requests=()
    for _ in $(seq 32); do
        requests+=(-o /dev/null "http://127.0.0.1:$port/api/v1/factorial?number=300000")
    done
    local cpu_before; cpu_before=$(cpu_seconds "$pid")
    local start; start=$(date +%s%N)
    curl -s --parallel --parallel-immediate --parallel-max 32 -H "Accept: text/plain" "${requests[@]}" 2>/dev/null
    local wall; wall=$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN {printf "%.2f", ns / 1e9}')
    echo "$wall / $(awk -v a="$(cpu_seconds "$pid")" -v b="$cpu_before" 'BEGIN {printf "%.2f", a - b}')"
}

cache_counter() {
    curl -s http://127.0.0.1:5114/metrics | awk -v name="factorial_cache_$1_total" '$1 == name {print $2}'
}
# First, while nothing is stored: 32 clients on one 300000!.
misses_before=$(cache_counter misses)
concurrency=()
for i in "${!hosts[@]}"; do
    concurrency+=("$(concurrent "${hosts[$i]}" "${server_pids[$i]}")")
done
shared_computation="$(( $(cache_counter misses) - misses_before )) miss, $(cache_counter coalesced) coalesced"

rss_idle=$(rss_mib "$cached_pid")
(sleep 4; rss_mib "$cached_pid" >"$work/rss-loaded") &
mapfile -t hot_runs < <(best_rps "${hosts[*]}")
rss_loaded=$(cat "$work/rss-loaded")
cat >"$work/random.lua" <<'EOF'
request = function()
    return wrk.format("GET", "/api/v1/factorial?number=" .. math.random(0, 1000))
end
EOF
mapfile -t random_runs < <(best_rps "$uncached $serve $reference" -s "$work/random.lua")
random_runs=("- -" "${random_runs[@]}")
hot=() hot_cpu=() random=() random_cpu=()
for i in "${!hosts[@]}"; do
    read -r rate cpu <<<"${hot_runs[$i]}"; hot+=("$rate"); hot_cpu+=("$cpu")
    read -r rate cpu <<<"${random_runs[$i]}"; random+=("$rate"); random_cpu+=("$cpu")
done

printf '\n'
row "measure" "runner" "runner" "wasmtime" "native"
row "" "cache on" "cache off" "serve" "reference"
row "requests/s, n=50 (best of 2 rounds)" "${hot[@]}"
row "requests/s, n random in 0..=1000 (best of 2)" "${random[@]}"
row "server CPU per request, n=50 (us)" "${hot_cpu[@]}"
row "server CPU per request, n random (us)" "${random_cpu[@]}"
row "32 clients on one 300000!: wall / CPU (s)" "${concurrency[@]}"
mapfile -t miss_100000 < <(medians_ms "/api/v1/factorial?number=100000" variants "${hosts[@]}")
row "100000!, miss (ms, median of 11)" "${miss_100000[@]}"
mapfile -t miss_300000 < <(medians_ms "/api/v1/factorial?number=300000" variants "${hosts[@]}")
row "300000!, miss (ms, median of 11)" "${miss_300000[@]}"
mapfile -t repeated < <(medians_ms "/api/v1/factorial?number=100000" "" "${hosts[@]}")
row "100000!, repeated (ms, median of 11)" "${repeated[@]}"
mapfile -t summary_k30 < <(medians_ms "/api/v1/factorial/summary?number=1000000000000000000" "" "${hosts[@]}")
row "summary, n=10^18, K=30 (ms, median of 11)" "${summary_k30[@]}"
mapfile -t summary_k1000 < <(medians_ms "/api/v1/factorial/summary?number=18446744073709551615&leading=1000" "" "${hosts[@]}")
row "summary, n=2^64-1, K=1000 (ms, median of 11)" "${summary_k1000[@]}"
row "start to first 200, .wasm (ms)" "$start_wasm" "-" "$start_serve" "-"
row "start to first 200, precompiled .cwasm (ms)" "$start_cwasm" "-" "-" "-"
row "RSS idle / under load (MiB)" "$rss_idle / $rss_loaded" "-" "-" "-"

# Where a miss's time goes: the shipped artifact against the .wasm compiled
# at start for this CPU, and the epoch checks behind the runner's deadline,
# which `wasmtime serve` compiles in only when given a timeout.
"$runner" --listen "127.0.0.1:$host_cpu" --admin-listen 127.0.0.1:0 --cache-bytes 0 --component "$wasm" >/dev/null &
pids+=("$!")
wasmtime serve -Scli -W timeout=30s --addr "127.0.0.1:$serve_deadline" "$wasm" >/dev/null 2>&1 &
pids+=("$!")
for port in "$host_cpu" "$serve_deadline"; do
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done
done
printf '\n'
row "miss (ms, median of 11)" "runner" "runner" "wasmtime" "wasmtime"
row "" ".cwasm" ".wasm" "serve" "serve -W"
row "" "(shipped)" "(this CPU)" "" "timeout=30s"
misses="n,cwasm,wasm,serve,serve_timeout"
for n in 100000 300000; do
    mapfile -t times < <(medians_ms "/api/v1/factorial?number=$n" variants \
        "$uncached" "$host_cpu" "$serve" "$serve_deadline")
    row "$n!" "${times[@]}"
    misses+=$'\n'"$(csv_line "$n" "${times[@]}")"
done

printf '\nrunner, cache on, 32 clients on one 300000!: %s\n' "$shared_computation"
printf 'n=50: runner (cache on) / native %s; n random: runner (cache off) / wasmtime serve %s\n' \
    "$(ratio "${hot[0]}" "${hot[3]}")" "$(ratio "${random[1]}" "${random[2]}")"
printf 'miss, runner (cache on) / wasmtime serve: 100000! %s, 300000! %s\n' \
    "$(ratio "${miss_100000[0]}" "${miss_100000[2]}")" "$(ratio "${miss_300000[0]}" "${miss_300000[2]}")"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The results, with this run's hardware line, for bench/render.py, which
# renders them into docs/performance.md: one line per measure, the hosts in
# the first table's column order.
{
    echo "measure,cache_on,cache_off,wasmtime_serve,native"
    csv_line rps_same "${hot[@]}"
    csv_line rps_random "${random[@]}"
    csv_line cpu_same_us "${hot_cpu[@]}"
    csv_line cpu_random_us "${random_cpu[@]}"
    csv_line concurrent_300000_s "${concurrency[@]}"
    csv_line miss_100000_ms "${miss_100000[@]}"
    csv_line miss_300000_ms "${miss_300000[@]}"
    csv_line repeated_100000_ms "${repeated[@]}"
    csv_line summary_1e18_k30_ms "${summary_k30[@]}"
    csv_line summary_max_k1000_ms "${summary_k1000[@]}"
    csv_line start_wasm_ms "$start_wasm" - "$start_serve" -
    csv_line start_cwasm_ms "$start_cwasm" - - -
    csv_line rss_mib "$rss_idle / $rss_loaded" - - -
} >bench/results/runner.csv
echo "$misses" >bench/results/runner-miss.csv
python3 bench/record.py meta runner "shared_computation=$shared_computation"
python3 bench/render.py
