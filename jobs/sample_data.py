"""Deterministic sample day of raw sensor readings for local runs of the pothole batch.

    python3 jobs/sample_data.py --batch-date 2026-02-12 --out /tmp/sample [--trips 12]

Writes one JSON Lines file per trip (``trip-0001.jsonl`` ...), one reading per
line with exactly the production input columns. JSON Lines, not Parquet: the
production input is Parquet, but this machine's Python has the standard library
only and no Parquet reader or writer, so the local stand-in reads these files.

Trips drive along the roads of ``reference/road_segments.csv`` at 10 Hz, each in
one direction, entering from a side street that is not on the network (readings
there fall outside stage 2's distance limit), with:

* realistic noise on every sensor and a few metres of GPS scatter;
* a parked start and sometimes a red-light stop (velocity below 5 km/h);
* a short burst of bad GPS (high hdop, or too few satellites);
* a hit on every pothole of ``POTHOLES`` the trip drives over: a sharp
  vertical-acceleration and pitch-rate spike over a few readings.

Everything is drawn from a random generator seeded with the batch date, so the
same date always gives byte-identical files and another date a different day.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pothole_common as pc

ROADS_CSV = Path(__file__).resolve().parent / "reference" / "road_segments.csv"
INPUT_COLUMNS = (
    "timestamp", "trip_id", "vehicle_id", "accel_x", "accel_y", "accel_z",
    "gyro_x", "gyro_y", "gyro_z", "velocity", "lon", "lat", "hdop", "satellites",
)
SAMPLE_INTERVAL_MS = 100
KST = timezone(timedelta(hours=9))
GRAVITY = 9.81
METRES_PER_DEGREE = math.radians(1) * pc.EARTH_RADIUS_M
SIDE_STREET_M = 120.0
BRAKING_MPS2 = 2.5
ACCELERATION_MPS2 = 1.5
GPS_SCATTER_M = 2.0
BAD_FIX_SCATTER_M = 12.0
# Offsets added to (accel_z m/s^2, gyro_y deg/s) on consecutive readings when a wheel drops into a pothole.
IMPACT_PATTERN = ((9.0, 14.0), (-5.0, -8.0), (2.0, 3.0), (-0.8, -1.0))


@dataclass(frozen=True)
class PotholePlace:
    """A pothole at ``fraction`` of the way from a segment's start to its end."""

    s_id: str
    fraction: float


POTHOLES = (
    PotholePlace("TH-02", 0.45),
    PotholePlace("TH-05", 0.30),
    PotholePlace("GD-03", 0.60),
    PotholePlace("YS-04", 0.50),
)


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------

