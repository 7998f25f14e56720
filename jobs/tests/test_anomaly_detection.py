"""Stage 1 core logic: reading filter, per-trip z-scores, impact score and pothole flag."""

import math
import unittest

import pothole_common as pc

DEFAULTS = pc.AnomalyParams()


def reading(**overrides):
    """A reliable reading (moving, good fix) unless overridden."""
    row = {"trip_id": "T1", "timestamp": 1_000, "lon": 127.03, "lat": 37.50, "accel_z": 9.81,
           "gyro_y": 0.0, "velocity": 40.0, "hdop": 1.0, "satellites": 9}
    row.update(overrides)
    return row


def trip(accel_z, gyro_y=None, trip_id="T1"):
    """Readings of one trip with the given sensor series, one every 100 ms."""
    gyro_y = gyro_y if gyro_y is not None else [0.0] * len(accel_z)
    return [reading(trip_id=trip_id, timestamp=1_000 + 100 * i, accel_z=az, gyro_y=gy)
            for i, (az, gy) in enumerate(zip(accel_z, gyro_y))]


class ZScoreTest(unittest.TestCase):
    def test_known_series_uses_population_deviation(self):
        # mean 5, population std 2 (the sample std would be 2.138...)
        self.assertEqual(pc.z_scores([2, 4, 4, 4, 5, 5, 7, 9]), [-1.5, -0.5, -0.5, -0.5, 0.0, 0.0, 1.0, 2.0])

    def test_zero_deviation_gives_zeros(self):
        self.assertEqual(pc.z_scores([9.81, 9.81, 9.81]), [0.0, 0.0, 0.0])

    def test_constant_value_with_inexact_mean_still_gives_zeros(self):
        # 0.1 * 3 / 3 is not exactly 0.1 in floating point; the result must still be 0, not +/-1
        self.assertEqual(pc.z_scores([0.1] * 3), [0.0] * 3)

    def test_single_reading_gives_zero(self):
        self.assertEqual(pc.z_scores([12.3]), [0.0])

    def test_empty_trip_gives_nothing(self):
        self.assertEqual(pc.z_scores([]), [])

    def test_scores_have_zero_mean_and_unit_population_deviation(self):
        scores = pc.z_scores([9.7, 9.9, 10.4, 9.5, 18.2, 9.8])
        self.assertAlmostEqual(math.fsum(scores) / len(scores), 0.0)
        self.assertAlmostEqual(math.fsum(z * z for z in scores) / len(scores), 1.0)


class ReliableReadingTest(unittest.TestCase):
    def assertKept(self, expected, **overrides):
        self.assertIs(pc.is_reliable_reading(reading(**overrides), DEFAULTS), expected, overrides)

    def test_velocity_must_be_strictly_above_minimum(self):
        self.assertKept(False, velocity=5.0)
        self.assertKept(True, velocity=5.01)
        self.assertKept(False, velocity=0.0)

    def test_hdop_up_to_maximum_is_kept(self):
        self.assertKept(True, hdop=5.0)
        self.assertKept(False, hdop=5.01)

    def test_satellites_from_minimum_are_kept(self):
        self.assertKept(True, satellites=4)
        self.assertKept(False, satellites=3)

    def test_missing_or_non_finite_measurements_are_dropped(self):
        self.assertKept(False, velocity=None)
        self.assertKept(False, accel_z=float("nan"))
        self.assertKept(False, lat=float("inf"))
        self.assertFalse(pc.is_reliable_reading({k: v for k, v in reading().items() if k != "gyro_y"}, DEFAULTS))

    def test_thresholds_are_parameters(self):
        strict = pc.AnomalyParams(min_velocity=20.0, max_hdop=2.0, min_satellites=8)
        self.assertFalse(pc.is_reliable_reading(reading(velocity=15.0), strict))
        self.assertFalse(pc.is_reliable_reading(reading(hdop=3.0), strict))
        self.assertFalse(pc.is_reliable_reading(reading(satellites=6), strict))
        self.assertTrue(pc.is_reliable_reading(reading(velocity=25.0, hdop=2.0, satellites=8), strict))


