"""The Spark stand-in refuses what real Spark refuses: one test per precondition breaks it and sees
Spark's failure, beside a control that meets every precondition and runs the job.

A moto server (S3 for the event-log directory and the job's output) is started on a free 127.0.0.1
port for this module and stopped after it; every daemon a test starts is stopped by the test.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

STANDIN = Path(__file__).resolve().parents[1] / "standin.py"
BUCKET = "standin-test-bucket"
SECRET = "Q7rLwP2xZk9VbN4mT8sYc3HdJ6gF1aE5uR0oK2iW7qX9zC4v"
JOB = '''
import argparse
def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--input"); p.add_argument("--output")
    return p.parse_args(argv)
def transform(args, inputs, references):
    return [{"rows_in": sum(len(f) for f in inputs)}]
'''

moto = None
endpoint = None


def setUpModule():
    global moto, endpoint
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto did not start")


def tearDownModule():
    moto.terminate()
    moto.wait(timeout=10)


class StandInPreconditions(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="standin-test-"))
        self.started = []
        (self.dir / "code").mkdir()
        (self.dir / "code" / "job.py").write_text(JOB)
        (self.dir / "code" / "common.py").write_text("")
        self.s3 = self.client()
        try:
            self.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
        except self.s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        for item in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            self.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        self.s3.put_object(Bucket=BUCKET, Key="spark-events/", Body=b"")

    def tearDown(self):
        for node in self.started:
            for action in ("stop-worker", "stop-master"):
                self.run_standin(node, action)
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self):
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=endpoint, region_name="ap-northeast-2", aws_access_key_id="testing",
                            aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))

    # --- a small cluster of stand-in nodes on this machine ------------------------------------------

    def node(self, name, secret=SECRET, authenticate=True, **env):
        conf = self.dir / name / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        lines = [f"spark.authenticate {'true' if authenticate else 'false'}"] + ([f"spark.authenticate.secret {secret}"] if secret else [])
        (conf / "spark-defaults.conf").write_text("\n".join(lines) + "\n")
        (self.dir / name / "env.json").write_text(json.dumps(env))
        if name not in self.started:
            self.started.append(name)
        return name

    def run_standin(self, node, *args, timeout_seconds=None, **extra):
        env = {
            "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
            "PIPELINE_LOCAL_DIR": str(self.dir), "NODE_ID": node,
            "SPARK_PID_DIR": str(self.dir / node / "run"), "SPARK_LOG_DIR": str(self.dir / node / "logs"),
            "SPARK_CONF_DIR": str(self.dir / node / "conf"),
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "ap-northeast-2", "SPARK_STANDIN_RESOURCE_WAIT": "1",
        }
        env_file = self.dir / node / "env.json"
        if env_file.exists():
            env.update(json.loads(env_file.read_text()))
        env.update(extra)
        command = [sys.executable, str(STANDIN), *args]
        if timeout_seconds is not None:
            command = ["timeout", str(timeout_seconds), *command]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    def cluster(self, master_secret=SECRET, worker_secret=SECRET, worker_url="spark://127.0.0.1:7077", **worker_env):
        master = self.node("master", secret=master_secret)
        worker = self.node("worker-1", secret=worker_secret, SPARK_WORKER_CORES="2", SPARK_WORKER_MEMORY="7g", **worker_env)
        started = self.run_standin(master, "start-master", "--host", "127.0.0.1")
        self.assertEqual(started.returncode, 0, started.stderr)
        return master, self.run_standin(worker, "start-worker", worker_url)

    def alive_workers(self, master):
        answer = self.run_standin(master, "master-json")
        return json.loads(answer.stdout)["aliveworkers"] if answer.returncode == 0 else None

    def submit(self, driver="master", master_url="spark://127.0.0.1:7077", memory="4g", cores="2",
               script="job.py", py_files="common.py", event_logs=True, timeout_seconds=None, **extra):
        args = ["spark-submit", "--master", master_url, "--executor-memory", memory, "--executor-cores", cores,
                "--total-executor-cores", "4"]
        if event_logs:
            args += ["--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir=s3a://{BUCKET}/spark-events/"]
        if py_files:
            args += ["--py-files", str(self.dir / "code" / py_files)]
        args += [str(self.dir / "code" / script), "--input", f"s3a://{BUCKET}/in/", "--output", f"s3a://{BUCKET}/out/"]
        return self.run_standin(driver, *args, timeout_seconds=timeout_seconds, **extra)

    # --- the control: every precondition met ----------------------------------------------------------

    def test_with_every_precondition_met_the_job_runs_and_writes_its_output(self):
        master, _ = self.cluster()
        result = self.submit()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.alive_workers(master), 1)
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]]
        self.assertIn("out/_SUCCESS", keys)

    # --- one test per precondition ------------------------------------------------------------------

    def test_the_master_binds_only_to_an_address_this_machine_has(self):
        master = self.node("master")
        result = self.run_standin(master, "start-master", "--host", "203.0.113.9")
        self.assertIn("java.net.BindException: Cannot assign requested address: Service 'sparkMaster' failed after 16 retries", result.stderr)
        self.assertIsNone(self.alive_workers(master))

    def test_with_authentication_on_and_no_secret_no_master_starts(self):
        master = self.node("master", secret="")
        result = self.run_standin(master, "start-master", "--host", "127.0.0.1")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("A secret key must be specified via the spark.authenticate.secret config", result.stderr)
        self.assertIsNone(self.alive_workers(master))

    def test_a_worker_with_another_secret_never_registers(self):
        master, worker = self.cluster(worker_secret="another" + SECRET)
        self.assertIn("SaslException", worker.stdout)
        self.assertEqual(self.alive_workers(master), 0)

    def test_a_driver_with_another_secret_is_refused(self):
        self.cluster()
        self.node("driver", secret="another" + SECRET)
        result = self.submit(driver="driver")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SaslException", result.stdout)
        self.assertIn("All masters are unresponsive! Giving up.", result.stderr)

    def test_a_worker_pointed_at_another_address_never_registers(self):
        master, worker = self.cluster(worker_url="spark://10.40.0.99:7077")
        self.assertIn("Failed to connect to master 10.40.0.99:7077", worker.stdout)
        self.assertEqual(self.alive_workers(master), 0)

    def test_a_driver_pointed_at_another_address_gives_up_on_the_master(self):
        self.cluster()
        result = self.submit(master_url="spark://10.40.0.99:7077")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Failed to connect to master 10.40.0.99:7077", result.stdout)
        self.assertIn("All masters are unresponsive! Giving up.", result.stderr)

    def test_an_executor_no_worker_can_host_is_never_given_resources(self):
        self.cluster()
        result = self.submit(memory="8g")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Initial job has not accepted any resources; check your cluster UI", result.stdout)
        self.assertIn("no registered worker can host an executor of 2 cores and 8192 MiB", result.stderr)

    def test_more_executor_cores_than_a_worker_has_are_never_given_resources(self):
        self.cluster()
        result = self.submit(cores="4")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Initial job has not accepted any resources", result.stdout)

    def test_the_stage_time_limit_ends_the_wait_for_resources_cleanly(self):
        self.cluster()
        began = time.monotonic()
        result = self.submit(memory="8g", timeout_seconds=2, SPARK_STANDIN_RESOURCE_WAIT="600")
        self.assertEqual(result.returncode, 124)
        self.assertLess(time.monotonic() - began, 30)
        left = subprocess.run(["pgrep", "-f", f"{STANDIN} spark-submit"], capture_output=True, text=True)
        self.assertEqual(left.stdout.strip(), "")

    def test_a_missing_event_log_directory_fails_the_application(self):
        self.cluster()
        self.s3.delete_object(Bucket=BUCKET, Key="spark-events/")
        result = self.submit()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"java.io.FileNotFoundException: No such file or directory: s3a://{BUCKET}/spark-events", result.stderr)

    def test_without_event_logging_no_directory_is_needed(self):
        self.cluster()
        self.s3.delete_object(Bucket=BUCKET, Key="spark-events/")
        result = self.submit(event_logs=False)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_a_missing_script_fails_like_python_does(self):
        self.cluster()
        result = self.submit(script="nope.py")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("can't open file", result.stderr)
        self.assertIn("nope.py': [Errno 2] No such file or directory", result.stderr)

    def test_a_missing_py_file_fails_like_spark_does(self):
        self.cluster()
        result = self.submit(py_files="missing.py")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("java.io.FileNotFoundException: File file:", result.stderr)


if __name__ == "__main__":
    unittest.main()
