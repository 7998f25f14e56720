#!/usr/bin/env python3
"""A stand-in for Spark Standalone, for ./pipeline local only. Spark cannot be installed here.

It has the layout of a Spark installation (sbin/start-master.sh, sbin/start-worker.sh,
sbin/stop-*.sh, bin/spark-submit), so the node scripts the orchestrator sends run unchanged:

- the master and worker "daemons" are real background processes with Spark's pid files, so
  starting twice, stopping, and "is anything left running" behave as with Spark;
- spark-submit checks the command line the way a run would fail on a cluster, then applies the
  job's own transform() (the stage's core logic, plain Python) in this one process and writes the
  output and its _SUCCESS marker. Only the distribution is simulated; the numbers are the job's.

What real Spark enforces and can be checked here is enforced, each with a failure worded like
Spark's own (after the PREFIX):
- the master binds to the --host it is given: an address this machine does not have is Spark's
  BindException, and no master runs;
- with spark.authenticate on (spark-defaults.conf in SPARK_CONF_DIR, then --conf), master, workers
  and driver must hold the same spark.authenticate.secret: a worker with another secret never
  registers, a driver with another one is refused; with no secret at all nothing starts;
- workers and spark-submit must use the master's actual URL: a worker pointed elsewhere never
  registers, a driver pointed elsewhere gives up on the master;
- one executor (--executor-cores, --executor-memory) must fit what a registered worker offers
  (SPARK_WORKER_CORES / SPARK_WORKER_MEMORY, else this machine's cores and memory less 1 GiB, as a
  Spark worker computes it). Real Spark then waits for ever with "Initial job has not accepted any
  resources"; the stand-in says the same and gives up after SPARK_STANDIN_RESOURCE_WAIT seconds
  (default 30) so a stage's time limit or this limit ends it, whichever comes first;
- with spark.eventLog.enabled the event-log directory must exist (Spark never creates it): for
  s3a:// something must lie under the prefix, as S3A decides;
- the script and py-files must exist.

Every line it prints starts with PREFIX, so simulated work is never mistaken for a Spark run.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PREFIX = "[spark stand-in: simulated]"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
SUBMIT_OPTIONS_WITH_VALUE = {
    "--master", "--deploy-mode", "--name", "--executor-memory", "--executor-cores", "--total-executor-cores",
    "--conf", "--py-files", "--driver-memory", "--class", "--jars", "--packages", "--files", "--num-executors",
}


def say(message):
    print(f"{PREFIX} {message}", flush=True)


def fail(message, code=1):
    print(f"{PREFIX} error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def defaults_conf():
    """spark-defaults.conf as Spark reads it: SPARK_CONF_DIR, else SPARK_HOME/conf; whitespace-separated key and value."""
    conf_dir = os.environ.get("SPARK_CONF_DIR") or str(Path(__file__).resolve().parent / "conf")
    path = Path(conf_dir) / "spark-defaults.conf"
    conf = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ") if " " in line else line.partition("=")
                conf[key.strip()] = value.strip()
    return conf


def secret_digest(conf, who):
    """The identity a process proves with spark.authenticate, as a digest (the secret itself is never written down here)."""
    if conf.get("spark.authenticate", "false").lower() != "true":
        return None
    secret = conf.get("spark.authenticate.secret", "")
    if not secret:
        fail(f"Exception in thread \"main\" java.lang.IllegalArgumentException: requirement failed: "
             f"A secret key must be specified via the spark.authenticate.secret config ({who})")
    return hashlib.sha256(secret.encode()).hexdigest()


def memory_mib(text):
    """Spark's memory strings: 4g, 512m, 1024k, or bytes."""
    match = re.fullmatch(r"(\d+)([kmgt]?)b?", text.strip().lower())
    if not match:
        fail(f"Exception in thread \"main\" java.lang.NumberFormatException: Size must be specified as bytes (b), kibibytes (k), mebibytes (m), gibibytes (g): {text}")
    number, unit = int(match.group(1)), match.group(2)
    return {"": number / 1024 / 1024, "k": number / 1024, "m": number, "g": number * 1024, "t": number * 1024 * 1024}[unit]