def offset_position(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Move a position by a few metres (local flat-Earth approximation, fine at this scale)."""
    return (lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
            lat + north_m / METRES_PER_DEGREE)


def chain_roads(segments: list[pc.RoadSegment]) -> list[list[pc.RoadSegment]]:
    """Group the network's segments into roads: a segment that starts where the
    previous one ended continues the same road."""
    roads: list[list[pc.RoadSegment]] = []
    for segment in segments:
        previous = roads[-1][-1] if roads else None
        if previous and (previous.end_lon, previous.end_lat) == (segment.start_lon, segment.start_lat):
            roads[-1].append(segment)
        else:
            roads.append([segment])
    return roads


class Route:
    """A polyline the vehicle follows, with positions looked up by distance driven."""

    def __init__(self, vertices: list[tuple[float, float]]):
        self.vertices = vertices
        self.cumulative_m = [0.0]
        for (lon1, lat1), (lon2, lat2) in zip(vertices, vertices[1:]):
            self.cumulative_m.append(self.cumulative_m[-1] + pc.haversine_m(lon1, lat1, lon2, lat2))

    @property
    def length_m(self) -> float:
        return self.cumulative_m[-1]

    def position_at(self, distance_m: float) -> tuple[float, float]:
        distance_m = min(max(distance_m, 0.0), self.length_m)
        leg = next(i for i in range(1, len(self.vertices)) if distance_m <= self.cumulative_m[i])
        start_m, end_m = self.cumulative_m[leg - 1], self.cumulative_m[leg]
        share = (distance_m - start_m) / (end_m - start_m)
        (lon1, lat1), (lon2, lat2) = self.vertices[leg - 1], self.vertices[leg]
        return lon1 + (lon2 - lon1) * share, lat1 + (lat2 - lat1) * share


def side_street_start(road_start: tuple[float, float], road_next: tuple[float, float],
                      segments: list[pc.RoadSegment]) -> tuple[float, float]:
    """Where the side street leading onto the road begins: ``SIDE_STREET_M`` off the road,
    perpendicular to it, on whichever side lies farther from the rest of the network."""
    lon0, lat0 = road_start
    east = (road_next[0] - lon0) * METRES_PER_DEGREE * math.cos(math.radians(lat0))
    north = (road_next[1] - lat0) * METRES_PER_DEGREE
    norm = math.hypot(east, north)
    candidates = [offset_position(lon0, lat0, side * -north / norm * SIDE_STREET_M, side * east / norm * SIDE_STREET_M)
                  for side in (1, -1)]
    return max(candidates, key=lambda point: min(
        pc.haversine_m(point[0], point[1], s.centroid_lon, s.centroid_lat) for s in segments))


def trip_route(road: list[pc.RoadSegment], reverse: bool, segments: list[pc.RoadSegment]) -> Route:
    """Side street, then the whole road in the chosen direction."""
    vertices = [(road[0].start_lon, road[0].start_lat)] + [(s.end_lon, s.end_lat) for s in road]
    if reverse:
        vertices.reverse()
    return Route([side_street_start(vertices[0], vertices[1], segments)] + vertices)


def pothole_distances(road: list[pc.RoadSegment], reverse: bool, side_street_m: float) -> list[float]:
    """Distance along the trip's route (side street of ``side_street_m`` first) at which each pothole lies."""
    road_length = sum(segment.length_m for segment in road)
    distances = []
    driven = 0.0
    for segment in road:
        for place in POTHOLES:
            if place.s_id == segment.s_id:
                along = driven + place.fraction * segment.length_m
                distances.append(side_street_m + (road_length - along if reverse else along))
        driven += segment.length_m
    return sorted(distances)


# --------------------------------------------------------------------------
# Driving
# --------------------------------------------------------------------------

def drive(rng: random.Random, route_length_m: float, red_light_at_m: float | None) -> Iterator[tuple[float, float]]:
    """(distance driven in m, true speed in km/h) every 100 ms until the end of the route.

    The vehicle starts parked, accelerates to a cruising speed, and, when there
    is a red light, brakes to a stop in front of it and waits.
    """
    step_s = SAMPLE_INTERVAL_MS / 1000
    cruise_mps = rng.uniform(30, 50) / 3.6
    speed_mps = 0.0
    distance_m = 0.0
    waiting = rng.randint(20, 40)
    while distance_m < route_length_m:
        if waiting:
            waiting -= 1
        elif red_light_at_m is not None and red_light_at_m - distance_m <= speed_mps ** 2 / (2 * BRAKING_MPS2):
            speed_mps = max(0.0, speed_mps - BRAKING_MPS2 * step_s)
            if speed_mps == 0.0:
                red_light_at_m, waiting = None, rng.randint(30, 80)
        elif speed_mps < cruise_mps:
            speed_mps = min(cruise_mps, speed_mps + ACCELERATION_MPS2 * step_s)
        else:
            speed_mps = cruise_mps + rng.gauss(0, 0.15)
        distance_m += speed_mps * step_s
        yield distance_m, speed_mps * 3.6


def gps_quality(rng: random.Random, in_bad_burst: str | None) -> tuple[float, int]:
    """(hdop, satellites): good most of the time; degraded inside a bad-GPS burst."""
    if in_bad_burst == "hdop":
        return round(rng.uniform(5.5, 12.0), 1), rng.randint(3, 6)
    if in_bad_burst == "satellites":
        return round(rng.uniform(1.5, 4.5), 1), rng.randint(2, 3)
    return round(rng.uniform(0.7, 2.5), 1), rng.randint(7, 14)


@dataclass
class SimulatedTrip:
    rows: list[dict]
    pothole_hits: int


def simulate_trip(rng: random.Random, trip_id: str, vehicle_id: str, start_ms: int,
                  road: list[pc.RoadSegment], reverse: bool, segments: list[pc.RoadSegment]) -> SimulatedTrip:
    """All readings of one trip along one road."""
    route = trip_route(road, reverse, segments)
    potholes = pothole_distances(road, reverse, side_street_m=route.cumulative_m[1])
    red_light = rng.uniform(SIDE_STREET_M + 60, route.length_m - 60) if rng.random() < 0.5 else None
    burst_start = rng.uniform(SIDE_STREET_M, route.length_m - 30)
    burst = (burst_start, burst_start + rng.uniform(8, 20), rng.choice(("hdop", "satellites")))

    rows: list[dict] = []
    pending_impact: list[tuple[float, float]] = []
    hits = 0
    previous_m = 0.0
    for index, (distance_m, speed_kmh) in enumerate(drive(rng, route.length_m, red_light)):
        for pothole_m in potholes:
            if previous_m < pothole_m <= distance_m:
                intensity = rng.uniform(0.8, 1.4)
                pending_impact = [(az * intensity, gy * intensity) for az, gy in IMPACT_PATTERN]
                hits += 1
        previous_m = distance_m
        impact_az, impact_gy = pending_impact.pop(0) if pending_impact else (0.0, 0.0)

        bad_gps = burst[2] if burst[0] <= distance_m <= burst[1] else None
        hdop, satellites = gps_quality(rng, bad_gps)
        scatter = BAD_FIX_SCATTER_M if bad_gps else GPS_SCATTER_M
        lon, lat = offset_position(*route.position_at(distance_m), rng.gauss(0, scatter), rng.gauss(0, scatter))
        vibration = 1.0 if speed_kmh > 5 else 0.3  # an idling engine shakes less than the road does
        rows.append({
            "timestamp": start_ms + index * SAMPLE_INTERVAL_MS,
            "trip_id": trip_id,
            "vehicle_id": vehicle_id,
            "accel_x": round(rng.gauss(0, 0.25 * vibration), 4),
            "accel_y": round(rng.gauss(0, 0.20 * vibration), 4),
            "accel_z": round(GRAVITY + rng.gauss(0, 0.30 * vibration) + impact_az, 4),
            "gyro_x": round(rng.gauss(0, 0.6 * vibration), 3),
            "gyro_y": round(rng.gauss(0, 0.8 * vibration) + impact_gy, 3),
            "gyro_z": round(rng.gauss(0, 0.6 * vibration), 3),
            "velocity": round(max(0.0, speed_kmh + rng.gauss(0, 0.4)), 1),
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "hdop": hdop,
            "satellites": satellites,
        })
    return SimulatedTrip(rows, hits)


# --------------------------------------------------------------------------
# A day of trips
# --------------------------------------------------------------------------

def generate_day(batch_date: str, trips: int) -> list[SimulatedTrip]:
    """The day's trips, spread over the roads in turn, each starting between 06:00 and 22:00 KST."""
    segments = pc.parse_road_segments(ROADS_CSV.read_text(encoding="utf-8"))
    known = {segment.s_id for segment in segments}
    unknown = [place.s_id for place in POTHOLES if place.s_id not in known]
    if unknown:
        raise ValueError(f"pothole places on segments missing from {ROADS_CSV}: {unknown}")
    roads = chain_roads(segments)
    rng = random.Random(f"pothole-sample-day:{batch_date}")
    day_start = datetime.fromisoformat(batch_date).replace(hour=6, tzinfo=KST)
    simulated = []
    for number in range(1, trips + 1):
        start = day_start + timedelta(seconds=rng.randrange(16 * 3600))
        simulated.append(simulate_trip(
            rng,
            trip_id=f"TRIP-{batch_date.replace('-', '')}-{number:04d}",
            vehicle_id=f"V{rng.randint(1, 8):03d}",
            start_ms=int(start.timestamp() * 1000),
            road=roads[(number - 1) % len(roads)],
            reverse=rng.random() < 0.5,
            segments=segments,
        ))
    return simulated


def trip_file_name(number: int) -> str:
    return f"trip-{number:04d}.jsonl"


def write_day(out_dir: Path, trips: list[SimulatedTrip]) -> None:
    """One JSON Lines file per trip; trip files left over from an earlier, larger run are removed
    so that the directory holds exactly one day."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("trip-*.jsonl"):
        stale.unlink()
    for number, trip in enumerate(trips, start=1):
        with open(out_dir / trip_file_name(number), "w", encoding="utf-8", newline="\n") as out:
            for row in trip.rows:
                out.write(json.dumps({column: row[column] for column in INPUT_COLUMNS}, separators=(",", ":")) + "\n")


def read_day(out_dir: Path) -> list[list[dict]]:
    """The trip files of a sample day, each parsed into its rows, in file-name order."""
    return [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        for path in sorted(Path(out_dir).glob("trip-*.jsonl"))
    ]


def _trip_count(text: str) -> int:
    value = pc.non_negative_int(text)
    if not 1 <= value <= 9999:
        raise argparse.ArgumentTypeError("--trips must be between 1 and 9999")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write a deterministic sample day of raw sensor readings.")
    parser.add_argument("--batch-date", required=True, type=pc.batch_date_arg, metavar="YYYY-MM-DD")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory for trip-XXXX.jsonl")
    parser.add_argument("--trips", type=_trip_count, default=12, help="number of trips (default %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    trips = generate_day(args.batch_date, args.trips)
    write_day(args.out, trips)
    print(f"sample day {args.batch_date}: {len(trips)} trips, {sum(len(t.rows) for t in trips)} readings, "
          f"{sum(t.pothole_hits for t in trips)} pothole hits at {len(POTHOLES)} places -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
