#!/bin/bash
# Set-up of one Spark node on Amazon Linux 2023, run as root: by cloud-init on the first boot, and by
# cloud-init's per-boot script at every later boot until it has completed once (an interrupted first
# boot, e.g. a node stopped half-way, heals itself on its next start).
#
# The CDK app (cdk/NodeSetupScript.cs) writes this file to SETUP_SCRIPT in the instance's user data,
# after a block of `export NAME='value'` lines carrying the settings below (the values are
# shell-quoted there) and after writing cdk/spark-node-boot.sh to BOOT_SCRIPT and
# cdk/spark-node-ready.sh to READY_SCRIPT. The settings are kept in SETUP_ENV for later boots.
# What it leaves behind is what the pipeline's SSM commands rely on: Java 17, Spark in SPARK_HOME
# with the S3A jars, python3, the unprivileged SPARK_USER owning Spark's working directories,
# CODE_DIRECTORY for the stage code, and aws, curl, pgrep, runuser and flock on the PATH. It starts
# no daemon: the pipeline starts Spark over SSM when a run needs it.
#
# It ends with READY_SCRIPT: a smoke check, then the node tags itself set up and signals
# CloudFormation (the node's CreationPolicy), or signals failure with the reason. Any failure before
# that signals failure too, so `cdk deploy` fails and says why.
#
# How it secures the cluster:
#   - RPC authentication: spark.authenticate is on; the shared secret comes from Secrets Manager at
#     every boot (spark-node-boot.service runs BOOT_SCRIPT) into spark-defaults.conf, which only
#     root and SPARK_USER's group can read. Without the secret no daemon or driver accepts a peer.
#   - Every Spark daemon, web UI and driver binds to the node's private address (from IMDSv2, in
#     spark-env.sh), never to all interfaces; the UIs are reached through SSM port forwarding.
#   - Spark's installation and configuration belong to root: SPARK_USER runs Spark but cannot
#     change it. sshd is off: the nodes are reached through SSM only.
#
# Safe to run again by hand (as root): sudo /usr/local/sbin/spark-node-setup
set -euo pipefail

readonly SETUP_ENV=/etc/spark-node/setup.env
# A later boot (spark-node-setup.service) has no user data exports: read what the first boot kept.
if [[ -z "${SPARK_VERSION:-}" && -r "$SETUP_ENV" ]]; then
  # shellcheck source=/dev/null
  . "$SETUP_ENV"
fi

: "${SPARK_VERSION:?SPARK_VERSION must be set, e.g. 3.5.7}"
: "${SPARK_DOWNLOAD_URL:?SPARK_DOWNLOAD_URL must be set (https:// or s3://, {version} is replaced)}"
: "${SPARK_HOME:?SPARK_HOME must be set, e.g. /opt/spark}"
: "${SPARK_USER:?SPARK_USER must be set, e.g. spark}"
: "${CODE_DIRECTORY:?CODE_DIRECTORY must be set, e.g. /opt/pipeline/code}"
: "${S3_REGION:?S3_REGION must be set to the data bucket region}"
: "${NODE_ROLE:?NODE_ROLE must be master or worker}"
: "${SPARK_AUTH_SECRET_ID:?SPARK_AUTH_SECRET_ID must be set to the ARN of the Secrets Manager secret holding the Spark RPC secret}"
: "${PYTHON_PACKAGES=}"
: "${STOP_AFTER_SETUP:=false}"
: "${CFN_STACK:?}" "${CFN_RESOURCE:?}" "${SETUP_TAG_KEY:?}" "${SETUP_TAG_VALUE:?}" "${EVENT_LOG_BUCKET=}" "${EVENT_LOG_PREFIX=}"
[[ "${WORKER_CLEANUP_TTL_SECONDS:-}" =~ ^[1-9][0-9]{0,8}$ ]] || { echo "WORKER_CLEANUP_TTL_SECONDS: expected seconds" >&2; exit 1; }

# The settings, for later boots: the same names and values, each quoted for the shell.
install -d -m 0755 "$(dirname "$SETUP_ENV")"
(
  umask 077
  export -p | grep -E '^declare -x (SPARK_VERSION|SPARK_DOWNLOAD_URL|SPARK_HOME|SPARK_USER|CODE_DIRECTORY|S3_REGION|NODE_ROLE|PYTHON_PACKAGES|STOP_AFTER_SETUP|SPARK_AUTH_SECRET_ID|CFN_[A-Z]+|SETUP_TAG_[A-Z]+|WORKER_CLEANUP_TTL_SECONDS|EVENT_LOG_[A-Z]+)=' >"$SETUP_ENV"
)

