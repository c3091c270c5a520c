#!/usr/bin/env bash
# Builds the image's root filesystem for one architecture into DIR: the
# runner in /app with the component precompiled beside it, and only the C
# library files the runner loads, from Debian's current packages, with their
# package records (for image scanners) and /etc/os-release. The Dockerfile's
# build stage runs this, and so does scripts/image.sh when it builds the
# image from local binaries, so both hold the very same files.
#   usage: scripts/build-release.sh DIR [amd64|arm64]
#
# The architecture defaults to the build machine's; the other one is
# cross-compiled, and its runner precompiles the component under
# qemu-user-static. On amd64, /app holds two artifacts: factorial.cwasm for
# x86-64-v3, the baseline every Fargate host runs, and one for x86-64-v4
# (AVX-512), which the runner serves where the CPU has it. On arm64 the
# artifact is compiled for a Neoverse N1 (Graviton2), the oldest Graviton
# Fargate runs on. FACTORIAL_PROFILE names the runner's cargo profile
# (default `release`). Installs the Debian packages it lacks (as root).
set -euo pipefail
out=${1:?usage: scripts/build-release.sh DIR [amd64|arm64]}
host_arch=$(dpkg --print-architecture)
arch=${2:-$host_arch}
profile=${FACTORIAL_PROFILE:-release}
cd "$(dirname "$0")/.."
source scripts/install.sh

case $arch in
    amd64) gnu=x86_64-linux-gnu ;;
    arm64) gnu=aarch64-linux-gnu ;;
    *) echo "unknown architecture $arch: amd64 or arm64" >&2; exit 1 ;;
esac
triple=${gnu%%-*}-unknown-linux-gnu
target=${CARGO_TARGET_DIR:-target}
apt=(apt-get -o "APT::Architectures::=$host_arch" -o "APT::Architectures::=$arch"
    -o APT::Sandbox::User=root)

install_apt readelf:binutils
if [ "$arch" != "$host_arch" ]; then
    install_apt "$gnu-gcc:gcc-${gnu//_/-}" "$gnu-gcc:libc6-dev-$arch-cross" \
        "qemu-${gnu%%-*}-static:qemu-user-static"
fi

rustup target add wasm32-wasip2 "$triple"
cargo build --release --locked --target wasm32-wasip2 -p factorial
run=()
if [ "$arch" = "$host_arch" ]; then
    cargo build --profile "$profile" --locked -p factorial-runner
    runner=$target/$profile/factorial-runner
else
    cargo build --profile "$profile" --locked --target "$triple" -p factorial-runner
    runner=$target/$triple/$profile/factorial-runner
    run=("qemu-${gnu%%-*}-static" -L "/usr/$gnu")
    [ "$arch" = arm64 ] && run+=(-cpu neoverse-n1)
fi

rm -rf "$out"
mkdir -p "$out/app" "$out/etc" "$out/var/lib/dpkg/status.d"
cp "$runner" "$out/app/"
component=$target/wasm32-wasip2/release/factorial.wasm
"${run[@]}" "$out/app/factorial-runner" compile --component "$component" --output "$out/app/factorial.cwasm"
if [ "$arch" = amd64 ]; then
    "${run[@]}" "$out/app/factorial-runner" compile --component "$component" --cpu x86-64-v4 \
        --output "$out/app/factorial.x86-64-v4.cwasm"
fi

# The C library the runner links, from the current packages of the build
# machine's distribution for the architecture, and their records where
# scanners such as Trivy read them. Where the distribution's archive lacks
# the other architecture (Ubuntu's is on another host), the cross-compiler's
# copy of the same library serves, without records.
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
download() { (cd "$debs" && "${apt[@]}" download -qq "libc6:$arch" "libgcc-s1:$arch") 2>/dev/null; }
if download || { as_root "${apt[@]}" update -qq 2>/dev/null && download; }; then
    for deb in "$debs"/*.deb; do
        dpkg-deb -x "$deb" "$debs/root"
        dpkg-deb -f "$deb" >"$out/var/lib/dpkg/status.d/$(dpkg-deb -f "$deb" Package)"
    done
    libraries=$debs/root
else
    echo "no $arch packages of libc6 and libgcc-s1 to download: taking the cross-compiler's"
    libraries=/usr/$gnu/lib
fi
# `copy NAME PATH` copies the library file NAME to PATH in the image.
copy() {
    local found
    found=$(find "$libraries" -name "$1" | head -1)
    [ -n "$found" ] || { echo "$1, which the runner needs, is not in $libraries" >&2; exit 1; }
    mkdir -p "$out$(dirname "$2")"
    cp -L "$found" "$out$2"
}
interpreter=$(readelf -l "$runner" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
copy "$(basename "$interpreter")" "$interpreter"
for library in $(readelf -d "$runner" | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p'); do
    copy "$library" "/lib/$gnu/$library"
done
cp -L /etc/os-release "$out/etc/os-release"
