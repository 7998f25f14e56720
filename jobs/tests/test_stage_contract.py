"""The contract the orchestrator and the local stand-in rely on: arguments, transform(), no pyspark at import."""

import contextlib
import io
import subprocess
import sys
import unittest
from pathlib import Path

import pothole_common as pc
import stage1_anomaly_detection as stage1
import stage2_spatial_clustering as stage2

JOBS_DIR = Path(__file__).resolve().parents[1]
STAGE1_ARGS = ["--batch-date", "2026-02-12",
               "--input", "s3a://bucket/raw-sensor-data/dt=2026-02-12/",
               "--output", "s3a://bucket/stage1_anomaly_detected/dt=2026-02-12/"]
STAGE2_ARGS = ["--batch-date", "2026-02-12",
               "--input", "s3a://bucket/stage1_anomaly_detected/dt=2026-02-12/",
               "--output", "s3a://bucket/stage2_spatial_clustering/dt=2026-02-12/",
               "--roads", "s3a://bucket/code/reference/road_segments.csv"]

# Run in a fresh interpreter where any attempt to import pyspark fails loudly,
# whether or not pyspark happens to be installed.
BLOCK_PYSPARK = f"""
import sys
class NoPySpark:
    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("pyspark import attempted: " + name)
sys.meta_path.insert(0, NoPySpark())
sys.path.insert(0, {str(JOBS_DIR)!r})
"""


def run_python(code):
    return subprocess.run([sys.executable, "-c", BLOCK_PYSPARK + code], capture_output=True, text=True, timeout=60)


def with_flag(args, flag, value):
    """The argument list with ``flag`` set to ``value`` (replaced, or appended)."""
    args = list(args)
    if flag in args:
        args[args.index(flag) + 1] = value
        return args
    return args + [flag, value]


class ParseArgsTest(unittest.TestCase):
    def assertRejected(self, stage, argv):
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as raised:
            stage.parse_args(argv)
        self.assertEqual(raised.exception.code, 2, argv)

    def test_stage1_defaults_are_the_production_values(self):
        args = stage1.parse_args(STAGE1_ARGS)
        self.assertEqual(args.batch_date, "2026-02-12")
        self.assertEqual(args.input, "s3a://bucket/raw-sensor-data/dt=2026-02-12/")
        self.assertEqual(stage1.anomaly_params(args), pc.AnomalyParams(5.0, 5.0, 4, 0.7, 0.3, 3.0))

    def test_stage1_tuning_flags(self):
        args = stage1.parse_args(STAGE1_ARGS + [
            "--min-velocity", "10", "--max-hdop", "2.5", "--min-satellites", "6",
            "--weight-accel", "0.5", "--weight-gyro", "0.5", "--impact-threshold", "2.5"])
        self.assertEqual(stage1.anomaly_params(args), pc.AnomalyParams(10.0, 2.5, 6, 0.5, 0.5, 2.5))

    def test_stage2_arguments(self):
        args = stage2.parse_args(STAGE2_ARGS)
        self.assertEqual((args.roads, args.max_distance_m), ("s3a://bucket/code/reference/road_segments.csv", 50.0))
        self.assertEqual(stage2.parse_args(STAGE2_ARGS + ["--max-distance-m", "25"]).max_distance_m, 25.0)

    def test_bad_batch_dates_exit_with_code_2(self):
        for stage, argv in ((stage1, STAGE1_ARGS), (stage2, STAGE2_ARGS)):
            for bad in ("2026-02-30", "2026-13-01", "20260212", "2026-2-12", "yesterday", ""):
                with self.subTest(stage=stage.STAGE_NAME, date=bad):
                    self.assertRejected(stage, with_flag(argv, "--batch-date", bad))

    def test_missing_required_arguments_exit_with_code_2(self):
        for stage, argv in ((stage1, STAGE1_ARGS), (stage2, STAGE2_ARGS)):
            for flag in ("--batch-date", "--input", "--output") + (("--roads",) if stage is stage2 else ()):
                position = argv.index(flag)
                with self.subTest(stage=stage.STAGE_NAME, missing=flag):
                    self.assertRejected(stage, argv[:position] + argv[position + 2:])

    def test_unusable_uris_exit_with_code_2(self):
        self.assertRejected(stage1, with_flag(STAGE1_ARGS, "--input", "s3://bucket/raw-sensor-data/dt=2026-02-12/"))
        self.assertRejected(stage2, with_flag(STAGE2_ARGS, "--roads", "s3n://bucket/roads.csv"))
        self.assertRejected(stage1, with_flag(STAGE1_ARGS, "--output", " "))

    def test_bad_tuning_values_exit_with_code_2(self):
        for flag, bad in (("--impact-threshold", "-1"), ("--weight-accel", "nan"), ("--min-satellites", "4.5"),
                          ("--min-velocity", "fast"), ("--max-hdop", "inf")):
            with self.subTest(flag=flag, value=bad):
                self.assertRejected(stage1, with_flag(STAGE1_ARGS, flag, bad))
        for bad in ("0", "-5", "far"):
            with self.subTest(max_distance=bad):
                self.assertRejected(stage2, with_flag(STAGE2_ARGS, "--max-distance-m", bad))


