"""The stages check their input against the contract's explicit schema and refuse to write an empty
output: a mismatch or a day with nothing kept fails the job (exit 1, a clear message) instead of
leaving an output that VerifyOutput would accept."""

import datetime
import io
import logging
import unittest
from pathlib import Path

import pothole_common as pc
import stage1_anomaly_detection as stage1
import stage2_spatial_clustering as stage2

ROADS = (Path(__file__).resolve().parents[1] / "reference" / "road_segments.csv").read_text()
STAGE1_ARGS = ["--batch-date", "2026-02-12", "--input", "s3a://b/raw/", "--output", "s3a://b/s1/"]
STAGE2_ARGS = ["--batch-date", "2026-02-12", "--input", "s3a://b/s1/", "--output", "s3a://b/s2/", "--roads", "s3a://b/code/reference/road_segments.csv"]

# The schema of a raw trip file as the contract writes it (Spark's simpleString names).
CONTRACT_PARQUET = [
    ("timestamp", "bigint"), ("trip_id", "string"), ("vehicle_id", "string"),
    ("accel_x", "double"), ("accel_y", "double"), ("accel_z", "double"),
    ("gyro_x", "double"), ("gyro_y", "double"), ("gyro_z", "double"),
    ("velocity", "double"), ("lon", "double"), ("lat", "double"), ("hdop", "double"), ("satellites", "int"),
]


def reading(i=0, **overrides):
    row = {"trip_id": "t1", "timestamp": 1770854400000 + 100 * i, "lon": 127.0276, "lat": 37.4979,
           "accel_z": 9.8 + (0.5 if i % 7 == 0 else 0.0), "gyro_y": 0.01 * (i % 3), "velocity": 30.0, "hdop": 1.0, "satellites": 9}
    row.update(overrides)
    return row


class Stage1InputSchema(unittest.TestCase):
    def test_the_contract_schema_passes(self):
        pc.check_schema("stage1", "s3a://b/raw/", CONTRACT_PARQUET, pc.STAGE1_INPUT_SCHEMA)

    def test_a_timestamp_arriving_as_a_parquet_timestamp_is_refused_naming_the_column(self):
        schema = [(n, "timestamp" if n == "timestamp" else t) for n, t in CONTRACT_PARQUET]
        with self.assertRaises(pc.ContractError) as caught:
            pc.check_schema("stage1_anomaly_detection", "s3a://b/raw/", schema, pc.STAGE1_INPUT_SCHEMA)
        self.assertIn("timestamp is timestamp, expected int64 epoch milliseconds", str(caught.exception))
        self.assertIn("s3a://b/raw/", str(caught.exception))

    def test_a_missing_column_is_refused_naming_it(self):
        schema = [(n, t) for n, t in CONTRACT_PARQUET if n != "hdop"]
        with self.assertRaises(pc.ContractError) as caught:
            pc.check_schema("stage1", "s3a://b/raw/", schema, pc.STAGE1_INPUT_SCHEMA)
        self.assertIn("hdop is missing", str(caught.exception))

    def test_every_difference_is_named_at_once(self):
        schema = [("timestamp", "string"), ("trip_id", "bigint")]
        problems = pc.schema_problems(schema, pc.STAGE1_INPUT_SCHEMA)
        self.assertEqual(len(problems), len(pc.STAGE1_INPUT_SCHEMA))

    def test_plain_rows_with_timestamps_as_datetimes_are_refused_instead_of_silently_dropped(self):
        # What a Parquet TIMESTAMP column reads as in Python: every reading would fail the finite-number filter.
        rows = [reading(i, timestamp=datetime.datetime(2026, 2, 12, 0, 0, i)) for i in range(20)]
        with self.assertRaises(pc.ContractError) as caught:
            stage1.transform(stage1.parse_args(STAGE1_ARGS), [rows], {})
        self.assertIn("timestamp is datetime", str(caught.exception))

    def test_a_boolean_is_not_a_number(self):
        with self.assertRaises(pc.ContractError):
            stage1.transform(stage1.parse_args(STAGE1_ARGS), [[reading(0, satellites=True)]], {})

    def test_nulls_pass_the_schema_as_parquet_nulls_do(self):
        rows = [reading(i) for i in range(20)] + [reading(99, hdop=None)]
        self.assertEqual(len(stage1.transform(stage1.parse_args(STAGE1_ARGS), [rows], {})), 20)


class EmptyResults(unittest.TestCase):
    def test_stage1_keeping_no_reading_fails_rather_than_write_an_empty_output(self):
        parked = [reading(i, velocity=0.0) for i in range(20)]
        with self.assertRaises(pc.ContractError) as caught:
            stage1.transform(stage1.parse_args(STAGE1_ARGS), [parked], {})
        self.assertIn("no rows kept of 20 read", str(caught.exception))

    def test_stage1_with_no_input_rows_fails(self):
        with self.assertRaises(pc.ContractError):
            stage1.transform(stage1.parse_args(STAGE1_ARGS), [[]], {})

    def test_stage2_with_no_reading_near_a_road_fails(self):
        far = [{"timestamp": 1, "lon": 126.0, "lat": 35.0, "impact_score": 0.1, "is_pothole": False}]
        with self.assertRaises(pc.ContractError) as caught:
            stage2.transform(stage2.parse_args(STAGE2_ARGS), [far], {"roads": ROADS})
        self.assertIn("no rows kept of 1 read", str(caught.exception))

    def test_stage2_input_with_is_pothole_as_text_is_refused(self):
        rows = [{"timestamp": 1, "lon": 127.0276, "lat": 37.4979, "impact_score": 0.1, "is_pothole": "false"}]
        with self.assertRaises(pc.ContractError) as caught:
            stage2.transform(stage2.parse_args(STAGE2_ARGS), [rows], {"roads": ROADS})
        self.assertIn("is_pothole is str", str(caught.exception))


class ExitCode(unittest.TestCase):
    def test_a_contract_failure_exits_1_with_the_message_and_no_traceback(self):
        log = logging.getLogger("contract-test")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        log.addHandler(handler)
        try:
            def broken(_args):
                raise pc.ContractError("stage1: the input at s3a://b/raw/ does not have the contract's schema: timestamp is timestamp")
            code = pc.run_stage("stage1", stage1.parse_args(STAGE1_ARGS), broken, log)
        finally:
            log.removeHandler(handler)
        self.assertEqual(code, 1)
        self.assertIn("timestamp is timestamp", stream.getvalue())
        self.assertNotIn("Traceback", stream.getvalue())


if __name__ == "__main__":
    unittest.main()
