#!/usr/bin/env python3
"""A stand-in for Spark Standalone, for ./pipeline local only. Spark cannot be installed here.

It has the layout of a Spark installation (sbin/start-master.sh, sbin/start-worker.sh,
sbin/stop-*.sh, bin/spark-submit), so the node scripts the orchestrator sends run unchanged:

- the master and worker "daemons" are real background processes with Spark's pid files, so
  starting twice, stopping, and "is anything left running" behave as with Spark;
- spark-submit checks the command line the way a run would fail on a cluster (master reachable,
  script and py-files present in the synced code, arguments accepted by the job), then applies the
  job's own transform() (the stage's core logic, plain Python) in this one process and writes the
  output and its _SUCCESS marker. Only the distribution is simulated; the numbers are the job's.

Every line it prints starts with PREFIX, so simulated work is never mistaken for a Spark run.
"""
import argparse
import importlib.util
import json
import os
import signal
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
        if master is not None and state["master"] == master["url"] and alive(Path(state["pidFile"])):
            workers.append(state)
    return workers


def start_master(argv):
    options = argparse.ArgumentParser(prog="start-master.sh")
    options.add_argument("--host", required=True)
    options.add_argument("--port", type=int, default=7077)
    args = options.parse_args(argv)
    start_daemon(MASTER_CLASS, "master")
    url = f"spark://{args.host}:{args.port}"
    (cluster_dir() / "master.json").write_text(json.dumps({"url": url, "node": os.environ.get("NODE_ID"), "pidFile": str(pid_file(MASTER_CLASS))}))
    say(f"master at {url}")


def start_worker(argv):
    if len(argv) != 1 or not argv[0].startswith("spark://"):
        fail("usage: start-worker.sh spark://HOST:PORT")
    # Like a Spark worker, it runs even if the master is not up yet and counts as registered
    # once a master answers at that URL (see alive_workers).
    start_daemon(WORKER_CLASS, "worker")
    node = os.environ.get("NODE_ID", "worker")
    (cluster_dir() / "workers" / f"{node}.json").write_text(json.dumps({"node": node, "master": argv[0], "pidFile": str(pid_file(WORKER_CLASS))}))
    say(f"worker on {node} started for master {argv[0]}")


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


def spark_submit(argv):
    options, conf, script, app_args = parse_submit(argv)
    master = master_state()
    if master is None or master["url"] != options.get("--master"):
        fail(f"Could not connect to master {options.get('--master')}: no master running there")
    workers = alive_workers()
    if not workers:
        fail("Initial job has not accepted any resources: no worker is alive")
    script_path = Path(script)
    py_files = [Path(p) for p in options.get("--py-files", "").split(",") if p]
    for path in [script_path, *py_files]:
        if not path.is_file():
            fail(f"file not found: {path} (is it in the synced code?)")
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
    rows = job.transform(args, inputs, references)
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
