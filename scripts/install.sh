# shellcheck shell=bash
# Sourced by the test scripts: how they install the tools they use.
#
# Every tool is pinned, installed only when the pinned version is missing, and
# a failed install stops the run with the exact command to run by hand, so a
# broken install step cannot hide behind a tool that happens to be on PATH.

# `install WHAT COMMAND...` runs COMMAND to install WHAT, or explains and exits.
install() {
    local what=$1
    shift
    echo "installing $what"
    if ! "$@"; then
        {
            echo
            echo "error: installing $what failed. To install it by hand, run in $PWD:"
            echo "    $*"
        } >&2
        exit 1
    fi
}

# `install_crate_bin NAME VERSION BINARY CARGO_INSTALL_ARGS...` installs a
# crate's binary with `cargo install --locked` unless `BINARY --version`
# already prints VERSION.
install_crate_bin() {
    local crate=$1 version=$2 binary=$3
    shift 3
    case "$($binary --version 2>/dev/null || true)" in
        *" $version"*) return ;;
    esac
    install "$crate $version" cargo install --locked "$crate" --version "$version" "$@"
}

# `as_root COMMAND...` runs COMMAND as root: directly when root, else with sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# `install_apt COMMAND:PACKAGE...` installs, with apt-get as root, each
# Debian PACKAGE whose COMMAND is not on PATH.
install_apt() {
    local pair packages=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || packages+=("${pair#*:}")
    done
    ((${#packages[@]})) || return 0
    install "${packages[*]}" as_root env DEBIAN_FRONTEND=noninteractive bash -c \
        'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"' \
        - "${packages[@]}"
}

# `install_wasmtime` installs wasmtime-cli with only what `wasmtime serve`
# needs: its default features (every proposal, TLS, winch, pulley, the
# explorer) take longer to build. `serve` does not compile without
# `component-model-async`.
install_wasmtime() {
    install_crate_bin wasmtime-cli 48.0.8 wasmtime --no-default-features \
        --features serve,run,cranelift,component-model-async,parallel-compilation,pooling-allocator
}

# `install_npm_lockfile DIR` installs DIR's npm packages exactly as its
# package-lock.json pins them, again only when that lockfile changes.
install_npm_lockfile() {
    local dir=$1
    local stamp="$dir/node_modules/.package-lock.sha256"
    local hash
    hash=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    [ "$(cat "$stamp" 2>/dev/null || true)" = "$hash" ] && return
    install "the npm packages of $dir/package-lock.json" \
        npm --prefix "$dir" ci --no-audit --no-fund --loglevel=error
    echo "$hash" >"$stamp"
}

# `install_pip VENV REQUIREMENT...` installs exact pins into the venv VENV;
# pins already installed are satisfied without asking the index.
install_pip() {
    local venv=$1
    shift
    install "$* into $venv" "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# `install_cargo_lambda VENV` installs cargo-lambda, which emulates Lambda's
# runtime API and function URLs (`cargo lambda watch`), into the venv VENV,
# creating it if missing, and puts the venv's bin directory on PATH.
install_cargo_lambda() {
    local venv=$1
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    install_pip "$venv" cargo-lambda==1.9.2
    export PATH="$venv/bin:$PATH"
}
