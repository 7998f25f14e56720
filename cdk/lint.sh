#!/usr/bin/env bash
# Runs shellcheck over the node scripts (cdk/*.sh), then cfn-lint over the synthesized template(s);
# fails on any finding that is not ignored below.
#   bash cdk/lint.sh            synthesize first (cdk/synth.sh), then lint
#   bash cdk/lint.sh cdk.out    lint an existing cloud assembly
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "== shellcheck $(shellcheck --version | sed -n 's/^version: //p') on cdk/*.sh"
shellcheck cdk/*.sh
echo "shellcheck: no findings"

out="${1:-}"
if [[ -z "$out" ]]; then
  bash cdk/synth.sh
  out=cdk.out
fi

shopt -s nullglob
templates=("$out"/*.template.json)
shopt -u nullglob
if [[ ${#templates[@]} -eq 0 ]]; then
  echo "no *.template.json in $out" >&2
  exit 1
fi

# Ignored, and why:
#   W3005  CDK puts both a role and its default policy into a function's (and a state machine's)
#          DependsOn. The GetAtt on the role already orders the role; the DependsOn is what makes
#          CloudFormation wait for the *policy*, so the "redundant" dependency is intended.
ignored=W3005

echo "== cfn-lint $(cfn-lint --version | cut -d' ' -f2) on ${templates[*]} (ignoring $ignored)"
cfn-lint --ignore-checks "$ignored" -- "${templates[@]}"
echo "cfn-lint: no findings"
