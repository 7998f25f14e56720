#!/bin/bash
# The last step of a Spark node's set-up (cdk/node-setup.sh), run as root: a smoke check of what the
# pipeline's commands rely on, then the node marks itself set up and tells CloudFormation.
#
#   spark-node-ready              check; on success tag this instance SETUP_TAG_KEY=SETUP_TAG_VALUE
#                                 and signal success; on failure signal failure with the reason
#   spark-node-ready --failed WHY signal failure with WHY (the set-up failed before it got here)
#
# Why a signal: the node has a CloudFormation CreationPolicy, so `cdk deploy` ends only when every
# node has signalled, and fails with the node's own reason instead of leaving a half-installed
# cluster behind. Why a tag: the sweeper stops running nodes that no run holds; a node without the
# tag may still be installing, so the sweeper leaves it alone. The node role may set exactly this tag
# on exactly this instance. The tag comes before the success signal: a node CloudFormation counts as
# ready is one the sweeper may stop.
#
# Settings from the environment (node-setup.sh exports them): SPARK_HOME, SPARK_USER, S3_REGION (the
# stack's region), CFN_STACK, CFN_RESOURCE (the node's logical id), SETUP_TAG_KEY, SETUP_TAG_VALUE,
# and on the master EVENT_LOG_BUCKET and EVENT_LOG_PREFIX (Spark's event-log directory, e.g.
# "spark-events/"; empty when event logging is off or goes elsewhere).
set -euo pipefail

: "${SPARK_HOME:?}" "${SPARK_USER:?}" "${S3_REGION:?}" "${CFN_STACK:?}" "${CFN_RESOURCE:?}" "${SETUP_TAG_KEY:?}" "${SETUP_TAG_VALUE:?}"
: "${EVENT_LOG_BUCKET=}" "${EVENT_LOG_PREFIX=}"

# aws-cfn-bootstrap installs cfn-signal here.
PATH="$PATH:/opt/aws/bin"

# $1: 0 for success, else failure; $2: the reason CloudFormation shows. A signal after the creation
# policy ended (a set-up resumed at a later boot) is refused by CloudFormation; that is fine.
signal() {
  local args=(-e "$1" --stack "$CFN_STACK" --resource "$CFN_RESOURCE" --region "$S3_REGION")
  [[ "$1" == 0 ]] || args+=(--reason "$2")
  cfn-signal "${args[@]}" || echo "cfn-signal not accepted" >&2
}

fail() {
  echo "spark node set-up failed: $1" >&2
  # One short printable line: CloudFormation shows it in the stack events.
  signal 1 "$(printf '%s' "$1" | tr -c '[:print:]' ' ' | cut -c1-250)"
  exit 1
}

[[ "${1:-}" != "--failed" ]] || fail "${2:-the set-up failed}"

# --- smoke check: what the pipeline's commands need on this node ---------------------------------
java -version >/dev/null 2>&1 || fail "java -version failed"
runuser -u "$SPARK_USER" -- "$SPARK_HOME/bin/spark-submit" --version >/dev/null 2>&1 || fail "spark-submit --version failed"
compgen -G "$SPARK_HOME/jars/hadoop-aws-*.jar" >/dev/null || fail "S3A jar hadoop-aws missing"
compgen -G "$SPARK_HOME/jars/aws-java-sdk-bundle-*.jar" >/dev/null || compgen -G "$SPARK_HOME/jars/bundle-*.jar" >/dev/null || fail "AWS SDK bundle for S3A missing"
runuser -u "$SPARK_USER" -- grep -q '^spark\.authenticate\.secret ' "$SPARK_HOME/conf/spark-defaults.conf" || fail "Spark secret not readable by $SPARK_USER"

# --- Spark's event-log directory -------------------------------------------------------------------
# A SparkContext with event logging on refuses to start unless its log directory exists, and Spark
# never creates it. In S3A terms a directory exists when something lies under "prefix/"; S3A first
# sends a HEAD for the bare key "prefix", and a 403 there (no s3:GetObject on exactly that key) aborts
# the start as surely as a missing directory. So the master creates the directory marker now, while
# the deploy waits for its signal, and asks the HEAD question S3A will ask.
if [[ -n "$EVENT_LOG_BUCKET" ]]; then
  s3=(aws s3api --region "$S3_REGION")
  dir="s3://$EVENT_LOG_BUCKET/$EVENT_LOG_PREFIX"
  found="$("${s3[@]}" list-objects-v2 --bucket "$EVENT_LOG_BUCKET" --prefix "$EVENT_LOG_PREFIX" --max-keys 1 --query KeyCount --output text)" || fail "cannot list $dir"
  if [[ "$found" == 0 ]]; then
    "${s3[@]}" put-object --bucket "$EVENT_LOG_BUCKET" --key "$EVENT_LOG_PREFIX" >/dev/null || fail "cannot create $dir"
  fi
  if head="$("${s3[@]}" head-object --bucket "$EVENT_LOG_BUCKET" --key "${EVENT_LOG_PREFIX%/}" 2>&1)"; then
    fail "${dir%/} is a file, not Spark's event-log directory"
  elif [[ "$head" != *"(404)"* ]]; then
    fail "HEAD ${dir%/} (Spark asks it at every start): $head"
  fi
fi

# --- mark this instance set up, then tell CloudFormation -------------------------------------------
imds=http://169.254.169.254/latest
token="$(curl -fsS --max-time 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/api/token")" || fail "no IMDSv2 token"
id="$(curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/instance-id")" || fail "no instance id from IMDSv2"
[[ "$id" =~ ^i-[0-9a-f]{8,17}$ ]] || fail "unexpected instance id from IMDSv2"
aws ec2 create-tags --region "$S3_REGION" --resources "$id" --tags "Key=$SETUP_TAG_KEY,Value=$SETUP_TAG_VALUE" || fail "cannot tag $id $SETUP_TAG_KEY"
echo "$(date -Is) smoke check passed; $id tagged $SETUP_TAG_KEY=$SETUP_TAG_VALUE"
signal 0 ""
