"""Stage 2 core logic: road network parsing, nearest-midpoint mapping with a distance limit, per-segment counts."""

import math
import unittest

import pothole_common as pc

ROADS_CSV = """s_id,start_lon,start_lat,end_lon,end_lat
A,127.0000,37.5000,127.0008,37.5000
B,127.0008,37.5000,127.0016,37.5000
C,127.0000,37.5010,127.0000,37.5016
"""


def south_of(lon, lat, metres):
    """The position ``metres`` due south: along a meridian the great-circle distance is exact."""
    return lon, lat - math.degrees(metres / pc.EARTH_RADIUS_M)


def point(lon, lat, is_pothole=False):
    return {"timestamp": 0, "lon": lon, "lat": lat, "impact_score": 0.0, "is_pothole": is_pothole}


class HaversineTest(unittest.TestCase):
    def test_one_degree_of_latitude(self):
        self.assertAlmostEqual(pc.haversine_m(127.0, 37.0, 127.0, 38.0), 111_195.08, places=1)

    def test_longitude_shrinks_with_latitude(self):
        at_equator = pc.haversine_m(0.0, 0.0, 0.001, 0.0)
        at_seoul = pc.haversine_m(127.0, 37.5, 127.001, 37.5)
        self.assertAlmostEqual(at_seoul / at_equator, 0.7934, places=3)  # cos(37.5 deg)

    def test_symmetric_and_zero_on_itself(self):
        self.assertEqual(pc.haversine_m(127.03, 37.49, 127.03, 37.49), 0.0)
        self.assertAlmostEqual(pc.haversine_m(127.0, 37.5, 127.01, 37.51), pc.haversine_m(127.01, 37.51, 127.0, 37.5))


class ParseRoadSegmentsTest(unittest.TestCase):
    def test_parses_segments_in_file_order_with_midpoints(self):
        segments = pc.parse_road_segments(ROADS_CSV)
        self.assertEqual([s.s_id for s in segments], ["A", "B", "C"])
        self.assertAlmostEqual(segments[0].centroid_lon, 127.0004)
        self.assertAlmostEqual(segments[0].centroid_lat, 37.5)
        self.assertAlmostEqual(segments[2].centroid_lat, 37.5013)

    def test_extra_columns_and_byte_order_mark_are_accepted(self):
        text = "\ufeffs_id,road_name,start_lon,start_lat,end_lon,end_lat\nX,Teheran-ro,127.0,37.5,127.001,37.5\n"
        [segment] = pc.parse_road_segments(text)
        self.assertEqual(segment.s_id, "X")

    def test_rejects_a_broken_network(self):
        cases = {
            "lacks column": "s_id,start_lon,start_lat,end_lon\nA,1,2,3\n",
            "not a number": "s_id,start_lon,start_lat,end_lon,end_lat\nA,127.0,north,127.1,37.5\n",
            "not finite": "s_id,start_lon,start_lat,end_lon,end_lat\nA,127.0,nan,127.1,37.5\n",
            "duplicate s_id": ROADS_CSV + "A,127.1,37.6,127.2,37.6\n",
            "empty s_id": "s_id,start_lon,start_lat,end_lon,end_lat\n,127.0,37.5,127.1,37.5\n",
            "no segments": "s_id,start_lon,start_lat,end_lon,end_lat\n",
        }
        for message, text in cases.items():
            with self.subTest(message), self.assertRaisesRegex(ValueError, message):
                pc.parse_road_segments(text)

    def test_reports_segments_too_long_for_the_distance_limit(self):
        segments = pc.parse_road_segments(ROADS_CSV)  # A and B are ~70.6 m long, C ~66.7 m
        self.assertEqual([s.s_id for s in pc.segments_too_long_for(segments, 34.0)], ["A", "B"])
        self.assertEqual(pc.segments_too_long_for(segments, 50.0), [])


