"""Stage 1 of the daily pothole batch: anomaly detection (PySpark driver).

Reads one day of raw sensor readings (Parquet, one file per trip), keeps readings
taken while moving with a usable GPS fix, scores each reading by how far its
vertical acceleration and pitch rate stand out from the rest of its trip, and
writes every kept reading with its impact score and pothole flag.

    spark-submit --py-files pothole_common.py stage1_anomaly_detection.py \\
        --batch-date 2026-02-12 \\
        --input  s3a://BUCKET/raw-sensor-data/dt=2026-02-12/ \\
        --output s3a://BUCKET/stage1_anomaly_detected/dt=2026-02-12/

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

STAGE_NAME = "stage1_anomaly_detection"
LOG = logging.getLogger(STAGE_NAME)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Validate the command line; bad arguments end the process with exit code 2."""
    defaults = pc.AnomalyParams()
    parser = argparse.ArgumentParser(
        prog=STAGE_NAME, description="Stage 1 of the daily pothole batch: anomaly detection.")
    pc.add_io_arguments(parser)
    parser.add_argument("--min-velocity", type=pc.non_negative_float, default=defaults.min_velocity,
                        metavar="KMH", help="keep readings strictly faster than this (default %(default)s km/h)")
    parser.add_argument("--max-hdop", type=pc.non_negative_float, default=defaults.max_hdop,
                        help="keep readings with hdop up to this (default %(default)s)")
    parser.add_argument("--min-satellites", type=pc.non_negative_int, default=defaults.min_satellites,
                        help="keep readings with at least this many satellites (default %(default)s)")
    parser.add_argument("--weight-accel", type=pc.non_negative_float, default=defaults.weight_accel,
                        help="weight of |z(accel_z)| in the impact score (default %(default)s)")
    parser.add_argument("--weight-gyro", type=pc.non_negative_float, default=defaults.weight_gyro,
                        help="weight of |z(gyro_y)| in the impact score (default %(default)s)")
    parser.add_argument("--impact-threshold", type=pc.non_negative_float, default=defaults.impact_threshold,
                        help="flag a pothole when the impact score is above this (default %(default)s)")
    return parser.parse_args(argv)


def anomaly_params(args: argparse.Namespace) -> pc.AnomalyParams:
    """The tuning flags as the parameter object the core functions take."""
    return pc.AnomalyParams(
        min_velocity=args.min_velocity,
        max_hdop=args.max_hdop,
        min_satellites=args.min_satellites,
        weight_accel=args.weight_accel,
        weight_gyro=args.weight_gyro,
        impact_threshold=args.impact_threshold,
    )


def transform(args: argparse.Namespace, input_files: list[list[dict]],
              references: Mapping[str, str]) -> list[dict]:
    """The whole stage on plain rows, for the local stand-in.

    ``input_files`` holds the day's trip files, each parsed into row dicts with
    the raw input columns. Readings are grouped by ``trip_id`` (not by file), as
    the Spark job does. Stage 1 has no side inputs, so ``references`` is unused.
    Returns rows with exactly the columns ``timestamp, lon, lat, impact_score,
    is_pothole``.
    """
    rows = list(pc.check_rows(STAGE_NAME, pc.iter_rows(input_files), pc.STAGE1_INPUT_SCHEMA))
    scored = pc.detect_anomalies(rows, anomaly_params(args))
    pc.require_rows(STAGE_NAME, len(scored), len(rows), "no reading was taken while moving with a usable GPS fix")
    return scored


def _run_on_spark(args: argparse.Namespace) -> None:
    """The cluster job.

    NOT RUN during development: Spark/PySpark cannot be installed on the machine
    this was written on. Written against the PySpark 3.5 API and reviewed by hand;
    the logic inside the tasks is the tested ``pothole_common.score_trip``.

    Trips are grouped with the RDD API rather than ``applyInPandas`` so that the
    cluster needs neither pandas nor pyarrow (the nodes install Spark only).
    One trip's readings must fit in one task's memory, which holds comfortably
    for a day of 10 Hz readings per trip.
    """
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    output_schema = T.StructType([
        T.StructField("timestamp", T.LongType(), False),
        T.StructField("lon", T.DoubleType(), False),
        T.StructField("lat", T.DoubleType(), False),
        T.StructField("impact_score", T.DoubleType(), False),
        T.StructField("is_pothole", T.BooleanType(), False),
    ])
    params = anomaly_params(args)
    output_columns = pc.STAGE1_OUTPUT_COLUMNS

    spark = SparkSession.builder.appName(STAGE_NAME).getOrCreate()
    try:
        raw = spark.read.parquet(args.input)
        pc.check_schema(STAGE_NAME, args.input, [(f.name, f.dataType.simpleString()) for f in raw.schema.fields], pc.STAGE1_INPUT_SCHEMA)
        readings = raw.select(*pc.STAGE1_INPUT_COLUMNS)
        scored = (
            readings.rdd
            .map(lambda reading: (reading["trip_id"], reading.asDict()))
            .groupByKey()
            .flatMap(lambda trip: pc.score_trip(trip[1], params))
            .map(lambda row: tuple(row[column] for column in output_columns))
        )
        result = spark.createDataFrame(scored, output_schema).cache()
        pc.require_rows(STAGE_NAME, result.count(), readings.count(), "no reading was taken while moving with a usable GPS fix")
        result.write.mode("overwrite").parquet(args.output)
        LOG.info("stage 1 for %s written to %s", args.batch_date, args.output)
    finally:
        spark.stop()


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point for spark-submit: 0 on success, 1 on any failure, 2 on bad arguments."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return pc.run_stage(STAGE_NAME, args, _run_on_spark, LOG)


if __name__ == "__main__":
    sys.exit(main())