class ScoreTripTest(unittest.TestCase):
    def test_output_columns(self):
        rows = pc.score_trip(trip([9.8, 9.9]), DEFAULTS)
        self.assertEqual([tuple(row) for row in rows], [pc.STAGE1_OUTPUT_COLUMNS] * 2)

    def test_impact_is_weighted_sum_of_absolute_z_scores(self):
        # accel_z z-scores are -1 and +1, gyro_y z-scores are +1 and -1
        rows = pc.score_trip(trip([0.0, 2.0], [5.0, 3.0]), pc.AnomalyParams(weight_accel=0.6, weight_gyro=0.25))
        self.assertEqual([row["impact_score"] for row in rows], [0.85, 0.85])

    def test_threshold_is_strict(self):
        rows = trip([0.0, 2.0])  # |z(accel_z)| = 1, gyro_y constant -> impact 0.7
        self.assertEqual([r["is_pothole"] for r in pc.score_trip(rows, pc.AnomalyParams(impact_threshold=0.7))],
                         [False, False])
        self.assertEqual([r["is_pothole"] for r in pc.score_trip(rows, pc.AnomalyParams(impact_threshold=0.69))],
                         [True, True])

    def test_spike_in_quiet_trip_is_the_only_pothole(self):
        accel = [9.81, 9.79, 9.83, 9.80, 9.82] * 6
        gyro = [0.1, -0.1, 0.0, 0.2, -0.2] * 6
        accel[17], gyro[17] = 19.5, 9.0
        rows = pc.score_trip(trip(accel, gyro), DEFAULTS)
        self.assertEqual([i for i, row in enumerate(rows) if row["is_pothole"]], [17])
        self.assertGreater(rows[17]["impact_score"], DEFAULTS.impact_threshold)

    def test_constant_trip_has_no_impact(self):
        rows = pc.score_trip(trip([9.81] * 5, [0.3] * 5), DEFAULTS)
        self.assertEqual([(row["impact_score"], row["is_pothole"]) for row in rows], [(0.0, False)] * 5)

    def test_single_reading_trip_is_not_a_pothole(self):
        [row] = pc.score_trip(trip([25.0], [12.0]), DEFAULTS)
        self.assertEqual((row["impact_score"], row["is_pothole"]), (0.0, False))

    def test_filtered_readings_neither_appear_nor_shift_the_baseline(self):
        readings = trip([0.0, 2.0]) + [reading(timestamp=5_000, accel_z=500.0, velocity=2.0)]
        rows = pc.score_trip(readings, pc.AnomalyParams(impact_threshold=0.69))
        self.assertEqual([row["timestamp"] for row in rows], [1_000, 1_100])
        self.assertEqual([row["impact_score"] for row in rows], [0.7, 0.7])

    def test_rows_come_out_in_timestamp_order(self):
        rows = pc.score_trip(list(reversed(trip([9.8, 9.9, 10.0]))), DEFAULTS)
        self.assertEqual([row["timestamp"] for row in rows], [1_000, 1_100, 1_200])


class DetectAnomaliesTest(unittest.TestCase):
    def test_each_trip_is_normalised_on_its_own(self):
        quiet = trip([9.81] * 4, trip_id="quiet")
        bumpy = trip([0.0, 2.0], trip_id="bumpy")
        rows = pc.detect_anomalies(quiet + bumpy, pc.AnomalyParams(impact_threshold=0.5))
        # the bumpy trip does not make the quiet trip's readings look anomalous
        self.assertEqual([row["impact_score"] for row in rows], [0.7, 0.7, 0.0, 0.0, 0.0, 0.0])

    def test_a_trip_split_over_readings_in_any_order_is_scored_as_one(self):
        whole = pc.detect_anomalies(trip([9.8, 12.0, 9.7, 9.9]), DEFAULTS)
        split = trip([9.8, 12.0, 9.7, 9.9])
        self.assertEqual(pc.detect_anomalies(split[2:] + split[:2], DEFAULTS), whole)


if __name__ == "__main__":
    unittest.main()