class NearestSegmentTest(unittest.TestCase):
    def setUp(self):
        self.segments = pc.parse_road_segments(ROADS_CSV)

    def nearest_id(self, lon, lat, max_distance_m=50.0):
        segment = pc.nearest_segment(lon, lat, self.segments, max_distance_m)
        return segment.s_id if segment else None

    def test_maps_to_the_nearest_midpoint(self):
        self.assertEqual(self.nearest_id(127.0003, 37.50002), "A")
        self.assertEqual(self.nearest_id(127.0013, 37.49998), "B")
        self.assertEqual(self.nearest_id(127.00002, 37.5012), "C")

    def test_drops_points_beyond_the_distance_limit(self):
        a = self.segments[0]
        far_off_road = south_of(a.centroid_lon, a.centroid_lat, 80.0)
        self.assertIsNone(self.nearest_id(*far_off_road))
        self.assertEqual(self.nearest_id(*far_off_road, max_distance_m=100.0), "A")

    def test_limit_is_inclusive(self):
        a = self.segments[0]
        lon, lat = south_of(a.centroid_lon, a.centroid_lat, 30.0)
        exact = pc.haversine_m(lon, lat, a.centroid_lon, a.centroid_lat)
        self.assertAlmostEqual(exact, 30.0, places=6)
        self.assertEqual(self.nearest_id(lon, lat, max_distance_m=exact), "A")
        self.assertIsNone(self.nearest_id(lon, lat, max_distance_m=exact - 1e-6))

    def test_tie_goes_to_the_segment_listed_first(self):
        west = pc.RoadSegment("W", -1.0, 0.0, 0.0, 0.0)
        east = pc.RoadSegment("E", 0.0, 0.0, 1.0, 0.0)
        # their shared end point is exactly as far from both midpoints
        self.assertEqual(pc.nearest_segment(0.0, 0.0, [west, east], 100_000.0), west)
        self.assertEqual(pc.nearest_segment(0.0, 0.0, [east, west], 100_000.0), east)


class SegmentCountsTest(unittest.TestCase):
    def setUp(self):
        self.segments = pc.parse_road_segments(ROADS_CSV)

    def test_counts_per_segment_and_skips_what_cannot_be_placed(self):
        points = [
            point(127.0003, 37.5, is_pothole=True),
            point(127.0005, 37.5),
            point(127.0004, 37.50001, is_pothole=True),
            point(127.0012, 37.5),
            point(127.0012, 37.5, is_pothole=True),
            point(127.0004, 37.4990, is_pothole=True),  # ~111 m south of A: off the network
            point(None, 37.5, is_pothole=True),  # no position
        ]
        tallies = pc.tally_by_segment(points, self.segments, 50.0)
        self.assertEqual(tallies, {"A": (2, 3), "B": (1, 2)})

    def test_partial_counts_merge_to_the_whole(self):
        points = [point(127.0003 + 0.0001 * i, 37.5, is_pothole=i % 3 == 0) for i in range(12)]
        whole = pc.tally_by_segment(points, self.segments, 50.0)
        first, second = (pc.tally_by_segment(part, self.segments, 50.0) for part in (points[:5], points[5:]))
        merged = {s_id: pc.merge_tallies(first.get(s_id, (0, 0)), second.get(s_id, (0, 0)))
                  for s_id in first.keys() | second.keys()}
        self.assertEqual(merged, whole)

    def test_summary_rows_for_observed_segments_only(self):
        rows = pc.segment_summary_rows({"B": (1, 2), "A": (0, 4)}, self.segments, "2026-02-12")
        self.assertEqual([tuple(row) for row in rows], [pc.STAGE2_OUTPUT_COLUMNS] * 2)
        self.assertEqual([(r["s_id"], r["date"], r["impact_count"], r["total_count"]) for r in rows],
                         [("A", "2026-02-12", 0, 4), ("B", "2026-02-12", 1, 2)])
        self.assertAlmostEqual(rows[1]["centroid_lon"], 127.0012)
        self.assertAlmostEqual(rows[1]["centroid_lat"], 37.5)


if __name__ == "__main__":
    unittest.main()
