#!/usr/bin/env bash
# Checks that the documentation points nowhere it should not:
#   - every relative link and heading anchor in every Markdown file of the
#     repository resolves (remark-cli with remark-validate-links, offline;
#     pinned in scripts/docs/package-lock.json);
#   - every cited section of docs/contract.md (`docs/contract.md §N`) exists,
#     in every text file, code included, and nothing names the contract's
#     retired file (scripts/docs/contract_sections.py);
#   - every table rendered from bench/results/ (docs/performance.md's,
#     docs/testing.md's, the README's headline) is what its results give
#     (bench/render.py --check).
# Installs its npm packages into scripts/docs/node_modules when the lockfile
# changes. Needs node 20+ with npm, and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

install_npm_lockfile scripts/docs

# The Markdown files git tracks or would track, so that dependencies, build
# output and tools' folders (node_modules, target, cdk.out, .venv), which git
# ignores, are left out; outside a git checkout, every one but those.
markdown_files() {
    git ls-files --cached --others --exclude-standard -- '*.md' 2>/dev/null \
        || find . \( -name node_modules -o -name target -o -name cdk.out -o -name '.*' \
            -a ! -name . \) -prune -o -name '*.md' -type f -print | sed 's|^\./||'
}
mapfile -t markdown < <(markdown_files)
[ ${#markdown[@]} -gt 0 ] || { echo "docs-check: no Markdown files found"; exit 1; }

status=0
echo "==> links and anchors in ${#markdown[@]} Markdown files"
scripts/docs/node_modules/.bin/remark --rc-path scripts/docs/remarkrc.json \
    --frail --quiet --no-stdout --no-color "${markdown[@]}" || status=1

echo "==> cited sections of docs/contract.md"
python3 scripts/docs/contract_sections.py || status=1

echo "==> tables rendered from bench/results/"
python3 bench/render.py --check || status=1

exit "$status"
