"""Stage 2 of the daily pothole batch: spatial aggregation per road segment (PySpark driver).

Reads stage 1's scored readings (Parquet), places each reading on the road
segment whose midpoint is nearest (readings farther than ``--max-distance-m``
from every midpoint are off the mapped network and dropped), and writes one row
per segment seen that day: how many readings it got and how many were flagged.

    spark-submit --py-files pothole_common.py stage2_spatial_clustering.py \\
        --batch-date 2026-02-12 \\
        --input  s3a://BUCKET/stage1_anomaly_detected/dt=2026-02-12/ \\
        --output s3a://BUCKET/stage2_spatial_clustering/dt=2026-02-12/ \\
        --roads  s3a://BUCKET/code/reference/road_segments.csv

PySpark is imported inside ``main()`` only: the local stand-in imports this
module on a machine without Spark and calls ``parse_args`` and ``transform``,
which run the same functions of ``pothole_common`` that the Spark job runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Mapping, Optional

import pothole_common as pc

STAGE_NAME = "stage2_spatial_clustering"
LOG = logging.getLogger(STAGE_NAME)
DEFAULT_MAX_DISTANCE_M = 50.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Validate the command line; bad arguments end the process with exit code 2."""
    parser = argparse.ArgumentParser(
        prog=STAGE_NAME, description="Stage 2 of the daily pothole batch: spatial aggregation per road segment.")
    pc.add_io_arguments(parser)
    parser.add_argument("--roads", required=True, type=pc.uri_arg, metavar="URI",
                        help="road network CSV: s_id,start_lon,start_lat,end_lon,end_lat")
    parser.add_argument("--max-distance-m", type=pc.positive_float, default=DEFAULT_MAX_DISTANCE_M,
                        metavar="METRES",
                        help="drop readings farther than this from every segment midpoint (default %(default)s)")
    return parser.parse_args(argv)


def _road_network(csv_text: str, max_distance_m: float) -> list[pc.RoadSegment]:
    """Parse the network and warn about segments too long for the distance limit."""
    segments = pc.parse_road_segments(csv_text)
    too_long = pc.segments_too_long_for(segments, max_distance_m)
    if too_long:
        LOG.warning(
            "%d road segment(s) are longer than 2 x --max-distance-m (%s m); readings near their ends "
            "will be dropped as off-network: %s",
            len(too_long), max_distance_m, ", ".join(segment.s_id for segment in too_long[:10]))
    return segments


def transform(args: argparse.Namespace, input_files: list[list[dict]],
              references: Mapping[str, str]) -> list[dict]:
    """The whole stage on plain rows, for the local stand-in.

    ``input_files`` holds stage 1's output objects parsed into row dicts;
    ``references["roads"]`` is the text of the road network CSV named by
    ``--roads``. Returns rows with exactly the columns ``s_id, centroid_lon,
    centroid_lat, date, impact_count, total_count``, where ``date`` is
    ``args.batch_date`` as a YYYY-MM-DD string.
    """
    if "roads" not in references:
        raise ValueError("stage 2 needs the road network CSV text as references['roads']")
    segments = _road_network(references["roads"], args.max_distance_m)
    points = list(pc.check_rows(STAGE_NAME, pc.iter_rows(input_files), pc.STAGE2_INPUT_SCHEMA))
    tallies = pc.tally_by_segment(points, segments, args.max_distance_m)
    rows = pc.segment_summary_rows(tallies, segments, args.batch_date)
    pc.require_rows(STAGE_NAME, len(rows), len(points), f"no scored reading within {args.max_distance_m:g} m of a road segment")
    return rows


def _run_on_spark(args: argparse.Namespace) -> None:
    """The cluster job.

    NOT RUN during development: Spark/PySpark cannot be installed on the machine
    this was written on. Written against the PySpark 3.5 API and reviewed by hand;
    the logic inside the tasks is the tested ``pothole_common`` code.

    The road network is small, so it is read on the driver and broadcast. Each
    partition counts its readings per segment, the partial counts are merged per
    segment, and the merged counts (at most one per segment) come back to the
    driver to be turned into rows. ``date`` is written as a Parquet DATE.
    """
    from datetime import date

    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    output_schema = T.StructType([
        T.StructField("s_id", T.StringType(), False),
        T.StructField("centroid_lon", T.DoubleType(), False),
        T.StructField("centroid_lat", T.DoubleType(), False),
        T.StructField("date", T.DateType(), False),
        T.StructField("impact_count", T.LongType(), False),
        T.StructField("total_count", T.LongType(), False),
    ])
    max_distance_m = args.max_distance_m

    spark = SparkSession.builder.appName(STAGE_NAME).getOrCreate()
    try:
        # wholeTextFiles yields (path, content); --roads names a single CSV object.
        roads_csv = spark.sparkContext.wholeTextFiles(args.roads).values().first()
        segments = _road_network(roads_csv, max_distance_m)
        segments_broadcast = spark.sparkContext.broadcast(segments)

        scored = spark.read.parquet(args.input)
        pc.check_schema(STAGE_NAME, args.input, [(f.name, f.dataType.simpleString()) for f in scored.schema.fields], pc.STAGE2_INPUT_SCHEMA)
        tallies = (
            scored.select("lon", "lat", "is_pothole").rdd
            .mapPartitions(lambda points: pc.tally_by_segment(
                (point.asDict() for point in points), segments_broadcast.value, max_distance_m).items())
            .reduceByKey(pc.merge_tallies)
            .collectAsMap()
        )
        rows = pc.segment_summary_rows(tallies, segments, args.batch_date)
        pc.require_rows(STAGE_NAME, len(rows), scored.count(), f"no scored reading within {max_distance_m:g} m of a road segment")
        batch_day = date.fromisoformat(args.batch_date)
        records = [
            (row["s_id"], row["centroid_lon"], row["centroid_lat"], batch_day,
             row["impact_count"], row["total_count"])
            for row in rows
        ]
        # One small file: the output has at most one row per road segment.
        spark.createDataFrame(records, output_schema).coalesce(1).write.mode("overwrite").parquet(args.output)
        LOG.info("stage 2 for %s: %d segment(s) observed, %d with pothole impacts, written to %s",
                 args.batch_date, len(rows), sum(1 for row in rows if row["impact_count"] > 0), args.output)
    finally:
        spark.stop()


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point for spark-submit: 0 on success, 1 on any failure, 2 on bad arguments."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return pc.run_stage(STAGE_NAME, args, _run_on_spark, LOG)


if __name__ == "__main__":
    sys.exit(main())
