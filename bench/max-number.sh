#!/usr/bin/env bash
# What a 0.25 vCPU Fargate task answers in about a second: serves the release
# runner (the container's binaries) inside a cgroup capped at a quarter of
# one CPU, as Fargate caps a 0.25 vCPU task, and times n! for a range of n,
# the first request for each n (its pooled memory touched for the first
# time) and the median of the next ones. The default maximum n comes from
# this table (docs/performance.md, "The default maximum"). Loopback only; needs root and
# a writable cgroup file system (v1 or v2). Writes the table to
# bench/results/max-number.csv with the run's hardware line and renders it
# into docs/performance.md (bench/render.py).
#   usage: bench/max-number.sh [N...]
set -euo pipefail
cd "$(dirname "$0")/.."

numbers=("$@")
[ ${#numbers[@]} -gt 0 ] || numbers=(300000 500000 700000 800000 900000 1000000 1200000)
largest=$(printf '%s\n' "${numbers[@]}" | sort -n | tail -1)
port=5110
repeats=5
period_us=100000
quota_us=25000

# The cgroup: v2's cpu.max, or v1's CFS quota.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    group=/sys/fs/cgroup/factorial-max-number
    mkdir -p "$group"
    echo "$quota_us $period_us" >"$group/cpu.max"
else
    group=/sys/fs/cgroup/cpu/factorial-max-number
    mkdir -p "$group"
    echo "$period_us" >"$group/cpu.cfs_period_us"
    echo "$quota_us" >"$group/cpu.cfs_quota_us"
fi

work=$(mktemp -d)
runner_pid=
cleanup() {
    [ -z "$runner_pid" ] || { kill "$runner_pid" 2>/dev/null; wait "$runner_pid" 2>/dev/null || true; }
    rmdir "$group" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/build-release.sh "$work/image" >/dev/null 2>&1

# The runner joins the cgroup before it starts: every thread it makes is
# capped with it.
(
    echo "$BASHPID" >"$group/cgroup.procs"
    exec "$work/image/app/factorial-runner" --listen "127.0.0.1:$port" --admin-listen 127.0.0.1:0 \
        --max-number "$largest" --memory-limit-mib 1024 --request-timeout 600s
) >/dev/null 2>&1 &
runner_pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done

# Seconds for one GET of n! as text, the body kept in $work/body; fails
# unless it is a 200.
seconds() {
    curl -sf -o "$work/body" -w '%{time_total}' -H 'Accept: text/plain' \
        "http://127.0.0.1:$port/api/v1/factorial?number=$1"
}

printf '%9s %10s %14s %16s\n' n digits "first (s)" "median of $repeats (s)"
echo "n,digits,first_s,median_s" >"$work/max-number.csv"
for n in "${numbers[@]}"; do
    first=$(seconds "$n")
    digits=$(( $(wc -c <"$work/body") - 1 ))
    median=$(for _ in $(seq "$repeats"); do seconds "$n"; echo; done | sort -n | sed -n "$(( (repeats + 1) / 2 ))p")
    printf '%9s %10s %14.2f %16.2f\n' "$n" "$digits" "$first" "$median"
    printf '%s,%s,%.2f,%.2f\n' "$n" "$digits" "$first" "$median" >>"$work/max-number.csv"
done
printf '\ncpu quota %s/%s us; load average: %s\n' "$quota_us" "$period_us" "$(cut -d' ' -f1-3 /proc/loadavg)"

# The results, with this run's hardware line, for bench/render.py, which
# renders them into docs/performance.md.
cp "$work/max-number.csv" bench/results/max-number.csv
python3 bench/record.py meta max-number \
    "quota=a CFS quota of $((quota_us / 1000)) ms per $((period_us / 1000)) ms"
python3 bench/render.py
