"""The sample day generator, and stage 1 feeding stage 2 on a generated day."""

import contextlib
import io
import tempfile
import unittest
from pathlib import Path

import pothole_common as pc
import sample_data
import stage1_anomaly_detection as stage1
import stage2_spatial_clustering as stage2

BATCH_DATE = "2026-02-12"


def generate(out_dir, batch_date=BATCH_DATE, trips=12):
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        sample_data.main(["--batch-date", batch_date, "--out", str(out_dir), "--trips", str(trips)])
    return printed.getvalue()


def file_bytes(out_dir):
    return {path.name: path.read_bytes() for path in sorted(Path(out_dir).iterdir())}


class SampleDataTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)

    def test_same_date_gives_identical_files_and_another_date_does_not(self):
        generate(self.tmp / "first")
        generate(self.tmp / "again")
        generate(self.tmp / "next-day", batch_date="2026-02-13")
        self.assertEqual(file_bytes(self.tmp / "first"), file_bytes(self.tmp / "again"))
        self.assertNotEqual(file_bytes(self.tmp / "first"), file_bytes(self.tmp / "next-day"))

    def test_one_json_lines_file_per_trip_with_the_input_columns(self):
        summary = generate(self.tmp, trips=3)
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()),
                         ["trip-0001.jsonl", "trip-0002.jsonl", "trip-0003.jsonl"])
        self.assertIn("3 trips", summary)
        for rows in sample_data.read_day(self.tmp):
            self.assertTrue(rows)
            self.assertEqual({tuple(row) for row in rows}, {sample_data.INPUT_COLUMNS})
            self.assertEqual(len({row["trip_id"] for row in rows}), 1)
            timestamps = [row["timestamp"] for row in rows]
            self.assertEqual(timestamps, list(range(timestamps[0], timestamps[0] + 100 * len(rows), 100)))

    def test_rerun_with_fewer_trips_leaves_exactly_that_day(self):
        generate(self.tmp, trips=5)
        generate(self.tmp, trips=2)
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()), ["trip-0001.jsonl", "trip-0002.jsonl"])

    def test_day_contains_readings_stage1_must_drop(self):
        generate(self.tmp)
        rows = [row for trip in sample_data.read_day(self.tmp) for row in trip]
        self.assertTrue(any(row["velocity"] <= 5 for row in rows))
        self.assertTrue(any(row["hdop"] > 5 for row in rows))
        self.assertTrue(any(row["satellites"] < 4 for row in rows))

    def test_bad_arguments_exit_with_code_2(self):
        for argv in (["--batch-date", "2026-02-30", "--out", str(self.tmp)],
                     ["--batch-date", BATCH_DATE, "--out", str(self.tmp), "--trips", "0"]):
            with self.subTest(argv=argv), contextlib.redirect_stderr(io.StringIO()), \
                    self.assertRaises(SystemExit) as raised:
                sample_data.main(argv)
            self.assertEqual(raised.exception.code, 2)


class EndToEndTest(unittest.TestCase):
    """Stage 1's output rows are stage 2's input rows, as in the pipeline."""

    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            cls.trip_files = sample_data.read_day(Path(tmp))
        cls.readings = [row for trip in cls.trip_files for row in trip]
        stage1_args = stage1.parse_args(
            ["--batch-date", BATCH_DATE, "--input", "s3a://b/raw/", "--output", "s3a://b/s1/"])
        cls.scored = stage1.transform(stage1_args, cls.trip_files, {})
        stage2_args = stage2.parse_args(
            ["--batch-date", BATCH_DATE, "--input", "s3a://b/s1/", "--output", "s3a://b/s2/",
             "--roads", "s3a://b/roads.csv"])
        cls.roads_csv = sample_data.ROADS_CSV.read_text(encoding="utf-8")
        cls.stage2_rows = stage2.transform(stage2_args, [cls.scored], {"roads": cls.roads_csv})

    def test_stage1_keeps_exactly_the_moving_well_located_readings(self):
        expected = sum(1 for r in self.readings if r["velocity"] > 5 and r["hdop"] <= 5 and r["satellites"] >= 4)
        self.assertEqual(len(self.scored), expected)
        self.assertLess(len(self.scored), len(self.readings))
        self.assertEqual({tuple(row) for row in self.scored}, {pc.STAGE1_OUTPUT_COLUMNS})

    def test_stage1_flags_potholes(self):
        flagged = [row for row in self.scored if row["is_pothole"]]
        self.assertTrue(flagged)
        self.assertTrue(all(row["impact_score"] > 3.0 for row in flagged))
        self.assertLess(len(flagged), len(self.scored) / 20, "potholes are rare events, not background noise")

    def test_stage2_finds_the_potholes_on_exactly_their_segments(self):
        with_impacts = {row["s_id"] for row in self.stage2_rows if row["impact_count"] > 0}
        self.assertEqual(with_impacts, {place.s_id for place in sample_data.POTHOLES})

    def test_stage2_counts_add_up(self):
        flagged = sum(1 for row in self.scored if row["is_pothole"])
        self.assertTrue(0 < sum(row["impact_count"] for row in self.stage2_rows) <= flagged)
        mapped = sum(row["total_count"] for row in self.stage2_rows)
        self.assertLess(mapped, len(self.scored), "side-street readings lie beyond the distance limit")
        self.assertTrue(all(0 <= row["impact_count"] <= row["total_count"] for row in self.stage2_rows))

    def test_stage2_rows_carry_the_batch_date_and_segment_midpoints(self):
        network = {segment.s_id: segment for segment in pc.parse_road_segments(self.roads_csv)}
        for row in self.stage2_rows:
            self.assertEqual(tuple(row), pc.STAGE2_OUTPUT_COLUMNS)
            self.assertEqual(row["date"], BATCH_DATE)
            segment = network[row["s_id"]]
            self.assertEqual((row["centroid_lon"], row["centroid_lat"]), (segment.centroid_lon, segment.centroid_lat))


if __name__ == "__main__":
    unittest.main()
