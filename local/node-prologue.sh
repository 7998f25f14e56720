# shellcheck shell=bash
# Sourced before every command a local "node" runs (./pipeline local). It supplies what a real
# Spark node has and this machine has not, so the very scripts SSM would run work here:
#   - no `spark` OS user: runuser runs the command as the current user;
#   - several "nodes" share this machine: Spark's pid, log and work dirs are per node, and pgrep
#     only looks at this node's daemons (their pid files), not at every process of the machine.
# NODE_DIR is set by the local command runner to the node's working directory.

export SPARK_PID_DIR="$NODE_DIR/run"
export SPARK_LOG_DIR="$NODE_DIR/logs"
export SPARK_WORKER_DIR="$NODE_DIR/work"
mkdir -p "$SPARK_PID_DIR" "$SPARK_LOG_DIR" "$SPARK_WORKER_DIR"
# Each node's own spark-defaults.conf (written by ./pipeline local as a node's set-up and boot script
# would: spark.authenticate and the shared secret), so the stand-in checks the nodes agree on it.
if [[ -d "$NODE_DIR/conf" ]]; then
  export SPARK_CONF_DIR="$NODE_DIR/conf"
fi

runuser() {
  if [[ "${1:-}" == "-u" ]]; then shift 2; fi
  if [[ "${1:-}" == "--" ]]; then shift; fi
  "$@"
}

chown() { :; }

# pgrep -f <daemon class>: is that daemon of *this* node alive? spark-daemon.sh (real or stand-in)
# keeps its pid in $SPARK_PID_DIR/spark-<user>-<class>-<n>.pid.
pgrep() {
  local class="${*: -1}" pidfile
  for pidfile in "$SPARK_PID_DIR"/*"$class"*.pid; do
    if [[ -e "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

# With the stand-in, the master's web UI is the stand-in's state, read without a web server.
if [[ -n "${SPARK_STANDIN:-}" ]]; then
  curl() { python3 "$SPARK_STANDIN" master-json; }
fi