class TransformTest(unittest.TestCase):
    ROADS = "s_id,start_lon,start_lat,end_lon,end_lat\nA,127.0,37.5,127.0008,37.5\n"

    def test_stage1_reads_trips_across_files_and_returns_output_columns(self):
        trip = [{"trip_id": "T", "vehicle_id": "V", "timestamp": 1_000 + 100 * i, "lon": 127.0, "lat": 37.5,
                 "accel_x": 0.0, "accel_y": 0.0, "accel_z": az, "gyro_x": 0.0, "gyro_y": 0.0, "gyro_z": 0.0,
                 "velocity": 30.0, "hdop": 1.0, "satellites": 8}
                for i, az in enumerate([0.0, 2.0, 0.0, 2.0])]
        args = stage1.parse_args(STAGE1_ARGS + ["--impact-threshold", "0.5"])
        rows = stage1.transform(args, [trip[:2], trip[2:]], {})
        self.assertEqual([tuple(row) for row in rows], [pc.STAGE1_OUTPUT_COLUMNS] * 4)
        self.assertEqual([row["is_pothole"] for row in rows], [True] * 4)  # one trip: z = -1, 1, -1, 1

    def test_stage2_counts_with_the_roads_reference_and_dates_rows(self):
        points = [{"timestamp": 0, "lon": 127.0004, "lat": 37.5, "impact_score": 4.0, "is_pothole": True},
                  {"timestamp": 1, "lon": 127.0005, "lat": 37.5, "impact_score": 0.1, "is_pothole": False},
                  {"timestamp": 2, "lon": 127.0100, "lat": 37.5, "impact_score": 5.0, "is_pothole": True}]
        rows = stage2.transform(stage2.parse_args(STAGE2_ARGS), [points[:1], points[1:]], {"roads": self.ROADS})
        self.assertEqual([(r["s_id"], r["date"], r["impact_count"], r["total_count"]) for r in rows],
                         [("A", "2026-02-12", 1, 2)])
        self.assertEqual(tuple(rows[0]), pc.STAGE2_OUTPUT_COLUMNS)

    def test_stage2_without_roads_reference_fails_clearly(self):
        with self.assertRaisesRegex(ValueError, "references\\['roads'\\]"):
            stage2.transform(stage2.parse_args(STAGE2_ARGS), [], {})


class NoPySparkAtImportTest(unittest.TestCase):
    def test_stage_modules_import_without_pyspark(self):
        result = run_python(
            "import stage1_anomaly_detection, stage2_spatial_clustering\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyspark'))\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "[]")

    def test_main_exits_non_zero_when_the_spark_job_cannot_run(self):
        for module, argv in (("stage1_anomaly_detection", STAGE1_ARGS), ("stage2_spatial_clustering", STAGE2_ARGS)):
            with self.subTest(module=module):
                result = run_python(f"import {module}\nsys.exit({module}.main({argv!r}))\n")
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("failed for batch date 2026-02-12", result.stderr)
                self.assertIn("pyspark import attempted", result.stderr)

    def test_scripts_exit_with_code_2_on_bad_arguments(self):
        for script, argv in (("stage1_anomaly_detection.py", STAGE1_ARGS),
                             ("stage2_spatial_clustering.py", STAGE2_ARGS)):
            with self.subTest(script=script):
                command = [sys.executable, str(JOBS_DIR / script)] + with_flag(argv, "--batch-date", "2026-02-30")
                result = subprocess.run(command, capture_output=True, text=True, timeout=60)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("--batch-date", result.stderr)


if __name__ == "__main__":
    unittest.main()
