#!/usr/bin/env bash
# Proves the AWS deployment without an AWS account: type check, lint, the
# unit tests on the synthesized template (with the cdk-nag AwsSolutions
# checks), `npm run synth` into deploy/cdk.out, cfn-lint on that template, and
# the GitHub workflows and pre-commit config against their schemas.
#
# Needs node 20+ with npm and python3 3.11+. Installs what it lacks: npm
# packages from the lockfile into deploy/node_modules, and the pinned Python
# tools of requirements-dev.txt into the venv $VENV (default deploy/.venv).
# Each install is redone only when its lockfile changes.
set -euo pipefail

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$deploy_dir")"
venv="${VENV:-$deploy_dir/.venv}"
cd "$deploy_dir"

# Runs "$@" unless the stamp file records the current hash of the lockfile.
install_if_stale() {
  local lockfile="$1" stamp="$2"
  shift 2
  local hash
  hash="$(sha256sum "$lockfile" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    return
  fi
  "$@"
  echo "$hash" >"$stamp"
}

echo "== deploy: installing (if the lockfiles changed)"
install_if_stale package-lock.json node_modules/.lockfile-sha256 npm ci --no-audit --no-fund
install_if_stale requirements-dev.txt "$venv/.deploy-requirements-sha256" \
  bash -c 'python3 -m venv "$1" && "$1/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt' _ "$venv"

results=()
failures=0

# Runs one check, timing it and recording its outcome for the summary.
check() {
  local name="$1"
  shift
  echo
  echo "== deploy: $name"
  local start=$SECONDS
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)")
    failures=$((failures + 1))
  fi
}

template="cdk.out/Factorial.template.json"
cfn_lint() {
  # Errors fail; CDK's own warnings (e.g. W3005, redundant DependsOn) are shown only.
  [[ -f "$template" ]] && "$venv/bin/cfn-lint" --non-zero-exit-code error -- "$template"
}

# No AWS here: no telemetry, no notices.
export CDK_DISABLE_CLI_TELEMETRY=true
check "type check (npm run typecheck)" npm run --silent typecheck
check "lint and format (npm run lint)" npm run --silent lint
check "unit tests and cdk-nag (npm test)" npm test --silent
rm -rf cdk.out
check "synth (npm run synth)" npm run --silent synth -- --no-notices
check "cfn-lint $template" cfn_lint
check "workflow schema (check-jsonschema)" \
  "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$repo_root"/.github/workflows/*.yml
check "pre-commit config" "$venv/bin/pre-commit" validate-config "$repo_root/.pre-commit-config.yaml"

echo
echo "== deploy: summary"
printf '  %s\n' "${results[@]}"
echo "deploy: $((${#results[@]} - failures)) passed, $failures failed"
((failures == 0))
