"""Core pothole-detection logic shared by the PySpark drivers and the local stand-in.

Standard library only, on purpose: the Spark drivers ship this file with
``--py-files`` and call these functions inside Spark tasks, while the local
stand-in (no Spark, no pandas, no Parquet) calls the very same functions through
each stage's ``transform()``. One implementation is what makes a local run a
faithful rehearsal of the cluster run.

Stage 1 (anomaly detection) keeps readings with a trustworthy GPS fix taken while
moving, normalises ``accel_z`` and ``gyro_y`` per trip (z-scores) so that vehicles
and mounting positions with different vibration levels become comparable, and
flags readings whose weighted impact score exceeds a threshold.

Stage 2 (spatial aggregation) maps every scored reading to the road segment whose
midpoint is nearest (haversine distance) and counts, per segment, how many
readings were seen and how many of them were flagged as pothole impacts.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator, Mapping, Optional

# --------------------------------------------------------------------------
# Column contracts
# --------------------------------------------------------------------------

#: Columns stage 1 reads from the raw sensor data (the rest are not needed).
STAGE1_INPUT_COLUMNS = (
    "trip_id", "timestamp", "lon", "lat", "accel_z", "gyro_y", "velocity", "hdop", "satellites",
)
STAGE1_OUTPUT_COLUMNS = ("timestamp", "lon", "lat", "impact_score", "is_pothole")
ROAD_SEGMENT_COLUMNS = ("s_id", "start_lon", "start_lat", "end_lon", "end_lat")
STAGE2_OUTPUT_COLUMNS = ("s_id", "centroid_lon", "centroid_lat", "date", "impact_count", "total_count")

class ContractError(Exception):
    """The data does not keep the stage contract: the job fails (exit 1) with this message instead of
    writing an output that looks complete. An empty output would pass the pipeline's verification
    (``_SUCCESS`` and a data file), and a column of another type is silently dropped by the filters
    (a ``timestamp`` arriving as a Parquet TIMESTAMP is not a finite number, so every reading goes)."""


#: The contract's explicit types of the columns each stage reads: column, Spark types accepted
#: (``DataType.simpleString()``), Python types accepted for plain rows, and the contract's words.
_INTEGER, _NUMBER, _TEXT, _FLAG = (int,), (int, float), (str,), (bool,)
STAGE1_INPUT_SCHEMA = (
    ("trip_id", ("string",), _TEXT, "string"),
    ("timestamp", ("bigint",), _INTEGER, "int64 epoch milliseconds"),
    ("lon", ("double",), _NUMBER, "double"),
    ("lat", ("double",), _NUMBER, "double"),
    ("accel_z", ("double", "float"), _NUMBER, "double"),
    ("gyro_y", ("double", "float"), _NUMBER, "double"),
    ("velocity", ("double", "float"), _NUMBER, "double km/h"),
    ("hdop", ("double", "float"), _NUMBER, "double"),
    ("satellites", ("int", "bigint", "smallint", "tinyint"), _INTEGER, "integer"),
)
STAGE2_INPUT_SCHEMA = (
    ("lon", ("double",), _NUMBER, "double"),
    ("lat", ("double",), _NUMBER, "double"),
    ("is_pothole", ("boolean",), _FLAG, "boolean"),
)


def schema_problems(actual: Iterable[tuple[str, str]], expected) -> list[str]:
    """What differs between a Spark schema (name, simpleString type) and the contract: missing columns, other types."""
    types = dict(actual)
    problems = []
    for column, spark_types, _, words in expected:
        if column not in types:
            problems.append(f"{column} is missing (expected {words})")
        elif types[column] not in spark_types:
            problems.append(f"{column} is {types[column]}, expected {words} ({'/'.join(spark_types)})")
    return problems


def check_schema(stage: str, uri: str, actual: Iterable[tuple[str, str]], expected) -> None:
    problems = schema_problems(actual, expected)
    if problems:
        raise ContractError(f"{stage}: the input at {uri} does not have the contract's schema: {'; '.join(problems)}")


def check_rows(stage: str, rows: Iterable[Mapping], expected) -> Iterator[Mapping]:
    """Plain rows (the local stand-in's path) checked against the same contract, row by row.

    A null (None) passes, as a Parquet null does; a value of another type fails, naming the column.
    """
    for number, row in enumerate(rows, 1):
        for column, _, python_types, words in expected:
            if column not in row:
                raise ContractError(f"{stage}: input row {number} has no column {column} (expected {words})")
            value = row[column]
            if value is not None and (not isinstance(value, python_types) or (isinstance(value, bool) and bool not in python_types)):
                raise ContractError(f"{stage}: input row {number}: {column} is {type(value).__name__} {value!r}, expected {words}")
        yield row


def require_rows(stage: str, kept: int, read: int, why: str) -> None:
    """A stage that keeps nothing fails rather than write an empty output that verification would accept."""
    if kept == 0:
        raise ContractError(f"{stage}: no rows kept of {read} read ({why}); refusing to write an empty output")


# Fields that must hold a finite number before a reading can be scored or placed.
_MEASURED_FIELDS = ("timestamp", "lon", "lat", "accel_z", "gyro_y", "velocity", "hdop", "satellites")


def iter_rows(input_files: Iterable[Iterable[Mapping]]) -> Iterator[Mapping]:
    """All rows of all input objects, in order: transform() gets rows per file, the logic needs the day."""
    for rows in input_files:
        yield from rows


# --------------------------------------------------------------------------
# Stage 1: anomaly detection
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnomalyParams:
    """Stage-1 tuning knobs; the defaults are the original pipeline's production values.

    ``min_velocity`` is in km/h (the unit of the ``velocity`` column): below it the
    vehicle is parked or crawling and vibrations come from doors and idling, not
    from the road. ``max_hdop`` and ``min_satellites`` reject fixes whose position
    is too uncertain to pin an impact to a road segment.
    """

    min_velocity: float = 5.0
    max_hdop: float = 5.0
    min_satellites: int = 4
    weight_accel: float = 0.7
    weight_gyro: float = 0.3
    impact_threshold: float = 3.0


def _is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_reliable_reading(reading: Mapping, params: AnomalyParams) -> bool:
    """True when the reading was taken while moving with a usable GPS fix.

    Boundaries follow the original pipeline: velocity strictly above the minimum,
    hdop up to and including the maximum, satellites from the minimum upwards.
    Readings with a missing or non-finite measurement (null/NaN in Parquet) are
    dropped here too: they can neither be scored nor placed on the map.
    """
    if not all(_is_finite_number(reading.get(field)) for field in _MEASURED_FIELDS):
        return False
    return (
        reading["velocity"] > params.min_velocity
        and reading["hdop"] <= params.max_hdop
        and reading["satellites"] >= params.min_satellites
    )


def z_scores(values: list[float]) -> list[float]:
    """Population z-scores; all zeros when the values do not deviate at all.

    A trip whose sensor reports a constant value (or a trip of one reading) has
    nothing anomalous in it, so every score is 0 rather than a division by zero.
    Constancy is tested on the values themselves, not on a computed standard
    deviation that float rounding could leave a hair above zero.
    """
    if not values or max(values) == min(values):
        return [0.0] * len(values)
    mean = math.fsum(values) / len(values)
    std = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / len(values))
    return [(value - mean) / std for value in values]


def score_trip(readings: Iterable[Mapping], params: AnomalyParams) -> list[dict]:
    """Score one trip's readings: filter, normalise per trip, weigh, flag.

    The z-scores are taken over the readings that survive the filter, so that
    parked or badly-located readings do not shift the trip's baseline. Output
    rows are ordered by timestamp (Spark's grouping gives no order guarantee).
    """
    kept = sorted(
        (reading for reading in readings if is_reliable_reading(reading, params)),
        key=lambda reading: reading["timestamp"],
    )
    z_accel = z_scores([reading["accel_z"] for reading in kept])
    z_gyro = z_scores([reading["gyro_y"] for reading in kept])
    scored = []
    for reading, za, zg in zip(kept, z_accel, z_gyro):
        impact = params.weight_accel * abs(za) + params.weight_gyro * abs(zg)
        scored.append({
            "timestamp": reading["timestamp"],
            "lon": reading["lon"],
            "lat": reading["lat"],
            "impact_score": impact,
            "is_pothole": impact > params.impact_threshold,
        })
    return scored


def group_by_trip(readings: Iterable[Mapping]) -> dict[str, list[Mapping]]:
    """Readings per ``trip_id``, whatever file they came from (as Spark's groupBy would)."""
    trips: dict[str, list[Mapping]] = {}
    for reading in readings:
        trips.setdefault(reading["trip_id"], []).append(reading)
    return trips


def detect_anomalies(readings: Iterable[Mapping], params: AnomalyParams) -> list[dict]:
    """Stage 1 on plain rows: every trip scored on its own, trips in ``trip_id`` order."""
    trips = group_by_trip(readings)
    return [row for trip_id in sorted(trips) for row in score_trip(trips[trip_id], params)]


# --------------------------------------------------------------------------
# Stage 2: spatial aggregation
# --------------------------------------------------------------------------

#: Mean Earth radius (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres.

    Chosen over the equirectangular approximation because it stays exact at any
    distance and latitude, so ``max_distance_m`` means the same thing for every
    road network; at a few trigonometric calls per pair its cost is irrelevant
    next to the Python-level loop around it.
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class RoadSegment:
    """One row of the road network; its midpoint is the segment's reported centroid.

    The midpoint is the plain average of the end points: segments are tens of
    metres long, far too short for the curvature of the Earth to matter.
    """

    s_id: str
    start_lon: float
    start_lat: float
    end_lon: float
    end_lat: float

    @property
    def centroid_lon(self) -> float:
        return (self.start_lon + self.end_lon) / 2

    @property
    def centroid_lat(self) -> float:
        return (self.start_lat + self.end_lat) / 2

    @property
    def length_m(self) -> float:
        return haversine_m(self.start_lon, self.start_lat, self.end_lon, self.end_lat)


def parse_road_segments(csv_text: str) -> list[RoadSegment]:
    """Parse the road network CSV (header ``s_id,start_lon,start_lat,end_lon,end_lat``).

    Extra columns are ignored (real networks carry road names, grades...). The
    network is validated up front because a broken one would not fail later: it
    would silently drop or misplace every reading of the day.
    """
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [column for column in ROAD_SEGMENT_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"road network CSV lacks column(s) {', '.join(missing)}")
    segments: list[RoadSegment] = []
    seen: set[str] = set()
    for line_no, row in enumerate(reader, start=2):
        s_id = (row["s_id"] or "").strip()
        if not s_id:
            raise ValueError(f"road network CSV line {line_no}: empty s_id")
        if s_id in seen:
            raise ValueError(f"road network CSV line {line_no}: duplicate s_id {s_id!r}")
        seen.add(s_id)
        segments.append(RoadSegment(s_id, *(_coordinate(row, column, line_no) for column in ROAD_SEGMENT_COLUMNS[1:])))
    if not segments:
        raise ValueError("road network CSV has no segments")
    return segments


def _coordinate(row: Mapping[str, str], column: str, line_no: int) -> float:
    try:
        value = float(row[column])
    except (TypeError, ValueError):
        raise ValueError(f"road network CSV line {line_no}: {column}={row[column]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"road network CSV line {line_no}: {column}={row[column]!r} is not finite")
    return value


def segments_too_long_for(segments: Iterable[RoadSegment], max_distance_m: float) -> list[RoadSegment]:
    """Segments whose ends lie farther than ``max_distance_m`` from their own midpoint.

    Readings are placed by distance to the nearest midpoint, so on such a segment
    readings taken near its ends are dropped as off-network. The drivers log
    these so that a mismatch between network and parameter is visible.
    """
    return [segment for segment in segments if segment.length_m / 2 > max_distance_m]


def nearest_segment(lon: float, lat: float, segments: Iterable[RoadSegment],
                    max_distance_m: float) -> Optional[RoadSegment]:
    """The segment whose midpoint is nearest, or None beyond ``max_distance_m``.

    A reading farther than that from every midpoint was taken off the mapped
    network (car parks, side streets, GPS jumps); counting it on whichever
    segment happens to be nearest would invent observations for that segment.
    A reading exactly at ``max_distance_m`` is kept. Ties go to the segment
    listed first, so the mapping is deterministic.
    """
    best: Optional[RoadSegment] = None
    best_distance = math.inf
    for segment in segments:
        distance = haversine_m(lon, lat, segment.centroid_lon, segment.centroid_lat)
        if distance < best_distance:
            best, best_distance = segment, distance
    return best if best_distance <= max_distance_m else None


#: Per-segment counts: (impact_count, total_count).
SegmentTally = tuple[int, int]


def merge_tallies(left: SegmentTally, right: SegmentTally) -> SegmentTally:
    """Combine two partial counts of the same segment (Spark's reduceByKey step)."""
    return left[0] + right[0], left[1] + right[1]


def tally_by_segment(points: Iterable[Mapping], segments: list[RoadSegment],
                     max_distance_m: float) -> dict[str, SegmentTally]:
    """Count scored readings per nearest segment; readings off the network are skipped.

    ``points`` are stage-1 output rows (``lon``, ``lat``, ``is_pothole``). Readings
    without a finite position cannot be placed and are skipped as well. Works on
    any subset of the day, so Spark can run it per partition and merge with
    :func:`merge_tallies`.
    """
    tallies: dict[str, SegmentTally] = {}
    for point in points:
        lon, lat = point.get("lon"), point.get("lat")
        if not (_is_finite_number(lon) and _is_finite_number(lat)):
            continue
        segment = nearest_segment(lon, lat, segments, max_distance_m)
        if segment is not None:
            observed: SegmentTally = (1 if point.get("is_pothole") else 0, 1)
            tallies[segment.s_id] = merge_tallies(tallies.get(segment.s_id, (0, 0)), observed)
    return tallies


def segment_summary_rows(tallies: Mapping[str, SegmentTally], segments: Iterable[RoadSegment],
                         batch_date: str) -> list[dict]:
    """Stage-2 output rows, in road-network order, for segments that saw at least one reading.

    A segment nobody drove over that day has no observation, not "zero potholes",
    so it gets no row; downstream reads a missing row as "no data".
    """
    return [
        {
            "s_id": segment.s_id,
            "centroid_lon": segment.centroid_lon,
            "centroid_lat": segment.centroid_lat,
            "date": batch_date,
            "impact_count": tallies[segment.s_id][0],
            "total_count": tallies[segment.s_id][1],
        }
        for segment in segments
        if segment.s_id in tallies
    ]


# --------------------------------------------------------------------------
# Command-line arguments shared by both drivers
# --------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Hadoop's S3 connectors other than s3a are absent from a plain Spark install:
# such a URI would only fail after the cluster has started, with a cryptic error.
_UNSUPPORTED_SCHEMES = ("s3://", "s3n://")


def batch_date_arg(text: str) -> str:
    """argparse type: a real calendar date written exactly as YYYY-MM-DD."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None
    return text


def uri_arg(text: str) -> str:
    """argparse type: a non-empty URI that Spark can read (s3a://, hdfs://, file:// or a path)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("URI must not be empty")
    if text.lower().startswith(_UNSUPPORTED_SCHEMES):
        raise argparse.ArgumentTypeError(f"{text!r}: use the s3a:// scheme, Spark has no s3/s3n filesystem")
    return text


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    value = _finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def add_io_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every stage takes: the batch date and where to read and write."""
    parser.add_argument("--batch-date", required=True, type=batch_date_arg, metavar="YYYY-MM-DD",
                        help="day being processed (the dt= partition)")
    parser.add_argument("--input", required=True, type=uri_arg, metavar="URI",
                        help="input Parquet directory, e.g. s3a://bucket/prefix/dt=YYYY-MM-DD/")
    parser.add_argument("--output", required=True, type=uri_arg, metavar="URI",
                        help="output Parquet directory, overwritten; Spark writes _SUCCESS last")


def run_stage(stage: str, args: argparse.Namespace, run_on_spark, log: logging.Logger) -> int:
    """The spark-submit entry point every stage shares: 0 on success, 1 on any failure (logged)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run_on_spark(args)
    except ContractError as e:
        # The data's fault, not the code's: the message says what differs, a traceback would not help.
        log.error("%s failed for batch date %s: %s", stage, args.batch_date, e)
        return 1
    except Exception:
        log.exception("%s failed for batch date %s", stage, args.batch_date)
        return 1
    return 0