readonly MARKER=/var/lib/spark/setup-complete
readonly LOG=/var/log/spark-node-setup.log
readonly BOOT_SCRIPT=/usr/local/sbin/spark-node-boot
readonly READY_SCRIPT=/usr/local/sbin/spark-node-ready
readonly SETUP_SCRIPT=/usr/local/sbin/spark-node-setup
readonly BOOT_ENV=/etc/spark-node/boot.env
readonly PER_BOOT=/var/lib/cloud/scripts/per-boot/spark-node-setup
export SPARK_HOME SPARK_USER S3_REGION CFN_STACK CFN_RESOURCE SETUP_TAG_KEY SETUP_TAG_VALUE EVENT_LOG_BUCKET EVENT_LOG_PREFIX

exec > >(tee -a "$LOG") 2>&1
echo "$(date -Is) spark node set-up (${NODE_ROLE}, Spark ${SPARK_VERSION}) starting"

if [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$SPARK_VERSION" ]]; then
  echo "already set up for Spark ${SPARK_VERSION}; nothing to do"
  exit 0
fi

# Any failure from here on is signalled to CloudFormation with the step it happened in, so the
# deploy fails with the node's reason instead of waiting out the creation policy.
step="starting"
work=""
finish() {
  local status=$?
  if [[ -n "$work" ]]; then rm -rf "$work"; fi
  if [[ $status -ne 0 ]]; then
    "$READY_SCRIPT" --failed "$NODE_ROLE set-up failed (exit $status) while $step; see $LOG" || true
  fi
}
trap finish EXIT

# Later boots run this script again until it has completed once: cloud-init runs per-boot scripts at
# every boot (on the first one before the user data, so not twice).
install -d /var/lib/cloud/scripts/per-boot
printf '#!/bin/sh\n[ -f %s ] || exec %s\n' "$MARKER" "$SETUP_SCRIPT" >"$PER_BOOT"
chmod 0755 "$PER_BOOT"

# --- operating system packages -------------------------------------------------------------
step="installing packages"
# curl-minimal ships with the image (installing "curl" would conflict with it); aws-cfn-bootstrap
# brings cfn-signal.
dnf install -y --setopt=install_weak_deps=False \
  java-17-amazon-corretto-headless python3 python3-pip procps-ng util-linux tar gzip awscli-2 aws-cfn-bootstrap
for tool in aws curl python3 pgrep runuser flock java; do
  command -v "$tool" >/dev/null || { echo "required tool missing after install: $tool" >&2; exit 1; }
done

step="installing the Python packages"
if [[ -n "$PYTHON_PACKAGES" ]]; then
  # A space-separated list of pip requirement specifiers, split into words without glob expansion
  # ("pkg==1.*" reaches pip as written).
  read -r -a packages <<<"$PYTHON_PACKAGES"
  python3 -m pip install --no-input --disable-pip-version-check "${packages[@]}"
fi

# --- no SSH ----------------------------------------------------------------------------------
# There is no key pair and no inbound rule for port 22; with sshd off nothing listens there either.
# Operators and the pipeline reach the node through SSM.
for unit in sshd.service sshd.socket; do
  # Either may be absent from the image; absent is as good as off.
  systemctl disable --now "$unit" 2>/dev/null || true
done

# --- the Spark user and its directories ----------------------------------------------------
step="creating the Spark user"
if ! id -u "$SPARK_USER" >/dev/null 2>&1; then
  useradd --system --create-home --home-dir "/home/${SPARK_USER}" --shell /sbin/nologin "$SPARK_USER"
fi
install -d -o "$SPARK_USER" -g "$SPARK_USER" /var/lib/spark /var/lib/spark/work /var/lib/spark/local /var/log/spark
install -d -o "$SPARK_USER" -g "$SPARK_USER" "$CODE_DIRECTORY"
# PID files live on tmpfs so a stopped-and-started instance never sees stale ones.
printf 'd /run/spark 0755 %s %s -\n' "$SPARK_USER" "$SPARK_USER" >/etc/tmpfiles.d/spark.conf
systemd-tmpfiles --create /etc/tmpfiles.d/spark.conf

# --- Spark -----------------------------------------------------------------------------------
step="downloading Spark"
url="${SPARK_DOWNLOAD_URL//\{version\}/$SPARK_VERSION}"
work="$(mktemp -d)"
fetch() {
  if [[ "$1" == s3://* ]]; then
    aws s3 cp --only-show-errors --region "$S3_REGION" "$1" "$2"
  else
    curl -fsSL --retry 5 --retry-delay 5 -o "$2" "$1"
  fi
}
fetch "$url" "$work/spark.tgz"
fetch "${url}.sha512" "$work/spark.tgz.sha512"
# Apache publishes either "<hash>  <file>" or gpg's "<file>: <HASH IN GROUPS>"; compare the hex digits only.
expected="$(sed -e 's/^[^:]*://' -e 's/ [^ ]*\.tgz$//' "$work/spark.tgz.sha512" | tr -d ' \t\r\n' | tr 'A-F' 'a-f')"
actual="$(sha512sum "$work/spark.tgz" | cut -d' ' -f1)"
if [[ "$expected" != "$actual" ]]; then
  echo "checksum mismatch for $url: expected $expected, got $actual" >&2
  exit 1
fi
# Replace an earlier Spark, but never wipe a directory that holds something else.
if [[ -d "$SPARK_HOME" && -n "$(ls -A "$SPARK_HOME")" && ! -f "$SPARK_HOME/RELEASE" ]]; then
  echo "$SPARK_HOME exists and does not hold a Spark distribution; refusing to replace it" >&2
  exit 1
fi
rm -rf "$SPARK_HOME"
install -d "$SPARK_HOME"
tar -xzf "$work/spark.tgz" -C "$SPARK_HOME" --strip-components=1

# --- S3A: hadoop-aws matching the Hadoop that Spark bundles, and its AWS SDK -----------------
# Resolved with the Ivy that ships in Spark's jars (Spark's own --packages resolver), from Ivy's
# default public Maven repository, into Spark's classpath.
step="retrieving the S3A jars"
shopt -s nullglob
hadoop_jars=("$SPARK_HOME"/jars/hadoop-client-api-*.jar)
ivy_jars=("$SPARK_HOME"/jars/ivy-*.jar)
shopt -u nullglob
if [[ ${#hadoop_jars[@]} -ne 1 || ${#ivy_jars[@]} -ne 1 ]]; then
  echo "expected one hadoop-client-api and one ivy jar in $SPARK_HOME/jars" >&2
  exit 1
fi
hadoop_version="$(basename "${hadoop_jars[0]}" .jar)"
hadoop_version="${hadoop_version#hadoop-client-api-}"
java -cp "${ivy_jars[0]}" org.apache.ivy.Main \
  -dependency org.apache.hadoop hadoop-aws "$hadoop_version" \
  -confs default -types jar,bundle \
  -retrieve "$SPARK_HOME/jars/[artifact]-[revision](-[classifier]).[ext]"
compgen -G "$SPARK_HOME/jars/hadoop-aws-*.jar" >/dev/null || { echo "hadoop-aws was not retrieved" >&2; exit 1; }

# --- Spark configuration -----------------------------------------------------------------------
step="writing the Spark configuration"
java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
cat >"$SPARK_HOME/conf/spark-env.sh" <<EOF
# Written by the node set-up; the master address is given by the pipeline when it starts Spark.
export JAVA_HOME='${java_home}'
export PYSPARK_PYTHON=python3
export SPARK_LOG_DIR=/var/log/spark
export SPARK_PID_DIR=/run/spark
export SPARK_WORKER_DIR=/var/lib/spark/work
export SPARK_LOCAL_DIRS=/var/lib/spark/local
# A worker keeps every application's work directory (jars, logs, scratch) unless cleanup is on; over
# months of daily runs that fills the root volume. Directories of finished applications older than
# the TTL go, checked every 30 minutes (Spark's default interval).
export SPARK_WORKER_OPTS="-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.interval=1800 -Dspark.worker.cleanup.appDataTtl=${WORKER_CLEANUP_TTL_SECONDS}"
EOF
cat >>"$SPARK_HOME/conf/spark-env.sh" <<'EOF'
# Spark binds its RPC endpoints, block manager and web UIs (master 8080, worker 8081, application
# 4040) to SPARK_LOCAL_IP, and to all interfaces without it. It is this node's private address,
# asked of IMDSv2 each time Spark starts. If the address cannot be found Spark does not start at
# all, rather than listen everywhere.
_imds_token="$(curl -fsS --max-time 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)" \
  || { echo 'spark-env.sh: no IMDSv2 token, so no private address to bind to; not starting Spark' >&2; exit 1; }
SPARK_LOCAL_IP="$(curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: ${_imds_token}" http://169.254.169.254/latest/meta-data/local-ipv4)" \
  || { echo 'spark-env.sh: IMDSv2 gave no private address; not starting Spark' >&2; exit 1; }
unset _imds_token
case "$SPARK_LOCAL_IP" in
  *[!0-9.]* | '' | 0.* | 127.*) echo 'spark-env.sh: unexpected private address from IMDSv2; not starting Spark' >&2; exit 1 ;;
esac
export SPARK_LOCAL_IP
# The address the UIs put into their links.
export SPARK_PUBLIC_DNS="$SPARK_LOCAL_IP"
EOF
if [[ "$NODE_ROLE" == "master" ]]; then
  # start-master.sh also gets --host from the pipeline: the same private address.
  # shellcheck disable=SC2016 # expanded when Spark reads spark-env.sh, not now
  echo 'export SPARK_MASTER_HOST="$SPARK_LOCAL_IP"' >>"$SPARK_HOME/conf/spark-env.sh"
fi
cat >"$SPARK_HOME/conf/spark-defaults.conf" <<EOF
# Written by the node set-up. Per-run options come from the pipeline's spark-submit arguments.
spark.hadoop.fs.s3a.endpoint.region            ${S3_REGION}
# The instance role may write only under the stage output prefixes; with the default "delete"
# policy S3A would also try to delete directory markers of the parent prefixes.
spark.hadoop.fs.s3a.directory.marker.retention keep
spark.sql.adaptive.enabled                     true
# RPC authentication between master, workers, driver and executors, with the shared secret that
# ${BOOT_SCRIPT} appends at every boot (spark.authenticate.secret). Without the secret nothing
# authenticates: a node whose secret could not be read runs no Spark rather than an open one.
spark.authenticate                             true
# The REST submission server cannot authenticate; it stays off (Spark's default, made explicit).
spark.master.rest.enabled                      false
EOF

# Spark's installation and configuration belong to root; SPARK_USER only reads them. The
# configuration is readable by root and SPARK_USER's group alone (it is about to hold the secret).
chown -R root:root "$SPARK_HOME"
chmod 0755 "$SPARK_HOME/conf"
chmod 0644 "$SPARK_HOME/conf/spark-env.sh"
chgrp "$SPARK_USER" "$SPARK_HOME/conf/spark-defaults.conf"
chmod 0640 "$SPARK_HOME/conf/spark-defaults.conf"

# --- the Spark secret, now and at every boot -----------------------------------------------------
step="installing the Spark secret"
[[ -x "$BOOT_SCRIPT" ]] || { echo "$BOOT_SCRIPT is missing; the user data writes it before this script" >&2; exit 1; }
install -d -m 0755 "$(dirname "$BOOT_ENV")"
printf 'SPARK_HOME=%q\nSPARK_USER=%q\nSPARK_AUTH_SECRET_ID=%q\n' "$SPARK_HOME" "$SPARK_USER" "$SPARK_AUTH_SECRET_ID" >"$BOOT_ENV"
chmod 0644 "$BOOT_ENV"
cat >/etc/systemd/system/spark-node-boot.service <<EOF
[Unit]
Description=Spark RPC secret from Secrets Manager into spark-defaults.conf
Wants=network-online.target
After=network-online.target
# The pipeline starts Spark over SSM once the agent is online; by then the secret is in place.
Before=amazon-ssm-agent.service

[Service]
Type=oneshot
ExecStart=${BOOT_SCRIPT}
TimeoutStartSec=300

[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable spark-node-boot.service
"$BOOT_SCRIPT"

# --- smoke check, the set-up tag on this instance, the CloudFormation signal ------------------------
step="checking the installation"
# It signals a failure itself, with its reason; the exit trap must not signal a second time.
if ! "$READY_SCRIPT"; then
  trap - EXIT
  rm -rf "$work"
  exit 1
fi

echo "$SPARK_VERSION" >"$MARKER"
echo "$(date -Is) spark node set-up done"

# Only after the first boot (SPARK_NODE_FIRST_BOOT comes from the user data alone): a set-up resumed at
# a later boot runs on a node someone started (a run, an operator), which must not stop under them.
if [[ "$STOP_AFTER_SETUP" == "true" && "${SPARK_NODE_FIRST_BOOT:-}" == "1" ]]; then
  # Nothing runs on a node between pipeline runs; the pipeline starts it when it needs it.
  echo "stopping the instance until the pipeline needs it"
  shutdown -h +1 "spark node set-up done; stopping until the pipeline starts this node"
fi