def worker_offer():
    """What a worker offers, as Spark's worker computes it: SPARK_WORKER_CORES/MEMORY, else all cores and memory less 1 GiB."""
    cores = int(os.environ.get("SPARK_WORKER_CORES") or os.cpu_count() or 1)
    if os.environ.get("SPARK_WORKER_MEMORY"):
        memory = memory_mib(os.environ["SPARK_WORKER_MEMORY"])
    else:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
        memory = max(total - 1024, 1024)
    return cores, memory


def cluster_dir():
    path = Path(os.environ["PIPELINE_LOCAL_DIR"]) / "spark-cluster"
    (path / "workers").mkdir(parents=True, exist_ok=True)
    return path


def pid_file(daemon_class):
    pid_dir = Path(os.environ["SPARK_PID_DIR"])
    pid_dir.mkdir(parents=True, exist_ok=True)
    return pid_dir / f"spark-{os.environ.get('USER', 'user')}-{daemon_class}-1.pid"


def alive(path):
    try:
        os.kill(int(path.read_text().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def start_daemon(daemon_class, role):
    path = pid_file(daemon_class)
    if path.exists() and alive(path):
        say(f"{daemon_class} running as process {path.read_text().strip()}.  Stop it first.")
        return
    log = Path(os.environ["SPARK_LOG_DIR"]) / f"{role}.out"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "daemon", daemon_class],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    path.write_text(str(process.pid))
    say(f"starting {daemon_class}, logging to {log}")


def stop_daemon(daemon_class):
    path = pid_file(daemon_class)
    if not path.exists() or not alive(path):
        say(f"no {daemon_class} to stop")
        path.unlink(missing_ok=True)
        return False
    os.kill(int(path.read_text().strip()), signal.SIGTERM)
    path.unlink(missing_ok=True)
    say(f"stopping {daemon_class}")
    return True


def master_state():
    path = cluster_dir() / "master.json"
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    return state if alive(Path(state["pidFile"])) else None


def alive_workers():
    """Workers whose daemon runs and whose master is the one running now."""
    master = master_state()
    workers = []
    for path in (cluster_dir() / "workers").glob("*.json"):
        state = json.loads(path.read_text())
        # A worker registers only with the master at the URL it was given, and only if both prove the same secret.
        if master is not None and state["master"] == master["url"] and state.get("secret") == master.get("secret") and alive(Path(state["pidFile"])):
            workers.append(state)
    return workers


def can_bind(host):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
        return True
    except OSError:
        return False


def start_master(argv):
    options = argparse.ArgumentParser(prog="start-master.sh")
    options.add_argument("--host", required=True)
    options.add_argument("--port", type=int, default=7077)
    args = options.parse_args(argv)
    secret = secret_digest(defaults_conf(), "master")
    if not can_bind(args.host):
        # What spark-daemon.sh prints when the Master it launched died at once.
        say(f"failed to launch: {MASTER_CLASS} --host {args.host} --port {args.port}")
        fail(f"java.net.BindException: Cannot assign requested address: Service 'sparkMaster' failed after 16 retries "
             f"(on a random free port)! Consider explicitly setting the appropriate binding address for the service "
             f"'sparkMaster' (for example spark.driver.bindAddress for SparkDriver) to the correct binding address.")
    start_daemon(MASTER_CLASS, "master")
    url = f"spark://{args.host}:{args.port}"
    (cluster_dir() / "master.json").write_text(json.dumps({"url": url, "node": os.environ.get("NODE_ID"), "pidFile": str(pid_file(MASTER_CLASS)), "secret": secret}))
    say(f"master at {url}")


def start_worker(argv):
    if len(argv) != 1 or not argv[0].startswith("spark://"):
        fail("usage: start-worker.sh spark://HOST:PORT")
    # Like a Spark worker, it runs even if the master is not up yet and counts as registered
    # once a master answers at that URL with the same secret (see alive_workers).
    secret = secret_digest(defaults_conf(), "worker")
    cores, memory = worker_offer()
    start_daemon(WORKER_CLASS, "worker")
    node = os.environ.get("NODE_ID", "worker")
    (cluster_dir() / "workers" / f"{node}.json").write_text(json.dumps(
        {"node": node, "master": argv[0], "pidFile": str(pid_file(WORKER_CLASS)), "secret": secret, "cores": cores, "memoryMiB": memory}))
    say(f"worker on {node} started for master {argv[0]} with {cores} cores, {memory:.0f} MiB")
    master = master_state()
    if master is not None and master["url"] != argv[0]:
        say(f"WARN Worker: Failed to connect to master {argv[0][len('spark://'):]}")
    elif master is not None and master.get("secret") != secret:
        say("ERROR TransportClientFactory: javax.security.sasl.SaslException: DIGEST-MD5: digest response format violation. Mismatched response.")


def master_json():
    master = master_state()
    if master is None:
        sys.exit(7)  # what curl -f reports when it cannot connect
    print(json.dumps({"url": master["url"], "aliveworkers": len(alive_workers()), "status": "ALIVE"}))


def daemon(_daemon_class):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def parse_submit(argv):
    options, conf, rest = {}, [], list(argv)
    while rest and rest[0].startswith("--"):
        flag = rest.pop(0)
        if flag not in SUBMIT_OPTIONS_WITH_VALUE:
            fail(f"spark-submit: unknown option {flag}")
        if not rest:
            fail(f"spark-submit: {flag} needs a value")
        value = rest.pop(0)
        if flag == "--conf":
            if "=" not in value:
                fail(f"spark-submit: --conf expects key=value, got {value!r}")
            conf.append(value)
        else:
            options[flag] = value
    if not rest:
        fail("spark-submit: no application script given")
    return options, conf, rest[0], rest[1:]


def s3_client():
    import boto3
    from botocore.config import Config
    # moto answers on one host name, so the bucket goes in the path.
    return boto3.client("s3", config=Config(s3={"addressing_style": "path"}))


def split_uri(uri):
    if not uri.startswith("s3a://"):
        fail(f"expected an s3a:// URI, got {uri!r}")
    bucket, _, key = uri[len("s3a://"):].partition("/")
    return bucket, key


def read_inputs(s3, uri):
    bucket, prefix = split_uri(uri if uri.endswith("/") else uri + "/")
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"][len(prefix):]
            if name.startswith(("_", ".")) or not name.endswith((".jsonl", ".json")):
                continue
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8")
            files.append([json.loads(line) for line in body.splitlines() if line.strip()])
    return files


def write_output(s3, uri, rows):
    bucket, prefix = split_uri(uri if uri.endswith("/") else uri + "/")
    old = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    for item in old:  # mode("overwrite"), as the jobs write
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    body = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    s3.put_object(Bucket=bucket, Key=f"{prefix}part-00000.jsonl", Body=body.encode("utf-8"))
    s3.put_object(Bucket=bucket, Key=f"{prefix}_SUCCESS", Body=b"")
    return f"s3a://{bucket}/{prefix}"


def event_log_directory_exists(directory):
    if directory.startswith("s3a://"):
        bucket, key = split_uri(directory)
        prefix = key.rstrip("/") + "/"
        # S3A's getFileStatus: the bare key is a file; else anything under "prefix/" makes a directory.
        listed = s3_client().list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return listed.get("KeyCount", 0) > 0
    path = directory[len("file:"):] if directory.startswith("file:") else directory
    return Path(path).is_dir()


def wait_for_resources(workers, cores, memory):
    """Real Spark waits for ever for an executor slot; the stand-in says so the same way, then gives up."""
    limit = float(os.environ.get("SPARK_STANDIN_RESOURCE_WAIT", "30"))
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        say("WARN TaskSchedulerImpl: Initial job has not accepted any resources; check your cluster UI to ensure that workers are registered and have sufficient resources")
        time.sleep(min(15.0, max(0.1, deadline - time.monotonic())))
    offers = ", ".join(f"{w['node']}: {w.get('cores')} cores, {w.get('memoryMiB', 0):.0f} MiB" for w in workers) or "no worker registered"
    fail(f"no registered worker can host an executor of {cores} cores and {memory:.0f} MiB ({offers}); "
         f"real Spark would wait for ever, the stand-in gave up after {limit:g} s")


def spark_submit(argv):
    options, conf, script, app_args = parse_submit(argv)
    effective = {**defaults_conf(), **dict(item.split("=", 1) for item in conf)}
    secret = secret_digest(effective, "driver")
    master = master_state()
    if master is None or master["url"] != options.get("--master"):
        address = options.get("--master", "")[len("spark://"):]
        say(f"WARN StandaloneAppClient$ClientEndpoint: Failed to connect to master {address}")
        fail("ERROR StandaloneSchedulerBackend: Application has been killed. Reason: All masters are unresponsive! Giving up.")
    if master.get("secret") != secret:
        say("ERROR TransportClientFactory: javax.security.sasl.SaslException: DIGEST-MD5: digest response format violation. Mismatched response.")
        fail("ERROR StandaloneSchedulerBackend: Application has been killed. Reason: All masters are unresponsive! Giving up.")
    script_path = Path(script)
    if not script_path.is_file():
        fail(f"python3: can't open file '{script_path}': [Errno 2] No such file or directory")
    py_files = [Path(p) for p in options.get("--py-files", "").split(",") if p]
    for path in py_files:
        if not path.is_file():
            fail(f"Exception in thread \"main\" java.io.FileNotFoundException: File file:{path} does not exist")
    if effective.get("spark.eventLog.enabled", "false").lower() == "true":
        directory = effective.get("spark.eventLog.dir", "/tmp/spark-events")
        if not event_log_directory_exists(directory):
            fail(f"Exception in thread \"main\" java.io.FileNotFoundException: No such file or directory: {directory.rstrip('/')}")
    workers = alive_workers()
    cores = int(options.get("--executor-cores", "1"))
    memory = memory_mib(options.get("--executor-memory", "1g"))
    if not any(w.get("cores", 0) >= cores and w.get("memoryMiB", 0) >= memory for w in workers):
        wait_for_resources(workers, cores, memory)
    say(f"spark-submit {options.get('--name', script_path.stem)} on {master['url']} with {len(workers)} worker(s); "
        f"executor-memory={options.get('--executor-memory')} total-executor-cores={options.get('--total-executor-cores')} conf={len(conf)}")

    for folder in {str(p.parent) for p in [script_path, *py_files]}:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(script_path.stem, script_path)
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    if not hasattr(job, "parse_args") or not hasattr(job, "transform"):
        fail(f"{script_path.name} does not offer parse_args() and transform(): the stand-in cannot apply it")
    args = job.parse_args(app_args)

    s3 = s3_client()
    inputs = read_inputs(s3, args.input)
    references = {name: s3.get_object(Bucket=split_uri(value)[0], Key=split_uri(value)[1])["Body"].read().decode("utf-8")
                  for name, value in vars(args).items()
                  if isinstance(value, str) and value.startswith("s3a://") and name not in ("input", "output")}
    rows_in = sum(len(f) for f in inputs)
    say(f"read {len(inputs)} input file(s), {rows_in} row(s) from {args.input}")
    try:
        rows = job.transform(args, inputs, references)
    except Exception as e:  # the job's own failure, e.g. its input contract: exit 1 with its message, as the driver would
        fail(f"{script_path.stem} failed: {type(e).__name__}: {e}")
    pause = float(os.environ.get("SPARK_STANDIN_SECONDS", "0"))
    if pause > 0:
        say(f"sleeping {pause:g} s to stand for the job's running time")
        time.sleep(pause)
    where = write_output(s3, args.output, rows)
    say(f"wrote {len(rows)} row(s) and _SUCCESS to {where}")


def main():
    if len(sys.argv) < 2:
        fail("usage: standin.py start-master|start-worker|stop-master|stop-worker|master-json|spark-submit|daemon ...", 2)
    action, argv = sys.argv[1], sys.argv[2:]
    actions = {
        "start-master": lambda: start_master(argv),
        "start-worker": lambda: start_worker(argv),
        "stop-master": lambda: stop_daemon(MASTER_CLASS),
        "stop-worker": lambda: stop_daemon(WORKER_CLASS),
        "master-json": master_json,
        "spark-submit": lambda: spark_submit(argv),
        "daemon": lambda: daemon(argv[0] if argv else ""),
    }
    if action not in actions:
        fail(f"unknown action {action}", 2)
    actions[action]()


if __name__ == "__main__":
    main()
