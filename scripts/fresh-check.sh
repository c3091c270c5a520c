#!/usr/bin/env bash
# Runs the test command (scripts/test.sh) as a new machine would: in a clone
# of the current commit in an empty folder, with a fresh CARGO_HOME (every
# tool the project installs with cargo is built again, every crate fetched
# again), a fresh venv, fresh node_modules and empty pip and npm caches. Only
# the test command's prerequisites (docs/testing.md) are reused: rustup with
# its toolchains, python3 and node. A tool installed by hand into
# ~/.cargo/bin is out of reach, so an install step that does not work fails
# here.
#
#   usage: scripts/fresh-check.sh [--keep]
#
# Prints the test command's own step times and the total wall time, and
# appends them, with the commit, the exit status and the machine's hardware
# line, to bench/results/fresh-check.csv in this checkout (bench/record.py),
# then renders docs/testing.md's range of first runs and step times from it
# (bench/render.py): commit the two files to keep the run. The folder
# (several GiB of build output) is removed at the end unless --keep.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = --keep ] && keep=true

commit=$(git -C "$repo" rev-parse HEAD)
[ -z "$(git -C "$repo" status --porcelain)" ] \
    || echo "note: uncommitted changes are not checked, only commit $commit"

work=$(mktemp -d -t factorial-fresh.XXXXXX)
$keep || trap 'rm -rf "$work"' EXIT
echo "fresh check of $commit in $work"

git clone --quiet --no-local --no-checkout "$repo" "$work/factorial"
git -C "$work/factorial" checkout --quiet --detach "$commit"

# rustup's proxies (cargo, rustc, ...) without the rest of cargo's bin folder.
mkdir "$work/rustup-bin"
cargo_bin=$(dirname "$(command -v rustup)")
for tool in cargo rustc rustup rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
    ln -s "$cargo_bin/$tool" "$work/rustup-bin/$tool"
done
path=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$cargo_bin" | paste -sd:)

start=$SECONDS
status=0
(
    cd "$work/factorial"
    exec env -u CARGO_TARGET_DIR -u VENV -u RUSTC_WRAPPER \
        CARGO_HOME="$work/cargo-home" \
        RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        PIP_CACHE_DIR="$work/pip-cache" \
        npm_config_cache="$work/npm-cache" \
        PATH="$work/cargo-home/bin:$work/rustup-bin:$path" \
        ./scripts/test.sh
) | tee "$work/test.log" || status=$?
elapsed=$((SECONDS - start))
printf 'fresh check of %s: exit %d after %dm%02ds\n' "$commit" "$status" $((elapsed / 60)) $((elapsed % 60))
python3 "$repo/bench/record.py" fresh-check "$work/test.log" "$commit" "$elapsed" "$status"
python3 "$repo/bench/render.py"
exit "$status"
