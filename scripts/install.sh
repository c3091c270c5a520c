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
