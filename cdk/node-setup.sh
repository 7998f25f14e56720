#!/bin/bash
# First-boot set-up of one Spark node on Amazon Linux 2023, run by cloud-init as root.
#
# The CDK app (cdk/NodeSetupScript.cs) puts this file into the instance's user data after a block
# of `export NAME='value'` lines carrying the settings below; the values are shell-quoted there.
# What it leaves behind is what the pipeline's SSM commands rely on: Java 17, Spark in SPARK_HOME
# with the S3A jars, python3, the unprivileged SPARK_USER owning Spark's directories, CODE_DIRECTORY
# for the stage code, and aws, curl, pgrep, runuser and flock on the PATH. It starts no daemon: the
# pipeline starts Spark over SSM when a run needs it.
#
# Safe to run again (as root) if a first boot failed half-way:
#   sudo bash /var/lib/cloud/instance/scripts/part-001
set -euo pipefail

: "${SPARK_VERSION:?SPARK_VERSION must be set, e.g. 3.5.7}"
: "${SPARK_DOWNLOAD_URL:?SPARK_DOWNLOAD_URL must be set (https:// or s3://, {version} is replaced)}"
: "${SPARK_HOME:?SPARK_HOME must be set, e.g. /opt/spark}"
: "${SPARK_USER:?SPARK_USER must be set, e.g. spark}"
: "${CODE_DIRECTORY:?CODE_DIRECTORY must be set, e.g. /opt/pipeline/code}"
: "${S3_REGION:?S3_REGION must be set to the data bucket region}"
: "${NODE_ROLE:?NODE_ROLE must be master or worker}"
: "${PYTHON_PACKAGES=}"
: "${STOP_AFTER_SETUP:=false}"

readonly MARKER=/var/lib/spark/setup-complete
readonly LOG=/var/log/spark-node-setup.log

exec > >(tee -a "$LOG") 2>&1
echo "$(date -Is) spark node set-up (${NODE_ROLE}, Spark ${SPARK_VERSION}) starting"

if [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$SPARK_VERSION" ]]; then
  echo "already set up for Spark ${SPARK_VERSION}; nothing to do"
  exit 0
fi

# --- operating system packages -------------------------------------------------------------
# curl-minimal ships with the image (installing "curl" would conflict with it).
dnf install -y --setopt=install_weak_deps=False \
  java-17-amazon-corretto-headless python3 python3-pip procps-ng util-linux tar gzip awscli-2
for tool in aws curl python3 pgrep runuser flock java; do
  command -v "$tool" >/dev/null || { echo "required tool missing after install: $tool" >&2; exit 1; }
done

if [[ -n "$PYTHON_PACKAGES" ]]; then
  # Word splitting is wanted: the list is space-separated pip requirement specifiers.
  # shellcheck disable=SC2086
  python3 -m pip install --no-input --disable-pip-version-check $PYTHON_PACKAGES
fi

# --- the Spark user and its directories ----------------------------------------------------
if ! id -u "$SPARK_USER" >/dev/null 2>&1; then
  useradd --system --create-home --home-dir "/home/${SPARK_USER}" --shell /sbin/nologin "$SPARK_USER"
fi
install -d -o "$SPARK_USER" -g "$SPARK_USER" /var/lib/spark /var/lib/spark/work /var/lib/spark/local /var/log/spark
install -d -o "$SPARK_USER" -g "$SPARK_USER" "$CODE_DIRECTORY"
# PID files live on tmpfs so a stopped-and-started instance never sees stale ones.
printf 'd /run/spark 0755 %s %s -\n' "$SPARK_USER" "$SPARK_USER" >/etc/tmpfiles.d/spark.conf
systemd-tmpfiles --create /etc/tmpfiles.d/spark.conf

# --- Spark -----------------------------------------------------------------------------------
url="${SPARK_DOWNLOAD_URL//\{version\}/$SPARK_VERSION}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
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
java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
cat >"$SPARK_HOME/conf/spark-env.sh" <<EOF
# Written by the node set-up; the master address is given by the pipeline when it starts Spark.
export JAVA_HOME='${java_home}'
export PYSPARK_PYTHON=python3
export SPARK_LOG_DIR=/var/log/spark
export SPARK_PID_DIR=/run/spark
export SPARK_WORKER_DIR=/var/lib/spark/work
export SPARK_LOCAL_DIRS=/var/lib/spark/local
EOF
cat >"$SPARK_HOME/conf/spark-defaults.conf" <<EOF
# Written by the node set-up. Per-run options come from the pipeline's spark-submit arguments.
spark.hadoop.fs.s3a.endpoint.region            ${S3_REGION}
# The instance role may write only under the stage output prefixes; with the default "delete"
# policy S3A would also try to delete directory markers of the parent prefixes.
spark.hadoop.fs.s3a.directory.marker.retention keep
spark.sql.adaptive.enabled                     true
EOF
chown -R "$SPARK_USER:$SPARK_USER" "$SPARK_HOME"

echo "$SPARK_VERSION" >"$MARKER"
echo "$(date -Is) spark node set-up done"

if [[ "$STOP_AFTER_SETUP" == "true" ]]; then
  # Nothing runs on a node between pipeline runs; the pipeline starts it when it needs it.
  echo "stopping the instance until the pipeline needs it"
  shutdown -h +1 "spark node set-up done; stopping until the pipeline starts this node"
fi
