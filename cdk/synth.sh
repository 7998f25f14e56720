#!/usr/bin/env bash
# Synthesizes the CloudFormation template into cdk.out/, building first what the stack packages:
# the Native AOT `bootstrap` of src/Functions (published to artifacts/functions) and the CDK app.
# Runs offline and without AWS credentials. Extra arguments go to `cdk synth` (e.g. -c key=value).
# It prints the AMI the nodes get: the AMI is fixed at synth, so a deploy never replaces the nodes
# because AWS published a newer image.
#
#   bash cdk/synth.sh
#   bash cdk/synth.sh --record-ami               with credentials, once: look up the current Amazon Linux
#                                                2023 image and record it in cdk.context.json (commit it)
#   SKIP_FUNCTIONS_PUBLISH=1 bash cdk/synth.sh   reuse artifacts/functions when a caller just published it
set -euo pipefail

lookups=(--no-lookups)
if [[ "${1:-}" == "--record-ami" ]]; then
  shift
  # The one synth that may call AWS: CDK's context lookup of the AMI parameter, saved in cdk.context.json.
  lookups=(-c recordAmi=true)
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# jsii (the bridge between the C# app and the CDK's JavaScript) warns loudly about Node versions it
# has not been tested with; the synth does not depend on it.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="${JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION:-1}"
export CDK_DISABLE_VERSION_CHECK=1
export CDK_DISABLE_CLI_TELEMETRY=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

if [[ ! -x node_modules/.bin/cdk ]]; then
  echo "== npm ci (pinned aws-cdk CLI)"
  npm ci --no-audit --no-fund
fi

if [[ "${SKIP_FUNCTIONS_PUBLISH:-}" == "1" && -f artifacts/functions/bootstrap ]]; then
  echo "== reusing artifacts/functions (SKIP_FUNCTIONS_PUBLISH=1)"
else
  echo "== dotnet publish src/Functions -> artifacts/functions"
  dotnet publish src/Functions -c Release -r linux-x64 -o artifacts/functions
fi

echo "== dotnet build cdk"
dotnet build cdk/Cdk.csproj -c Release

echo "== cdk synth -> cdk.out"
# A fresh directory, so cdk.out holds exactly this synth (assets of earlier ones pile up otherwise).
rm -rf cdk.out
# The app was just built; cdk.json's "dotnet run" would build it again.
npx --no-install cdk synth --quiet --output cdk.out "${lookups[@]}" \
  --app "dotnet cdk/bin/Release/net10.0/Pipeline.Cdk.dll" "$@"

ls -1 cdk.out/*.template.json
python3 - cdk.out/*.template.json <<'PY'
import json, sys
template = json.load(open(sys.argv[1]))
images = {json.dumps(r["Properties"]["ImageId"]) for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Instance"}
if any('"Ref"' in image for image in images):
    print("node AMI: none fixed (offline synth, nothing recorded): CloudFormation will ask for the NodeImageId parameter;"
          " set deployment.amiId or run ./pipeline synth --record-ami with credentials (README, Deploy)")
else:
    print("node AMI: " + ", ".join(sorted(json.loads(image) for image in images)) + " (fixed at synth; see README, Deploy, to move to a newer one)")
PY
