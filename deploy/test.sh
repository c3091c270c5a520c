#!/usr/bin/env bash
# Proves the AWS deployment without an AWS account: type check, lint, the
# unit tests on the synthesized templates (with the cdk-nag AwsSolutions
# checks) and on the CloudFront Function (against the hostile corpus),
# `npm run synth` into deploy/cdk.out (Fargate) and `npm run synth:lambda`
# into deploy/cdk.out.lambda, each with its us-east-1 stack
# (FactorialEdge), cfn-lint on the four templates, the scale and cost
# tables of docs/deploy.md against deploy/edge-cost.py, and the GitHub
# workflows and pre-commit config against their schemas.
#
# The Lambda tests and synthesis need the function's package, which
# `scripts/lambda.sh package` builds into target/lambda/arm64 (or the folder
# FACTORIAL_LAMBDA_PACKAGE names): the test command builds it first.
#
# Needs node 20+ with npm and python3 3.11+. Installs what it lacks: npm
# packages from the lockfile into deploy/node_modules, and the pinned Python
# tools of requirements-dev.txt into the venv $VENV (default deploy/.venv),
# with scripts/install.sh.
set -euo pipefail

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$deploy_dir")"
venv="${VENV:-$deploy_dir/.venv}"
cd "$deploy_dir"

source "$repo_root/scripts/install.sh"
echo "== deploy: installing (if the lockfiles changed)"
install_npm_lockfile "$deploy_dir"
[[ -x "$venv/bin/pip" ]] || install "a venv in $venv" python3 -m venv "$venv"
install_pip "$venv" -r requirements-dev.txt

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

cfn_lint() {
  local template="$1"
  # Errors fail; CDK's own warnings (e.g. W3005, redundant DependsOn) are shown only.
  [[ -f "$template" ]] && "$venv/bin/cfn-lint" --non-zero-exit-code error -- "$template"
}

# The scale and cost tables of docs/deploy.md are what edge-cost.py prints.
edge_cost_in_docs() {
  python3 edge-cost.py | python3 -c '
import sys
if sys.stdin.read() not in open(sys.argv[1], encoding="utf-8").read():
    sys.exit("docs/deploy.md differs from what deploy/edge-cost.py prints: paste its output into \"At the edge: scale and cost\"")
' "$repo_root/docs/deploy.md"
}

# No AWS here: no telemetry, no notices.
export CDK_DISABLE_CLI_TELEMETRY=true
check "type check (npm run typecheck)" npm run --silent typecheck
check "lint and format (npm run lint)" npm run --silent lint
check "unit tests and cdk-nag (npm test)" npm test --silent
rm -rf cdk.out cdk.out.lambda
check "synth, Fargate (npm run synth)" npm run --silent synth -- --no-notices
check "synth, Lambda (npm run synth:lambda)" npm run --silent synth:lambda -- --no-notices
for template in cdk.out/Factorial.template.json cdk.out/FactorialEdge.template.json \
  cdk.out.lambda/Factorial.template.json cdk.out.lambda/FactorialEdge.template.json; do
  check "cfn-lint $template" cfn_lint "$template"
done
check "docs/deploy.md's scale and cost tables (edge-cost.py)" edge_cost_in_docs
check "workflow schema (check-jsonschema)" \
  "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$repo_root"/.github/workflows/*.yml
check "pre-commit config" "$venv/bin/pre-commit" validate-config "$repo_root/.pre-commit-config.yaml"

echo
echo "== deploy: summary"
printf '  %s\n' "${results[@]}"
echo "deploy: $((${#results[@]} - failures)) passed, $failures failed"
((failures == 0))
